// SPDX-License-Identifier: GPL-2.0
/*
 * ISO/IEC 7816-3 on the host side of a TPDU-level CCID reader: decoding the
 * ATR and running the T=1 block protocol (clause 11) over CCID XfrBlock.
 *
 * Blocks are NAD PCB LEN INF LRC.  We send I-blocks of at most IFSC bytes,
 * chained with the M bit; the card acknowledges chained blocks with
 * R-blocks and answers with I-blocks we acknowledge in turn.  A block that
 * fails its checks is answered with an R-block asking for it again, at most
 * T1_MAX_RETRIES times, then the exchange ends with S(RESYNCH).  S(WTX)
 * requests are granted within the caller's time budget; S(IFS) requests
 * change IFSC.  A transport failure (timeout, unplug) is returned at once:
 * the driver never sends a command again once the card may have it.
 *
 * Pure code: no USB, no locks, no allocation; tests/unit runs it.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "ccid.h"
#include "t1.h"

#define T1_MAX_RETRIES		3
#define T1_MAX_RESPONSE		65538	/* 65536 data bytes + SW1 SW2 */

/* PCB */
#define T1_R_BLOCK		0x80
#define T1_S_BLOCK		0xc0
#define T1_TYPE_MASK		0xc0
#define T1_I_NS			0x40
#define T1_I_MORE		0x20
#define T1_R_NR			0x10
#define T1_R_ERR_EDC		0x01
#define T1_R_ERR_OTHER		0x02
#define T1_S_RESPONSE		0x20
#define T1_S_RESYNCH		0xc0
#define T1_S_IFS		0xc1
#define T1_S_ABORT		0xc2
#define T1_S_WTX		0xc3

/* ATR defaults (ISO 7816-3 11.4) */
#define T1_DEFAULT_BWI		4
#define T1_DEFAULT_CWI		13
#define T1_MAX_BWI		9
#define T1_MAX_ATR_LEVELS	8

static bool t1_is_iblock(u8 pcb)
{
	return !(pcb & 0x80);
}

static bool t1_is_rblock(u8 pcb)
{
	return (pcb & T1_TYPE_MASK) == T1_R_BLOCK;
}

/**
 * t1_parse_atr() - decode the parts of an ATR that matter for T=1
 * @atr: ATR bytes, TS first
 * @len: ATR length
 * @info: result
 *
 * The ATR must be complete and exact: every interface byte its TDi promise,
 * the historical bytes, and TCK (present whenever a protocol other than T=0
 * is offered) with a zero XOR over T0..TCK.
 *
 * Return: 0, or -EPROTO for a malformed ATR.
 */
int t1_parse_atr(const u8 *atr, size_t len, struct t1_atr *info)
{
	bool need_tck = false, t1_ta = false, t1_tb = false, t1_tc = false;
	unsigned int level = 1, proto = 0;
	size_t i = 2;
	u8 y;

	if (len < 2 || (atr[0] != 0x3b && atr[0] != 0x3f))
		return -EPROTO;

	memset(info, 0, sizeof(*info));
	info->ifsc = T1_DEFAULT_IFSC;
	info->bwi = T1_DEFAULT_BWI;
	info->cwi = T1_DEFAULT_CWI;
	info->nhist = atr[1] & 0x0f;
	y = atr[1] >> 4;

	for (;;) {
		/* T=1 specific bytes follow a TDi (i >= 2) naming T=1 */
		bool t1_bytes = level >= 3 && proto == 1;

		if (y & 0x1) {
			if (i >= len)
				return -EPROTO;
			if (t1_bytes && !t1_ta) {
				info->ifsc = atr[i];
				t1_ta = true;
			}
			i++;
		}
		if (y & 0x2) {
			if (i >= len)
				return -EPROTO;
			if (t1_bytes && !t1_tb) {
				info->bwi = atr[i] >> 4;
				info->cwi = atr[i] & 0x0f;
				t1_tb = true;
			}
			i++;
		}
		if (y & 0x4) {
			if (i >= len)
				return -EPROTO;
			if (t1_bytes && !t1_tc) {
				info->crc = atr[i] & 0x01;
				t1_tc = true;
			}
			i++;
		}
		if (!(y & 0x8))
			break;
		if (i >= len || ++level > T1_MAX_ATR_LEVELS)
			return -EPROTO;
		proto = atr[i] & 0x0f;
		y = atr[i] >> 4;
		i++;
		if (proto)
			need_tck = true;
		if (proto == 1)
			info->t1 = true;
	}

	if (len != i + info->nhist + need_tck)
		return -EPROTO;
	if (need_tck) {
		u8 x = 0;

		for (i = 1; i < len; i++)
			x ^= atr[i];
		if (x)
			return -EPROTO;
	}
	if (!info->ifsc || info->ifsc == 0xff || info->bwi > T1_MAX_BWI)
		return -EPROTO;
	return 0;
}

