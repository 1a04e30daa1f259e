// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the kernel's pure codecs, compiled from kernel/ccid.c,
 * t1.c and apdu.c.  Expected bytes are ISO/IEC 7816-3 block framing
 * (NAD PCB LEN INF LRC, e.g. the S(IFS request) 00 C1 01 FE 3E seen in
 * libccid logs), CCID 1.1 message layouts, and the Nitrokey HSM's
 * descriptor and ATR as documented from libccid's reader dump.
 */
#include <stdio.h>
#include <stdlib.h>
#include "apdu.h"
#include "ccid.h"
#include "mock.h"
#include "t1.h"

static unsigned int passed, failed;

static void ok(bool cond, const char *name, const char *diag)
{
	if (cond) {
		printf("ok %u - %s\n", passed + failed + 1, name);
		passed++;
	} else {
		printf("not ok %u - %s\n", passed + failed + 1, name);
		if (diag && *diag)
			printf("# %s\n", diag);
		failed++;
	}
}

#define SEL_APDU "00A4040C0BE82B0601040181C31F0201"
#define SEL_I0 "00 00 10 00 A4 04 0C 0B E8 2B 06 01 04 01 81 C3 1F 02 01 28"
#define CARD_I0_9000 "00 00 02 90 00 92"
#define CARD_I1_9000 "00 40 02 90 00 D2"

static const u8 nitrokey_atr[] = {
	0x3b, 0xde, 0x18, 0xff, 0x81, 0x91, 0xfe, 0x1f, 0xc3, 0x80, 0x31, 0x81,
	0x54, 0x48, 0x53, 0x4d, 0x31, 0x73, 0x80, 0x21, 0x40, 0x81, 0x07, 0x1c,
};

static const u8 idcard_atr[] = {
	0x3b, 0xfe, 0x18, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x45, 0x80, 0x31, 0x81,
	0x54, 0x48, 0x53, 0x4d, 0x31, 0x73, 0x80, 0x21, 0x40, 0x81, 0x07, 0xfa,
};

static u8 buf[70000];
static u8 rsp[70000];

/* --- CCID --------------------------------------------------------------- */

static void test_class_desc(void)
{
	u8 d[54] = { 54, 0x21, 0x10, 0x01, 0, 0x02 };
	struct ccid_desc desc;
	int rc;

	put_unaligned_le32(2, d + 6);		/* dwProtocols: T=1 */
	put_unaligned_le32(3600, d + 10);
	put_unaligned_le32(3600, d + 14);
	put_unaligned_le32(9677, d + 19);
	put_unaligned_le32(116129, d + 23);
	put_unaligned_le32(254, d + 28);	/* dwMaxIFSD */
	put_unaligned_le32(0x000104ba, d + 40);	/* dwFeatures */
	put_unaligned_le32(271, d + 44);	/* dwMaxCCIDMessageLength */
	d[53] = 1;

	rc = ccid_parse_class_desc(d, sizeof(d), &desc);
	ok(!rc && desc.bcd_ccid == 0x0110 && desc.protocols == 2 &&
	   desc.max_ifsd == 254 && desc.features == 0x000104ba &&
	   desc.max_msg == 271 && desc.max_busy == 1,
	   "ccid: Nitrokey HSM class descriptor fields", NULL);
	ok(ccid_parse_class_desc(d, 53, &desc) == -EINVAL,
	   "ccid: short class descriptor rejected", NULL);
	d[1] = 0x24;
	ok(ccid_parse_class_desc(d, sizeof(d), &desc) == -EINVAL,
	   "ccid: wrong descriptor type rejected", NULL);
}

