// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: APDU parsing, command dispatch, applet SELECT and the token's
 * lifetime (open, reset, close).  The commands themselves live in pin.c,
 * files.c, keys.c, dkek.c and pka.c; the state file in store.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "emu.h"
#include "faults.h"

/* Nitrokey HSM 2 (JCOP 3) ATR: T=1, IFSC 254, historical bytes "…HSM1…" */
static const uint8_t nitrokey_atr[] = {
	0x3B, 0xDE, 0x18, 0xFF, 0x81, 0x91, 0xFE, 0x1F, 0xC3, 0x80, 0x31, 0x81,
	0x54, 0x48, 0x53, 0x4D, 0x31, 0x73, 0x80, 0x21, 0x40, 0x81, 0x07, 0x1C
};

static const uint8_t hsm_aid[] = {
	0xE8, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x81, 0xC3, 0x1F, 0x02, 0x01
};

struct command {
	uint8_t cla;
	uint8_t ins;
	cmd_fn fn;
};

static uint16_t cmd_select(struct applet *a, const struct apdu *c,
			   struct tlvb *out);

static const struct command commands[] = {
	{ 0x00, 0xA4, cmd_select },
	{ 0x00, 0x20, cmd_verify },
	{ 0x00, 0x24, cmd_change_pin },
	{ 0x00, 0x2C, cmd_reset_retry },
	{ 0x80, 0x50, cmd_initialize },
	{ 0x80, 0x52, cmd_dkek },
	{ 0x80, 0x54, cmd_manage_pka },
	{ 0x80, 0x58, cmd_enumerate },
	{ 0x00, 0xB1, cmd_read_binary },
	{ 0x00, 0xD7, cmd_update_binary },
	{ 0x00, 0xE4, cmd_delete_file },
	{ 0x00, 0x46, cmd_generate_key },
	{ 0x80, 0x68, cmd_sign },
	{ 0x80, 0x62, cmd_decipher },
	{ 0x80, 0x72, cmd_wrap },
	{ 0x80, 0x74, cmd_unwrap },
	{ 0x00, 0x84, cmd_get_challenge },
	{ 0x00, 0x22, cmd_mse },
	{ 0x00, 0x2A, cmd_pso_verify },
	{ 0x00, 0x82, cmd_external_auth },
};

bool applet_user_authenticated(const struct applet *a)
{
	if (!a->initialized)
		return false;
	if (a->pka_n == 0)
		return a->pin_verified;
	if (a->options & OPT_COMBINED_AUTH)
		return a->pin_verified && pka_quorum(a);
	return a->pin_verified || pka_quorum(a);
}

/* What a re-SELECT and a reset both drop: the card's RAM. */
void applet_clear_session(struct applet *a)
{
	a->pin_verified = false;
	memset(a->pka_authenticated, 0, sizeof(a->pka_authenticated));
	OPENSSL_cleanse(a->challenge, sizeof(a->challenge));
	a->challenge_len = 0;
	a->ef_selected = false;
	a->mse_verify = NULL;
	a->mse_pka = -1;
}

/* Two-byte extended Le: 0000 means 65536. */
static size_t ext_len(const uint8_t *p)
{
	size_t n = (size_t)p[0] << 8 | p[1];

	return n ? n : 65536;
}

/*
 * Split a command APDU (ISO 7816-4 §5.1) into header, body and Ne.
 * Returns 0 or the SW for a malformed encoding.
 */
static uint16_t apdu_parse(const uint8_t *cmd, size_t len, struct apdu *c)
{
	size_t lc;

	memset(c, 0, sizeof(*c));
	if (len < 4)
		return SW_WRONG_LENGTH;
	c->cla = cmd[0];
	c->ins = cmd[1];
	c->p1 = cmd[2];
	c->p2 = cmd[3];
	c->ne = 256;
	if (len == 4)				/* case 1 */
		return 0;
	if (len == 5) {				/* case 2 short */
		c->has_le = true;
		c->ne = cmd[4] ? cmd[4] : 256;
		return 0;
	}
	if (cmd[4] != 0) {			/* case 3/4 short */
		lc = cmd[4];
		c->data = cmd + 5;
		c->lc = lc;
		if (len == 5 + lc)
			return 0;
		if (len == 6 + lc) {
			c->has_le = true;
			c->ne = cmd[5 + lc] ? cmd[5 + lc] : 256;
			return 0;
		}
		return SW_WRONG_LENGTH;
	}
	c->extended = true;
	c->ne = 65536;
	if (len == 7) {				/* case 2 extended */
		c->has_le = true;
		c->ne = ext_len(cmd + 5);
		return 0;
	}
	if (len < 8)
		return SW_WRONG_LENGTH;
	lc = (size_t)cmd[5] << 8 | cmd[6];
	if (lc == 0)
		return SW_WRONG_LENGTH;
	c->data = cmd + 7;
	c->lc = lc;
	if (len == 7 + lc)			/* case 3 extended */
		return 0;
	if (len == 9 + lc) {			/* case 4 extended */
		c->has_le = true;
		c->ne = ext_len(cmd + 7 + lc);
		return 0;
	}
	return SW_WRONG_LENGTH;
}

