// SPDX-License-Identifier: GPL-2.0
/*
 * CCID message layer: build PC_to_RDR messages, check RDR_to_PC replies
 * (type, dwLength against the bytes received, bSlot, bSeq, bStatus,
 * bError), and the APDU-level chaining of XfrBlock (wLevelParameter /
 * bChainParameter).  Nothing here touches USB directly: the messages go
 * through port->ops, so tests/unit runs this file in userspace.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "compat.h"
#include "ccid.h"

/* bStatus bits 7..6 */
#define CCID_CMD_FAILED		0x40
#define CCID_CMD_TIME_EXT	0x80
#define CCID_CMD_STATUS_MASK	0xc0
#define CCID_ICC_STATUS_MASK	0x03

/* bError values that mean something specific to the caller */
#define CCID_ERR_ICC_MUTE	0xfe
#define CCID_ERR_CMD_ABORTED	0xff
#define CCID_ERR_SLOT_BUSY	0xe0

/* largest response APDU: 65536 data bytes + SW1 SW2 */
#define CCID_MAX_RESPONSE	65538

/*
 * A reader may ask for more time any number of times; allow one request
 * per half second of the caller's timeout, at least 8.
 */
static unsigned int ccid_max_time_ext(unsigned int timeout_ms)
{
	return max(8U, timeout_ms / 500);
}

/**
 * ccid_parse_class_desc() - parse the CCID class descriptor
 * @d: descriptor bytes as found in the interface's extra descriptors
 * @len: bytes available at @d
 * @desc: result
 *
 * Return: 0, or -EINVAL if the descriptor is short or not a CCID one.
 */
int ccid_parse_class_desc(const u8 *d, size_t len, struct ccid_desc *desc)
{
	if (len < CCID_CLASS_DESC_LEN || d[0] < CCID_CLASS_DESC_LEN ||
	    d[1] != CCID_CLASS_DESC_TYPE)
		return -EINVAL;

	desc->bcd_ccid = get_unaligned_le16(d + 2);
	desc->max_slot = d[4];
	desc->protocols = get_unaligned_le32(d + 6);
	desc->max_ifsd = get_unaligned_le32(d + 28);
	desc->features = get_unaligned_le32(d + 40);
	desc->max_msg = get_unaligned_le32(d + 44);
	desc->max_busy = d[53];
	if (desc->max_msg < CCID_HDR_LEN + 1)
		return -EINVAL;
	return 0;
}

/**
 * ccid_build_header() - write a PC_to_RDR message header
 * @msg: at least CCID_HDR_LEN bytes
 * @type: bMessageType
 * @len: dwLength, the payload that follows
 * @slot: bSlot
 * @seq: bSeq
 * @p1: first message-specific byte (bBWI for XfrBlock)
 * @p23: second and third bytes, little endian (wLevelParameter)
 *
 * Return: CCID_HDR_LEN.
 */
size_t ccid_build_header(u8 *msg, u8 type, u32 len, u8 slot, u8 seq,
			 u8 p1, u16 p23)
{
	msg[0] = type;
	put_unaligned_le32(len, msg + 1);
	msg[5] = slot;
	msg[6] = seq;
	msg[7] = p1;
	put_unaligned_le16(p23, msg + 8);
	return CCID_HDR_LEN;
}

