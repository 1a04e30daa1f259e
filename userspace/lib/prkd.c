// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: PKCS#15 private key descriptions for EF C4xx. */
#include <errno.h>
#include <string.h>

#include "prkd.h"
#include "tlv.h"

static void put_int(struct tlvb *b, unsigned int v)
{
	uint8_t be[5];
	size_t n = 0, i;

	/* minimal two's complement, positive */
	for (i = 0; i < 4; i++)
		be[1 + i] = (uint8_t)(v >> (24 - 8 * i));
	be[0] = 0;
	while (n < 4 && be[n] == 0 && !(be[n + 1] & 0x80))
		n++;
	tlvb_put(b, 0x02, be + n, 5 - n);
}

int prkd_encode(int is_ec, const char *label, const uint8_t *id, size_t id_len,
		unsigned int key_ref, unsigned int bits, uint8_t **out, size_t *len)
{
	static const uint8_t flags[] = { 0x06, 0xC0 };		/* private, modifiable */
	static const uint8_t auth_id[] = { 0x01 };		/* the user PIN */
	static const uint8_t use_rsa[] = { 0x04, 0x70 };	/* decrypt, sign, signRecover */
	static const uint8_t use_ec[] = { 0x07, 0x20, 0x80 };	/* sign, derive */
	size_t llen = strlen(label), top, m, m2;
	struct tlvb b;

	if (!llen || llen > PRKD_MAX_LABEL || !id_len || id_len > 32)
		return -EINVAL;
	tlvb_init(&b);
	top = tlvb_open(&b, is_ec ? 0xA0 : 0x30);
	m = tlvb_open(&b, 0x30);
	tlvb_put(&b, 0x0C, label, llen);
	tlvb_put(&b, 0x03, flags, sizeof(flags));
	tlvb_put(&b, 0x04, auth_id, sizeof(auth_id));
	tlvb_close(&b, m);
	m = tlvb_open(&b, 0x30);
	tlvb_put(&b, 0x04, id, id_len);
	if (is_ec)
		tlvb_put(&b, 0x03, use_ec, sizeof(use_ec));
	else
		tlvb_put(&b, 0x03, use_rsa, sizeof(use_rsa));
	put_int(&b, key_ref);
	tlvb_close(&b, m);
	m = tlvb_open(&b, 0xA1);
	m2 = tlvb_open(&b, 0x30);
	tlvb_put(&b, 0x30, "\x04\x00", 2);	/* empty path: the key is CCxx */
	put_int(&b, bits);
	tlvb_close(&b, m2);
	tlvb_close(&b, m);
	tlvb_close(&b, top);
	if (b.err) {
		tlvb_free(&b);
		return -EINVAL;
	}
	*out = tlvb_take(&b, len);
	return *out ? 0 : -ENOMEM;
}
