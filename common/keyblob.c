// SPDX-License-Identifier: GPL-2.0
/* DKEK key blobs; see keyblob.h for the layout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "cvc.h"
#include "keyblob.h"
#include "tlv.h"

static const uint8_t oid_rsa[] = { 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02, 0x01, 0x02 };
static const uint8_t oid_ec[] = { 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x03 };

#define BLOB_MAX_COMPONENT	1024
#define BLOB_MIN_LEN		(DKEK_KCV_LEN + 1 + 8 + 16 + 16)

void keyblob_kcv(const uint8_t dkek[DKEK_LEN], uint8_t kcv[DKEK_KCV_LEN])
{
	uint8_t h[32];

	EVP_Digest(dkek, DKEK_LEN, h, NULL, EVP_sha256(), NULL);
	memcpy(kcv, h, DKEK_KCV_LEN);
	OPENSSL_cleanse(h, sizeof(h));
}

void keyblob_derive(const uint8_t dkek[DKEK_LEN], uint8_t purpose,
		    uint8_t out[32])
{
	uint8_t in[DKEK_LEN + 4];

	memcpy(in, dkek, DKEK_LEN);
	in[DKEK_LEN] = 0;
	in[DKEK_LEN + 1] = 0;
	in[DKEK_LEN + 2] = 0;
	in[DKEK_LEN + 3] = purpose;
	EVP_Digest(in, sizeof(in), out, NULL, EVP_sha256(), NULL);
	OPENSSL_cleanse(in, sizeof(in));
}

static int aes_cbc(const uint8_t key[32], int enc, const uint8_t *in,
		   size_t len, uint8_t *out)
{
	static const uint8_t iv[16];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0, ok;

	ok = ctx && len % 16 == 0 && len <= INT32_MAX &&
	     EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, enc) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_CipherUpdate(ctx, out, &n1, in, (int)len) &&
	     EVP_CipherFinal_ex(ctx, out + n1, &n2) &&
	     (size_t)(n1 + n2) == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EBADMSG;
}

static int aes_cmac(const uint8_t key[32], const uint8_t *in, size_t len,
		    uint8_t mac[16])
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM params[2];
	size_t out = 0;
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
						     (char *)"AES-256-CBC", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_MAC_init(ctx, key, 32, params) &&
	     EVP_MAC_update(ctx, in, len) &&
	     EVP_MAC_final(ctx, mac, &out, 16) && out == 16;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return ok ? 0 : -EINVAL;
}

/* Append 2-byte length ‖ bn (padded to n bytes, or minimal when n == 0). */
static void put_comp(struct tlvb *b, const BIGNUM *bn, size_t n)
{
	uint8_t buf[BLOB_MAX_COMPONENT];

	if (!bn) {
		b->err = b->err ? b->err : -EINVAL;
		return;
	}
	if (!n)
		n = (size_t)BN_num_bytes(bn);
	if (n == 0 || n > sizeof(buf) || BN_bn2binpad(bn, buf, (int)n) < 0) {
		b->err = b->err ? b->err : -EINVAL;
		return;
	}
	tlvb_u16(b, (unsigned int)n);
	tlvb_raw(b, buf, n);
	OPENSSL_cleanse(buf, n);
}

static void put_bytes(struct tlvb *b, const uint8_t *p, size_t n)
{
	tlvb_u16(b, (unsigned int)n);
	tlvb_raw(b, p, n);
}

static int encode_rsa(struct tlvb *pt, EVP_PKEY *key, uint8_t *type)
{
	static const char *const crt[] = {
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_N,
		OSSL_PKEY_PARAM_RSA_E };
	static const char *const plain[] = {
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E };
	int bits = EVP_PKEY_get_bits(key);
	const char *const *names = bits <= 2048 ? crt : plain;
	size_t i, count = bits <= 2048 ? 7 : 3;

	*type = bits <= 2048 ? KEYBLOB_RSA_CRT : KEYBLOB_RSA;
	tlvb_u16(pt, (unsigned int)bits);
	for (i = 0; i < count; i++) {
		BIGNUM *bn = NULL;

		if (!EVP_PKEY_get_bn_param(key, names[i], &bn))
			return -EINVAL;
		put_comp(pt, bn, 0);
		BN_clear_free(bn);
	}
	return pt->err;
}

