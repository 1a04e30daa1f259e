// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the pure codecs, run at module load in DEBUG builds
 * (SCHSM_DEBUG=1).  #included by main.c.  The expected bytes are ISO/IEC
 * 7816-3 and CCID examples; tests/unit has the full set in userspace.
 */
#include "../apdu.h"
#include "../ccid.h"
#include "../t1.h"

static const u8 schsm_st_atr[] = {
	0x3b, 0xde, 0x18, 0xff, 0x81, 0x91, 0xfe, 0x1f, 0xc3, 0x80, 0x31, 0x81,
	0x54, 0x48, 0x53, 0x4d, 0x31, 0x73, 0x80, 0x21, 0x40, 0x81, 0x07, 0x1c,
};

static bool __init schsm_selftest_t1(void)
{
	static const u8 ifs[] = { 0x00, 0xc1, 0x01, 0xfe, 0x3e };
	struct t1_atr atr;
	u8 blk[8], inf = 0xfe;

	if (t1_build_block(blk, 0xc1, &inf, 1) != 5 || memcmp(blk, ifs, 5))
		return false;
	if (t1_check_block(ifs, 5))
		return false;
	blk[4] ^= 1;
	if (t1_check_block(blk, 5) != -EBADMSG)
		return false;
	if (t1_parse_atr(schsm_st_atr, sizeof(schsm_st_atr), &atr) ||
	    !atr.t1 || atr.ifsc != 254 || atr.bwi != 4)
		return false;
	return t1_parse_atr(schsm_st_atr, sizeof(schsm_st_atr) - 1, &atr) ==
	       -EPROTO;
}

static bool __init schsm_selftest_ccid(void)
{
	static const u8 power_on[] = { 0x62, 0, 0, 0, 0, 0, 5, 0, 0, 0 };
	static const u8 reply[] = { 0x80, 2, 0, 0, 0, 0, 7, 0, 0, 0, 0x90, 0 };
	struct ccid_reply r;
	u8 h[CCID_HDR_LEN];

	ccid_build_header(h, CCID_PC_POWER_ON, 0, 0, 5, 0, 0);
	if (memcmp(h, power_on, sizeof(h)))
		return false;
	if (ccid_parse_reply(reply, sizeof(reply), 0x80, 0, 7, &r) || r.len != 2)
		return false;
	return ccid_parse_reply(reply, sizeof(reply) - 1, 0x80, 0, 7, &r) ==
	       -EPROTO;
}

static bool __init schsm_selftest_apdu(void)
{
	static const u8 case4e[] = { 0x00, 0xb1, 0x2f, 0x02, 0x00, 0x00, 0x04,
				     0x54, 0x02, 0x00, 0x00, 0x00, 0x00 };
	static const u8 case2s[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
	struct schsm_apdu a;

	if (schsm_apdu_parse(case2s, sizeof(case2s), &a) || a.ne != 8)
		return false;
	if (schsm_apdu_parse(case4e, sizeof(case4e), &a) || !a.extended ||
	    a.nc != 4 || a.ne != 65536)
		return false;
	return schsm_apdu_parse(case4e, 6, &a) == -EINVAL;
}

static bool __init schsm_selftest(void)
{
	bool ok = schsm_selftest_t1() && schsm_selftest_ccid() &&
		  schsm_selftest_apdu();

	pr_info("codec self-tests: %s\n", ok ? "pass" : "FAIL");
	return ok;
}
