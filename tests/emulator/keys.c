// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: key pairs.  GENERATE ASYMMETRIC KEY PAIR answers and stores
 * the authenticated CV request; SIGN, DECIPHER and ECDH enforce the key's
 * algorithm list and use counter.  Crypto is OpenSSL EVP throughout.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "../../common/cvc.h"
#include "emu.h"

/* SIGN / DECIPHER algorithm identifiers (P2) */
#define ALG_RSA_RAW		0x20
#define ALG_RSA_DECRYPT_RAW	0x21
#define ALG_RSA_V15_DI		0x30
#define ALG_RSA_V15_SHA1	0x31
#define ALG_RSA_V15_SHA256	0x33
#define ALG_RSA_V15_SHA384	0x34
#define ALG_RSA_V15_SHA512	0x35
#define ALG_RSA_PSS		0x40
#define ALG_RSA_PSS_SHA256	0x43
#define ALG_ECDSA		0x70
#define ALG_ECDSA_SHA1		0x71
#define ALG_ECDSA_SHA224	0x72
#define ALG_ECDSA_SHA256	0x73
#define ALG_ECDSA_SHA384	0x74
#define ALG_ECDSA_SHA512	0x75
#define ALG_ECDH		0x80

void key_free(struct emu_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

/*
 * Check the algorithm list and spend one use, storing the counter before
 * the key is used.  Returns 0 or the refusal's SW.
 */
uint16_t key_use(struct applet *a, struct emu_key *k, uint8_t algo)
{
	if (k->algos_len && !memchr(k->algos, algo, k->algos_len))
		return SW_FUNC_NOT_SUPPORTED;
	if (!k->has_counter)
		return 0;
	if (k->counter == 0)
		return SW_DATA_INVALID;
	k->counter--;
	if (store_save(a))
		return SW_MEMORY_FAILURE;
	return 0;
}

/* --- GENERATE ASYMMETRIC KEY PAIR ------------------------------------ */

struct gakp_req {
	struct tlv car, chr, pubkey, oid;
	bool rsa;
	unsigned int bits;
	BIGNUM *e;
	const char *curve;
	struct emu_key meta;
};

static uint16_t gakp_parse_meta(const uint8_t *d, size_t len, struct emu_key *m)
{
	struct tlv t;

	if (!tlv_find(d, len, 0x90, &t)) {
		if (t.len != 4)
			return SW_WRONG_DATA;
		m->has_counter = true;
		m->counter = (uint32_t)t.val[0] << 24 | (uint32_t)t.val[1] << 16 |
			     (uint32_t)t.val[2] << 8 | t.val[3];
		if (m->counter == 0)
			return SW_WRONG_DATA;
	}
	if (!tlv_find(d, len, 0x91, &t)) {
		if (t.len == 0 || t.len > sizeof(m->algos))
			return SW_WRONG_DATA;
		memcpy(m->algos, t.val, t.len);
		m->algos_len = t.len;
	}
	if (!tlv_find(d, len, 0x92, &t)) {
		if (t.len != 1)
			return SW_WRONG_DATA;
		if (t.val[0] != 0)
			return SW_WRONG_P1P2;	/* only key domain 0 exists */
		m->domain = t.val[0];
	}
	return 0;
}

static uint16_t gakp_parse(const struct apdu *c, struct gakp_req *r)
{
	const uint8_t *d = c->data;
	size_t len = c->lc;
	struct tlv t, p, a;

	if (!len || tlv_check_seq(d, len) ||
	    tlv_find(d, len, 0x7F49, &r->pubkey) ||
	    tlv_find(d, len, 0x5F20, &r->chr) || r->chr.len == 0 ||
	    r->chr.len > CHR_MAX)
		return SW_WRONG_DATA;
	if (!tlv_find(d, len, 0x42, &r->car) && r->car.len > CHR_MAX)
		return SW_WRONG_DATA;
	if (tlv_check_seq(r->pubkey.val, r->pubkey.len) ||
	    cvc_pubkey_oid(&r->pubkey, &r->oid) ||
	    !cvc_oid_md(r->oid.val, r->oid.len, &r->rsa, NULL))
		return SW_WRONG_DATA;
	if (r->rsa) {
		if (tlv_find(r->pubkey.val, r->pubkey.len, 0x02, &t) || t.len != 2)
			return SW_WRONG_DATA;
		r->bits = (unsigned int)t.val[0] << 8 | t.val[1];
		if (r->bits < 1024 || r->bits > 4096 || r->bits % 256)
			return SW_WRONG_DATA;
		if (!tlv_find(r->pubkey.val, r->pubkey.len, 0x82, &t)) {
			if (t.len == 0 || t.len > 4 || !(t.val[t.len - 1] & 1))
				return SW_WRONG_DATA;
			r->e = BN_bin2bn(t.val, (int)t.len, NULL);
		} else {
			r->e = BN_new();
			if (r->e)
				BN_set_word(r->e, 65537);
		}
		if (!r->e || BN_cmp(r->e, BN_value_one()) <= 0)
			return SW_WRONG_DATA;
	} else {
		if (tlv_find(r->pubkey.val, r->pubkey.len, 0x81, &p) ||
		    tlv_find(r->pubkey.val, r->pubkey.len, 0x82, &a))
			return SW_WRONG_DATA;
		r->curve = cvc_ec_curve_by_domain(p.val, p.len, a.val, a.len);
		if (!r->curve)
			return SW_WRONG_DATA;
	}
	return gakp_parse_meta(d, len, &r->meta);
}

static EVP_PKEY *gakp_generate(const struct gakp_req *r)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;

	if (!r->rsa)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", r->curve);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (ctx && EVP_PKEY_keygen_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)r->bits) > 0 &&
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, r->e) > 0 &&
	    EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* 67 { 7F21 { 7F4E {…}, 5F37 PoP by the new key }, 42 device CHR, 5F37 } */