/**
 * t1_lrc() - longitudinal redundancy check: XOR of all bytes
 * @buf: bytes
 * @len: number of bytes
 *
 * Return: the LRC.
 */
u8 t1_lrc(const u8 *buf, size_t len)
{
	u8 x = 0;

	while (len--)
		x ^= *buf++;
	return x;
}

/**
 * t1_build_block() - frame one block with NAD 0 and an LRC
 * @blk: at least @len + 4 bytes
 * @pcb: protocol control byte
 * @inf: information field (may be NULL if @len is 0)
 * @len: INF length, at most T1_MAX_INF
 *
 * Return: the block length.
 */
size_t t1_build_block(u8 *blk, u8 pcb, const u8 *inf, size_t len)
{
	blk[0] = 0;
	blk[1] = pcb;
	blk[2] = len;
	if (len)
		memcpy(blk + T1_PROLOGUE, inf, len);
	blk[T1_PROLOGUE + len] = t1_lrc(blk, T1_PROLOGUE + len);
	return T1_PROLOGUE + len + 1;
}

/**
 * t1_check_block() - check a block received from the card
 * @blk: block bytes
 * @len: number of bytes received
 *
 * Return: 0 if NAD, LEN and LRC are consistent, -EBADMSG otherwise.
 */
int t1_check_block(const u8 *blk, size_t len)
{
	if (len < T1_PROLOGUE + 1 || len > T1_MAX_BLOCK)
		return -EBADMSG;
	if (blk[0] != 0 || blk[2] > T1_MAX_INF ||
	    len != T1_PROLOGUE + blk[2] + 1U)
		return -EBADMSG;
	if (t1_lrc(blk, len))
		return -EBADMSG;
	/* R-blocks carry no INF and have bit 6 clear */
	if (t1_is_rblock(blk[1]) && (blk[2] || (blk[1] & 0x20)))
		return -EBADMSG;
	return 0;
}

/**
 * t1_init() - start a T=1 session after an ATR
 * @t1: state
 * @port: CCID slot the blocks go through
 * @info: decoded ATR
 * @max_ifsd: the reader's dwMaxIFSD
 * @max_msg: the reader's dwMaxCCIDMessageLength
 *
 * IFSC and IFSD are bounded so that a whole block fits one CCID message.
 */
void t1_init(struct t1_state *t1, struct ccid_port *port,
	     const struct t1_atr *info, u32 max_ifsd, u32 max_msg)
{
	u32 fit = max_msg > CCID_HDR_LEN + T1_PROLOGUE + 1 ?
		  max_msg - CCID_HDR_LEN - T1_PROLOGUE - 1 : 1;

	t1->port = port;
	t1->ns = 0;
	t1->nr = 0;
	t1->ifsc = min3((u32)info->ifsc, fit, (u32)T1_MAX_INF);
	t1->ifsd = min3(max_ifsd ? max_ifsd : T1_DEFAULT_IFSC, fit,
			(u32)T1_MAX_INF);
	/* BWT ~ 2^BWI * 960 * 372 / 3.57 MHz ~ 100 ms << BWI */
	t1->bwt_ms = 100U << info->bwi;
	t1->slen = 0;
}

static int t1_exchange(struct t1_state *t1, const u8 *blk, size_t len, u8 bwi,
		       unsigned int timeout_ms, size_t *rlen)
{
	int rc;

	rc = ccid_xfr_block(t1->port, blk, len, bwi, 0, t1->rbuf,
			    sizeof(t1->rbuf), rlen, NULL, timeout_ms);
	/* a block longer than any valid one is a bad block, not a hang */
	if (rc == -EMSGSIZE) {
		*rlen = 0;
		return 0;
	}
	return rc;
}

/* Exchange an S(request) and expect the matching S(response) back. */
static int t1_sblock(struct t1_state *t1, u8 pcb, const u8 *inf, size_t len,
		     unsigned int timeout_ms)
{
	u8 blk[T1_PROLOGUE + 1 + 1];
	unsigned int tries;
	size_t blen, rlen;
	int rc;

	blen = t1_build_block(blk, pcb, inf, len);
	for (tries = 0; tries < T1_MAX_RETRIES; tries++) {
		rc = t1_exchange(t1, blk, blen, 0, timeout_ms, &rlen);
		if (rc)
			return rc;
		if (t1_check_block(t1->rbuf, rlen))
			continue;
		if (t1->rbuf[1] != (pcb | T1_S_RESPONSE) ||
		    t1->rbuf[2] != len ||
		    (len && memcmp(t1->rbuf + T1_PROLOGUE, inf, len)))
			continue;
		return 0;
	}
	return -EIO;
}

