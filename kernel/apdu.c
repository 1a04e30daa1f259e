// SPDX-License-Identifier: GPL-2.0
/*
 * Command APDU parsing (ISO/IEC 7816-4 5.1): which of the cases 1, 2S/E,
 * 3S/E, 4S/E a byte string is, with every length checked against the bytes
 * present.  The transport uses it to pick a timeout and to keep Le within
 * what a reader can return.  Pure code; tests/unit runs it.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include "compat.h"
#include "apdu.h"

/* SmartCard-HSM instructions that run long on the card (device-facts §A.1) */
#define SCHSM_INS_INITIALIZE	0x50
#define SCHSM_INS_IMPORT_DKEK	0x52
#define SCHSM_INS_GENERATE_KEY	0x46
#define SCHSM_INS_UNWRAP_KEY	0x74

static u32 schsm_apdu_ne(u32 le, bool extended)
{
	if (le)
		return le;
	return extended ? SCHSM_APDU_MAX_EXT_NE : SCHSM_APDU_MAX_SHORT_NE;
}

/**
 * schsm_apdu_parse() - classify and check a command APDU
 * @apdu: bytes
 * @len: number of bytes
 * @a: result
 *
 * Return: 0, or -EINVAL if the bytes are no well-formed APDU.
 */
int schsm_apdu_parse(const u8 *apdu, size_t len, struct schsm_apdu *a)
{
	size_t body;
	u32 lc;

	if (len < SCHSM_APDU_HDR)
		return -EINVAL;
	a->cla = apdu[0];
	a->ins = apdu[1];
	a->p1 = apdu[2];
	a->p2 = apdu[3];
	a->nc = 0;
	a->ne = 0;
	a->extended = false;
	a->data_off = 0;
	a->le_off = 0;
	body = len - SCHSM_APDU_HDR;

	if (body == 0)				/* case 1 */
		return 0;
	if (body == 1) {			/* case 2S */
		a->le_off = 4;
		a->ne = schsm_apdu_ne(apdu[4], false);
		return 0;
	}
	if (apdu[4]) {				/* case 3S / 4S */
		lc = apdu[4];
		a->nc = lc;
		a->data_off = 5;
		if (body == 1 + lc)
			return 0;
		if (body == 2 + lc) {
			a->le_off = 5 + lc;
			a->ne = schsm_apdu_ne(apdu[5 + lc], false);
			return 0;
		}
		return -EINVAL;
	}
	if (body < 3)
		return -EINVAL;
	a->extended = true;
	if (body == 3) {			/* case 2E */
		a->le_off = 5;
		a->ne = schsm_apdu_ne(get_unaligned_be16(apdu + 5), true);
		return 0;
	}
	lc = get_unaligned_be16(apdu + 5);	/* case 3E / 4E */
	if (!lc)
		return -EINVAL;
	a->nc = lc;
	a->data_off = 7;
	if (body == 3 + lc)
		return 0;
	if (body == 5 + lc) {
		a->le_off = 7 + lc;
		a->ne = schsm_apdu_ne(get_unaligned_be16(apdu + 7 + lc), true);
		return 0;
	}
	return -EINVAL;
}

/**
 * schsm_apdu_timeout_ms() - how long the card may take for a command
 * @a: parsed APDU
 *
 * The Nitrokey's reader sends no CCID time extensions, so a slow command
 * is silent on the wire: INITIALIZE and DKEK import can take half a minute
 * on a full device, RSA key generation minutes.
 *
 * Return: the read timeout in milliseconds.
 */
unsigned int schsm_apdu_timeout_ms(const struct schsm_apdu *a)
{
	if (a->cla & 0x80) {
		switch (a->ins) {
		case SCHSM_INS_INITIALIZE:
		case SCHSM_INS_IMPORT_DKEK:
		case SCHSM_INS_UNWRAP_KEY:
			return SCHSM_TIMEOUT_LONG_MS;
		}
	}
	if (a->ins == SCHSM_INS_GENERATE_KEY)
		return SCHSM_TIMEOUT_KEYGEN_MS;
	return SCHSM_TIMEOUT_DEFAULT_MS;
}

/**
 * schsm_apdu_limit_ne() - lower an extended Le to what a reader can return
 * @apdu: the APDU (modified in place)
 * @len: its length
 * @a: the APDU parsed
 * @max_ne: most response data bytes the reader can carry
 *
 * Short Le (at most 256) is left alone; callers make sure a reader takes at
 * least that much.
 *
 * Return: 0, or -EMSGSIZE if a short Le already exceeds @max_ne.
 */
int schsm_apdu_limit_ne(u8 *apdu, size_t len, const struct schsm_apdu *a,
			u32 max_ne)
{
	if (!a->le_off || a->ne <= max_ne)
		return 0;
	if (!a->extended || max_ne > 0xffff || a->le_off + 2 > len)
		return -EMSGSIZE;
	put_unaligned_be16(max_ne, apdu + a->le_off);
	return 0;
}

/**
 * schsm_apdu_sw() - the status word at the end of a response APDU
 * @rsp: response
 * @len: its length, at least 2
 *
 * Return: SW1 << 8 | SW2, or 0 if @len < 2.
 */
u16 schsm_apdu_sw(const u8 *rsp, size_t len)
{
	if (len < 2)
		return 0;
	return get_unaligned_be16(rsp + len - 2);
}
