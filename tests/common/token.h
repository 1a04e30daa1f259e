/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the C suites that drive /dev/schsmN (tests/card,
 * tests/keyring): ioctl buffers, a small TLV reader of our own (independent
 * of kernel/tlv.c), the public key of a generated key's CV request as an
 * OpenSSL key, and OpenSSL as the signature judge.
 */
#ifndef SCHSM_TEST_TOKEN_H
#define SCHSM_TEST_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <linux/schsm.h>

static inline struct schsm_buf ubuf(const void *p, size_t len)
{
	struct schsm_buf b = { .ptr = (uintptr_t)p, .len = (uint32_t)len };

	return b;
}

/* ---- BER-TLV ------------------------------------------------------------ */

struct tlv {
	unsigned int tag;
	const uint8_t *v;
	size_t len, total;
};

static inline bool tlv_read(const uint8_t *p, size_t len, struct tlv *t)
{
	size_t i = 0, n, k;

	if (len < 2)
		return false;
	t->tag = p[i++];
	if ((t->tag & 0x1f) == 0x1f) {
		do {
			if (i >= len)
				return false;
			t->tag = (t->tag << 8) | p[i];
		} while (p[i++] & 0x80);
	}
	if (i >= len)
		return false;
	n = p[i++];
	if (n & 0x80) {
		k = n & 0x7f;
		if (k < 1 || k > 3 || i + k > len)
			return false;
		for (n = 0; k--; )
			n = (n << 8) | p[i++];
	}
	if (n > len - i)
		return false;
	t->v = p + i;
	t->len = n;
	t->total = i + n;
	return true;
}

static inline bool tlv_find(const uint8_t *p, size_t len, unsigned int tag,
			    struct tlv *t)
{
	while (len && tlv_read(p, len, t)) {
		if (t->tag == tag)
			return true;
		p += t->total;
		len -= t->total;
	}
	return false;
}

/* the public key template 7F49 (and the CHR 5F20) of a 67-wrapped CV request */
static inline bool request_pubkey_tpl(const uint8_t *req, size_t len,
				      struct tlv *pk, struct tlv *chr)
{
	struct tlv a, b, c;

	if (!tlv_find(req, len, 0x67, &a) ||
	    !tlv_find(a.v, a.len, 0x7f21, &b) ||
	    !tlv_find(b.v, b.len, 0x7f4e, &c) ||
	    !tlv_find(c.v, c.len, 0x7f49, pk))
		return false;
	return !chr || tlv_find(c.v, c.len, 0x5f20, chr);
}

/* ---- OpenSSL, the judge ------------------------------------------------- */

/* an RSA (81 n, 82 e) or P-256 (86 point) public key template as an EVP_PKEY */
static inline EVP_PKEY *pkey_from_tpl(const struct tlv *pk, bool rsa)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = NULL, *e = NULL;
	struct tlv a, b;

	if (!bld)
		goto out;
	if (rsa) {
		if (!tlv_find(pk->v, pk->len, 0x81, &a) ||
		    !tlv_find(pk->v, pk->len, 0x82, &b))
			goto out;
		n = BN_bin2bn(a.v, (int)a.len, NULL);
		e = BN_bin2bn(b.v, (int)b.len, NULL);
		if (!n || !e ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			goto out;
	} else {
		if (!tlv_find(pk->v, pk->len, 0x86, &a) ||
		    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						     "prime256v1", 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
						      a.v, a.len))
			goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, rsa ? "RSA" : "EC", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

static inline EVP_PKEY *pkey_from_request(const uint8_t *req, size_t len,
					  bool rsa)
{
	struct tlv pk;

	return request_pubkey_tpl(req, len, &pk, NULL) ?
	       pkey_from_tpl(&pk, rsa) : NULL;
}

/*
 * OpenSSL verifies a signature over the digest dg made with md: PKCS#1 v1.5
 * for RSA keys, DER ECDSA for EC keys.
 */
static inline bool ossl_verify_md(EVP_PKEY *pkey, const EVP_MD *md,
				  const uint8_t *dg, size_t dg_len,
				  const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	bool ok = false;

	if (md && ctx && EVP_PKEY_verify_init(ctx) > 0 &&
	    (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA ||
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0) &&
	    EVP_PKEY_CTX_set_signature_md(ctx, md) > 0)
		ok = EVP_PKEY_verify(ctx, sig, sig_len, dg, dg_len) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/*
 * OpenSSL encrypts a fresh random secret to pkey (RSA PKCS#1 v1.5): the
 * independent cryptogram the token must decrypt.  0 bytes on failure.
 */
static inline size_t ossl_rsa_encrypt_random(EVP_PKEY *pkey, uint8_t *sec,
					     size_t sec_len, uint8_t *enc,
					     size_t cap)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	size_t len = cap;

	if (RAND_bytes(sec, (int)sec_len) != 1 || !ctx ||
	    EVP_PKEY_encrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_encrypt(ctx, enc, &len, sec, sec_len) <= 0)
		len = 0;
	EVP_PKEY_CTX_free(ctx);
	return len;
}

#endif