static void test_header(void)
{
	static const u8 want[] = { 0x62, 0, 0, 0, 0, 0, 5, 0, 0, 0 };
	static const u8 want_xfr[] = { 0x6f, 0x05, 0x01, 0, 0, 0, 0x7f, 0x02,
				       0x03, 0x00 };
	u8 h[10];

	ccid_build_header(h, CCID_PC_POWER_ON, 0, 0, 5, 0, 0);
	ok(!memcmp(h, want, 10), "ccid: PC_to_RDR_IccPowerOn header", NULL);
	ccid_build_header(h, CCID_PC_XFR_BLOCK, 261, 0, 0x7f, 2, 3);
	ok(!memcmp(h, want_xfr, 10),
	   "ccid: XfrBlock header (dwLength LE, bBWI, wLevelParameter)", NULL);
}

/*
 * QEMU's usb-ccid answers an exchange in flight with an empty DataBlock,
 * command status "processed" and bmICCStatus 2, while its card goes
 * (CCID 1.1 6.2.6: 2 = no ICC present).
 */
static void test_reply_slot_empty(void)
{
	u8 m[10] = { 0x80, 0, 0, 0, 0, 0, 7, 0x02, 0, 0 };
	u8 s[10] = { 0x81, 0, 0, 0, 0, 0, 7, 0x02, 0, 0 };
	struct ccid_reply r;

	ok(ccid_parse_reply(m, 10, 0x80, 0, 7, &r) == -ENOMEDIUM,
	   "ccid: DataBlock 'processed' with the slot empty -> ENOMEDIUM", NULL);
	ok(ccid_parse_reply(s, 10, 0x81, 0, 7, &r) == -ENOMEDIUM &&
	   (r.status & 0x03) == 0x02,
	   "ccid: SlotStatus of an empty slot: ENOMEDIUM, status still given",
	   NULL);
}

static void test_reply(void)
{
	u8 m[16] = { 0x80, 2, 0, 0, 0, 0, 7, 0, 0, 0, 0x90, 0x00 };
	struct ccid_reply r;

	ok(ccid_parse_reply(m, 12, 0x80, 0, 7, &r) == 0 && r.len == 2 &&
	   r.data[0] == 0x90, "ccid: DataBlock accepted", NULL);
	ok(ccid_parse_reply(m, 9, 0x80, 0, 7, &r) == -EPROTO,
	   "ccid: truncated header rejected", NULL);
	ok(ccid_parse_reply(m, 11, 0x80, 0, 7, &r) == -EPROTO,
	   "ccid: dwLength beyond the bytes received rejected", NULL);
	ok(ccid_parse_reply(m, 13, 0x80, 0, 7, &r) == -EPROTO,
	   "ccid: trailing bytes beyond dwLength rejected", NULL);
	ok(ccid_parse_reply(m, 12, 0x80, 0, 8, &r) == -EPROTO,
	   "ccid: wrong bSeq rejected", NULL);
	ok(ccid_parse_reply(m, 12, 0x80, 1, 7, &r) == -EPROTO,
	   "ccid: wrong bSlot rejected", NULL);
	ok(ccid_parse_reply(m, 12, 0x81, 0, 7, &r) == -EPROTO,
	   "ccid: unexpected message type rejected", NULL);
	m[7] = 0x80;
	ok(ccid_parse_reply(m, 12, 0x80, 0, 7, &r) == 1,
	   "ccid: time extension recognised", NULL);
	m[7] = 0x42;
	m[8] = 0xfe;
	ok(ccid_parse_reply(m, 12, 0x80, 0, 7, &r) == -ENOMEDIUM,
	   "ccid: failed command with no card -> ENOMEDIUM", NULL);
	m[7] = 0x40;
	ok(ccid_parse_reply(m, 12, 0x80, 0, 7, &r) == -ETIMEDOUT,
	   "ccid: ICC_MUTE -> ETIMEDOUT", NULL);
	m[7] = 0xc0;
	ok(ccid_parse_reply(m, 12, 0x80, 0, 7, &r) == -EPROTO,
	   "ccid: reserved command status rejected", NULL);
	test_reply_slot_empty();
}

