// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: public key authentication (n-of-m).  The card learns public
 * keys from CV certificates (MSE SET 81 B6 + PSO VERIFY CERTIFICATE),
 * registers custodian keys from authenticated requests signed by a known
 * device (MANAGE PKA), and authenticates custodians who sign
 * SHA-256(device CHR ‖ challenge) (GET CHALLENGE, MSE SET 81 A4,
 * EXTERNAL AUTHENTICATE).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "../../common/cvc.h"
#include "emu.h"

void pubkey_free(struct emu_pubkey *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

bool pka_quorum(const struct applet *a)
{
	unsigned int i, n = 0;

	for (i = 0; i < a->pka_n; i++)
		n += a->pka_authenticated[i];
	return a->pka_m && n >= a->pka_m;
}

static uint16_t pka_status(const struct applet *a, struct tlvb *out)
{
	unsigned int i, registered = 0, authed = 0;

	for (i = 0; i < a->pka_n; i++) {
		registered += a->pka[i] != NULL;
		authed += a->pka_authenticated[i];
	}
	tlvb_u8(out, a->pka_n);
	tlvb_u8(out, (uint8_t)(a->pka_n - registered));
	tlvb_u8(out, a->pka_m);
	tlvb_u8(out, (uint8_t)authed);
	return SW_OK;
}

/* The device key as a known public key, for requests this card signed. */
static struct emu_pubkey own_device_key;

static const struct emu_pubkey *known_key(struct applet *a, const char *chr)
{
	const struct emu_pubkey *k = devid_builtin(chr);
	size_t i;

	if (k)
		return k;
	if (!strcmp(chr, a->chr)) {
		snprintf(own_device_key.chr, sizeof(own_device_key.chr), "%s", a->chr);
		own_device_key.pkey = a->devkey;
		memcpy(own_device_key.oid, cvc_oid_ecdsa_sha256, CVC_OID_LEN);
		return &own_device_key;
	}
	for (i = 0; i < KNOWN_KEYS_MAX; i++)
		if (a->known[i] && !strcmp(a->known[i]->chr, chr))
			return a->known[i];
	return NULL;
}

/* 83 L <name> as a C string. */
static uint16_t parse_ref(const struct apdu *c, char *name)
{
	struct tlv t;

	if (tlv_check_seq(c->data, c->lc) || tlv_find(c->data, c->lc, 0x83, &t) ||
	    cvc_name(&t, name, CHR_MAX + 1))
		return SW_WRONG_DATA;
	return 0;
}

uint16_t cmd_get_challenge(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	if (c->p1 || c->p2)
		return SW_WRONG_P1P2;
	if (!c->has_le || c->lc || c->ne > CHALLENGE_MAX)
		return SW_WRONG_LENGTH;
	if (RAND_bytes(a->challenge, (int)c->ne) != 1)
		return SW_MEMORY_FAILURE;
	a->challenge_len = c->ne;
	memset(a->pka_authenticated, 0, sizeof(a->pka_authenticated));
	tlvb_raw(out, a->challenge, c->ne);
	return SW_OK;
}

uint16_t cmd_mse(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	char name[CHR_MAX + 1];
	unsigned int i;
	uint16_t sw;

	(void)out;
	if (c->p1 != 0x81 || (c->p2 != 0xB6 && c->p2 != 0xA4))
		return SW_WRONG_P1P2;
	sw = parse_ref(c, name);
	if (sw)
		return sw;
	if (c->p2 == 0xB6) {
		a->mse_verify = known_key(a, name);
		return a->mse_verify ? SW_OK : SW_REF_NOT_FOUND;
	}
	a->mse_pka = -1;
	for (i = 0; i < a->pka_n; i++) {
		if (a->pka[i] && !strcmp(a->pka[i]->chr, name)) {
			if (a->pka_authenticated[i])
				return SW_CONDITIONS;
			a->mse_pka = (int)i;
			return SW_OK;
		}
	}
	return SW_REF_NOT_FOUND;
}

/* Remember a verified key; the oldest learned key makes room. */
static int learn_key(struct applet *a, const struct cvc *cv, EVP_PKEY *pkey)
{
	struct emu_pubkey *k = calloc(1, sizeof(*k));
	struct tlv oid;
	size_t i;

	if (!k || cvc_name(&cv->chr, k->chr, sizeof(k->chr)) ||
	    cvc_pubkey_oid(&cv->pubkey, &oid)) {
		free(k);
		return -1;
	}
	memcpy(k->oid, oid.val, CVC_OID_LEN);
	k->pkey = pkey;
	pubkey_free(a->known[KNOWN_KEYS_MAX - 1]);
	memmove(&a->known[1], &a->known[0], (KNOWN_KEYS_MAX - 1) * sizeof(a->known[0]));
	a->known[0] = k;
	for (i = 1; i < KNOWN_KEYS_MAX; i++) {
		if (a->known[i] && !strcmp(a->known[i]->chr, k->chr)) {
			pubkey_free(a->known[i]);
			a->known[i] = NULL;
		}
	}
	return 0;
}

/* 0 when sig is issuer's signature over data, else an SW. */
static uint16_t verify_with(const struct emu_pubkey *issuer, const uint8_t *data,
			    size_t len, const struct tlv *sig)
{
	const EVP_MD *md;
	bool pss;

	md = cvc_oid_md(issuer->oid, CVC_OID_LEN, NULL, &pss);
	if (!md || cvc_verify(issuer->pkey, md, pss, data, len, sig->val, sig->len))
		return SW_WRONG_DATA;
	return 0;
}

uint16_t cmd_pso_verify(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	const struct emu_pubkey *issuer = a->mse_verify;
	char car[CHR_MAX + 1];
	struct cvc cv;
	EVP_PKEY *pkey;
	uint16_t sw;

	(void)out;
	if (c->p1 != 0x00 || c->p2 != 0xBE)
		return SW_WRONG_P1P2;
	if (cvc_parse_content(c->data, c->lc, &cv) && cvc_parse(c->data, c->lc, &cv))
		return SW_WRONG_DATA;
	if (!issuer)
		return SW_CONDITIONS;
	if (cvc_name(&cv.car, car, sizeof(car)) || strcmp(car, issuer->chr))
		return SW_WRONG_DATA;
	sw = verify_with(issuer, cv.body.raw, cv.body.raw_len, &cv.sig);
	if (sw)
		return sw;
	pkey = cvc_pubkey_decode(&cv.pubkey, issuer->pkey);
	if (!pkey)
		return SW_WRONG_DATA;
	/* learning may free an older entry with this CHR: drop the selection */
	a->mse_verify = NULL;
	if (learn_key(a, &cv, pkey)) {
		EVP_PKEY_free(pkey);
		return SW_WRONG_DATA;
	}
	a->dirty = true;
	return SW_OK;
}

/* Check an authenticated request (67 content) and build its slot entry: 0 or SW. */
static uint16_t pka_check_request(struct applet *a, const struct apdu *c,
				  struct emu_pubkey **slot)
{
	struct tlvb buf;
	struct cvc cv;
	struct emu_pubkey self = { 0 };
	const uint8_t *signed_part;
	char outer_car[CHR_MAX + 1];
	struct tlv oid;
	size_t len;
	uint16_t sw = SW_WRONG_DATA;

	tlvb_init(&buf);
	tlvb_put(&buf, 0x67, c->data, c->lc);
	if (buf.err || cvc_parse(buf.p, buf.len, &cv) || !cv.authenticated ||
	    cvc_name(&cv.outer_car, outer_car, sizeof(outer_car)) ||
	    cvc_pubkey_oid(&cv.pubkey, &oid))
		goto out;
	sw = SW_CONDITIONS;
	if (!a->mse_verify || strcmp(a->mse_verify->chr, outer_car))
		goto out;
	/* outer signature: the custodian's device vouches for the key */
	signed_part = cvc_outer_signed(&cv, &len);
	sw = verify_with(a->mse_verify, signed_part, len, &cv.outer_sig);
	if (sw)
		goto out;
	/* inner signature: proof of possession by the key itself */
	sw = SW_WRONG_DATA;
	self.pkey = cvc_pubkey_decode(&cv.pubkey, NULL);
	if (!self.pkey)
		goto out;
	memcpy(self.oid, oid.val, CVC_OID_LEN);
	if (cvc_name(&cv.chr, self.chr, sizeof(self.chr)) ||
	    verify_with(&self, cv.body.raw, cv.body.raw_len, &cv.sig))
		goto out;
	*slot = calloc(1, sizeof(**slot));
	sw = SW_MEMORY_FAILURE;
	if (!*slot)
		goto out;
	**slot = self;
	self.pkey = NULL;
	sw = 0;
out:
	EVP_PKEY_free(self.pkey);
	tlvb_free(&buf);
	return sw;
}

uint16_t cmd_manage_pka(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct emu_pubkey *slot = NULL;
	int i, free_slot = -1;
	uint16_t sw;

	if (!a->initialized || a->pka_n == 0)
		return SW_INS_NOT_SUPPORTED;	/* OpenSC: "not initialised for PKA" */
	if (c->p1 || c->p2)
		return SW_WRONG_P1P2;
	if (!c->lc)
		return pka_status(a, out);
	sw = pka_check_request(a, c, &slot);
	if (sw)
		return sw;
	for (i = a->pka_n - 1; i >= 0; i--) {
		if (!a->pka[i])
			free_slot = i;
		else if (!strcmp(a->pka[i]->chr, slot->chr))
			sw = SW_FILE_EXISTS;
	}
	if (!sw && free_slot < 0)
		sw = SW_NO_SPACE;
	if (sw) {
		pubkey_free(slot);
		return sw;
	}
	a->pka[free_slot] = slot;
	a->dirty = true;
	return pka_status(a, out);
}

uint16_t cmd_external_auth(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	const struct emu_pubkey *k;
	uint8_t msg[CHR_MAX + CHALLENGE_MAX];
	size_t chr_len = strlen(a->chr);
	struct tlv sig;

	(void)out;
	if (c->p1 || c->p2)
		return SW_WRONG_P1P2;
	if (!c->lc)
		return SW_WRONG_LENGTH;
	if (a->mse_pka < 0 || !a->challenge_len)
		return SW_CONDITIONS;
	k = a->pka[a->mse_pka];
	if (!k)
		return SW_CONDITIONS;
	memcpy(msg, a->chr, chr_len);
	memcpy(msg + chr_len, a->challenge, a->challenge_len);
	sig.val = c->data;
	sig.len = c->lc;
	if (verify_with(k, msg, chr_len + a->challenge_len, &sig))
		return SW_VERIFY_FAILED;
	a->pka_authenticated[a->mse_pka] = true;
	a->mse_pka = -1;
	return SW_OK;
}
