// SPDX-License-Identifier: GPL-2.0
/*
 * Test fixture: a software "custodian token" for n-of-m tests in a single
 * VM.  It issues, with the emulator's published test PKI (the fixed DICA
 * key of tests/emulator/devid.c, a test value that signs nothing outside
 * tests), a device CVC for a fresh software device key, and an
 * authenticated request for a fresh custodian key, and writes them as an
 * OpenSC PKA file together with the custodian's private key (PEM), so the
 * test can sign challenges with openssl.  Built with common/cvc.c, the
 * same code the emulator uses to issue real-looking chains.
 *
 * usage: mkcustodian OUT.pka OUT-KEY.pem SERIAL [OUT-ROOT.cvc]
 * (SERIAL: 6 digits; the root CVC is self-signed with domain parameters)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "cvc.h"
#include "tlv.h"

#define CURVE "brainpoolP256r1"
#define DICA_CHR "UTEMUDICA00001"
#define ROOT_CHR "UTEMUROOT00001"

static const uint8_t root_priv[32] = {
	0x80, 0xc3, 0x81, 0xc7, 0xec, 0x8f, 0xab, 0xa8, 0xb9, 0x38, 0xf6, 0x23,
	0xf1, 0x89, 0x59, 0x30, 0xba, 0x3f, 0xfe, 0x97, 0x8b, 0xba, 0x3f, 0x00,
	0xcd, 0x67, 0xf7, 0x32, 0x82, 0x0b, 0xed, 0x9c };
static const uint8_t dica_priv[32] = {
	0x3b, 0x3d, 0xd1, 0x95, 0x7c, 0x9c, 0x72, 0x75, 0xed, 0x4b, 0xb9, 0x75,
	0x0b, 0x6a, 0x16, 0x4c, 0x13, 0x13, 0x7e, 0x0a, 0x2e, 0x72, 0xe4, 0x5d,
	0x80, 0xa7, 0xd6, 0x2f, 0xa5, 0x9f, 0x1c, 0xc6 };

static EVP_PKEY *key_from_scalar(const uint8_t *d, size_t len)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_brainpoolP256r1);
	BIGNUM *bd = BN_bin2bn(d, (int)len, NULL);
	EC_POINT *q = EC_POINT_new(g);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	OSSL_PARAM *params;
	EVP_PKEY *key = NULL;
	uint8_t pub[65];
	size_t publen;

	EC_POINT_mul(g, q, bd, NULL, NULL, NULL);
	publen = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), NULL);
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, CURVE, 0);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen);
	params = OSSL_PARAM_BLD_to_param(bld);
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) <= 0)
		key = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	EC_POINT_free(q);
	BN_free(bd);
	EC_GROUP_free(g);
	return key;
}

int main(int argc, char **argv)
{
	char dev_chr[32], key_chr[32];
	struct tlvb dica, dev, req, auth, file;
	EVP_PKEY *root, *dicak, *devk, *custk;
	struct cvc_fields f;
	size_t mark;
	FILE *o;

	if (argc < 4 || argc > 5 || strlen(argv[3]) != 6) {
		fprintf(stderr, "usage: mkcustodian OUT.pka OUT-KEY.pem SERIAL6 [ROOT.cvc]\n");
		return 2;
	}
	snprintf(dev_chr, sizeof(dev_chr), "UTSFT%s00001", argv[3]);
	snprintf(key_chr, sizeof(key_chr), "UTSFT%s00002", argv[3]);
	root = key_from_scalar(root_priv, sizeof(root_priv));
	dicak = key_from_scalar(dica_priv, sizeof(dica_priv));
	devk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", CURVE);
	custk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", CURVE);
	if (!root || !dicak || !devk || !custk)
		return 1;
	tlvb_init(&dica);
	tlvb_init(&dev);
	tlvb_init(&req);
	tlvb_init(&auth);
	tlvb_init(&file);
	/* DICA issued by the root, device by the DICA: domain inherited */
	f = (struct cvc_fields){ .car = ROOT_CHR, .chr = DICA_CHR, .pub = dicak,
				 .oid = cvc_oid_ecdsa_sha256 };
	if (cvc_build(&dica, &f, root, EVP_sha256(), false))
		return 1;
	f = (struct cvc_fields){ .car = DICA_CHR, .chr = dev_chr, .pub = devk,
				 .oid = cvc_oid_ecdsa_sha256 };
	if (cvc_build(&dev, &f, dicak, EVP_sha256(), false))
		return 1;
	/* the custodian key's request: self-signed (possession), with domain */
	f = (struct cvc_fields){ .chr = key_chr, .pub = custk, .oid = cvc_oid_ecdsa_sha256,
				 .with_domain = true };
	if (cvc_build(&req, &f, custk, EVP_sha256(), false) ||
	    cvc_build_authenticated(&auth, req.p, req.len, dev_chr, devk, EVP_sha256()))
		return 1;
	mark = tlvb_open(&file, 0x30);
	tlvb_raw(&file, auth.p, auth.len);
	tlvb_raw(&file, dev.p, dev.len);
	tlvb_raw(&file, dica.p, dica.len);
	tlvb_close(&file, mark);
	if (file.err)
		return 1;
	o = fopen(argv[1], "wb");
	if (!o || fwrite(file.p, 1, file.len, o) != file.len || fclose(o))
		return 1;
	o = fopen(argv[2], "w");
	if (!o || !PEM_write_PrivateKey(o, custk, NULL, NULL, 0, NULL, NULL) || fclose(o))
		return 1;
	if (argc == 5) {
		struct tlvb rc;

		tlvb_init(&rc);
		f = (struct cvc_fields){ .car = ROOT_CHR, .chr = ROOT_CHR, .pub = root,
					 .oid = cvc_oid_ecdsa_sha256, .with_domain = true };
		o = fopen(argv[4], "wb");
		if (cvc_build(&rc, &f, root, EVP_sha256(), false) || !o ||
		    fwrite(rc.p, 1, rc.len, o) != rc.len || fclose(o))
			return 1;
		tlvb_free(&rc);
	}
	printf("%s\n", key_chr);
	return 0;
}
