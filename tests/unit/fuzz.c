// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile-input loop over the kernel's pure codecs (kernel/ccid.c, t1.c,
 * apdu.c), built with AddressSanitizer and UBSan.  With -DLIBFUZZER it is a
 * libFuzzer target; otherwise main() feeds it pseudo-random inputs.  The
 * first input byte picks the target; for the exchanges the rest is what a
 * malicious reader answers, message by message.
 */
#include <stdio.h>
#include <stdlib.h>
#include "apdu.h"
#include "ccid.h"
#include "t1.h"

struct feed {
	const u8 *data;
	size_t len;
	u8 seq;
};

static int feed_send(void *ctx, const u8 *msg, size_t len)
{
	struct feed *f = ctx;

	if (len < CCID_HDR_LEN)
		abort();	/* the driver never sends a short message */
	f->seq = msg[6];
	return 0;
}

/* Next answer: a length byte, then that many abData bytes in a DataBlock
 * with a mostly valid header (flag byte picks status/chain/raw). */
static int feed_recv(void *ctx, u8 *buf, size_t cap, size_t *len,
		     unsigned int timeout_ms)
{
	struct feed *f = ctx;
	size_t n;
	u8 flags;

	(void)timeout_ms;
	if (f->len < 2)
		return -ETIMEDOUT;
	flags = f->data[0];
	n = f->data[1];
	f->data += 2;
	f->len -= 2;
	if (n > f->len)
		n = f->len;
	if (flags & 0x80) {		/* raw message, header and all */
		if (n > cap)
			n = cap;
		memcpy(buf, f->data, n);
		*len = n;
	} else {
		if (n + CCID_HDR_LEN > cap)
			n = cap - CCID_HDR_LEN;
		buf[0] = CCID_RDR_DATA_BLOCK;
		put_unaligned_le32(n, buf + 1);
		buf[5] = 0;
		buf[6] = f->seq;
		buf[7] = (flags & 0x40) ? 0x80 : 0;	/* time extension */
		buf[8] = 0;
		buf[9] = flags & 0x13;			/* chain parameter */
		memcpy(buf + CCID_HDR_LEN, f->data, n);
		*len = n + CCID_HDR_LEN;
	}
	f->data += n;
	f->len -= n;
	return 0;
}

static const struct ccid_port_ops feed_ops = {
	.send = feed_send,
	.recv = feed_recv,
};

static u8 msgbuf[65600];
static u8 rsp[65600];

static void fuzz_exchange(const u8 *data, size_t size, bool t1_level)
{
	static const u8 apdu[] = { 0x00, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00 };
	static u8 big[1500];
	struct t1_atr a = { .t1 = true, .ifsc = 32, .bwi = 4 };
	struct feed f = { data, size, 0 };
	struct ccid_port p = {
		.ops = &feed_ops, .ctx = &f, .buf = msgbuf,
		.buf_size = sizeof(msgbuf), .max_msg = 271,
	};
	static struct t1_state t1;
	size_t n = 0;
	int rc;

	memset(big, 0x5a, sizeof(big));
	if (t1_level) {
		t1_init(&t1, &p, &a, 254, 271);
		rc = t1_transceive(&t1, size & 1 ? big : apdu,
				   size & 1 ? sizeof(big) : sizeof(apdu),
				   rsp, 300, &n, 100000);
	} else {
		rc = ccid_xfr_apdu(&p, size & 1 ? big : apdu,
				   size & 1 ? sizeof(big) : sizeof(apdu),
				   rsp, 300, &n, 1000);
	}
	if (!rc && n > 300)
		abort();
}

static void fuzz_one(const u8 *data, size_t size)
{
	struct ccid_reply r;
	struct ccid_desc d;
	struct schsm_apdu a;
	struct t1_atr atr;
	bool x, y;
	u8 sel;

	if (!size)
		return;
	sel = data[0] % 8;
	data++;
	size--;
	switch (sel) {
	case 0:
		ccid_parse_reply(data, size, 0x80, 0, size ? data[0] : 0, &r);
		break;
	case 1:
		ccid_parse_class_desc(data, size, &d);
		ccid_parse_notify(data, size, &x, &y);
		break;
	case 2:
		t1_parse_atr(data, size, &atr);
		break;
	case 3:
		t1_check_block(data, size);
		break;
	case 4:
		if (!schsm_apdu_parse(data, size, &a) &&
		    (a.data_off + a.nc > size || (a.le_off && a.le_off >= size)))
			abort();
		break;
	case 5:
	case 6:
		fuzz_exchange(data, size, sel == 5);
		break;
	case 7:
		if (size > 0 && size < sizeof(msgbuf)) {
			u8 *copy = malloc(size);

			memcpy(copy, data, size);
			if (!schsm_apdu_parse(copy, size, &a))
				schsm_apdu_limit_ne(copy, size, &a, 372);
			free(copy);
		}
		break;
	}
}

#ifdef LIBFUZZER
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}
#else
/* xorshift: reproducible pseudo-random inputs */
static u32 rnd(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	static u8 in[4096];
	u32 seed = 0x5c5a1d;
	unsigned long i;
	size_t n, j;

	for (i = 0; i < iters; i++) {
		n = rnd(&seed) % sizeof(in);
		if (i % 4 == 0)
			n %= 64;
		for (j = 0; j < n; j++)
			in[j] = rnd(&seed);
		/* bias exchanges toward plausible T=1 blocks */
		if (n > 8 && (i & 1)) {
			in[3] = 0;		/* NAD */
			in[5] = n > 300 ? 20 : in[5] % 40;	/* LEN */
		}
		fuzz_one(in, n);
	}
	printf("%lu random inputs\n", iters);
	return 0;
}
#endif
