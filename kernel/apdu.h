/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ISO/IEC 7816-4 command APDUs: the four cases in short and extended form,
 * the default timeout per command, and fitting Le to a reader's limit.
 */
#ifndef SCHSM_APDU_H
#define SCHSM_APDU_H

#include <linux/types.h>

#define SCHSM_APDU_HDR		4
#define SCHSM_APDU_MAX_SHORT_NE	256
#define SCHSM_APDU_MAX_EXT_NE	65536

/* A parsed command APDU; offsets index the caller's buffer. */
struct schsm_apdu {
	u8 cla, ins, p1, p2;
	u32 nc;			/* command data length (Lc) */
	u32 ne;			/* expected response data (Le), 0 if absent */
	bool extended;
	size_t data_off;	/* offset of the command data */
	size_t le_off;		/* offset of the Le field, 0 if absent */
};

/* Timeout classes (milliseconds) */
#define SCHSM_TIMEOUT_DEFAULT_MS	30000
#define SCHSM_TIMEOUT_LONG_MS		120000
#define SCHSM_TIMEOUT_KEYGEN_MS		600000

int schsm_apdu_parse(const u8 *apdu, size_t len, struct schsm_apdu *a);
unsigned int schsm_apdu_timeout_ms(const struct schsm_apdu *a);
int schsm_apdu_limit_ne(u8 *apdu, size_t len, const struct schsm_apdu *a,
			u32 max_ne);
u16 schsm_apdu_sw(const u8 *rsp, size_t len);

#endif /* SCHSM_APDU_H */