static int gakp_request(struct applet *a, const struct gakp_req *r,
			EVP_PKEY *key, struct tlvb *out)
{
	char car[CHR_MAX + 1], chr[CHR_MAX + 1];
	struct cvc_fields f = { 0 };
	struct tlvb req;
	bool pss;
	const EVP_MD *md = cvc_oid_md(r->oid.val, r->oid.len, NULL, &pss);
	int ret;

	memcpy(chr, r->chr.val, r->chr.len);
	chr[r->chr.len] = 0;
	if (r->car.len) {
		memcpy(car, r->car.val, r->car.len);
		car[r->car.len] = 0;
		f.car = car;
	}
	f.chr = chr;
	f.pub = key;
	f.oid = r->oid.val;
	f.with_domain = !r->rsa;
	tlvb_init(&req);
	ret = cvc_build(&req, &f, key, md, pss);
	if (!ret)
		ret = cvc_build_authenticated(out, req.p, req.len, a->chr,
					      a->devkey, EVP_sha256());
	tlvb_free(&req);
	return ret;
}

static unsigned int keygen_cost(const struct gakp_req *r)
{
	if (!r->rsa)
		return 6000;
	/* ≈30 s for RSA-2048, growing with the square of the size, and the
	 * ±50 % spread of a random prime search */
	unsigned long base = 30000UL * r->bits / 2048 * r->bits / 2048;

	return (unsigned int)(base * (50 + (unsigned long)(rand() % 101)) / 100);
}

uint16_t cmd_generate_key(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct gakp_req r = { 0 };
	struct emu_key *k = NULL;
	EVP_PKEY *key = NULL;
	uint16_t sw;

	if (c->p1 == 0 || c->p2 != 0)
		return SW_WRONG_P1P2;
	sw = gakp_parse(c, &r);
	if (sw)
		goto out;
	sw = SW_SECURITY_STATUS;
	if (!applet_user_authenticated(a))
		goto out;
	sw = SW_MEMORY_FAILURE;
	key = gakp_generate(&r);
	k = calloc(1, sizeof(*k));
	if (!key || !k || gakp_request(a, &r, key, out))
		goto out;
	if (files_put(a, (uint16_t)(PREFIX_CERT << 8 | c->p1), out->p, out->len))
		goto out;
	*k = r.meta;
	k->pkey = key;
	key = NULL;
	key_free(a->keys[c->p1]);
	a->keys[c->p1] = k;
	k = NULL;
	a->cost_ms = keygen_cost(&r);
	a->dirty = true;
	sw = SW_OK;
out:
	BN_free(r.e);
	EVP_PKEY_free(key);
	key_free(k);
	return sw;
}

/* --- SIGN / DECIPHER ---------------------------------------------------- */

static const EVP_MD *md_for_hash_len(size_t len)
{
	switch (len) {
	case 20: return EVP_sha1();
	case 28: return EVP_sha224();
	case 32: return EVP_sha256();
	case 48: return EVP_sha384();
	case 64: return EVP_sha512();
	}
	return NULL;
}