static int encode_ec(struct tlvb *pt, EVP_PKEY *key)
{
	BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new(), *d = NULL;
	char curve[64];
	EC_GROUP *g = NULL;
	uint8_t gen[140], *q = NULL;
	size_t flen, glen, qlen = 0;
	int r = -EINVAL;

	if (!p || !a || !b ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    curve, sizeof(curve), NULL))
		goto out;
	g = EC_GROUP_new_by_curve_name(OBJ_sn2nid(curve));
	if (!g || !EC_GROUP_get_curve(g, p, a, b, NULL) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d))
		goto out;
	flen = (size_t)BN_num_bytes(p);
	glen = EC_POINT_point2oct(g, EC_GROUP_get0_generator(g),
				  POINT_CONVERSION_UNCOMPRESSED, gen, sizeof(gen), NULL);
	q = cvc_ec_point(key, &qlen);
	if (!glen || !q)
		goto out;
	tlvb_u16(pt, (unsigned int)(8 * flen));
	put_comp(pt, a, flen);
	put_comp(pt, b, flen);
	put_comp(pt, p, flen);
	put_comp(pt, EC_GROUP_get0_order(g), 0);
	put_bytes(pt, gen, glen);
	put_comp(pt, d, (size_t)BN_num_bytes(EC_GROUP_get0_order(g)));
	put_bytes(pt, q, qlen);
	r = pt->err;
out:
	BN_free(p);
	BN_free(a);
	BN_free(b);
	BN_clear_free(d);
	EC_GROUP_free(g);
	free(q);
	return r;
}

int keyblob_encode(const uint8_t dkek[DKEK_LEN], EVP_PKEY *key,
		   const uint8_t *algos, size_t algos_len,
		   uint8_t **blob, size_t *blob_len)
{
	uint8_t kenc[32], kmac[32], rnd[8], mac[16], type = 0;
	struct tlvb pt, out;
	uint8_t *ct = NULL;
	int r;

	tlvb_init(&pt);
	tlvb_init(&out);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -EIO;
	tlvb_raw(&pt, rnd, sizeof(rnd));
	if (EVP_PKEY_is_a(key, "RSA")) {
		r = encode_rsa(&pt, key, &type);
	} else if (EVP_PKEY_is_a(key, "EC")) {
		type = KEYBLOB_EC;
		r = encode_ec(&pt, key);
	} else {
		r = -EOPNOTSUPP;
	}
	if (r)
		goto out;
	/* CardContact padding: 80, zeros to 8, then 8 more zeros if not 16-aligned */
	tlvb_u8(&pt, 0x80);
	while (pt.len % 8)
		tlvb_u8(&pt, 0);
	if (pt.len % 16)
		tlvb_raw(&pt, "\0\0\0\0\0\0\0\0", 8);
	if (pt.err) {
		r = pt.err;
		goto out;
	}
	keyblob_kcv(dkek, mac);
	tlvb_raw(&out, mac, DKEK_KCV_LEN);
	tlvb_u8(&out, type);
	put_bytes(&out, type == KEYBLOB_EC ? oid_ec : oid_rsa, sizeof(oid_rsa));
	put_bytes(&out, algos, algos_len);
	put_bytes(&out, NULL, 0);
	put_bytes(&out, NULL, 0);
	ct = malloc(pt.len);
	keyblob_derive(dkek, 1, kenc);
	keyblob_derive(dkek, 2, kmac);
	r = -ENOMEM;
	if (!ct || out.err)
		goto out;
	r = aes_cbc(kenc, 1, pt.p, pt.len, ct);
	if (r)
		goto out;
	tlvb_raw(&out, ct, pt.len);
	r = out.err ? out.err : aes_cmac(kmac, out.p, out.len, mac);
	if (r)
		goto out;
	tlvb_raw(&out, mac, sizeof(mac));
	*blob = tlvb_take(&out, blob_len);
	r = *blob ? 0 : -ENOMEM;
out:
	OPENSSL_cleanse(kenc, sizeof(kenc));
	OPENSSL_cleanse(kmac, sizeof(kmac));
	free(ct);
	tlvb_free(&pt);
	tlvb_free(&out);
	return r;
}

/* Reader over a length-prefixed field sequence. */
struct rd {
	const uint8_t *p;
	size_t len, pos;
};

static int rd_field(struct rd *r, const uint8_t **val, size_t *len)
{
	size_t n;

	if (r->len - r->pos < 2)
		return -EBADMSG;
	n = ((size_t)r->p[r->pos] << 8) | r->p[r->pos + 1];
	r->pos += 2;
	if (n > r->len - r->pos)
		return -EBADMSG;
	*val = r->p + r->pos;
	*len = n;
	r->pos += n;
	return 0;
}

static BIGNUM *rd_bn(struct rd *r)
{
	const uint8_t *v;
	size_t n;

	if (rd_field(r, &v, &n) || n == 0 || n > BLOB_MAX_COMPONENT)
		return NULL;
	return BN_bin2bn(v, (int)n, NULL);
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *key = NULL;

	if (params && ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) <= 0)
		key = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* d = e^-1 mod (p-1)(q-1) for a CRT blob, which does not carry d. */
