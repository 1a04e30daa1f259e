// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: the card side of ISO/IEC 7816-3 T=1 (see t1_card.h).
 *
 * Error handling follows 7816-3 11.6.3 from the card's point of view: a
 * block that is invalid (bad LRC, bad LEN, bad NAD, unknown PCB) is answered
 * with an R-block carrying the error and the N(S) we expect; an R-block from
 * the host asks us to resend our last block unless it acknowledges a chained
 * I-block; S(RESYNCH) and S(ABORT) bring both sides back to a known state.
 */
#include <string.h>

#include "t1_card.h"

uint8_t t1_lrc(const uint8_t *buf, size_t len)
{
	uint8_t lrc = 0;

	while (len--)
		lrc ^= *buf++;
	return lrc;
}

static void t1_build(struct t1_card *t, uint8_t pcb, const uint8_t *inf,
		     size_t len)
{
	t->out[0] = 0;			/* NAD */
	t->out[1] = pcb;
	t->out[2] = (uint8_t)len;
	if (len)
		memcpy(t->out + T1_PROLOGUE, inf, len);
	t->out[T1_PROLOGUE + len] = t1_lrc(t->out, T1_PROLOGUE + len);
	t->out_len = T1_PROLOGUE + len + 1;
}

static void t1_build_r(struct t1_card *t, uint8_t err)
{
	t1_build(t, T1_PCB_R | (t->nr ? T1_R_NR : 0) | err, NULL, 0);
}

void t1_card_reset(struct t1_card *t, unsigned int ifsc, unsigned int ifsd)
{
	t->state = T1_IDLE;
	t->ifsc = (ifsc >= 1 && ifsc <= T1_MAX_INF) ? ifsc : T1_DEFAULT_IFSD;
	t->ifsd = (ifsd >= 1 && ifsd <= T1_MAX_INF) ? ifsd : T1_DEFAULT_IFSD;
	t->ifsd_reset = t->ifsd;
	t->ns = 0;
	t->nr = 0;
	t->out_len = 0;
	t->cmd_len = 0;
	t->rsp_len = 0;
	t->rsp_off = 0;
	t->rsp_next = 0;
}

/* Put the response chunk starting at t->rsp_next into an I-block. */
static void t1_send_chunk(struct t1_card *t)
{
	size_t left = t->rsp_len - t->rsp_next;
	size_t n = left > t->ifsd ? t->ifsd : left;
	uint8_t pcb = t->ns ? T1_I_NS : 0;

	if (n < left)
		pcb |= T1_I_MORE;
	t1_build(t, pcb, t->rsp + t->rsp_next, n);
	t->rsp_off = t->rsp_next;
	t->rsp_next += n;
	t->ns ^= 1;
	t->state = n < left ? T1_SENDING : T1_IDLE;
}

int t1_card_respond(struct t1_card *t, const uint8_t *rsp, size_t len)
{
	if (t->state != T1_COMPUTING || len > sizeof(t->rsp))
		return -1;
	memmove(t->rsp, rsp, len);
	t->rsp_len = len;
	t->rsp_next = 0;
	t1_send_chunk(t);
	return 0;
}

void t1_card_wtx(struct t1_card *t, uint8_t mult)
{
	t1_build(t, T1_PCB_S | T1_S_WTX, &mult, 1);
}

/* Nothing sent since reset: the host's complaint cannot be a resend request. */
static enum t1_action t1_resend(struct t1_card *t)
{
	if (!t->out_len)
		t1_build_r(t, T1_R_ERR_OTHER);
	return T1_SEND;
}