/* One-shot EVP_PKEY_sign/decrypt with the given padding and digest. */
static uint16_t pkey_op(EVP_PKEY *key, bool decrypt, int pad, const EVP_MD *md,
			const uint8_t *in, size_t inlen, struct tlvb *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	uint8_t res[1024];
	size_t n = sizeof(res);
	int ok;

	ok = ctx && (decrypt ? EVP_PKEY_decrypt_init(ctx) : EVP_PKEY_sign_init(ctx)) > 0;
	if (ok && pad)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, pad) > 0;
	if (ok && md)
		ok = EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;
	if (ok && pad == RSA_PKCS1_PSS_PADDING)
		ok = EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
	if (ok)
		ok = (decrypt ? EVP_PKEY_decrypt(ctx, res, &n, in, inlen)
			      : EVP_PKEY_sign(ctx, res, &n, in, inlen)) > 0;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		return SW_WRONG_DATA;
	tlvb_raw(out, res, n);
	OPENSSL_cleanse(res, sizeof(res));
	return SW_OK;
}

/* Hash-and-sign (message in, signature out) with EVP_DigestSign. */
static uint16_t digest_sign(EVP_PKEY *key, const EVP_MD *md, bool pss,
			    const uint8_t *in, size_t inlen, struct tlvb *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t sig[1024];
	size_t n = sizeof(sig);
	int ok;

	ok = ctx && EVP_DigestSignInit(ctx, &pctx, md, NULL, key) > 0;
	if (ok && pss)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
	if (ok)
		ok = EVP_DigestSign(ctx, sig, &n, in, inlen) > 0;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return SW_WRONG_DATA;
	tlvb_raw(out, sig, n);
	return SW_OK;
}

/*
 * PSS over an external hash: OpenSC sends it wrapped in a DigestInfo,
 * other hosts send the bare hash (the length tells the algorithm).
 */
static uint16_t sign_pss_hash(EVP_PKEY *key, const struct apdu *c,
			      struct tlvb *out)
{
	const unsigned char *p = c->data;
	X509_SIG *di = d2i_X509_SIG(NULL, &p, (long)c->lc);
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *hash;
	const ASN1_OBJECT *obj;
	const EVP_MD *md;
	uint16_t sw = SW_WRONG_DATA;

	if (!di) {
		md = md_for_hash_len(c->lc);
		if (!md)
			return SW_WRONG_DATA;
		return pkey_op(key, false, RSA_PKCS1_PSS_PADDING, md, c->data,
			       c->lc, out);
	}
	X509_SIG_get0(di, &alg, &hash);
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	md = EVP_get_digestbyobj(obj);
	if (p == c->data + c->lc && md &&
	    (size_t)ASN1_STRING_length(hash) == (size_t)EVP_MD_get_size(md))
		sw = pkey_op(key, false, RSA_PKCS1_PSS_PADDING, md,
			     ASN1_STRING_get0_data(hash),
			     (size_t)ASN1_STRING_length(hash), out);
	X509_SIG_free(di);
	return sw;
}

static uint16_t sign_rsa(EVP_PKEY *key, uint8_t algo, const struct apdu *c,
			 struct tlvb *out)
{
	size_t k = (size_t)EVP_PKEY_get_size(key);

	switch (algo) {
	case ALG_RSA_RAW:
		if (c->lc != k)
			return SW_WRONG_DATA;
		return pkey_op(key, true, RSA_NO_PADDING, NULL, c->data, c->lc, out);
	case ALG_RSA_V15_DI:
		if (c->lc > k - 11)
			return SW_WRONG_DATA;
		return pkey_op(key, false, RSA_PKCS1_PADDING, NULL, c->data, c->lc, out);
	case ALG_RSA_V15_SHA1:
		return digest_sign(key, EVP_sha1(), false, c->data, c->lc, out);
	case ALG_RSA_V15_SHA256:
		return digest_sign(key, EVP_sha256(), false, c->data, c->lc, out);
	case ALG_RSA_V15_SHA384:
		return digest_sign(key, EVP_sha384(), false, c->data, c->lc, out);
	case ALG_RSA_V15_SHA512:
		return digest_sign(key, EVP_sha512(), false, c->data, c->lc, out);
	case ALG_RSA_PSS:
		return sign_pss_hash(key, c, out);
	case ALG_RSA_PSS_SHA256:
		return digest_sign(key, EVP_sha256(), true, c->data, c->lc, out);
	}
	return SW_FUNC_NOT_SUPPORTED;
}