/**
 * t1_negotiate_ifsd() - announce our IFSD with S(IFS request)
 * @t1: state
 * @timeout_ms: read timeout
 *
 * Needed when the reader does not do it itself (no CCID_FEAT_AUTO_IFSD).
 *
 * Return: 0 or a negative errno.
 */
int t1_negotiate_ifsd(struct t1_state *t1, unsigned int timeout_ms)
{
	return t1_sblock(t1, T1_S_IFS, &t1->ifsd, 1, timeout_ms);
}

/**
 * t1_resync() - S(RESYNCH): both sides restart with sequence numbers 0
 * @t1: state
 * @timeout_ms: read timeout
 *
 * Return: 0 or a negative errno.
 */
int t1_resync(struct t1_state *t1, unsigned int timeout_ms)
{
	int rc = t1_sblock(t1, T1_S_RESYNCH, NULL, 0, timeout_ms);

	t1->ns = 0;
	t1->nr = 0;
	return rc;
}

/* Make the next I-block of the command the block to (re)send. */
static void t1_queue_iblock(struct t1_state *t1, const u8 *inf, size_t len,
			    bool more)
{
	u8 pcb = (t1->ns ? T1_I_NS : 0) | (more ? T1_I_MORE : 0);

	t1->slen = t1_build_block(t1->sbuf, pcb, inf, len);
}

/* Progress of one t1_transceive() */
struct t1_xfer {
	const u8 *cmd;
	size_t cmd_len;
	size_t sent;		/* command bytes acknowledged */
	size_t chunk;		/* bytes in the I-block in flight */
	bool sending;		/* the card has not answered with an I-block */
	u8 *rsp;
	size_t cap;
	size_t got;
	size_t seen;		/* including bytes dropped on overflow */
	bool overflow;
	bool done;
	unsigned int errors;	/* consecutive bad exchanges */
	unsigned int wtx_budget_ms;
	unsigned int next_wait_ms;
	u8 next_bwi;
	bool send_r;		/* send rblk next, not the I-block in sbuf */
	u8 rblk[T1_PROLOGUE + 1];
};

static void t1_queue_rblock(struct t1_state *t1, struct t1_xfer *x, u8 err)
{
	u8 pcb = T1_R_BLOCK | (t1->nr ? T1_R_NR : 0) | err;

	t1_build_block(x->rblk, pcb, NULL, 0);
	x->send_r = true;
}

static void t1_queue_next_chunk(struct t1_state *t1, struct t1_xfer *x)
{
	size_t left = x->cmd_len - x->sent;

	x->chunk = min_t(size_t, left, t1->ifsc);
	t1_queue_iblock(t1, x->cmd + x->sent, x->chunk, x->chunk < left);
	x->send_r = false;
}

/* our I-block in flight has the M bit: the card must acknowledge it */
static bool t1_sending_more(const struct t1_state *t1)
{
	return t1->sbuf[1] & T1_I_MORE;
}

/*
 * A bad or unexpected block: an R-block asks the card for its last block
 * again (never our I-block, which the card may already be executing), at
 * most T1_MAX_RETRIES times.
 */
static int t1_on_error(struct t1_state *t1, struct t1_xfer *x, u8 err)
{
	if (++x->errors > T1_MAX_RETRIES)
		return -EIO;
	t1_queue_rblock(t1, x, err);
	return 0;
}

static int t1_on_iblock(struct t1_state *t1, struct t1_xfer *x)
{
	const u8 *blk = t1->rbuf;
	size_t n = blk[2];

	if (x->sending && t1_sending_more(t1))
		return t1_on_error(t1, x, T1_R_ERR_OTHER);
	if (!!(blk[1] & T1_I_NS) != t1->nr)
		return t1_on_error(t1, x, T1_R_ERR_OTHER);
	if (x->sending) {
		/* the answer acknowledges our last I-block */
		x->sending = false;
		t1->ns ^= 1;
	}
	t1->nr ^= 1;
	x->errors = 0;

	x->seen += n;
	if (x->seen > T1_MAX_RESPONSE)
		return -EPROTO;
	if (n > x->cap - x->got)
		x->overflow = true;
	if (!x->overflow) {
		memcpy(x->rsp + x->got, blk + T1_PROLOGUE, n);
		x->got += n;
	}
	if (blk[1] & T1_I_MORE)
		t1_queue_rblock(t1, x, 0);
	else
		x->done = true;
	return 0;
}

static int t1_on_rblock(struct t1_state *t1, struct t1_xfer *x)
{
	bool nr = t1->rbuf[1] & T1_R_NR;

	if (x->sending && t1_sending_more(t1) && nr != t1->ns) {
		/* chained I-block acknowledged: send the next one */
		t1->ns ^= 1;
		x->sent += x->chunk;
		x->errors = 0;
		t1_queue_next_chunk(t1, x);
		return 0;
	}
	/*
	 * A request to send our last block again.  While we are sending,
	 * N(R) == N(S) of our I-block means the card did not receive it;
	 * otherwise it repeats our last R-block's request.
	 */
	if (++x->errors > T1_MAX_RETRIES)
		return -EIO;
	if (x->sending && nr == t1->ns)
		x->send_r = false;
	else if (x->sending)
		t1_queue_rblock(t1, x, T1_R_ERR_OTHER);
	return 0;
}