static enum t1_action t1_rx_i(struct t1_card *t, uint8_t pcb,
			      const uint8_t *inf, size_t len)
{
	uint8_t ns = (pcb & T1_I_NS) ? 1 : 0;

	if (t->state == T1_SENDING || t->state == T1_COMPUTING) {
		t1_build_r(t, T1_R_ERR_OTHER);
		return T1_SEND;
	}
	/* A repeat of the block we already took: our answer got lost. */
	if (ns != t->nr)
		return t1_resend(t);
	if (t->state == T1_IDLE)
		t->cmd_len = 0;
	if (len > sizeof(t->cmd) - t->cmd_len) {
		/* Longer than any APDU: refuse the block, keep the chain. */
		t1_build_r(t, T1_R_ERR_OTHER);
		return T1_SEND;
	}
	memcpy(t->cmd + t->cmd_len, inf, len);
	t->cmd_len += len;
	t->nr ^= 1;
	if (pcb & T1_I_MORE) {
		t->state = T1_RECEIVING;
		t1_build_r(t, 0);
		return T1_SEND;
	}
	t->state = T1_COMPUTING;
	return T1_COMMAND;
}

static enum t1_action t1_rx_r(struct t1_card *t, uint8_t pcb)
{
	uint8_t nr = (pcb & T1_R_NR) ? 1 : 0;

	/* Acknowledgement of our chained block: it asks for the next one. */
	if (t->state == T1_SENDING && nr == t->ns && !(pcb & 0x0F)) {
		t1_send_chunk(t);
		return T1_SEND;
	}
	return t1_resend(t);
}

static enum t1_action t1_rx_s(struct t1_card *t, uint8_t pcb,
			      const uint8_t *inf, size_t len)
{
	uint8_t type = pcb & 0x3F;

	switch (type) {
	case T1_S_IFS:
		if (len != 1 || inf[0] < 1 || inf[0] > T1_MAX_INF)
			break;
		t->ifsd = inf[0];
		t1_build(t, T1_PCB_S | T1_S_RESP | T1_S_IFS, inf, 1);
		return T1_SEND;
	case T1_S_RESYNCH:
		if (len)
			break;
		t1_card_reset(t, t->ifsc, t->ifsd_reset);
		t1_build(t, T1_PCB_S | T1_S_RESP | T1_S_RESYNCH, NULL, 0);
		return T1_SEND;
	case T1_S_ABORT:
		if (len)
			break;
		/* Drops a chain in either direction; a computing command
		 * cannot be taken back, so its result is discarded. */
		t->state = T1_IDLE;
		t->cmd_len = 0;
		t->rsp_len = 0;
		t1_build(t, T1_PCB_S | T1_S_RESP | T1_S_ABORT, NULL, 0);
		return T1_SEND;
	case T1_S_RESP | T1_S_WTX:
		if (t->state != T1_COMPUTING || len != 1)
			break;
		return T1_CONTINUE;
	default:
		break;
	}
	t1_build_r(t, T1_R_ERR_OTHER);
	return T1_SEND;
}

enum t1_action t1_card_receive(struct t1_card *t, const uint8_t *blk,
			       size_t len)
{
	uint8_t pcb;
	size_t inf_len;

	if (len < T1_PROLOGUE + 1 || blk[2] == 0xFF ||
	    len != T1_PROLOGUE + (size_t)blk[2] + 1) {
		t1_build_r(t, T1_R_ERR_OTHER);
		return T1_SEND;
	}
	if (t1_lrc(blk, len - 1) != blk[len - 1]) {
		t1_build_r(t, T1_R_ERR_EDC);
		return T1_SEND;
	}
	pcb = blk[1];
	inf_len = blk[2];
	if (blk[0] != 0 || inf_len > t->ifsc) {
		t1_build_r(t, T1_R_ERR_OTHER);
		return T1_SEND;
	}
	if (!(pcb & 0x80))
		return t1_rx_i(t, pcb, blk + T1_PROLOGUE, inf_len);
	if ((pcb & 0xC0) == T1_PCB_R) {
		if (inf_len || (pcb & 0x2C)) {
			t1_build_r(t, T1_R_ERR_OTHER);
			return T1_SEND;
		}
		return t1_rx_r(t, pcb);
	}
	return t1_rx_s(t, pcb, blk + T1_PROLOGUE, inf_len);
}