static void test_notify(void)
{
	static const u8 ins[] = { 0x50, 0x03 }, rem[] = { 0x50, 0x02 };
	static const u8 hw[] = { 0x51, 0, 0, 1 };
	bool present, changed;

	ok(!ccid_parse_notify(ins, 2, &present, &changed) && present && changed,
	   "ccid: NotifySlotChange 50 03 = inserted", NULL);
	ok(!ccid_parse_notify(rem, 2, &present, &changed) && !present &&
	   changed, "ccid: NotifySlotChange 50 02 = removed", NULL);
	ok(ccid_parse_notify(hw, 4, &present, &changed) == -EAGAIN,
	   "ccid: HardwareError carries no slot state", NULL);
	ok(ccid_parse_notify(ins, 1, &present, &changed) == -EPROTO,
	   "ccid: one-byte notification rejected", NULL);
}

static void test_apdu_chaining(void)
{
	static const struct mock_step steps[] = {
		{ .level = 0x01, .chain = 0x10 },
		{ .level = 0x03, .chain = 0x10 },
		{ .level = 0x02, .chain = 0x01,
		  .reply = "01 02 03 04" },
		{ .expect = "", .level = 0x10, .chain = 0x03,
		  .reply = "05 06" },
		{ .expect = "", .level = 0x10, .chain = 0x02,
		  .reply = "90 00" },
	};
	static const u8 want[] = { 1, 2, 3, 4, 5, 6, 0x90, 0 };
	struct ccid_port p;
	struct mock m;
	u8 cmd[600];
	size_t n = 0;
	int rc;

	memset(cmd, 0xab, sizeof(cmd));
	mock_port(&p, &m, buf, sizeof(buf), steps, 5);
	p.max_msg = 271;
	rc = ccid_xfr_apdu(&p, cmd, sizeof(cmd), rsp, sizeof(rsp), &n, 1000);
	ok(!rc && n == 8 && !memcmp(rsp, want, 8) && m.pos == 5,
	   "ccid: extended APDU chained 01/03/02, response 01/03/02 via 10",
	   m.err);

	mock_port(&p, &m, buf, sizeof(buf), steps, 5);
	p.max_msg = 271;
	rc = ccid_xfr_apdu(&p, cmd, sizeof(cmd), rsp, 5, &n, 1000);
	ok(rc == -EMSGSIZE && m.pos == 5,
	   "ccid: chained response too big read to its end, -EMSGSIZE", m.err);
}

