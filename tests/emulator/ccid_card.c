// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: CCID reader behaviour of the emulated tokens (ccid_card.h).
 *
 * Like the real readers: one slot, one command at a time, bSeq echoed,
 * errors in bStatus/bError (CCID 1.1 §6.2.6), and PC_to_RDR_Abort accepted
 * as a no-op.  TPDU readers (the Nitrokey's firmware) send no CCID time
 * extension: a slow command is silent but for the card's own S(WTX).  The
 * APDU-level reader hides the card's S(WTX) and must tell the host with
 * CCID time extensions instead, as any APDU-level reader does.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccid_card.h"
#include "timing.h"

/* PC_to_RDR and RDR_to_PC message types (CCID 1.1 §6.1, §6.2). */
#define PC_SET_PARAMETERS	0x61
#define PC_POWER_ON		0x62
#define PC_POWER_OFF		0x63
#define PC_GET_SLOT_STATUS	0x65
#define PC_SECURE		0x69
#define PC_T0APDU		0x6A
#define PC_ESCAPE		0x6B
#define PC_GET_PARAMETERS	0x6C
#define PC_RESET_PARAMETERS	0x6D
#define PC_ICC_CLOCK		0x6E
#define PC_XFR_BLOCK		0x6F
#define PC_MECHANICAL		0x71
#define PC_ABORT		0x72
#define PC_SET_RATE_CLOCK	0x73
#define RDR_DATA_BLOCK		0x80
#define RDR_SLOT_STATUS		0x81
#define RDR_PARAMETERS		0x82
#define RDR_ESCAPE		0x83
#define RDR_RATE_CLOCK		0x84

#define ICC_ACTIVE		0x00
#define ICC_INACTIVE		0x01
#define ICC_ABSENT		0x02
#define CMD_FAILED		0x40
#define CMD_TIME_EXTENSION	0x80

#define ERR_CMD_NOT_SUPPORTED	0x00
#define ERR_BAD_LENGTH		0x01	/* offset of dwLength */
#define ERR_BAD_SLOT		0x05	/* offset of bSlot */
#define ERR_BAD_PROTOCOL	0x07	/* offset of bProtocolNum */
#define ERR_BAD_LEVEL		0x08	/* offset of wLevelParameter */
#define ERR_ICC_MUTE		0xFE
#define ERR_HW_ERROR		0xFB

/* wLevelParameter / bChainParameter (CCID 1.1 §6.1.4, §6.2.1). */
#define LEVEL_WHOLE		0x0000
#define LEVEL_BEGIN		0x0001
#define LEVEL_END		0x0002
#define LEVEL_MIDDLE		0x0003
#define LEVEL_MORE_RESPONSE	0x0010

/* Send S(WTX) when the card has been silent this long (BWT is 1.59 s). */
#define T1_WTX_AFTER_MS		1000
#define T1_WTX_MULTIPLIER	2

static const struct ccid_model ccid_models[] = {
	{
		/* Nitrokey HSM: firmware hsm-hw4-new-smartcard, libccid dump */
		.name = "nitrokey",
		.vid = 0x20A0, .pid = 0x4230, .bcd_device = 0x0100,
		.manufacturer = "Nitrokey", .product = "Nitrokey HSM",
		.interface = NULL,
		.level = CCID_LEVEL_TPDU, .auto_ifsd = true,
		.data_rates_byte = true,
		.voltage_support = 0x02,
		.class_get_response = 0x00, .class_envelope = 0x00,
		.protocols = 0x00000002,
		.default_clock = 3600, .max_clock = 3600,
		.data_rate = 9677, .max_data_rate = 116129,
		.max_ifsd = 254, .features = 0x000104BA, .max_message = 271,
	},
	{
		/* SmartCard-HSM EA+ on the Identive SCT3522CC token */
		.name = "sc-hsm-ea",
		.vid = 0x04E6, .pid = 0x5817, .bcd_device = 0x0100,
		.manufacturer = "Identive", .product = "SCT3522CC token",
		.interface = "CCID Interface",
		.level = CCID_LEVEL_EXT_APDU, .auto_ifsd = true,
		.voltage_support = 0x07,
		.class_get_response = 0xFF, .class_envelope = 0xFF,
		.protocols = 0x00000003,
		.default_clock = 4800, .max_clock = 16000,
		.data_rate = 12903, .max_data_rate = 600000,
		.max_ifsd = 254, .features = 0x000404BA, .max_message = 271,
	},
	{
		/* SmartCard-HSM on the Identiv uTrust 3512 SAM slot token */
		.name = "utrust",
		.vid = 0x04E6, .pid = 0x5816, .bcd_device = 0x0202,
		.manufacturer = "Identiv", .product = "uTrust 3512 SAM slot Token",
		.interface = "CCID Interface",
		.level = CCID_LEVEL_TPDU, .auto_ifsd = false,
		.voltage_support = 0x07,
		.class_get_response = 0xFF, .class_envelope = 0xFF,
		.protocols = 0x00000003,
		.default_clock = 4800, .max_clock = 16000,
		.data_rate = 12903, .max_data_rate = 600000,
		.max_ifsd = 252, .features = 0x000100BA, .max_message = 271,
	},
};

const struct ccid_model *ccid_model_find(const char *name)
{
	size_t i;

	if (!name)
		return &ccid_models[0];
	for (i = 0; i < sizeof(ccid_models) / sizeof(ccid_models[0]); i++)
		if (!strcmp(ccid_models[i].name, name))
			return &ccid_models[i];
	return NULL;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

void ccid_class_descriptor(const struct ccid_model *m,
			   uint8_t d[CCID_CLASS_DESC_LEN])
{
	memset(d, 0, CCID_CLASS_DESC_LEN);
	d[0] = CCID_CLASS_DESC_LEN;
	d[1] = 0x21;
	put_le16(d + 2, 0x0110);		/* bcdCCID */
	d[4] = 0;				/* bMaxSlotIndex */
	d[5] = m->voltage_support;
	put_le32(d + 6, m->protocols);
	put_le32(d + 10, m->default_clock);
	put_le32(d + 14, m->max_clock);
	d[18] = 0;				/* bNumClockSupported */
	put_le32(d + 19, m->data_rate);
	put_le32(d + 23, m->max_data_rate);
	d[27] = 0;				/* bNumDataRatesSupported */
	put_le32(d + 28, m->max_ifsd);
	put_le32(d + 32, 0);			/* dwSynchProtocols */
	put_le32(d + 36, 0);			/* dwMechanical */
	put_le32(d + 40, m->features);
	put_le32(d + 44, m->max_message);
	d[48] = m->class_get_response;
	d[49] = m->class_envelope;
	put_le16(d + 50, 0);			/* wLcdLayout */
	d[52] = 0;				/* bPINSupport */
	d[53] = 1;				/* bMaxCCIDBusySlots */
}

/*
 * T=1 protocol data (CCID 1.1 Table 6.1-8) from the ATR's interface bytes:
 * TA1 (Fi/Di), TC1 (guard time), and the first T=1 group's TA (IFSC),
 * TB (BWI/CWI) and TC (EDC).  Absent bytes take the ISO defaults.
 */
static void ccid_atr_params(const uint8_t *atr, size_t len, uint8_t p[7])
{
	size_t i = 2;
	uint8_t y = len > 1 ? atr[1] >> 4 : 0;
	unsigned int group = 1;
	bool t1_seen = false;

	p[0] = 0x11;	/* bmFindexDindex */
	p[1] = 0x10;	/* bmTCCKST1: LRC, direct convention */
	p[2] = 0x00;	/* bGuardTimeT1 */
	p[3] = 0x4D;	/* bmWaitingIntegersT1: BWI 4, CWI 13 */
	p[4] = 0x00;	/* bClockStop */
	p[5] = 0x20;	/* bIFSC: 32 */
	p[6] = 0x00;	/* bNadValue */
	while (y && i < len) {
		uint8_t ta = 0, tb = 0, tc = 0, td = 0;
		bool has_ta = y & 1, has_tb = y & 2, has_tc = y & 4;

		if (has_ta && i < len)
			ta = atr[i++];
		if (has_tb && i < len)
			tb = atr[i++];
		if (has_tc && i < len)
			tc = atr[i++];
		if ((y & 8) && i < len)
			td = atr[i++];
		if (group == 1) {
			if (has_ta)
				p[0] = ta;
			if (has_tc)
				p[2] = tc;
		} else if (group >= 3 && t1_seen) {
			if (has_ta)
				p[5] = ta;
			if (has_tb)
				p[3] = tb;
			if (has_tc)
				p[1] |= tc & 1;
			break;
		}
		/* TDi (i >= 2) naming T=1 announces the T=1 group. */
		if (group >= 2 && (td & 0x0F) == 1)
			t1_seen = true;
		y = (y & 8) ? td >> 4 : 0;
		group++;
	}
}

/* ---- the worker: one applet command, then the real token's latency ---- */

static void *ccid_exec_thread(void *arg)
{
	struct ccid_exec *e = arg;
	uint64_t start = timing_now_ms();
	size_t len;

	len = applet_process(e->applet, e->cmd, e->cmd_len, e->rsp,
			     APPLET_MAX_RESPONSE);
	if (e->timing == EMU_TIMING_REAL) {
		unsigned int cost = timing_cost_ms(e->applet, e->cmd,
						   e->cmd_len, e->rsp, len);
		uint64_t spent = timing_now_ms() - start;

		if (cost > spent)
			timing_sleep_ms((unsigned int)(cost - spent));
	}
	pthread_mutex_lock(&e->lock);
	e->rsp_len = len;
	e->done = true;
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

/* Result length once the worker is joined; 0 if none was running. */
static size_t ccid_exec_finish(struct ccid_exec *e)
{
	if (!e->running)
		return 0;
	pthread_join(e->thread, NULL);
	e->running = false;
	return e->rsp_len;
}

static int ccid_exec_start(struct ccid_exec *e, const uint8_t *cmd,
			   size_t len)
{
	ccid_exec_finish(e);
	e->cmd = cmd;
	e->cmd_len = len;
	e->rsp_len = 0;
	e->done = false;
	if (pthread_create(&e->thread, NULL, ccid_exec_thread, e)) {
		/* No thread: answer as a card that failed internally. */
		e->rsp[0] = 0x6F;
		e->rsp[1] = 0x00;
		e->rsp_len = 2;
		e->done = true;
		return 0;
	}
	e->running = true;
	return 0;
}

/* True once the command is done; waits at most ms (0: for ever). */
static bool ccid_exec_wait(struct ccid_exec *e, unsigned int ms)
{
	uint64_t deadline = timing_now_ms() + ms;
	bool done;

	pthread_mutex_lock(&e->lock);
	while (!e->done) {
		struct timespec ts;
		uint64_t now = timing_now_ms();

		if (!ms) {
			pthread_cond_wait(&e->cond, &e->lock);
			continue;
		}
		if (now >= deadline)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (deadline - now) / 1000;
		ts.tv_nsec += (long)((deadline - now) % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&e->cond, &e->lock, &ts);
	}
	done = e->done;
	pthread_mutex_unlock(&e->lock);
	return done;
}

/* ---- replies ---- */

static uint8_t ccid_icc_status(struct ccid_card *c)
{
	uint8_t s;

	pthread_mutex_lock(&c->slot_lock);
	if (!c->present)
		s = ICC_ABSENT;
	else if (c->powered && c->powered_generation == c->generation)
		s = ICC_ACTIVE;
	else
		s = ICC_INACTIVE;
	pthread_mutex_unlock(&c->slot_lock);
	return s;
}

/*
 * Build and send one RDR_to_PC message, with whatever fault is armed.
 * b9 is the message-specific byte (bChainParameter, bClockStatus,
 * bProtocolNum).
 */
static int ccid_reply(struct ccid_card *c, uint8_t type, const uint8_t *req,
		      uint8_t status, uint8_t error, uint8_t b9,
		      const uint8_t *data, size_t len)
{
	uint8_t msg[CCID_HEADER + 65536 + 16];
	size_t total = CCID_HEADER + len;
	unsigned int delay = faults_delay_ms(c->faults);
	int rc;

	if (len > sizeof(msg) - CCID_HEADER)
		return -1;
	msg[0] = type;
	put_le32(msg + 1, (uint32_t)len);
	msg[5] = req[5];		/* bSlot */
	msg[6] = req[6];		/* bSeq */
	msg[7] = status;
	msg[8] = error;
	msg[9] = b9;
	if (len)
		memcpy(msg + CCID_HEADER, data, len);
	if (faults_take(c->faults, FAULT_WRONG_SEQ))
		msg[6]++;
	if (faults_take(c->faults, FAULT_OVERLONG))
		put_le32(msg + 1, (uint32_t)len + 16);
	if (faults_take(c->faults, FAULT_TRUNCATE))
		total = total / 2 > 5 ? total / 2 : 5;
	if (delay)
		timing_sleep_ms(delay);
	if (faults_take(c->faults, FAULT_DROP)) {
		if (c->verbose)
			fprintf(stderr, "schsm-emu: fault: dropped reply %02x\n",
				type);
		rc = 0;
	} else {
		rc = c->send(c->send_ctx, msg, total);
	}
	OPENSSL_cleanse(msg, total);
	return rc;
}

static int ccid_slot_status(struct ccid_card *c, const uint8_t *req,
			    uint8_t type, uint8_t cmd_status, uint8_t error)
{
	return ccid_reply(c, type, req, cmd_status | ccid_icc_status(c),
			  error, 0, NULL, 0);
}

static int ccid_fail(struct ccid_card *c, const uint8_t *req, uint8_t type,
		     uint8_t error)
{
	return ccid_slot_status(c, req, type, CMD_FAILED, error);
}

/* ---- slot commands ---- */

static void ccid_power_down(struct ccid_card *c)
{
	ccid_exec_finish(&c->exec);
	applet_reset(c->applet);
	c->powered = false;
	c->cmd_len = 0;
	c->cmd_chaining = false;
	c->rsp_chaining = false;
	c->wtx_pending = 0;
	OPENSSL_cleanse(c->exec.rsp, APPLET_MAX_RESPONSE);
}

static int ccid_power_on(struct ccid_card *c, const uint8_t *req)
{
	unsigned int gen;
	bool present;

	ccid_power_down(c);
	pthread_mutex_lock(&c->slot_lock);
	present = c->present;
	gen = c->generation;
	pthread_mutex_unlock(&c->slot_lock);
	if (!present)
		return ccid_reply(c, RDR_DATA_BLOCK, req,
				  CMD_FAILED | ICC_ABSENT, ERR_ICC_MUTE, 0,
				  NULL, 0);
	memcpy(c->params, c->atr_params, sizeof(c->params));
	if (c->t1)
		t1_card_reset(c->t1, c->atr_params[5],
			      c->model->auto_ifsd ? c->model->max_ifsd :
						    T1_DEFAULT_IFSD);
	c->powered = true;
	c->powered_generation = gen;
	return ccid_reply(c, RDR_DATA_BLOCK, req, ICC_ACTIVE, 0, 0, c->atr,
			  c->atr_len);
}

static int ccid_parameters(struct ccid_card *c, const uint8_t *req,
			   const uint8_t *data, size_t len)
{
	uint8_t icc = ccid_icc_status(c);

	if (icc == ICC_ABSENT)
		return ccid_fail(c, req, RDR_PARAMETERS, ERR_ICC_MUTE);
	if (req[0] == PC_RESET_PARAMETERS)
		memcpy(c->params, c->atr_params, sizeof(c->params));
	if (req[0] == PC_SET_PARAMETERS) {
		/* The card speaks T=1 only, with LRC. */
		if (req[7] != 1)
			return ccid_reply(c, RDR_PARAMETERS, req,
					  CMD_FAILED | icc, ERR_BAD_PROTOCOL,
					  1, c->params, sizeof(c->params));
		if (len != sizeof(c->params) || (data[1] & 0xFD) != 0x10)
			return ccid_reply(c, RDR_PARAMETERS, req,
					  CMD_FAILED | icc, CCID_HEADER + 1,
					  1, c->params, sizeof(c->params));
		memcpy(c->params, data, sizeof(c->params));
	}
	return ccid_reply(c, RDR_PARAMETERS, req, icc, 0, 1, c->params,
			  sizeof(c->params));
}

/* ---- XfrBlock, TPDU level: the card speaks T=1 ---- */

static int ccid_t1_send(struct ccid_card *c, const uint8_t *req)
{
	uint8_t blk[T1_MAX_BLOCK];
	size_t len = c->t1->out_len;

	memcpy(blk, c->t1->out, len);
	if (c->verbose && len >= T1_PROLOGUE)
		fprintf(stderr, "schsm-emu: T=1 -> PCB %02x LEN %u\n", blk[1],
			blk[2]);
	/* The stored block stays intact for the resend the host will ask. */
	if (len && faults_take(c->faults, FAULT_BAD_LRC))
		blk[len - 1] ^= 0x5A;
	return ccid_reply(c, RDR_DATA_BLOCK, req, ICC_ACTIVE, 0, 0, blk, len);
}

/* The card is computing: answer, or ask for more time if still busy. */
static int ccid_t1_compute(struct ccid_card *c, const uint8_t *req)
{
	size_t len;

	if (c->wtx_pending) {
		c->wtx_pending--;
		t1_card_wtx(c->t1, 1);
		return ccid_t1_send(c, req);
	}
	if (!ccid_exec_wait(&c->exec, T1_WTX_AFTER_MS)) {
		t1_card_wtx(c->t1, T1_WTX_MULTIPLIER);
		return ccid_t1_send(c, req);
	}
	len = ccid_exec_finish(&c->exec);
	OPENSSL_cleanse(c->t1->cmd, c->t1->cmd_len);
	if (t1_card_respond(c->t1, c->exec.rsp, len))
		return ccid_fail(c, req, RDR_DATA_BLOCK, ERR_HW_ERROR);
	OPENSSL_cleanse(c->exec.rsp, len);
	return ccid_t1_send(c, req);
}

static int ccid_xfr_tpdu(struct ccid_card *c, const uint8_t *req,
			 const uint8_t *data, size_t len)
{
	/* Block kinds only: INF may carry a PIN. */
	if (c->verbose && len >= T1_PROLOGUE)
		fprintf(stderr, "schsm-emu: T=1 <- PCB %02x LEN %u\n", data[1],
			data[2]);
	/* After S(ABORT)/S(RESYNCH) the worker may still read t1->cmd. */
	if (c->exec.running && c->t1->state != T1_COMPUTING)
		ccid_exec_finish(&c->exec);
	switch (t1_card_receive(c->t1, data, len)) {
	case T1_COMMAND:
		c->wtx_pending = faults_take_wtx_storm(c->faults);
		ccid_exec_start(&c->exec, c->t1->cmd, c->t1->cmd_len);
		return ccid_t1_compute(c, req);
	case T1_CONTINUE:
		return ccid_t1_compute(c, req);
	case T1_SEND:
	default:
		return ccid_t1_send(c, req);
	}
}

/* ---- XfrBlock, short+extended APDU level with CCID chaining ---- */

static int ccid_apdu_send_chunk(struct ccid_card *c, const uint8_t *req)
{
	size_t room = c->model->max_message - CCID_HEADER;
	size_t left = c->rsp_len - c->rsp_off;
	size_t n = left > room ? room : left;
	bool first = c->rsp_off == 0, more = n < left;
	uint8_t chain;
	int rc;

	if (first)
		chain = more ? LEVEL_BEGIN : LEVEL_WHOLE;
	else
		chain = more ? LEVEL_MIDDLE : LEVEL_END;
	rc = ccid_reply(c, RDR_DATA_BLOCK, req, ICC_ACTIVE, 0, chain,
			c->exec.rsp + c->rsp_off, n);
	c->rsp_off += n;
	c->rsp_chaining = more;
	if (!more)
		OPENSSL_cleanse(c->exec.rsp, c->rsp_len);
	return rc;
}

static int ccid_apdu_execute(struct ccid_card *c, const uint8_t *req)
{
	unsigned int storm = faults_take_wtx_storm(c->faults);

	/* Only under fault injection: the real reader never sends these. */
	while (storm--) {
		if (ccid_reply(c, RDR_DATA_BLOCK, req,
			       CMD_TIME_EXTENSION | ICC_ACTIVE, 1, 0, NULL, 0))
			return -1;
	}
	ccid_exec_start(&c->exec, c->cmd, c->cmd_len);
	/*
	 * The card's S(WTX) stays between reader and card at this level; the
	 * reader turns it into CCID time extensions, or the host's read
	 * timeout (3 s in libccid) would end a 30-s key generation.
	 */
	while (!ccid_exec_wait(&c->exec, T1_WTX_AFTER_MS)) {
		if (ccid_reply(c, RDR_DATA_BLOCK, req,
			       CMD_TIME_EXTENSION | ICC_ACTIVE,
			       T1_WTX_MULTIPLIER, 0, NULL, 0))
			break;
	}
	c->rsp_len = ccid_exec_finish(&c->exec);
	c->rsp_off = 0;
	OPENSSL_cleanse(c->cmd, c->cmd_len);
	c->cmd_len = 0;
	return ccid_apdu_send_chunk(c, req);
}

static int ccid_xfr_apdu(struct ccid_card *c, const uint8_t *req,
			 const uint8_t *data, size_t len)
{
	uint16_t level = (uint16_t)(req[8] | req[9] << 8);

	if (level == LEVEL_MORE_RESPONSE) {
		if (!c->rsp_chaining || len)
			return ccid_fail(c, req, RDR_DATA_BLOCK, ERR_BAD_LEVEL);
		return ccid_apdu_send_chunk(c, req);
	}
	c->rsp_chaining = false;
	if (level == LEVEL_WHOLE || level == LEVEL_BEGIN) {
		c->cmd_len = 0;
		c->cmd_chaining = level == LEVEL_BEGIN;
	} else if ((level == LEVEL_MIDDLE || level == LEVEL_END) &&
		   c->cmd_chaining) {
		c->cmd_chaining = level == LEVEL_MIDDLE;
	} else {
		c->cmd_chaining = false;
		return ccid_fail(c, req, RDR_DATA_BLOCK, ERR_BAD_LEVEL);
	}
	if (len > APPLET_MAX_COMMAND - c->cmd_len) {
		c->cmd_chaining = false;
		c->cmd_len = 0;
		return ccid_fail(c, req, RDR_DATA_BLOCK, ERR_BAD_LENGTH);
	}
	memcpy(c->cmd + c->cmd_len, data, len);
	c->cmd_len += len;
	if (c->cmd_chaining)
		return ccid_reply(c, RDR_DATA_BLOCK, req, ICC_ACTIVE, 0,
				  LEVEL_MORE_RESPONSE, NULL, 0);
	return ccid_apdu_execute(c, req);
}

static int ccid_xfr_block(struct ccid_card *c, const uint8_t *req,
			  const uint8_t *data, size_t len)
{
	uint8_t icc = ccid_icc_status(c);

	if (icc != ICC_ACTIVE)
		return ccid_reply(c, RDR_DATA_BLOCK, req, CMD_FAILED | icc,
				  ERR_ICC_MUTE, 0, NULL, 0);
	if (c->model->level == CCID_LEVEL_TPDU)
		return ccid_xfr_tpdu(c, req, data, len);
	return ccid_xfr_apdu(c, req, data, len);
}

/* ---- dispatch ---- */

int ccid_card_handle(struct ccid_card *c, const uint8_t *msg, size_t len)
{
	const uint8_t *data = msg + CCID_HEADER;
	uint32_t dw;

	if (len < CCID_HEADER) {
		if (c->verbose)
			fprintf(stderr, "schsm-emu: short CCID message (%zu)\n",
				len);
		return 0;
	}
	if (faults_hung(c->faults))
		return 0;
	dw = get_le32(msg + 1);
	if (c->verbose)
		fprintf(stderr, "schsm-emu: CCID %02x seq %u len %u\n", msg[0],
			msg[6], dw);
	if (len > c->model->max_message || dw != len - CCID_HEADER)
		return ccid_fail(c, msg, msg[0] == PC_XFR_BLOCK ?
				 RDR_DATA_BLOCK : RDR_SLOT_STATUS,
				 ERR_BAD_LENGTH);
	if (msg[5] != 0)
		return ccid_reply(c, msg[0] == PC_XFR_BLOCK ? RDR_DATA_BLOCK :
				  RDR_SLOT_STATUS, msg,
				  CMD_FAILED | ICC_ABSENT, ERR_BAD_SLOT, 0,
				  NULL, 0);
	switch (msg[0]) {
	case PC_POWER_ON:
		return ccid_power_on(c, msg);
	case PC_POWER_OFF:
		ccid_power_down(c);
		return ccid_slot_status(c, msg, RDR_SLOT_STATUS, 0, 0);
	case PC_GET_SLOT_STATUS:
	case PC_ICC_CLOCK:
	case PC_ABORT:
		/* Abort does nothing on the real reader either. */
		return ccid_slot_status(c, msg, RDR_SLOT_STATUS, 0, 0);
	case PC_GET_PARAMETERS:
	case PC_SET_PARAMETERS:
	case PC_RESET_PARAMETERS:
		return ccid_parameters(c, msg, data, dw);
	case PC_XFR_BLOCK:
		return ccid_xfr_block(c, msg, data, dw);
	case PC_ESCAPE:
		return ccid_fail(c, msg, RDR_ESCAPE, ERR_CMD_NOT_SUPPORTED);
	case PC_SECURE:
		return ccid_fail(c, msg, RDR_DATA_BLOCK, ERR_CMD_NOT_SUPPORTED);
	case PC_SET_RATE_CLOCK:
		return ccid_fail(c, msg, RDR_RATE_CLOCK, ERR_CMD_NOT_SUPPORTED);
	case PC_T0APDU:
	case PC_MECHANICAL:
	default:
		return ccid_fail(c, msg, RDR_SLOT_STATUS, ERR_CMD_NOT_SUPPORTED);
	}
}

void ccid_card_bus_reset(struct ccid_card *c)
{
	c->cmd_chaining = false;
	c->rsp_chaining = false;
	faults_clear_hang(c->faults);
}

bool ccid_card_set_present(struct ccid_card *c, bool present)
{
	bool changed;

	pthread_mutex_lock(&c->slot_lock);
	changed = c->present != present;
	if (changed) {
		c->present = present;
		c->generation++;
	}
	pthread_mutex_unlock(&c->slot_lock);
	return changed;
}

uint8_t ccid_card_notify_bits(struct ccid_card *c)
{
	bool present;

	pthread_mutex_lock(&c->slot_lock);
	present = c->present;
	pthread_mutex_unlock(&c->slot_lock);
	return present ? 0x03 : 0x02;
}

int ccid_card_init(struct ccid_card *c, const struct ccid_model *m,
		   struct applet *a, struct faults *f,
		   const struct emu_opts *o, ccid_send_fn send, void *ctx)
{
	pthread_condattr_t cattr;
	const uint8_t *atr;
	size_t atr_len;

	memset(c, 0, sizeof(*c));
	atr = applet_atr(a, &atr_len);
	if (!atr || atr_len < 2 || atr_len > CCID_ATR_MAX) {
		fprintf(stderr, "schsm-emu: the applet's ATR does not fit\n");
		return -1;
	}
	c->model = m;
	c->applet = a;
	c->faults = f;
	c->verbose = o->verbose;
	c->send = send;
	c->send_ctx = ctx;
	c->present = true;
	memcpy(c->atr, atr, atr_len);
	c->atr_len = atr_len;
	ccid_atr_params(c->atr, c->atr_len, c->atr_params);
	memcpy(c->params, c->atr_params, sizeof(c->params));
	pthread_mutex_init(&c->slot_lock, NULL);
	pthread_mutex_init(&c->exec.lock, NULL);
	/* ccid_exec_wait() computes its deadlines on the monotonic clock. */
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->exec.cond, &cattr);
	pthread_condattr_destroy(&cattr);
	c->exec.applet = a;
	c->exec.timing = o->timing;
	c->exec.rsp = malloc(APPLET_MAX_RESPONSE);
	if (m->level == CCID_LEVEL_TPDU)
		c->t1 = calloc(1, sizeof(*c->t1));
	else
		c->cmd = malloc(APPLET_MAX_COMMAND);
	if (!c->exec.rsp || (!c->t1 && !c->cmd)) {
		fprintf(stderr, "schsm-emu: out of memory\n");
		ccid_card_destroy(c);
		return -1;
	}
	if (c->t1)
		t1_card_reset(c->t1, c->atr_params[5], m->max_ifsd);
	return 0;
}

void ccid_card_destroy(struct ccid_card *c)
{
	ccid_exec_finish(&c->exec);
	if (c->t1) {
		OPENSSL_cleanse(c->t1, sizeof(*c->t1));
		free(c->t1);
	}
	if (c->cmd) {
		OPENSSL_cleanse(c->cmd, APPLET_MAX_COMMAND);
		free(c->cmd);
	}
	if (c->exec.rsp) {
		OPENSSL_cleanse(c->exec.rsp, APPLET_MAX_RESPONSE);
		free(c->exec.rsp);
	}
	pthread_cond_destroy(&c->exec.cond);
	pthread_mutex_destroy(&c->exec.lock);
	pthread_mutex_destroy(&c->slot_lock);
	c->t1 = NULL;
	c->cmd = NULL;
	c->exec.rsp = NULL;
}
