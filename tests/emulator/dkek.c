// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: the device key encryption key.  IMPORT DKEK SHARE XORs shares
 * into key domain 0; WRAP KEY / UNWRAP KEY move keys in and out as the
 * blobs of common/keyblob.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../../common/keyblob.h"
#include "emu.h"

#define ALG_WRAP	0x92
#define ALG_UNWRAP	0x93

static bool dkek_complete(const struct applet *a)
{
	return a->dkek_mode == DKEK_RANDOM ||
	       (a->dkek_mode == DKEK_SHARES && a->dkek_imported >= a->dkek_total);
}

/* IMPORT DKEK SHARE (32-byte share) or, without data, the status. */
uint16_t cmd_dkek(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	uint8_t kcv[DKEK_KCV_LEN];
	size_t i;

	if (c->p1 != 0x00)
		return SW_WRONG_P1P2;	/* key-domain management not offered */
	if (!a->initialized || a->dkek_mode == DKEK_NONE)
		return SW_INS_NOT_SUPPORTED;	/* what OpenSC expects then */
	if (c->p2 != 0x00)
		return SW_WRONG_P1P2;	/* only key domain 0 exists */
	if (c->lc) {
		if (c->lc != DKEK_LEN)
			return SW_WRONG_DATA;
		if (dkek_complete(a))
			return SW_CONDITIONS;
		for (i = 0; i < DKEK_LEN; i++)
			a->dkek[i] ^= c->data[i];
		a->dkek_imported++;
		a->dirty = true;
	}
	keyblob_kcv(a->dkek, kcv);
	tlvb_u8(out, a->dkek_total);
	tlvb_u8(out, (uint8_t)(a->dkek_total - a->dkek_imported));
	tlvb_raw(out, kcv, sizeof(kcv));
	return SW_OK;
}

uint16_t cmd_wrap(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct emu_key *k;
	uint8_t *blob = NULL;
	size_t len;
	int r;

	if (c->p2 != ALG_WRAP)
		return SW_WRONG_P1P2;
	if (c->lc)
		return SW_WRONG_LENGTH;
	if (!applet_user_authenticated(a))
		return SW_SECURITY_STATUS;
	if (c->p1 == 0)
		return SW_FUNC_NOT_SUPPORTED;	/* the device key never leaves */
	k = a->keys[c->p1];
	if (!k)
		return SW_REF_NOT_FOUND;
	if (!dkek_complete(a))
		return SW_CONDITIONS;
	if (k->algos_len && !memchr(k->algos, ALG_WRAP, k->algos_len))
		return SW_FUNC_NOT_SUPPORTED;
	r = keyblob_encode(a->dkek, k->pkey, k->algos, k->algos_len, &blob, &len);
	if (r)
		return SW_MEMORY_FAILURE;
	tlvb_raw(out, blob, len);
	OPENSSL_cleanse(blob, len);
	free(blob);
	a->cost_ms = 300;
	return SW_OK;
}

/* UNWRAP KEY: blob in the APDU, or (empty APDU) staged in EF 2F10. */
uint16_t cmd_unwrap(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct keyblob_info info;
	struct emu_file *staged = NULL;
	struct emu_key *k;
	EVP_PKEY *key = NULL;
	const uint8_t *blob = c->data;
	size_t len = c->lc;

	(void)out;
	if (c->p2 != ALG_UNWRAP)
		return SW_WRONG_P1P2;
	if (c->p1 == 0)
		return SW_WRONG_P1P2;
	if (!applet_user_authenticated(a))
		return SW_SECURITY_STATUS;
	if (!dkek_complete(a))
		return SW_CONDITIONS;
	if (a->keys[c->p1])
		return SW_FILE_EXISTS;
	if (!len) {
		staged = files_find(a, FID_UNWRAP_STAGING);
		if (!staged)
			return SW_FILE_NOT_FOUND;
		blob = staged->data;
		len = staged->len;
	}
	if (keyblob_decode(a->dkek, blob, len, &key, &info))
		return SW_WRONG_DATA;
	k = calloc(1, sizeof(*k));
	if (!k) {
		EVP_PKEY_free(key);
		return SW_MEMORY_FAILURE;
	}
	k->pkey = key;
	memcpy(k->algos, info.algos, info.algos_len);
	k->algos_len = info.algos_len;
	a->keys[c->p1] = k;
	if (staged)
		files_delete(a, FID_UNWRAP_STAGING);
	a->cost_ms = 500;
	a->dirty = true;
	return SW_OK;
}