static BIGNUM *rsa_private_exponent(const BIGNUM *e, const BIGNUM *p,
				    const BIGNUM *q)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p1 = BN_dup(p), *q1 = BN_dup(q), *phi = BN_new(), *d = NULL;

	if (ctx && p1 && q1 && phi && BN_sub_word(p1, 1) && BN_sub_word(q1, 1) &&
	    BN_mul(phi, p1, q1, ctx))
		d = BN_mod_inverse(NULL, e, phi, ctx);
	BN_clear_free(p1);
	BN_clear_free(q1);
	BN_clear_free(phi);
	BN_CTX_free(ctx);
	return d;
}

/*
 * Type 5 blobs carry only d, n, e.  Recover p and q (the classic
 * randomised square-root-of-one search) so that the key has its CRT
 * parameters: OpenSSL can neither store nor efficiently use it without.
 */
static int rsa_recover_factors(const BIGNUM *n, const BIGNUM *e,
			       const BIGNUM *d, BIGNUM *p, BIGNUM *q, BN_CTX *ctx)
{
	BIGNUM *k = BN_new(), *t = BN_new(), *x = BN_new(), *y = BN_new();
	BIGNUM *n1 = BN_dup(n), *g = BN_new(), *rem = BN_new();
	int s = 0, i, tries, r = -EBADMSG;

	if (!k || !t || !x || !y || !n1 || !g || !rem ||
	    !BN_mul(k, d, e, ctx) || !BN_sub_word(k, 1) || !BN_sub_word(n1, 1) ||
	    BN_is_odd(k) || !BN_copy(t, k))
		goto out;
	while (!BN_is_odd(t)) {
		if (!BN_rshift1(t, t))
			goto out;
		s++;
	}
	for (tries = 0; tries < 100 && r; tries++) {
		if (!BN_set_word(g, (BN_ULONG)(2 + tries)) ||
		    !BN_mod_exp(x, g, t, n, ctx))
			goto out;
		for (i = 0; i < s; i++) {
			if (!BN_mod_sqr(y, x, n, ctx))
				goto out;
			if (BN_is_one(y) && !BN_is_one(x) && BN_cmp(x, n1)) {
				if (!BN_sub_word(x, 1) || !BN_gcd(p, x, n, ctx) ||
				    !BN_div(q, rem, n, p, ctx) || !BN_is_zero(rem))
					goto out;
				r = 0;
				break;
			}
			if (BN_is_one(y))
				break;
			if (!BN_copy(x, y))
				goto out;
		}
	}
out:
	BN_clear_free(k);
	BN_clear_free(t);
	BN_clear_free(x);
	BN_clear_free(y);
	BN_free(n1);
	BN_free(g);
	BN_free(rem);
	return r;
}

/*
 * The CRT values of (n, e, d): crt[] = p, q, dp, dq, qinv, allocated here
 * and freed by the caller (a parameter builder keeps pointers to them).
 */
static int rsa_crt_values(const BIGNUM *n, const BIGNUM *e, const BIGNUM *d,
			  BIGNUM *crt[5])
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p1 = NULL, *q1 = NULL;
	int i, r = -EBADMSG;

	for (i = 0; i < 4; i++)
		crt[i] = BN_new();
	crt[4] = NULL;
	if (!ctx || !crt[0] || !crt[1] || !crt[2] || !crt[3] ||
	    rsa_recover_factors(n, e, d, crt[0], crt[1], ctx))
		goto out;
	if (BN_cmp(crt[0], crt[1]) < 0)
		BN_swap(crt[0], crt[1]);
	p1 = BN_dup(crt[0]);
	q1 = BN_dup(crt[1]);
	crt[4] = BN_mod_inverse(NULL, crt[1], crt[0], ctx);
	if (p1 && q1 && crt[4] && BN_sub_word(p1, 1) && BN_sub_word(q1, 1) &&
	    BN_mod(crt[2], d, p1, ctx) && BN_mod(crt[3], d, q1, ctx))
		r = 0;
out:
	BN_clear_free(p1);
	BN_clear_free(q1);
	BN_CTX_free(ctx);
	return r;
}