static uint16_t sign_ec(EVP_PKEY *key, uint8_t algo, const struct apdu *c,
			struct tlvb *out)
{
	switch (algo) {
	case ALG_ECDSA:
		if (c->lc > 64)
			return SW_WRONG_DATA;
		return pkey_op(key, false, 0, NULL, c->data, c->lc, out);
	case ALG_ECDSA_SHA1:
		return digest_sign(key, EVP_sha1(), false, c->data, c->lc, out);
	case ALG_ECDSA_SHA224:
		return digest_sign(key, EVP_sha224(), false, c->data, c->lc, out);
	case ALG_ECDSA_SHA256:
		return digest_sign(key, EVP_sha256(), false, c->data, c->lc, out);
	case ALG_ECDSA_SHA384:
		return digest_sign(key, EVP_sha384(), false, c->data, c->lc, out);
	case ALG_ECDSA_SHA512:
		return digest_sign(key, EVP_sha512(), false, c->data, c->lc, out);
	}
	return SW_FUNC_NOT_SUPPORTED;
}

static bool algo_is_rsa_sign(uint8_t algo)
{
	return algo == ALG_RSA_RAW || algo == ALG_RSA_V15_DI ||
	       (algo >= ALG_RSA_V15_SHA1 && algo <= ALG_RSA_V15_SHA512 &&
		algo != 0x32) || algo == ALG_RSA_PSS || algo == ALG_RSA_PSS_SHA256;
}

static bool algo_is_ec_sign(uint8_t algo)
{
	return algo >= ALG_ECDSA && algo <= ALG_ECDSA_SHA512;
}

/* Cost of one private-key operation on the real token, in ms. */
static unsigned int op_cost(EVP_PKEY *key)
{
	int bits = EVP_PKEY_get_bits(key);

	if (EVP_PKEY_is_a(key, "EC"))
		return bits <= 256 ? 170 : 350;
	return bits <= 1024 ? 150 : bits <= 2048 ? 600 : bits <= 3072 ? 1500 : 3000;
}

/* Look up key P1 for a private-key operation; 0 or the refusal's SW. */
static uint16_t key_for_op(struct applet *a, const struct apdu *c,
			   struct emu_key **k)
{
	if (!applet_user_authenticated(a))
		return SW_SECURITY_STATUS;
	*k = a->keys[c->p1];
	if (!*k)
		return SW_REF_NOT_FOUND;
	if (!c->lc)
		return SW_WRONG_DATA;
	return 0;
}

uint16_t cmd_sign(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct emu_key *k;
	bool rsa;
	uint16_t sw;

	if (!algo_is_rsa_sign(c->p2) && !algo_is_ec_sign(c->p2))
		return SW_WRONG_P1P2;
	sw = key_for_op(a, c, &k);
	if (sw)
		return sw;
	rsa = EVP_PKEY_is_a(k->pkey, "RSA");
	if (rsa != algo_is_rsa_sign(c->p2))
		return SW_FUNC_NOT_SUPPORTED;
	sw = key_use(a, k, c->p2);
	if (sw)
		return sw;
	a->cost_ms = op_cost(k->pkey);
	return rsa ? sign_rsa(k->pkey, c->p2, c, out) : sign_ec(k->pkey, c->p2, c, out);
}

/* ECDH with the peer point 04‖X‖Y; answers 04‖X like the real card. */
static uint16_t ecdh(EVP_PKEY *key, const struct apdu *c, struct tlvb *out)
{
	char curve[64];
	EVP_PKEY *peer = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t z[80];
	size_t n = sizeof(z);
	uint16_t sw = SW_WRONG_DATA;

	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    curve, sizeof(curve), NULL))
		return SW_MEMORY_FAILURE;
	peer = cvc_ec_pub_from_point(curve, c->data, c->lc);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (peer && ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_derive_set_peer(ctx, peer) > 0 &&
	    EVP_PKEY_derive(ctx, z, &n) > 0) {
		tlvb_u8(out, 0x04);
		tlvb_raw(out, z, n);
		sw = SW_OK;
	}
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return sw;
}

uint16_t cmd_decipher(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct emu_key *k;
	bool rsa;
	uint16_t sw;

	if (c->p2 != ALG_RSA_DECRYPT_RAW && c->p2 != ALG_ECDH)
		return SW_WRONG_P1P2;
	sw = key_for_op(a, c, &k);
	if (sw)
		return sw;
	rsa = EVP_PKEY_is_a(k->pkey, "RSA");
	if (rsa != (c->p2 == ALG_RSA_DECRYPT_RAW))
		return SW_FUNC_NOT_SUPPORTED;
	if (rsa && c->lc != (size_t)EVP_PKEY_get_size(k->pkey))
		return SW_WRONG_DATA;
	sw = key_use(a, k, c->p2);
	if (sw)
		return sw;
	a->cost_ms = op_cost(k->pkey);
	if (rsa)
		return pkey_op(k->pkey, true, RSA_NO_PADDING, NULL, c->data, c->lc, out);
	return ecdh(k->pkey, c, out);
}
