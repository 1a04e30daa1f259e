// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: PINs and INITIALIZE DEVICE.  User PIN (ref 81) and SO-PIN /
 * initialisation code (ref 88).  Every comparison first decrements and
 * stores the retry counter, so pulling the plug mid-command cannot give a
 * free guess; a match restores the counter afterwards.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "emu.h"

#define REF_USER	0x81
#define REF_SO		0x88

static void pin_hash(const struct user_pin *p, const uint8_t *pin, size_t len,
		     uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, p->salt, sizeof(p->salt)) ||
	    !EVP_DigestUpdate(ctx, pin, len) ||
	    !EVP_DigestFinal_ex(ctx, out, &n))
		RAND_bytes(out, 32);	/* never matches */
	EVP_MD_CTX_free(ctx);
}

void pin_set(struct user_pin *p, const uint8_t *pin, size_t len, uint8_t tries)
{
	p->set = true;
	if (RAND_bytes(p->salt, sizeof(p->salt)) != 1)
		memset(p->salt, 0x5a, sizeof(p->salt));
	pin_hash(p, pin, len, p->hash);
	p->len = (uint8_t)len;
	p->max_tries = tries;
	p->tries_left = tries;
}

static bool pin_matches(const struct user_pin *p, const uint8_t *pin, size_t len)
{
	uint8_t h[32];
	bool ok;

	pin_hash(p, pin, len, h);
	ok = len == p->len && !CRYPTO_memcmp(h, p->hash, sizeof(h));
	OPENSSL_cleanse(h, sizeof(h));
	return ok;
}

/*
 * The one place a PIN is compared.  Returns SW_OK, 63Cx, 6983, or 6581 when
 * the decremented counter could not be stored (then nothing was compared).
 */
static uint16_t pin_check(struct applet *a, struct user_pin *p,
			  const uint8_t *pin, size_t len)
{
	if (p->tries_left == 0)
		return SW_PIN_BLOCKED;
	p->tries_left--;
	if (store_save(a))
		return SW_MEMORY_FAILURE;
	if (!pin_matches(p, pin, len))
		return p->tries_left ? SW_PIN_TRIES(p->tries_left) : SW_PIN_BLOCKED;
	p->tries_left = p->max_tries;
	a->dirty = true;
	return SW_OK;
}

static uint16_t pin_status(const struct user_pin *p,
			   bool verified)
{
	if (p->tries_left == 0)
		return SW_PIN_BLOCKED;
	if (verified)
		return SW_OK;
	return SW_PIN_TRIES(p->tries_left);
}

