/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ISO/IEC 7816-3 host side: ATR decoding and the T=1 block protocol for
 * TPDU-level CCID readers.  Blocks travel through ccid_xfr_block().
 */
#ifndef SCHSM_T1_H
#define SCHSM_T1_H

#include <linux/types.h>

struct ccid_port;

#define T1_MAX_INF	254
#define T1_PROLOGUE	3
#define T1_MAX_BLOCK	(T1_PROLOGUE + T1_MAX_INF + 1)	/* LRC */
#define T1_DEFAULT_IFSC	32

/* What the driver takes from an ATR. */
struct t1_atr {
	bool t1;		/* T=1 offered */
	bool crc;		/* TC3 bit 0: CRC instead of LRC */
	u8 ifsc;		/* TA3 (first TA for T=1), default 32 */
	u8 bwi;			/* TB3 high nibble, default 4 */
	u8 cwi;			/* TB3 low nibble, default 13 */
	u8 nhist;		/* number of historical bytes */
};

/* T=1 state of one card session; the chip's I/O mutex serialises it. */
struct t1_state {
	struct ccid_port *port;
	u8 ns;			/* N(S) of our next I-block */
	u8 nr;			/* N(S) we expect from the card */
	u8 ifsc;		/* card's IFSC, 1..254 */
	u8 ifsd;		/* ours, announced with S(IFS) */
	unsigned int bwt_ms;	/* block waiting time from the ATR */
	u8 sbuf[T1_MAX_BLOCK];	/* last block sent, for retransmission */
	size_t slen;
	u8 rbuf[T1_MAX_BLOCK];
};

int t1_parse_atr(const u8 *atr, size_t len, struct t1_atr *info);
u8 t1_lrc(const u8 *buf, size_t len);
size_t t1_build_block(u8 *blk, u8 pcb, const u8 *inf, size_t len);
int t1_check_block(const u8 *blk, size_t len);

void t1_init(struct t1_state *t1, struct ccid_port *port,
	     const struct t1_atr *info, u32 max_ifsd, u32 max_msg);
int t1_negotiate_ifsd(struct t1_state *t1, unsigned int timeout_ms);
int t1_resync(struct t1_state *t1, unsigned int timeout_ms);
int t1_transceive(struct t1_state *t1, const u8 *apdu, size_t len,
		  u8 *rsp, size_t cap, size_t *rsp_len,
		  unsigned int timeout_ms);

#endif /* SCHSM_T1_H */
