/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsm-emu: the card side of ISO/IEC 7816-3 T=1, as a pure state machine.
 *
 * The reader front-end hands every block the host sent to t1_card_receive()
 * and sends whatever block it is told to send.  No I/O, no clock, no
 * allocation: the caller decides when a command has computed long enough to
 * deserve a waiting-time extension (t1_card_wtx()) and when the response is
 * ready (t1_card_respond()).  NAD is always 0 and the EDC is the LRC, as on
 * the SmartCard-HSM (ATR TC3 absent).
 */
#ifndef EMU_T1_CARD_H
#define EMU_T1_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "applet.h"

#define T1_PROLOGUE		3
#define T1_MAX_INF		254
#define T1_MAX_BLOCK		(T1_PROLOGUE + T1_MAX_INF + 1)
#define T1_DEFAULT_IFSD		32	/* ISO 7816-3 11.4.2: until S(IFS) */

/* PCB values and masks (ISO 7816-3 11.3.2). */
#define T1_PCB_R		0x80
#define T1_PCB_S		0xC0
#define T1_I_NS			0x40
#define T1_I_MORE		0x20
#define T1_R_NR			0x10
#define T1_R_ERR_EDC		0x01
#define T1_R_ERR_OTHER		0x02
#define T1_S_RESP		0x20
#define T1_S_RESYNCH		0x00
#define T1_S_IFS		0x01
#define T1_S_ABORT		0x02
#define T1_S_WTX		0x03

enum t1_card_state {
	T1_IDLE,		/* waiting for the first block of a command */
	T1_RECEIVING,		/* host is chaining a command to us */
	T1_COMPUTING,		/* command complete, no response yet */
	T1_SENDING,		/* chaining a response to the host */
};

/* What the caller must do after t1_card_receive(). */
enum t1_action {
	T1_SEND,		/* send t->out (t->out_len bytes) */
	T1_COMMAND,		/* t->cmd holds a complete APDU: compute it */
	T1_CONTINUE,		/* host granted the WTX: respond or extend again */
};

struct t1_card {
	enum t1_card_state state;
	uint8_t ifsc;		/* largest INF we accept (ATR TA3) */
	uint8_t ifsd;		/* largest INF we may send (S(IFS) from host) */
	uint8_t ifsd_reset;	/* IFSD after reset and S(RESYNCH) */
	uint8_t ns;		/* N(S) of our next I-block */
	uint8_t nr;		/* N(S) we expect in the host's next I-block */
	uint8_t out[T1_MAX_BLOCK];	/* last block sent, kept for resending */
	size_t out_len;
	size_t cmd_len;
	size_t rsp_len;
	size_t rsp_off;		/* start of the response chunk in t->out */
	size_t rsp_next;	/* start of the chunk after it */
	uint8_t cmd[APPLET_MAX_COMMAND];
	uint8_t rsp[APPLET_MAX_RESPONSE];
};

uint8_t t1_lrc(const uint8_t *buf, size_t len);

/*
 * Card reset: sequence numbers to 0, IFSD to ifsd (the reader's value when
 * it exchanges IFS by itself, else T1_DEFAULT_IFSD), IFSC from the ATR.
 */
void t1_card_reset(struct t1_card *t, unsigned int ifsc, unsigned int ifsd);

/* One block from the host; returns what to do next. */
enum t1_action t1_card_receive(struct t1_card *t, const uint8_t *blk,
			       size_t len);

/*
 * Only in T1_COMPUTING.  t1_card_respond() takes the response APDU (data and
 * SW, len <= APPLET_MAX_RESPONSE) and puts its first block in t->out;
 * t1_card_wtx() puts an S(WTX request) for mult * BWT there instead.
 */
int t1_card_respond(struct t1_card *t, const uint8_t *rsp, size_t len);
void t1_card_wtx(struct t1_card *t, uint8_t mult);

#endif /* EMU_T1_CARD_H */