static int t1_on_sblock(struct t1_state *t1, struct t1_xfer *x,
			unsigned int timeout_ms)
{
	const u8 *blk = t1->rbuf;
	u8 rsp[T1_PROLOGUE + 1 + 1];
	unsigned int grant;
	size_t rlen, len;
	int rc;

	switch (blk[1]) {
	case T1_S_WTX:
		if (blk[2] != 1)
			return t1_on_error(t1, x, T1_R_ERR_OTHER);
		grant = max_t(unsigned int, blk[T1_PROLOGUE], 1) * t1->bwt_ms;
		if (grant > x->wtx_budget_ms)
			return -ETIMEDOUT;
		x->wtx_budget_ms -= grant;
		x->next_wait_ms = max(timeout_ms, grant);
		x->next_bwi = blk[T1_PROLOGUE];
		break;
	case T1_S_IFS:
		if (blk[2] != 1 || !blk[T1_PROLOGUE] ||
		    blk[T1_PROLOGUE] > T1_MAX_INF)
			return t1_on_error(t1, x, T1_R_ERR_OTHER);
		t1->ifsc = min(t1->ifsc, blk[T1_PROLOGUE]);
		break;
	default:
		/* ABORT, unsolicited responses: give up this exchange */
		return -EIO;
	}

	/* answer with the matching S(response); the card replies to it */
	len = t1_build_block(rsp, blk[1] | T1_S_RESPONSE, blk + T1_PROLOGUE, 1);
	rc = t1_exchange(t1, rsp, len, x->next_bwi, x->next_wait_ms, &rlen);
	x->next_wait_ms = timeout_ms;
	x->next_bwi = 0;
	if (rc)
		return rc;
	return rlen;
}

/* Classify the block in rbuf (rlen bytes) and decide what to send next. */
static int t1_handle_block(struct t1_state *t1, struct t1_xfer *x,
			   size_t rlen, unsigned int timeout_ms)
{
	int rc;

	for (;;) {
		if (t1_check_block(t1->rbuf, rlen))
			return t1_on_error(t1, x, T1_R_ERR_EDC);
		if (t1_is_iblock(t1->rbuf[1]))
			return t1_on_iblock(t1, x);
		if (t1_is_rblock(t1->rbuf[1]))
			return t1_on_rblock(t1, x);
		/* an S-request was answered; its reply is the next block */
		rc = t1_on_sblock(t1, x, timeout_ms);
		if (rc < 0)
			return rc;
		rlen = rc;
	}
}

/**
 * t1_transceive() - exchange one APDU with the card over T=1
 * @t1: state
 * @apdu: command APDU
 * @len: its length (at least 1)
 * @rsp: buffer for the response APDU
 * @cap: size of @rsp
 * @rsp_len: response length
 * @timeout_ms: wait for each block; also the total time S(WTX) may grant
 *
 * Return: 0; -EMSGSIZE if the response did not fit (it was read to its
 * end); -EIO after an unrecoverable protocol error (the session was
 * resynchronised, the command's fate is unknown); -ETIMEDOUT when the card
 * asked for more time than the budget; or a transport errno.
 */
int t1_transceive(struct t1_state *t1, const u8 *apdu, size_t len,
		  u8 *rsp, size_t cap, size_t *rsp_len,
		  unsigned int timeout_ms)
{
	struct t1_xfer x = {
		.cmd = apdu, .cmd_len = len, .sending = true,
		.rsp = rsp, .cap = cap,
		.wtx_budget_ms = timeout_ms, .next_wait_ms = timeout_ms,
	};
	size_t rlen;
	int rc;

	if (!len)
		return -EINVAL;
	t1_queue_next_chunk(t1, &x);

	while (!x.done) {
		if (x.send_r)
			rc = t1_exchange(t1, x.rblk, sizeof(x.rblk), 0,
					 timeout_ms, &rlen);
		else
			rc = t1_exchange(t1, t1->sbuf, t1->slen, 0,
					 timeout_ms, &rlen);
		if (rc)
			return rc;
		rc = t1_handle_block(t1, &x, rlen, timeout_ms);
		if (rc == -EIO || rc == -EPROTO) {
			t1_resync(t1, timeout_ms);
			return rc;
		}
		if (rc)
			return rc;
	}
	if (x.overflow)
		return -EMSGSIZE;
	*rsp_len = x.got;
	return 0;
}