/* FCP of the applet: tag 85 = options, applet type 00, version. */
static void applet_fcp(const struct applet *a, struct tlvb *out)
{
	uint8_t prop[5] = { (uint8_t)(a->options >> 8), (uint8_t)a->options, 0x00,
			    APPLET_VERSION_MAJOR, APPLET_VERSION_MINOR };
	uint8_t desc = 0x38, lcs = 0x05;
	size_t mark = tlvb_open(out, 0x62);

	tlvb_put(out, 0x82, &desc, 1);
	tlvb_put(out, 0x84, hsm_aid, sizeof(hsm_aid));
	tlvb_put(out, 0x85, prop, sizeof(prop));
	tlvb_put(out, 0x8A, &lcs, 1);
	tlvb_close(out, mark);
}

static uint16_t cmd_select(struct applet *a, const struct apdu *c,
			   struct tlvb *out)
{
	if (c->p1 != 0x04)
		return a->selected ? cmd_select_ef(a, c, out) : SW_FILE_NOT_FOUND;
	if (c->p2 != 0x00 && c->p2 != 0x04 && c->p2 != 0x0C)
		return SW_WRONG_P1P2;
	if (c->lc != sizeof(hsm_aid) || memcmp(c->data, hsm_aid, sizeof(hsm_aid))) {
		/* another AID: the applet is deselected, like on a real card */
		if (a->selected) {
			a->selected = false;
			applet_clear_session(a);
		}
		return SW_FILE_NOT_FOUND;
	}
	a->selected = true;
	applet_clear_session(a);
	if (c->p2 != 0x0C)
		applet_fcp(a, out);
	return SW_OK;
}

static uint16_t dispatch(struct applet *a, const struct apdu *c,
			 struct tlvb *out)
{
	bool ins_known = false;
	size_t i;

	/* SM and chaining bits only mean that in the first interindustry class */
	if ((c->cla & 0xE0) == 0 && (c->cla & 0x0C))
		return SW_SM_NOT_SUPPORTED;
	if ((c->cla & 0xE0) == 0 && (c->cla & 0x10))
		return SW_CHAINING_NOT_SUPPORTED;
	if (c->cla != 0x00 && c->cla != 0x80)
		return SW_CLA_NOT_SUPPORTED;
	if (!a->selected && c->ins != 0xA4)
		return SW_INS_NOT_SUPPORTED;	/* the card manager has no such INS */
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].ins != c->ins)
			continue;
		ins_known = true;
		if (commands[i].cla == c->cla)
			return commands[i].fn(a, c, out);
	}
	return ins_known ? SW_CLA_NOT_SUPPORTED : SW_INS_NOT_SUPPORTED;
}

static size_t put_sw(uint8_t *rsp, size_t pos, uint16_t sw)
{
	rsp[pos] = (uint8_t)(sw >> 8);
	rsp[pos + 1] = (uint8_t)sw;
	return pos + 2;
}

/*
 * Response chaining, ISO 7816-4 5.3.3/5.3.4, as a Java Card runtime does it
 * below the applet: an answer longer than Ne goes out as its first Ne bytes
 * and SW 61xx (xx: bytes still available, 00 for 256 or more); GET RESPONSE
 * (00 C0 00 00 Le) hands out the rest.  Any other command, a re-SELECT and
 * a reset drop what was not fetched.
 */
static void pending_drop(struct applet *a)
{
	if (a->pending) {
		OPENSSL_cleanse(a->pending, a->pending_len);
		free(a->pending);
	}
	a->pending = NULL;
	a->pending_len = 0;
	a->pending_off = 0;
}

static uint16_t sw_more(size_t left)
{
	return (uint16_t)(0x6100 | (left >= 256 ? 0 : left));
}

/* Keep the bytes beyond Ne; returns the 61xx to send, or 6581. */
static uint16_t pending_keep(struct applet *a, const uint8_t *rest,
			     size_t len, uint16_t sw)
{
	a->pending = malloc(len);
	if (!a->pending)
		return SW_MEMORY_FAILURE;
	memcpy(a->pending, rest, len);
	a->pending_len = len;
	a->pending_off = 0;
	a->pending_sw = sw;
	return sw_more(len);
}