static void test_time_extension(void)
{
	static struct mock_step steps[64];
	struct ccid_port p;
	struct mock m;
	u8 cmd[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
	size_t i, n = 0;
	int rc;

	for (i = 0; i < 64; i++)
		steps[i] = (struct mock_step){ .status = 0x80, .error = 1 };
	steps[0].expect = "0084000008";
	mock_port(&p, &m, buf, sizeof(buf), steps, 64);
	rc = ccid_xfr_apdu(&p, cmd, sizeof(cmd), rsp, sizeof(rsp), &n, 10000);
	ok(rc == -ETIMEDOUT && m.pos == 20,
	   "ccid: endless time extensions end after 20 (10 s budget)", m.err);
	steps[3] = (struct mock_step){ .reply = "01 02 90 00" };
	mock_port(&p, &m, buf, sizeof(buf), steps, 64);
	rc = ccid_xfr_apdu(&p, cmd, sizeof(cmd), rsp, sizeof(rsp), &n, 10000);
	ok(!rc && n == 4 && m.pos == 4,
	   "ccid: three time extensions, then the answer", m.err);
}

static void test_apdu_single(void)
{
	static const struct mock_step steps[] = {
		{ .expect = SEL_APDU, .level = 0, .reply = "6A 82" },
	};
	u8 cmd[32];
	struct ccid_port p;
	struct mock m;
	size_t n = 0, len = hex2bin(SEL_APDU, cmd, sizeof(cmd));
	int rc;

	mock_port(&p, &m, buf, sizeof(buf), steps, 1);
	rc = ccid_xfr_apdu(&p, cmd, len, rsp, sizeof(rsp), &n, 1000);
	ok(!rc && n == 2 && rsp[0] == 0x6a && rsp[1] == 0x82,
	   "ccid: short APDU in one XfrBlock, level 0", m.err);
}

/* --- ATR and T=1 -------------------------------------------------------- */

static void test_atr(void)
{
	struct t1_atr a;
	u8 bad[sizeof(nitrokey_atr)];

	ok(!t1_parse_atr(nitrokey_atr, sizeof(nitrokey_atr), &a) && a.t1 &&
	   a.ifsc == 254 && a.bwi == 4 && a.cwi == 13 && !a.crc &&
	   a.nhist == 14, "atr: Nitrokey HSM 2: T=1, IFSC 254 (TA3), BWI 4",
	   NULL);
	ok(!t1_parse_atr(idcard_atr, sizeof(idcard_atr), &a) && a.t1 &&
	   a.ifsc == 254 && a.bwi == 4 && a.cwi == 5,
	   "atr: SmartCard-HSM ID-1: IFSC 254, TB3 45 -> BWI 4 CWI 5", NULL);
	memcpy(bad, nitrokey_atr, sizeof(bad));
	bad[sizeof(bad) - 1] ^= 1;
	ok(t1_parse_atr(bad, sizeof(bad), &a) == -EPROTO,
	   "atr: wrong TCK rejected", NULL);
	ok(t1_parse_atr(nitrokey_atr, sizeof(nitrokey_atr) - 1, &a) == -EPROTO,
	   "atr: truncated ATR rejected", NULL);
	ok(t1_parse_atr(nitrokey_atr, 5, &a) == -EPROTO,
	   "atr: ATR cut inside interface bytes rejected", NULL);
	bad[0] = 0x3a;
	ok(t1_parse_atr(bad, sizeof(bad), &a) == -EPROTO,
	   "atr: bad TS rejected", NULL);
}

static void test_block_codec(void)
{
	static const u8 ifs[] = { 0x00, 0xc1, 0x01, 0xfe, 0x3e };
	u8 blk[8], inf = 0xfe;

	ok(t1_build_block(blk, 0xc1, &inf, 1) == 5 && !memcmp(blk, ifs, 5),
	   "t1: S(IFS request 254) = 00 C1 01 FE 3E", NULL);
	ok(!t1_check_block(ifs, 5), "t1: valid block accepted", NULL);
	blk[4] ^= 0x01;
	ok(t1_check_block(blk, 5) == -EBADMSG, "t1: bad LRC rejected", NULL);
	ok(t1_check_block(ifs, 4) == -EBADMSG,
	   "t1: LEN beyond block rejected", NULL);
}

struct t1_case {
	const char *name;
	const struct mock_step *steps;
	size_t n;
	const char *apdu;
	int want_rc;
	const char *want_rsp;
	u8 ifsc;
	u8 ns, nr;
	size_t cap;
	unsigned int want_sends;	/* 0: any */
};

static void run_t1_case(const struct t1_case *c, struct t1_state *t1)
{
	struct t1_atr a = { .t1 = true, .ifsc = 254, .bwi = 4 };
	static u8 cmd[1024], want[1024];
	struct ccid_port p;
	struct mock m;
	size_t n = 0, len, wlen;
	char diag[512];
	int rc;

	mock_port(&p, &m, buf, sizeof(buf), c->steps, c->n);
	p.max_msg = 271;
	t1_init(t1, &p, &a, 254, 271);
	if (c->ifsc)
		t1->ifsc = c->ifsc;
	t1->ns = c->ns;
	t1->nr = c->nr;
	len = hex2bin(c->apdu, cmd, sizeof(cmd));
	wlen = c->want_rsp ? hex2bin(c->want_rsp, want, sizeof(want)) : 0;
	rc = t1_transceive(t1, cmd, len, rsp, c->cap ? c->cap : sizeof(rsp),
			   &n, 10000);
	snprintf(diag, sizeof(diag), "rc %d (want %d), %zu bytes, step %zu/%zu, %u sends %s",
		 rc, c->want_rc, n, m.pos, c->n, m.sends, m.err);
	ok(rc == c->want_rc && !m.err[0] && m.pos == c->n &&
	   (rc || (n == wlen && !memcmp(rsp, want, wlen))) &&
	   (!c->want_sends || m.sends == c->want_sends), c->name, diag);
}

static void test_t1(void)
{
	static const struct mock_step simple[] = {
		{ .expect = SEL_I0, .reply = CARD_I0_9000 },
	};
	static const struct mock_step host_chain[] = {
		{ .expect = "00 20 04 01 02 03 04 20", .reply = "00 90 00 90" },
		{ .expect = "00 60 04 05 06 07 08 68", .reply = "00 80 00 80" },
		{ .expect = "00 00 02 09 0A 01", .reply = CARD_I0_9000 },
	};
	static const struct mock_step card_chain[] = {
		{ .expect = SEL_I0, .reply = "00 20 02 01 02 21" },
		{ .expect = "00 90 00 90", .reply = CARD_I1_9000 },
	};
	static const struct mock_step wtx[] = {
		{ .expect = SEL_I0, .reply = "00 C3 01 02 C0" },
		{ .expect = "00 E3 01 02 E0", .reply = CARD_I0_9000 },
	};
	static const struct mock_step bad_lrc[] = {
		{ .expect = SEL_I0, .reply = "00 00 02 90 00 93" },
		{ .expect = "00 81 00 81", .reply = CARD_I0_9000 },
	};
	static const struct mock_step ifs_req[] = {
		{ .expect = SEL_I0, .reply = "00 C1 01 20 E0" },
		{ .expect = "00 E1 01 20 C0", .reply = CARD_I0_9000 },
	};
	static const struct mock_step wtx_storm[] = {
		{ .expect = SEL_I0, .reply = "00 C3 01 01 C3" },
		{ .expect = "00 E3 01 01 E3", .reply = "00 C3 01 01 C3" },
		{ .expect = "00 E3 01 01 E3", .reply = "00 C3 01 01 C3" },
		{ .expect = "00 E3 01 01 E3", .reply = "00 C3 01 01 C3" },
		{ .expect = "00 E3 01 01 E3", .reply = "00 C3 01 01 C3" },
		{ .expect = "00 E3 01 01 E3", .reply = "00 C3 01 01 C3" },
		{ .expect = "00 E3 01 01 E3", .reply = "00 C3 01 01 C3" },
	};
	static const struct mock_step mute[] = {
		{ .expect = SEL_I0, .reply_rc = -ETIMEDOUT },
	};
	static const struct mock_step garbage[] = {
		{ .expect = SEL_I0, .reply = "FF" },
		{ .expect = "00 81 00 81", .reply = "00 00 05 90" },
		{ .expect = "00 81 00 81", .reply = "00 00 02 90 00 00" },
		{ .expect = "00 81 00 81", .reply = "" },
		{ .expect = "00 C0 00 C0", .reply = "00 E0 00 E0" },
	};
	static const struct mock_step wrong_ns[] = {
		{ .expect = SEL_I0, .reply = CARD_I1_9000 },
		{ .expect = "00 82 00 82", .reply = CARD_I0_9000 },
	};
	static const struct mock_step second[] = {
		{ .expect = "00 40 05 00 84 00 00 08 C9",
		  .reply = "00 40 0A 01 02 03 04 05 06 07 08 90 00 D2" },
	};
	static const struct mock_step card_nak[] = {
		{ .expect = SEL_I0, .reply = "00 80 00 80" },
		{ .expect = SEL_I0, .reply = CARD_I0_9000 },
	};
	static const struct mock_step overflow[] = {
		{ .expect = SEL_I0, .reply = "00 00 04 01 02 90 00 97" },
	};
#define T1_CASE(title, st, ...) { .name = title, .steps = st, \
	.n = sizeof(st) / sizeof(st[0]), __VA_ARGS__ }
	static const struct t1_case cases[] = {
		T1_CASE("t1: SELECT in one I-block, answer 90 00", simple,
			.apdu = SEL_APDU, .want_rsp = "9000"),
		T1_CASE("t1: command chained over IFSC 4 (I(0,M) R(1) I(1,M) R(0) I(0))",
			host_chain, .apdu = "0102030405060708090A",
			.want_rsp = "9000", .ifsc = 4),
		T1_CASE("t1: card chaining acknowledged with R(1)", card_chain,
			.apdu = SEL_APDU, .want_rsp = "01029000"),
		T1_CASE("t1: S(WTX request 2) answered with S(WTX response 2)",
			wtx, .apdu = SEL_APDU, .want_rsp = "9000"),
		T1_CASE("t1: bad LRC answered with R-block (EDC error)",
			bad_lrc, .apdu = SEL_APDU, .want_rsp = "9000"),
		T1_CASE("t1: S(IFS request) from the card answered", ifs_req,
			.apdu = SEL_APDU, .want_rsp = "9000"),
		T1_CASE("t1: WTX storm beyond the 10 s budget (BWT 1.6 s): -ETIMEDOUT",
			wtx_storm, .apdu = SEL_APDU, .want_rc = -ETIMEDOUT),
		T1_CASE("t1: mute card: -ETIMEDOUT, command sent once", mute,
			.apdu = SEL_APDU, .want_rc = -ETIMEDOUT,
			.want_sends = 1),
		T1_CASE("t1: four bad blocks: S(RESYNCH), -EIO", garbage,
			.apdu = SEL_APDU, .want_rc = -EIO),
		T1_CASE("t1: wrong N(S) from the card: R-block (other error)",
			wrong_ns, .apdu = SEL_APDU, .want_rsp = "9000"),
		T1_CASE("t1: sequence numbers continue (N(S)=1)", second,
			.apdu = "0084000008",
			.want_rsp = "01020304050607089000", .ns = 1, .nr = 1),
		T1_CASE("t1: R(0) from the card: our I-block sent again",
			card_nak, .apdu = SEL_APDU, .want_rsp = "9000"),
		T1_CASE("t1: response larger than the buffer: -EMSGSIZE",
			overflow, .apdu = SEL_APDU, .want_rc = -EMSGSIZE,
			.cap = 3),
	};
	static struct t1_state t1;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_t1_case(&cases[i], &t1);
}