static int ccid_error_to_errno(u8 status, u8 error)
{
	if ((status & CCID_ICC_STATUS_MASK) == CCID_ICC_ABSENT)
		return -ENOMEDIUM;
	switch (error) {
	case CCID_ERR_ICC_MUTE:
		return -ETIMEDOUT;
	case CCID_ERR_SLOT_BUSY:
		return -EBUSY;
	case CCID_ERR_CMD_ABORTED:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

/**
 * ccid_parse_reply() - check one RDR_to_PC bulk message
 * @msg: bytes received
 * @len: number of bytes received
 * @type: the message type expected for the command sent
 * @slot: bSlot of the command
 * @seq: bSeq of the command
 * @r: result; r->data points into @msg
 *
 * dwLength must match the bytes received exactly: a short or an over-long
 * message is a protocol error, never truncated.
 *
 * Return: 0 for a complete reply, 1 if the reader asks for more time,
 * -EPROTO for a malformed or unexpected message, or the errno for a failed
 * command (-ENOMEDIUM no card, also when a reply reports success with the
 * slot empty; -ETIMEDOUT card mute, -EIO).  @r is filled in either case.
 */
int ccid_parse_reply(const u8 *msg, size_t len, u8 type, u8 slot, u8 seq,
		     struct ccid_reply *r)
{
	u32 dw_len;

	if (len < CCID_HDR_LEN)
		return -EPROTO;
	dw_len = get_unaligned_le32(msg + 1);
	if (dw_len != len - CCID_HDR_LEN)
		return -EPROTO;
	if (msg[0] != type || msg[5] != slot || msg[6] != seq)
		return -EPROTO;

	r->type = msg[0];
	r->status = msg[7];
	r->error = msg[8];
	r->chain = msg[9];
	r->data = msg + CCID_HDR_LEN;
	r->len = dw_len;

	switch (r->status & CCID_CMD_STATUS_MASK) {
	case 0:
		/*
		 * "Processed, no ICC present": QEMU's usb-ccid answers an
		 * exchange in flight so when its card goes (device_del,
		 * CardRemove).  Only the slot status itself is an answer.
		 */
		if ((r->status & CCID_ICC_STATUS_MASK) == CCID_ICC_ABSENT)
			return -ENOMEDIUM;
		return 0;
	case CCID_CMD_TIME_EXT:
		return 1;
	case CCID_CMD_FAILED:
		return ccid_error_to_errno(r->status, r->error);
	default:
		return -EPROTO;
	}
}

/**
 * ccid_parse_notify() - parse an interrupt-IN message for slot 0
 * @msg: bytes received
 * @len: number of bytes
 * @present: card present in slot 0
 * @changed: slot 0 changed since the last notification
 *
 * Return: 0 for RDR_to_PC_NotifySlotChange, -EAGAIN for a message that
 * carries no slot state (hardware error), -EPROTO otherwise.
 */
int ccid_parse_notify(const u8 *msg, size_t len, bool *present, bool *changed)
{
	if (len < 2)
		return -EPROTO;
	if (msg[0] == CCID_RDR_HW_ERROR)
		return -EAGAIN;
	if (msg[0] != CCID_RDR_NOTIFY_SLOT)
		return -EPROTO;
	*present = msg[1] & 0x01;
	*changed = msg[1] & 0x02;
	return 0;
}

/*
 * Send one command and wait for its reply, following time extensions.  On
 * success r->data points into p->buf and stays valid until the next call.
 */
static int ccid_command(struct ccid_port *p, u8 type, u8 rsp_type,
			const u8 *data, size_t len, u8 p1, u16 p23,
			unsigned int timeout_ms, struct ccid_reply *r)
{
	unsigned int ext = ccid_max_time_ext(timeout_ms);
	size_t got;
	u8 seq;
	int rc;

	if (len > p->max_msg - CCID_HDR_LEN)
		return -EMSGSIZE;

	seq = p->seq++;
	ccid_build_header(p->buf, type, len, p->slot, seq, p1, p23);
	if (len)
		memcpy(p->buf + CCID_HDR_LEN, data, len);
	rc = p->ops->send(p->ctx, p->buf, CCID_HDR_LEN + len);
	if (rc)
		return rc;

	do {
		rc = p->ops->recv(p->ctx, p->buf, p->buf_size, &got, timeout_ms);
		if (rc)
			return rc;
		rc = ccid_parse_reply(p->buf, got, rsp_type, p->slot, seq, r);
	} while (rc == 1 && --ext);

	return rc == 1 ? -ETIMEDOUT : rc;
}

/**
 * ccid_power_on() - PC_to_RDR_IccPowerOn, automatic voltage
 * @p: port
 * @atr: buffer for the ATR
 * @cap: size of @atr
 * @atr_len: ATR length
 * @timeout_ms: read timeout
 *
 * Return: 0, -EPROTO if the ATR is empty or does not fit, or as
 * ccid_parse_reply().
 */
int ccid_power_on(struct ccid_port *p, u8 *atr, size_t cap, size_t *atr_len,
		  unsigned int timeout_ms)
{
	struct ccid_reply r;
	int rc;

	rc = ccid_command(p, CCID_PC_POWER_ON, CCID_RDR_DATA_BLOCK, NULL, 0,
			  0, 0, timeout_ms, &r);
	if (rc)
		return rc;
	if (!r.len || r.len > cap)
		return -EPROTO;
	memcpy(atr, r.data, r.len);
	*atr_len = r.len;
	return 0;
}

/**
 * ccid_power_off() - PC_to_RDR_IccPowerOff
 * @p: port
 * @timeout_ms: read timeout
 *
 * Return: 0 or a negative errno.
 */
int ccid_power_off(struct ccid_port *p, unsigned int timeout_ms)
{
	struct ccid_reply r;
	int rc;

	rc = ccid_command(p, CCID_PC_POWER_OFF, CCID_RDR_SLOT_STATUS, NULL, 0,
			  0, 0, timeout_ms, &r);
	/* an empty slot is powered off too */
	return rc == -ENOMEDIUM ? 0 : rc;
}

/**
 * ccid_slot_status() - PC_to_RDR_GetSlotStatus
 * @p: port
 * @icc: bmICCStatus (CCID_ICC_*)
 * @timeout_ms: read timeout
 *
 * Return: 0 or a negative errno; an absent card is not an error here.
 */
int ccid_slot_status(struct ccid_port *p, u8 *icc, unsigned int timeout_ms)
{
	struct ccid_reply r;
	int rc;

	rc = ccid_command(p, CCID_PC_GET_SLOT_STATUS, CCID_RDR_SLOT_STATUS,
			  NULL, 0, 0, 0, timeout_ms, &r);
	if (rc && rc != -ENOMEDIUM)
		return rc;
	*icc = r.status & CCID_ICC_STATUS_MASK;
	return 0;
}

/**
 * ccid_xfr_block() - one PC_to_RDR_XfrBlock and its DataBlock
 * @p: port
 * @data: abData (a T=1 block, or an APDU or part of one)
 * @len: bytes in @data
 * @bwi: bBWI, the block waiting time multiplier (T=1 WTX)
 * @level: wLevelParameter (APDU level chaining), 0 otherwise
 * @rsp: buffer for the reply's abData
 * @cap: size of @rsp
 * @rsp_len: bytes stored in @rsp
 * @chain: bChainParameter of the reply (may be NULL)
 * @timeout_ms: read timeout
 *
 * Return: 0, -EMSGSIZE if the reply does not fit @cap, or as
 * ccid_parse_reply().
 */
int ccid_xfr_block(struct ccid_port *p, const u8 *data, size_t len, u8 bwi,
		   u16 level, u8 *rsp, size_t cap, size_t *rsp_len,
		   u8 *chain, unsigned int timeout_ms)
{
	struct ccid_reply r;
	int rc;

	rc = ccid_command(p, CCID_PC_XFR_BLOCK, CCID_RDR_DATA_BLOCK, data, len,
			  bwi, level, timeout_ms, &r);
	if (rc)
		return rc;
	if (r.len > cap)
		return -EMSGSIZE;
	memcpy(rsp, r.data, r.len);
	*rsp_len = r.len;
	if (chain)
		*chain = r.chain;
	return 0;
}

/* Send the command APDU, in wLevelParameter chunks if it is long. */
static int ccid_send_apdu_chain(struct ccid_port *p, const u8 *apdu,
				size_t len, u8 *rsp, size_t cap,
				size_t *rsp_len, u8 *chain,
				unsigned int timeout_ms)
{
	size_t chunk_max = p->max_msg - CCID_HDR_LEN;
	size_t off = 0;
	int rc;

	if (len <= chunk_max)
		return ccid_xfr_block(p, apdu, len, 0, CCID_LEVEL_WHOLE, rsp,
				      cap, rsp_len, chain, timeout_ms);

	while (off < len) {
		size_t n = min(len - off, chunk_max);
		bool last = off + n == len;
		u16 level;

		if (!off)
			level = CCID_LEVEL_BEGIN;
		else
			level = last ? CCID_LEVEL_END : CCID_LEVEL_MIDDLE;
		rc = ccid_xfr_block(p, apdu + off, n, 0, level, rsp, cap,
				    rsp_len, chain, timeout_ms);
		if (rc)
			return rc;
		off += n;
		/* every chunk but the last is answered by an empty block */
		if (!last && (*rsp_len || *chain != CCID_LEVEL_CONTINUE))
			return -EPROTO;
	}
	return 0;
}

/**
 * ccid_xfr_apdu() - exchange one APDU with a short/extended APDU level reader
 * @p: port
 * @apdu: command APDU
 * @len: its length
 * @rsp: buffer for the response APDU (data || SW1 SW2)
 * @cap: size of @rsp
 * @rsp_len: response length
 * @timeout_ms: read timeout per message
 *
 * Long commands and responses are chained per CCID 6.1.4.  A response that
 * does not fit is read to its end (so the reader is left idle) and then
 * reported as -EMSGSIZE.
 *
 * Return: 0 or a negative errno.
 */
int ccid_xfr_apdu(struct ccid_port *p, const u8 *apdu, size_t len,
		  u8 *rsp, size_t cap, size_t *rsp_len,
		  unsigned int timeout_ms)
{
	size_t got, total, seen;
	bool overflow = false;
	u8 chain;
	int rc;

	rc = ccid_send_apdu_chain(p, apdu, len, rsp, cap, &got, &chain,
				  timeout_ms);
	if (rc)
		return rc;
	total = got;
	seen = got;

	while (chain == CCID_LEVEL_BEGIN || chain == CCID_LEVEL_MIDDLE) {
		struct ccid_reply r;

		rc = ccid_command(p, CCID_PC_XFR_BLOCK, CCID_RDR_DATA_BLOCK,
				  NULL, 0, 0, CCID_LEVEL_CONTINUE, timeout_ms,
				  &r);
		if (rc)
			return rc;
		/* empty or endless continuations would never terminate */
		seen += r.len;
		if (!r.len || seen > CCID_MAX_RESPONSE)
			return -EPROTO;
		chain = r.chain;
		if (r.len > cap - total)
			overflow = true;
		if (!overflow) {
			memcpy(rsp + total, r.data, r.len);
			total += r.len;
		}
	}
	if (chain != CCID_LEVEL_WHOLE && chain != CCID_LEVEL_END)
		return -EPROTO;
	if (overflow)
		return -EMSGSIZE;
	*rsp_len = total;
	return 0;
}