static uint16_t get_response(struct applet *a, const struct apdu *c,
			     uint8_t *rsp, size_t *n)
{
	size_t left, take;
	uint16_t sw;

	if (c->p1 || c->p2)
		return SW_WRONG_P1P2;
	if (!a->pending || c->lc)
		return SW_CONDITIONS;
	left = a->pending_len - a->pending_off;
	take = left < c->ne ? left : c->ne;
	memcpy(rsp, a->pending + a->pending_off, take);
	*n = take;
	a->pending_off += take;
	left -= take;
	if (left)
		return sw_more(left);
	sw = a->pending_sw;
	pending_drop(a);
	return sw;
}

static bool is_get_response(const struct apdu *c)
{
	return c->cla == 0x00 && c->ins == 0xC0;
}

size_t applet_process(struct applet *a, const uint8_t *cmd, size_t len,
		      uint8_t *rsp, size_t cap)
{
	struct apdu c;
	struct tlvb out;
	uint16_t sw;
	size_t n = 0;

	if (cap < 2)
		return 0;
	a->cost_ms = 0;
	a->dirty = false;
	if (len > COMMAND_MAX)
		sw = SW_WRONG_LENGTH;
	else
		sw = apdu_parse(cmd, len, &c);
	if (!sw && faults_sw61_forever()) {
		/* fault: more data is always announced, and always one byte */
		pending_drop(a);
		rsp[0] = 0xA5;
		return put_sw(rsp, c.ne ? 1 : 0, 0x6101);
	}
	if (!sw && is_get_response(&c)) {
		if (cap - 2 < c.ne)
			return put_sw(rsp, 0, SW_WRONG_LENGTH);
		sw = get_response(a, &c, rsp, &n);
		return put_sw(rsp, n, sw);
	}
	pending_drop(a);
	tlvb_init(&out);
	if (!sw)
		sw = dispatch(a, &c, &out);
	if (a->dirty && store_save(a))
		sw = SW_MEMORY_FAILURE;
	if (out.err)
		sw = SW_MEMORY_FAILURE;
	if ((sw == SW_OK || sw == SW_EOF) && out.len) {
		n = out.len > c.ne ? c.ne : out.len;
		if (n > cap - 2) {
			sw = SW_WRONG_LENGTH;
			n = 0;
		} else {
			memcpy(rsp, out.p, n);
			if (n < out.len)
				sw = pending_keep(a, out.p + n, out.len - n,
						  sw);
			if (sw == SW_MEMORY_FAILURE)
				n = 0;
		}
	}
	tlvb_free(&out);
	return put_sw(rsp, n, sw);
}

void applet_reset(struct applet *a)
{
	a->selected = false;
	applet_clear_session(a);
	pending_drop(a);
}

const uint8_t *applet_atr(const struct applet *a, size_t *len)
{
	(void)a;
	*len = sizeof(nitrokey_atr);
	return nitrokey_atr;
}

const char *applet_serial(const struct applet *a)
{
	return a->serial;
}

unsigned int applet_last_cost_ms(const struct applet *a)
{
	return a->cost_ms;
}

struct applet *applet_open(const char *state_path)
{
	struct applet *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return NULL;
	a->mse_pka = -1;
	a->state_path = strdup(state_path);
	if (!a->state_path)
		goto fail;
	r = store_load(a);
	if (r == -ENOENT) {
		/* factory-fresh token: new device identity, nothing else */
		if (devid_create(a) || store_save(a)) {
			fprintf(stderr, "schsm-emu: cannot create %s\n", state_path);
			goto fail;
		}
	} else if (r) {
		goto fail;
	}
	return a;
fail:
	applet_close(a);
	return NULL;
}

void applet_close(struct applet *a)
{
	size_t i;

	if (!a)
		return;
	pending_drop(a);
	for (i = 0; i < 256; i++)
		key_free(a->keys[i]);
	for (i = 0; i < a->nfiles; i++) {
		OPENSSL_cleanse(a->files[i].data, a->files[i].len);
		free(a->files[i].data);
	}
	free(a->files);
	for (i = 0; i < PKA_MAX_KEYS; i++)
		pubkey_free(a->pka[i]);
	for (i = 0; i < KNOWN_KEYS_MAX; i++)
		pubkey_free(a->known[i]);
	EVP_PKEY_free(a->devkey);
	free(a->state_path);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}