static void test_t1_ifs_state(void)
{
	static const struct mock_step ifs_req[] = {
		{ .expect = SEL_I0, .reply = "00 C1 01 20 E0" },
		{ .expect = "00 E1 01 20 C0", .reply = CARD_I0_9000 },
	};
	static const struct mock_step neg[] = {
		{ .expect = "00 C1 01 FE 3E", .reply = "00 E1 01 FE 1E" },
	};
	struct t1_atr a = { .t1 = true, .ifsc = 254, .bwi = 4 };
	static struct t1_state t1;
	struct ccid_port p;
	struct mock m;
	u8 cmd[32];
	size_t n, len = hex2bin(SEL_APDU, cmd, sizeof(cmd));

	mock_port(&p, &m, buf, sizeof(buf), ifs_req, 2);
	t1_init(&t1, &p, &a, 254, 271);
	t1_transceive(&t1, cmd, len, rsp, sizeof(rsp), &n, 1000);
	ok(t1.ifsc == 0x20, "t1: IFSC follows the card's S(IFS request)",
	   m.err);

	mock_port(&p, &m, buf, sizeof(buf), neg, 1);
	t1_init(&t1, &p, &a, 254, 271);
	ok(!t1_negotiate_ifsd(&t1, 1000) && m.pos == 1,
	   "t1: S(IFS request 254) exchanged when the reader does not", m.err);
	t1_init(&t1, &p, &a, 254, 100);
	ok(t1.ifsc == 100 - 14 && t1.ifsd == 100 - 14,
	   "t1: IFSC/IFSD bounded by dwMaxCCIDMessageLength", NULL);
}