uint16_t cmd_verify(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	uint16_t sw;

	(void)out;
	if (c->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (c->p2 == 0x85 || c->p2 == 0x86)
		return SW_REF_NOT_FOUND;	/* no biometric templates */
	if (c->p2 != REF_USER && c->p2 != REF_SO)
		return SW_WRONG_P1P2;
	if (c->p2 == REF_SO) {
		if (!a->initialized || !a->so.set)
			return SW_REF_NOT_FOUND;
		if (!c->lc)
			return pin_status(&a->so, false);
		return pin_check(a, &a->so, c->data, c->lc);
	}
	if (!a->initialized || !a->pin.set)
		return SW_REF_NOT_FOUND;
	if (a->transport_pin && a->pin.tries_left)
		return SW_DATA_INVALID;
	if (!c->lc)
		return pin_status(&a->pin, a->pin_verified);
	a->pin_verified = false;
	sw = pin_check(a, &a->pin, c->data, c->lc);
	a->pin_verified = sw == SW_OK;
	return sw;
}

uint16_t cmd_change_pin(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct user_pin *p;
	size_t old_len, new_len;
	uint16_t sw;

	(void)out;
	if (c->p1 != 0x00 || (c->p2 != REF_USER && c->p2 != REF_SO))
		return SW_WRONG_P1P2;
	p = c->p2 == REF_USER ? &a->pin : &a->so;
	if (!a->initialized || !p->set)
		return SW_REF_NOT_FOUND;
	old_len = p->len;
	if (c->lc <= old_len)
		return SW_WRONG_DATA;
	new_len = c->lc - old_len;
	if (c->p2 == REF_USER ? (new_len < USER_PIN_MIN || new_len > USER_PIN_MAX)
			      : new_len != SO_PIN_LEN)
		return SW_WRONG_DATA;
	sw = pin_check(a, p, c->data, old_len);
	if (sw != SW_OK)
		return sw;
	pin_set(p, c->data + old_len, new_len, p->max_tries);
	if (c->p2 == REF_USER) {
		a->transport_pin = false;
		a->pin_verified = true;
	}
	a->dirty = true;
	return SW_OK;
}

uint16_t cmd_reset_retry(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	size_t new_len;
	uint16_t sw;

	(void)out;
	if ((c->p1 != 0x00 && c->p1 != 0x01) || c->p2 != REF_USER)
		return SW_WRONG_P1P2;
	if (!a->initialized || !a->so.set || !a->pin.set)
		return SW_REF_NOT_FOUND;
	if (!(a->options & OPT_RRC))
		return SW_CONDITIONS;
	if (c->lc < SO_PIN_LEN)
		return SW_WRONG_DATA;
	new_len = c->lc - SO_PIN_LEN;
	if (c->p1 == 0x01 ? new_len != 0
			  : (new_len < USER_PIN_MIN || new_len > USER_PIN_MAX))
		return SW_WRONG_DATA;
	if (c->p1 == 0x00 && (a->options & OPT_RRC_RESET_ONLY))
		return SW_CONDITIONS;
	sw = pin_check(a, &a->so, c->data, SO_PIN_LEN);
	if (sw != SW_OK)
		return sw;
	if (c->p1 == 0x00) {
		pin_set(&a->pin, c->data + SO_PIN_LEN, new_len, a->pin.max_tries);
		a->transport_pin = false;
	} else {
		a->pin.tries_left = a->pin.max_tries;
	}
	a->dirty = true;
	return SW_OK;
}

/* INITIALIZE parameters after validation. */
struct init_params {
	uint16_t options;
	const uint8_t *pin;
	size_t pin_len;
	const uint8_t *so;
	uint8_t retries;
	bool has_dkek;
	uint8_t dkek_shares;
	uint8_t pka_n, pka_m;
};

static uint16_t init_parse(const struct apdu *c, struct init_params *ip)
{
	struct tlv t;
	size_t pos = 0;

	memset(ip, 0, sizeof(*ip));
	ip->options = OPT_RRC;
	ip->retries = 3;
	while (pos < c->lc) {
		if (tlv_parse(c->data + pos, c->lc - pos, &t))
			return SW_WRONG_DATA;
		pos += t.raw_len;
		switch (t.tag) {
		case 0x80:
			if (t.len != 2)
				return SW_WRONG_DATA;
			ip->options = (uint16_t)(t.val[0] << 8 | t.val[1]);
			break;
		case 0x81:
			if (t.len < USER_PIN_MIN || t.len > USER_PIN_MAX)
				return SW_WRONG_DATA;
			ip->pin = t.val;
			ip->pin_len = t.len;
			break;
		case 0x82:
			if (t.len != SO_PIN_LEN)
				return SW_WRONG_DATA;
			ip->so = t.val;
			break;
		case 0x91:
			if (t.len != 1 || t.val[0] < 1 || t.val[0] > 15)
				return SW_WRONG_DATA;
			ip->retries = t.val[0];
			break;
		case 0x92:
			if (t.len != 1 || t.val[0] > 16)
				return SW_WRONG_DATA;
			ip->has_dkek = true;
			ip->dkek_shares = t.val[0];
			break;
		case 0x93:
			if (t.len != 2 || t.val[1] < 1 || t.val[1] > t.val[0] ||
			    t.val[0] > PKA_MAX_KEYS)
				return SW_WRONG_DATA;
			ip->pka_n = t.val[0];
			ip->pka_m = t.val[1];
			break;
		case 0x95:
		case 0x96:
			/* biometric server AIDs: accepted, no templates exist */
			break;
		default:
			return SW_WRONG_DATA;
		}
	}
	if (!ip->so)
		return SW_WRONG_DATA;
	if (!ip->pin && ip->pka_n == 0)
		return SW_WRONG_DATA;	/* nobody could ever log in */
	return 0;
}

/* Everything but the device identity (key 0 and EF 2F02) goes. */
static void init_wipe(struct applet *a)
{
	size_t i;

	for (i = 1; i < 256; i++) {
		key_free(a->keys[i]);
		a->keys[i] = NULL;
	}
	for (i = a->nfiles; i-- > 0;)
		if (a->files[i].fid != FID_DEVICE_CERTS)
			files_delete(a, a->files[i].fid);
	for (i = 0; i < PKA_MAX_KEYS; i++) {
		pubkey_free(a->pka[i]);
		a->pka[i] = NULL;
	}
	for (i = 0; i < KNOWN_KEYS_MAX; i++) {
		pubkey_free(a->known[i]);
		a->known[i] = NULL;
	}
	OPENSSL_cleanse(a->dkek, sizeof(a->dkek));
	memset(&a->pin, 0, sizeof(a->pin));
}

uint16_t cmd_initialize(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct init_params ip;
	uint16_t sw;

	(void)out;
	if (c->p1 || c->p2)
		return SW_WRONG_P1P2;
	sw = init_parse(c, &ip);
	if (sw)
		return sw;
	if (a->initialized) {
		sw = pin_check(a, &a->so, ip.so, SO_PIN_LEN);
		if (sw != SW_OK)
			return sw;
	}
	init_wipe(a);
	applet_clear_session(a);
	a->initialized = true;
	a->options = ip.options;
	if (ip.pin)
		pin_set(&a->pin, ip.pin, ip.pin_len, ip.retries);
	a->transport_pin = ip.pin && (ip.options & OPT_TRANSPORT_PIN);
	pin_set(&a->so, ip.so, SO_PIN_LEN, SO_PIN_TRIES);
	a->dkek_mode = !ip.has_dkek ? DKEK_NONE :
		       ip.dkek_shares ? DKEK_SHARES : DKEK_RANDOM;
	a->dkek_total = ip.dkek_shares;
	a->dkek_imported = 0;
	if (a->dkek_mode == DKEK_RANDOM && RAND_bytes(a->dkek, sizeof(a->dkek)) != 1)
		return SW_MEMORY_FAILURE;
	a->pka_n = ip.pka_n;
	a->pka_m = ip.pka_m;
	a->cost_ms = 5000;
	a->dirty = true;
	return SW_OK;
}