static EVP_PKEY *decode_rsa(struct rd *r, uint8_t type)
{
	/* order in the blob */
	static const char *const crt_names[] = {
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_N,
		OSSL_PKEY_PARAM_RSA_E };
	static const char *const plain_names[] = {
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E };
	/* what rsa_crt_values() computes for a type 5 blob */
	static const char *const derived_names[] = {
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1 };
	bool is_crt = type == KEYBLOB_RSA_CRT;
	const char *const *names = is_crt ? crt_names : plain_names;
	size_t i, count = is_crt ? 7 : 3;
	BIGNUM *bn[7] = { NULL }, *extra[5] = { NULL }, *d = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *key = NULL;
	bool ok = bld != NULL;

	for (i = 0; i < count && ok; i++) {
		bn[i] = rd_bn(r);
		ok = bn[i] && OSSL_PARAM_BLD_push_BN(bld, names[i], bn[i]);
	}
	if (ok && is_crt) {
		/* d is not in the blob: d = e^-1 mod (p-1)(q-1) */
		d = rsa_private_exponent(bn[6], bn[2], bn[4]);
		ok = d && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
	} else if (ok) {
		/* p, q and the CRT values are not in the blob: recover them */
		ok = !rsa_crt_values(bn[1], bn[2], bn[0], extra);
		for (i = 0; i < 5 && ok; i++)
			ok = OSSL_PARAM_BLD_push_BN(bld, derived_names[i], extra[i]);
	}
	if (ok)
		key = pkey_from_params("RSA", bld);
	for (i = 0; i < count; i++)
		BN_clear_free(bn[i]);
	for (i = 0; i < 5; i++)
		BN_clear_free(extra[i]);
	BN_clear_free(d);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

static EVP_PKEY *decode_ec(struct rd *r)
{
	const uint8_t *a, *b, *p, *n, *g, *d, *q;
	size_t alen, blen, plen, nlen, glen, dlen, qlen;
	OSSL_PARAM_BLD *bld;
	const char *curve;
	BIGNUM *bd;
	EVP_PKEY *key = NULL;

	if (rd_field(r, &a, &alen) || rd_field(r, &b, &blen) ||
	    rd_field(r, &p, &plen) || rd_field(r, &n, &nlen) ||
	    rd_field(r, &g, &glen) || rd_field(r, &d, &dlen) ||
	    rd_field(r, &q, &qlen) || dlen == 0 || dlen > 66)
		return NULL;
	curve = cvc_ec_curve_by_domain(p, plen, a, alen);
	if (!curve)
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	bd = BN_bin2bn(d, (int)dlen, NULL);
	if (bld && bd &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, qlen))
		key = pkey_from_params("EC", bld);
	BN_clear_free(bd);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

int keyblob_decode(const uint8_t dkek[DKEK_LEN], const uint8_t *blob,
		   size_t len, EVP_PKEY **key, struct keyblob_info *info)
{
	uint8_t kcv[DKEK_KCV_LEN], kenc[32], kmac[32], mac[16];
	const uint8_t *oid, *algos, *acl, *koid;
	size_t oidlen, alen, acllen, koidlen, ctlen;
	struct rd hdr, body;
	uint8_t *pt = NULL;
	int r = -EBADMSG;

	*key = NULL;
	if (len < BLOB_MIN_LEN || len > 65535)
		return -EBADMSG;
	hdr.p = blob;
	hdr.len = len - 16;
	hdr.pos = DKEK_KCV_LEN + 1;
	keyblob_kcv(dkek, kcv);
	if (CRYPTO_memcmp(kcv, blob, DKEK_KCV_LEN))
		return -EKEYREJECTED;
	keyblob_derive(dkek, 2, kmac);
	if (aes_cmac(kmac, blob, len - 16, mac) ||
	    CRYPTO_memcmp(mac, blob + len - 16, 16))
		goto out;
	info->type = blob[DKEK_KCV_LEN];
	if (rd_field(&hdr, &oid, &oidlen) || rd_field(&hdr, &algos, &alen) ||
	    rd_field(&hdr, &acl, &acllen) || rd_field(&hdr, &koid, &koidlen) ||
	    alen > sizeof(info->algos))
		goto out;
	memcpy(info->algos, algos, alen);
	info->algos_len = alen;
	ctlen = hdr.len - hdr.pos;
	if (ctlen == 0 || ctlen % 16)
		goto out;
	if (info->type != KEYBLOB_RSA && info->type != KEYBLOB_RSA_CRT &&
	    info->type != KEYBLOB_EC) {
		r = -EOPNOTSUPP;
		goto out;
	}
	pt = malloc(ctlen);
	keyblob_derive(dkek, 1, kenc);
	if (!pt || aes_cbc(kenc, 0, blob + hdr.pos, ctlen, pt))
		goto out;
	/* 8 random bytes, 2-byte key size, then the components */
	if (ctlen < 10)
		goto out;
	body.p = pt;
	body.len = ctlen;
	body.pos = 10;
	*key = info->type == KEYBLOB_EC ? decode_ec(&body) : decode_rsa(&body, info->type);
	r = *key ? 0 : -EBADMSG;
out:
	if (pt) {
		OPENSSL_cleanse(pt, ctlen);
		free(pt);
	}
	OPENSSL_cleanse(kenc, sizeof(kenc));
	OPENSSL_cleanse(kmac, sizeof(kmac));
	return r;
}