/* --- APDU ---------------------------------------------------------------- */

static int parse_hex(const char *hex, struct schsm_apdu *a)
{
	u8 b[300];
	size_t n = hex2bin(hex, b, sizeof(b));

	return schsm_apdu_parse(b, n, a);
}

static void test_apdu(void)
{
	struct schsm_apdu a;
	u8 ext[] = { 0x00, 0xb1, 0x2f, 0x02, 0x00, 0x00, 0x04, 0x54, 0x02,
		     0x00, 0x00, 0x00, 0x00 };

	ok(!parse_hex("00A40400", &a) && !a.nc && !a.ne, "apdu: case 1", NULL);
	ok(!parse_hex("0084000008", &a) && a.ne == 8 && !a.extended,
	   "apdu: case 2S (Le 08)", NULL);
	ok(!parse_hex("00CA010000", &a) && a.ne == 256,
	   "apdu: case 2S, Le 00 = 256", NULL);
	ok(parse_hex("00200081063132333435", &a) == -EINVAL,
	   "apdu: Lc beyond the data rejected", NULL);
	ok(!parse_hex("002000810631323334353600", &a) && a.nc == 6 &&
	   a.ne == 256 && a.data_off == 5,
	   "apdu: case 4S (Lc 6, Le 00)", NULL);
	ok(parse_hex("00200081063132333435360102", &a) == -EINVAL,
	   "apdu: two bytes after short data rejected", NULL);
	ok(!parse_hex("00B00000000100", &a) && a.extended && a.ne == 256,
	   "apdu: case 2E (Le 0100)", NULL);
	ok(!parse_hex("00B00000000000", &a) && a.ne == 65536,
	   "apdu: case 2E, Le 0000 = 65536", NULL);
	ok(!schsm_apdu_parse(ext, sizeof(ext), &a) && a.extended &&
	   a.nc == 4 && a.ne == 65536 && a.le_off == 11,
	   "apdu: case 4E (Lc 0004, Le 0000)", NULL);
	ok(!parse_hex("80500000000003010203", &a) && a.nc == 3 && !a.ne,
	   "apdu: case 3E", NULL);
	ok(parse_hex("805000000000", &a) == -EINVAL,
	   "apdu: extended Lc 0 rejected", NULL);
	ok(parse_hex("00A404", &a) == -EINVAL, "apdu: 3 bytes rejected", NULL);
	ok(!schsm_apdu_parse(ext, sizeof(ext), &a) &&
	   !schsm_apdu_limit_ne(ext, sizeof(ext), &a, 372) &&
	   ext[11] == 0x01 && ext[12] == 0x74,
	   "apdu: extended Le lowered to 372 for a limited reader", NULL);
	parse_hex("00CA010000", &a);
	ok(schsm_apdu_timeout_ms(&a) == SCHSM_TIMEOUT_DEFAULT_MS,
	   "apdu: default timeout for GET DATA", NULL);
	parse_hex("8050000000", &a);
	ok(schsm_apdu_timeout_ms(&a) >= 60000,
	   "apdu: INITIALIZE gets at least 60 s", NULL);
	parse_hex("00460100", &a);
	ok(schsm_apdu_timeout_ms(&a) >= 60000,
	   "apdu: key generation gets at least 60 s", NULL);
	ok(schsm_apdu_sw((const u8 *)"\x63\xc2", 2) == 0x63c2,
	   "apdu: status word", NULL);
}

int main(void)
{
	test_class_desc();
	test_header();
	test_reply();
	test_notify();
	test_apdu_single();
	test_time_extension();
	test_apdu_chaining();
	test_atr();
	test_block_codec();
	test_t1();
	test_t1_ifs_state();
	test_apdu();
	printf("1..%u\n", passed + failed);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
