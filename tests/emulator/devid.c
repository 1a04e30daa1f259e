// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: device identity.  Every emulated token gets, at first start,
 * its own EC device key (PrK.DevAut) and CHR, and a CV certificate chain in
 * EF 2F02: device CVC ‖ DICA CVC.  The DICA and the root above it form a
 * fixed emulator test PKI shared by every instance, so tokens can verify
 * each other's devices (PKA custodian registration) like real tokens
 * verify CardContact's chain.  These two private keys are public test
 * values: nothing they sign is trustworthy outside the test.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "../../common/cvc.h"
#include "emu.h"

#define TEST_PKI_CURVE	"brainpoolP256r1"
#define ROOT_CHR	"UTEMUROOT00001"
#define DICA_CHR	"UTEMUDICA00001"
#define DEVICE_PREFIX	"UTEMU"

static const uint8_t root_priv[32] = {
	0x80, 0xc3, 0x81, 0xc7, 0xec, 0x8f, 0xab, 0xa8, 0xb9, 0x38, 0xf6, 0x23,
	0xf1, 0x89, 0x59, 0x30, 0xba, 0x3f, 0xfe, 0x97, 0x8b, 0xba, 0x3f, 0x00,
	0xcd, 0x67, 0xf7, 0x32, 0x82, 0x0b, 0xed, 0x9c };
static const uint8_t dica_priv[32] = {
	0x3b, 0x3d, 0xd1, 0x95, 0x7c, 0x9c, 0x72, 0x75, 0xed, 0x4b, 0xb9, 0x75,
	0x0b, 0x6a, 0x16, 0x4c, 0x13, 0x13, 0x7e, 0x0a, 0x2e, 0x72, 0xe4, 0x5d,
	0x80, 0xa7, 0xd6, 0x2f, 0xa5, 0x9f, 0x1c, 0xc6 };

static struct emu_pubkey root, dica;

/* EC key pair on the test curve from a fixed private scalar. */
static EVP_PKEY *key_from_scalar(const uint8_t *d, size_t len)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_brainpoolP256r1);
	BIGNUM *bd = BN_bin2bn(d, (int)len, NULL);
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
					     TEST_PKI_CURVE, 0) ||
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

static int test_pki_load(void)
{
	if (root.pkey)
		return 0;
	root.pkey = key_from_scalar(root_priv, sizeof(root_priv));
	dica.pkey = key_from_scalar(dica_priv, sizeof(dica_priv));
	if (!root.pkey || !dica.pkey) {
		devid_cleanup();
		return -1;
	}
	snprintf(root.chr, sizeof(root.chr), "%s", ROOT_CHR);
	snprintf(dica.chr, sizeof(dica.chr), "%s", DICA_CHR);
	memcpy(root.oid, cvc_oid_ecdsa_sha256, CVC_OID_LEN);
	memcpy(dica.oid, cvc_oid_ecdsa_sha256, CVC_OID_LEN);
	return 0;
}

const struct emu_pubkey *devid_builtin(const char *chr)
{
	if (test_pki_load())
		return NULL;
	if (!strcmp(chr, ROOT_CHR))
		return &root;
	if (!strcmp(chr, DICA_CHR))
		return &dica;
	return NULL;
}

void devid_cleanup(void)
{
	EVP_PKEY_free(root.pkey);
	EVP_PKEY_free(dica.pkey);
	root.pkey = NULL;
	dica.pkey = NULL;
}

/* A CVC for pub named chr, issued by issuer (domain parameters inherited). */
static int issue(struct tlvb *out, const struct emu_pubkey *issuer,
		 EVP_PKEY *pub, const char *chr)
{
	struct cvc_fields f = {
		.car = issuer->chr,
		.chr = chr,
		.pub = pub,
		.oid = cvc_oid_ecdsa_sha256,
		.with_domain = false,
	};

	return cvc_build(out, &f, issuer->pkey, EVP_sha256(), false);
}

int devid_create(struct applet *a)
{
	uint8_t rnd[4];
	struct tlvb chain;
	int r = -1;

	if (test_pki_load() || RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	/* CHR = prefix, 6 random digits, 5-digit sequence; serial drops the last 5 */
	snprintf(a->chr, sizeof(a->chr), DEVICE_PREFIX "%06u00001",
		 (unsigned int)((uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 |
				(uint32_t)rnd[2] << 8 | rnd[3]) % 1000000u);
	snprintf(a->serial, sizeof(a->serial), "%.*s",
		 (int)(strlen(a->chr) - 5), a->chr);
	a->devkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", TEST_PKI_CURVE);
	if (!a->devkey)
		return -1;
	tlvb_init(&chain);
	if (!issue(&chain, &dica, a->devkey, a->chr) &&
	    !issue(&chain, &root, dica.pkey, DICA_CHR) &&
	    !files_put(a, FID_DEVICE_CERTS, chain.p, chain.len))
		r = 0;
	tlvb_free(&chain);
	return r;
}
