/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulator's fixed test PKI: a root and a DICA above every emulated
 * token's device certificate, so tokens (and test fixtures such as
 * tests/schsmctl/mkcustodian.c) can issue and verify device chains the
 * way real tokens verify CardContact's.  The two private scalars are
 * public test values: nothing they sign is trustworthy outside tests.
 * `schsm-emu --export-root FILE` writes the root CVC.
 */
#ifndef SCHSM_EMU_TESTPKI_H
#define SCHSM_EMU_TESTPKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#define TESTPKI_CURVE		"brainpoolP256r1"
#define TESTPKI_CURVE_NID	NID_brainpoolP256r1
#define TESTPKI_ROOT_CHR	"UTEMUROOT00001"
#define TESTPKI_DICA_CHR	"UTEMUDICA00001"

static const uint8_t testpki_root_priv[32] = {
	0x80, 0xc3, 0x81, 0xc7, 0xec, 0x8f, 0xab, 0xa8, 0xb9, 0x38, 0xf6, 0x23,
	0xf1, 0x89, 0x59, 0x30, 0xba, 0x3f, 0xfe, 0x97, 0x8b, 0xba, 0x3f, 0x00,
	0xcd, 0x67, 0xf7, 0x32, 0x82, 0x0b, 0xed, 0x9c };
static const uint8_t testpki_dica_priv[32] = {
	0x3b, 0x3d, 0xd1, 0x95, 0x7c, 0x9c, 0x72, 0x75, 0xed, 0x4b, 0xb9, 0x75,
	0x0b, 0x6a, 0x16, 0x4c, 0x13, 0x13, 0x7e, 0x0a, 0x2e, 0x72, 0xe4, 0x5d,
	0x80, 0xa7, 0xd6, 0x2f, 0xa5, 0x9f, 0x1c, 0xc6 };

/* EC key pair on the test curve from a fixed private scalar; NULL on failure. */
static inline EVP_PKEY *testpki_key(const uint8_t d[32])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(TESTPKI_CURVE_NID);
	BIGNUM *bd = BN_bin2bn(d, 32, NULL);
	EC_POINT *q = g ? EC_POINT_new(g) : NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;
	uint8_t pub[65];
	size_t publen;

	if (!g || !bd || !q || !bld || !ctx ||
	    !EC_POINT_mul(g, q, bd, NULL, NULL, NULL))
		goto out;
	publen = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub,
				    sizeof(pub), NULL);
	if (!publen ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     TESTPKI_CURVE, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) <= 0)
		key = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	EC_POINT_free(q);
	BN_clear_free(bd);
	EC_GROUP_free(g);
	return key;
}

#endif
