// SPDX-License-Identifier: GPL-2.0
/* CV certificates, requests and their public keys; see cvc.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "cvc.h"

const uint8_t cvc_oid_rsa_v15_sha256[CVC_OID_LEN] = {
	0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02, 0x01, 0x02 };
const uint8_t cvc_oid_ecdsa_sha256[CVC_OID_LEN] = {
	0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x03 };

const char *const cvc_curves[] = {
	"prime192v1", "secp224r1", "prime256v1", "secp384r1", "secp521r1",
	"brainpoolP192r1", "brainpoolP224r1", "brainpoolP256r1",
	"brainpoolP320r1", "brainpoolP384r1", "brainpoolP512r1", NULL
};

/* Parse the 7F4E body's elements into c. */
static int cvc_parse_body(struct cvc *c)
{
	const uint8_t *p = c->body.val;
	size_t len = c->body.len;

	if (tlv_check_seq(p, len))
		return -EBADMSG;
	if (tlv_find(p, len, 0x7F49, &c->pubkey) ||
	    tlv_find(p, len, 0x5F20, &c->chr))
		return -EBADMSG;
	if (tlv_find(p, len, 0x42, &c->car))
		memset(&c->car, 0, sizeof(c->car));
	if (tlv_find(p, len, 0x5F29, &c->cpi))
		memset(&c->cpi, 0, sizeof(c->cpi));
	if (c->chr.len == 0 || c->chr.len > 16 || c->car.len > 16)
		return -EBADMSG;
	return 0;
}

int cvc_parse_content(const uint8_t *buf, size_t len, struct cvc *c)
{
	memset(c, 0, sizeof(*c));
	if (tlv_check_seq(buf, len) ||
	    tlv_find(buf, len, 0x7F4E, &c->body) ||
	    tlv_find(buf, len, 0x5F37, &c->sig))
		return -EBADMSG;
	return cvc_parse_body(c);
}

int cvc_parse(const uint8_t *buf, size_t len, struct cvc *c)
{
	struct tlv top, inner;
	size_t pos;
	int r;

	if (tlv_parse(buf, len, &top))
		return -EBADMSG;
	if (top.tag == 0x7F21) {
		r = cvc_parse_content(top.val, top.len, c);
		if (!r)
			c->cert = top;
		return r;
	}
	if (top.tag != 0x67)
		return -EBADMSG;
	/* 67 { 7F21 …, 42 outer CAR, 5F37 outer signature }, in that order */
	if (tlv_parse(top.val, top.len, &inner) || inner.tag != 0x7F21)
		return -EBADMSG;
	r = cvc_parse_content(inner.val, inner.len, c);
	if (r)
		return r;
	c->cert = inner;
	c->outer = top;
	c->authenticated = true;
	pos = inner.raw_len;
	if (tlv_parse(top.val + pos, top.len - pos, &c->outer_car) ||
	    c->outer_car.tag != 0x42 || c->outer_car.len > 16)
		return -EBADMSG;
	pos += c->outer_car.raw_len;
	if (tlv_parse(top.val + pos, top.len - pos, &c->outer_sig) ||
	    c->outer_sig.tag != 0x5F37)
		return -EBADMSG;
	return 0;
}

const uint8_t *cvc_outer_signed(const struct cvc *c, size_t *len)
{
	if (!c->authenticated)
		return NULL;
	*len = (size_t)(c->outer_car.raw + c->outer_car.raw_len - c->cert.raw);
	return c->cert.raw;
}

const EVP_MD *cvc_oid_md(const uint8_t *oid, size_t len, bool *rsa, bool *pss)
{
	static const uint8_t prefix[8] = {
		0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02 };
	bool is_rsa, is_pss = false;
	const EVP_MD *md = NULL;

	if (len != CVC_OID_LEN || memcmp(oid, prefix, sizeof(prefix)))
		return NULL;
	is_rsa = oid[8] == 0x01;
	if (is_rsa) {
		switch (oid[9]) {
		case 1: md = EVP_sha1(); break;
		case 2: md = EVP_sha256(); break;
		case 3: md = EVP_sha1(); is_pss = true; break;
		case 4: md = EVP_sha256(); is_pss = true; break;
		case 5: md = EVP_sha512(); break;
		case 6: md = EVP_sha512(); is_pss = true; break;
		}
	} else if (oid[8] == 0x02) {
		switch (oid[9]) {
		case 1: md = EVP_sha1(); break;
		case 2: md = EVP_sha224(); break;
		case 3: md = EVP_sha256(); break;
		case 4: md = EVP_sha384(); break;
		case 5: md = EVP_sha512(); break;
		}
	}
	if (rsa)
		*rsa = is_rsa;
	if (pss)
		*pss = is_pss;
	return md;
}

static EC_GROUP *cvc_group(const char *curve)
{
	int nid = OBJ_sn2nid(curve);

	return nid == NID_undef ? NULL : EC_GROUP_new_by_curve_name(nid);
}

static char *cvc_key_curve(const EVP_PKEY *key, char *name, size_t cap)
{
	if (!EVP_PKEY_is_a(key, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    name, cap, NULL))
		return NULL;
	return name;
}

size_t cvc_ec_field_len(const EVP_PKEY *key)
{
	char name[64];
	EC_GROUP *g;
	size_t n;

	if (!cvc_key_curve(key, name, sizeof(name)))
		return 0;
	g = cvc_group(name);
	if (!g)
		return 0;
	n = ((size_t)EC_GROUP_get_degree(g) + 7) / 8;
	EC_GROUP_free(g);
	return n;
}

/* Append tag with bn as exactly n big-endian bytes (n == 0: minimal). */
static void put_bn(struct tlvb *b, unsigned int tag, const BIGNUM *bn, size_t n)
{
	uint8_t buf[600];

	if (!n)
		n = (size_t)BN_num_bytes(bn);
	if (n == 0 || n > sizeof(buf) || BN_bn2binpad(bn, buf, (int)n) < 0) {
		if (!b->err)
			b->err = -EINVAL;
		return;
	}
	tlvb_put(b, tag, buf, n);
}

int cvc_ec_domain_encode(struct tlvb *b, const char *curve)
{
	BIGNUM *p = BN_new(), *a = BN_new(), *bb = BN_new();
	EC_GROUP *g = cvc_group(curve);
	uint8_t gen[140];
	size_t flen, glen;
	int r = -EINVAL;

	if (!g || !p || !a || !bb || !EC_GROUP_get_curve(g, p, a, bb, NULL))
		goto out;
	flen = (size_t)BN_num_bytes(p);
	glen = EC_POINT_point2oct(g, EC_GROUP_get0_generator(g),
				  POINT_CONVERSION_UNCOMPRESSED, gen,
				  sizeof(gen), NULL);
	if (!glen)
		goto out;
	put_bn(b, 0x81, p, flen);
	put_bn(b, 0x82, a, flen);
	put_bn(b, 0x83, bb, flen);
	tlvb_put(b, 0x84, gen, glen);
	put_bn(b, 0x85, EC_GROUP_get0_order(g), 0);
	put_bn(b, 0x87, EC_GROUP_get0_cofactor(g), 0);
	r = b->err;
out:
	BN_free(p);
	BN_free(a);
	BN_free(bb);
	EC_GROUP_free(g);
	return r;
}

const char *cvc_ec_curve_by_domain(const uint8_t *p, size_t plen,
				   const uint8_t *a, size_t alen)
{
	BIGNUM *bp = BN_bin2bn(p, (int)plen, NULL);
	BIGNUM *ba = BN_bin2bn(a, (int)alen, NULL);
	BIGNUM *gp = BN_new(), *ga = BN_new(), *gb = BN_new();
	const char *found = NULL;
	int i;

	if (!bp || !ba || !gp || !ga || !gb || plen > 66 || alen > 66)
		goto out;
	for (i = 0; cvc_curves[i] && !found; i++) {
		EC_GROUP *g = cvc_group(cvc_curves[i]);

		if (g && EC_GROUP_get_curve(g, gp, ga, gb, NULL) &&
		    !BN_cmp(gp, bp) && !BN_cmp(ga, ba))
			found = cvc_curves[i];
		EC_GROUP_free(g);
	}
out:
	BN_free(bp);
	BN_free(ba);
	BN_free(gp);
	BN_free(ga);
	BN_free(gb);
	return found;
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *key = NULL;

	if (params && ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static EVP_PKEY *rsa_pub_decode(const struct tlv *pk)
{
	struct tlv n, e;
	OSSL_PARAM_BLD *bld;
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY *key = NULL;

	if (tlv_find(pk->val, pk->len, 0x81, &n) ||
	    tlv_find(pk->val, pk->len, 0x82, &e) ||
	    n.len == 0 || n.len > 1024 || e.len == 0 || e.len > 8)
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	bn = BN_bin2bn(n.val, (int)n.len, NULL);
	be = BN_bin2bn(e.val, (int)e.len, NULL);
	if (bld && bn && be &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		key = pkey_fromdata("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return key;
}

EVP_PKEY *cvc_ec_pub_from_point(const char *curve, const uint8_t *q, size_t qlen)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *key = NULL;

	if (bld &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    curve, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, qlen))
		key = pkey_fromdata("EC", bld);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

EVP_PKEY *cvc_pubkey_decode(const struct tlv *pk, const EVP_PKEY *domain_key)
{
	struct tlv oid, p, a, q;
	const char *curve = NULL;
	char name[64];
	bool rsa;

	if (tlv_check_seq(pk->val, pk->len) || cvc_pubkey_oid(pk, &oid) ||
	    !cvc_oid_md(oid.val, oid.len, &rsa, NULL))
		return NULL;
	if (rsa)
		return rsa_pub_decode(pk);
	if (tlv_find(pk->val, pk->len, 0x86, &q) || q.len == 0)
		return NULL;
	if (!tlv_find(pk->val, pk->len, 0x81, &p)) {
		if (tlv_find(pk->val, pk->len, 0x82, &a))
			return NULL;
		curve = cvc_ec_curve_by_domain(p.val, p.len, a.val, a.len);
	} else if (domain_key) {
		curve = cvc_key_curve(domain_key, name, sizeof(name));
	}
	if (!curve)
		return NULL;
	return cvc_ec_pub_from_point(curve, q.val, q.len);
}

int cvc_pubkey_oid(const struct tlv *pk, struct tlv *oid)
{
	if (tlv_find(pk->val, pk->len, 0x06, oid) || oid->len != CVC_OID_LEN)
		return -EBADMSG;
	return 0;
}

uint8_t *cvc_ec_point(const EVP_PKEY *key, size_t *len)
{
	uint8_t *q;
	size_t n = 0;

	if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
					     NULL, 0, &n) || n == 0)
		return NULL;
	q = malloc(n);
	if (q && !EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
						  q, n, &n)) {
		free(q);
		return NULL;
	}
	*len = n;
	return q;
}

int cvc_pubkey_encode(struct tlvb *b, const EVP_PKEY *key, const uint8_t *oid,
		      size_t oid_len, bool with_domain)
{
	char curve[64];
	size_t mark = tlvb_open(b, 0x7F49);

	tlvb_put(b, 0x06, oid, oid_len);
	if (EVP_PKEY_is_a(key, "RSA")) {
		BIGNUM *n = NULL, *e = NULL;

		if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
		    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e)) {
			BN_free(n);
			return -EINVAL;
		}
		put_bn(b, 0x81, n, 0);
		put_bn(b, 0x82, e, 0);
		BN_free(n);
		BN_free(e);
	} else if (cvc_key_curve(key, curve, sizeof(curve))) {
		uint8_t *q;
		size_t qlen;

		if (with_domain && cvc_ec_domain_encode(b, curve))
			return -EINVAL;
		q = cvc_ec_point(key, &qlen);
		if (!q)
			return -EINVAL;
		/* 86 sits between 85 and 87: rebuild the order when needed */
		if (with_domain) {
			struct tlv h;
			uint8_t hbuf[8];
			size_t hlen;

			/* remove the trailing 87 written by domain_encode */
			if (tlv_find(b->p + mark + 1, b->len - mark - 1, 0x87, &h) ||
			    h.len > sizeof(hbuf)) {
				free(q);
				return -EINVAL;
			}
			hlen = h.len;
			memcpy(hbuf, h.val, hlen);
			b->len -= h.raw_len;
			tlvb_put(b, 0x86, q, qlen);
			tlvb_put(b, 0x87, hbuf, hlen);
		} else {
			tlvb_put(b, 0x86, q, qlen);
		}
		free(q);
	} else {
		return -EINVAL;
	}
	tlvb_close(b, mark);
	return b->err;
}

int cvc_ecdsa_der_to_plain(const uint8_t *der, size_t len, size_t flen,
			   uint8_t *out)
{
	const uint8_t *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	int ok;

	if (!sig)
		return -EBADMSG;
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, out, (int)flen) >= 0 &&
	     BN_bn2binpad(s, out + flen, (int)flen) >= 0;
	ECDSA_SIG_free(sig);
	return ok ? 0 : -EBADMSG;
}

int cvc_ecdsa_plain_to_der(const uint8_t *sig, size_t len, uint8_t **der,
			   size_t *der_len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *br, *bs;
	int n;

	*der = NULL;
	if (!s || len == 0 || len % 2 || len > 264) {
		ECDSA_SIG_free(s);
		return -EBADMSG;
	}
	br = BN_bin2bn(sig, (int)(len / 2), NULL);
	bs = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
	if (!br || !bs || !ECDSA_SIG_set0(s, br, bs)) {
		BN_free(br);
		BN_free(bs);
		ECDSA_SIG_free(s);
		return -ENOMEM;
	}
	n = i2d_ECDSA_SIG(s, der);
	ECDSA_SIG_free(s);
	if (n <= 0)
		return -ENOMEM;
	*der_len = (size_t)n;
	return 0;
}

int cvc_sign(EVP_PKEY *key, const EVP_MD *md, bool pss, const uint8_t *data,
	     size_t len, struct tlvb *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t sig[1024];
	size_t slen = sizeof(sig);
	int r = -EINVAL;

	if (!ctx || EVP_DigestSignInit(ctx, &pctx, md, NULL, key) <= 0)
		goto out;
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0))
		goto out;
	if (EVP_DigestSign(ctx, sig, &slen, data, len) <= 0)
		goto out;
	if (EVP_PKEY_is_a(key, "EC")) {
		size_t flen = cvc_ec_field_len(key);
		uint8_t plain[2 * 66];

		if (!flen || flen > 66 ||
		    cvc_ecdsa_der_to_plain(sig, slen, flen, plain))
			goto out;
		tlvb_raw(out, plain, 2 * flen);
	} else {
		tlvb_raw(out, sig, slen);
	}
	r = out->err;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

int cvc_verify(EVP_PKEY *key, const EVP_MD *md, bool pss, const uint8_t *data,
	       size_t len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *der = NULL;
	size_t der_len = sig_len;
	int r = -EBADMSG;

	if (!ctx || EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) <= 0)
		goto out;
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0))
		goto out;
	if (EVP_PKEY_is_a(key, "EC")) {
		if (sig_len != 2 * cvc_ec_field_len(key) ||
		    cvc_ecdsa_plain_to_der(sig, sig_len, &der, &der_len))
			goto out;
		sig = der;
	}
	if (EVP_DigestVerify(ctx, sig, der_len, data, len) == 1)
		r = 0;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return r;
}

int cvc_build(struct tlvb *out, const struct cvc_fields *f, EVP_PKEY *signer,
	      const EVP_MD *md, bool pss)
{
	static const uint8_t cpi;
	struct tlvb body;
	size_t mark;
	int r;

	tlvb_init(&body);
	mark = tlvb_open(&body, 0x7F4E);
	tlvb_put(&body, 0x5F29, &cpi, 1);
	if (f->car)
		tlvb_put(&body, 0x42, f->car, strlen(f->car));
	r = cvc_pubkey_encode(&body, f->pub, f->oid, CVC_OID_LEN, f->with_domain);
	if (r)
		goto out;
	tlvb_put(&body, 0x5F20, f->chr, strlen(f->chr));
	if (f->chat)
		tlvb_put(&body, 0x7F4C, f->chat, f->chat_len);
	if (f->ced)
		tlvb_put(&body, 0x5F25, f->ced, 6);
	if (f->cxd)
		tlvb_put(&body, 0x5F24, f->cxd, 6);
	tlvb_close(&body, mark);
	if (body.err) {
		r = body.err;
		goto out;
	}
	mark = tlvb_open(out, 0x7F21);
	tlvb_raw(out, body.p, body.len);
	{
		struct tlvb sig;

		tlvb_init(&sig);
		r = cvc_sign(signer, md, pss, body.p, body.len, &sig);
		if (!r)
			tlvb_put(out, 0x5F37, sig.p, sig.len);
		tlvb_free(&sig);
	}
	tlvb_close(out, mark);
	if (!r)
		r = out->err;
out:
	tlvb_free(&body);
	return r;
}

int cvc_build_authenticated(struct tlvb *out, const uint8_t *req, size_t req_len,
			    const char *outer_car, EVP_PKEY *signer,
			    const EVP_MD *md)
{
	struct tlvb tbs, sig;
	size_t mark;
	int r;

	tlvb_init(&tbs);
	tlvb_init(&sig);
	tlvb_raw(&tbs, req, req_len);
	tlvb_put(&tbs, 0x42, outer_car, strlen(outer_car));
	r = tbs.err ? tbs.err : cvc_sign(signer, md, false, tbs.p, tbs.len, &sig);
	if (!r) {
		mark = tlvb_open(out, 0x67);
		tlvb_raw(out, tbs.p, tbs.len);
		tlvb_put(out, 0x5F37, sig.p, sig.len);
		tlvb_close(out, mark);
		r = out->err;
	}
	tlvb_free(&tbs);
	tlvb_free(&sig);
	return r;
}

int cvc_verify_cert(const struct cvc *c, EVP_PKEY *issuer, const EVP_MD *md,
		    bool pss)
{
	return cvc_verify(issuer, md, pss, c->body.raw, c->body.raw_len,
			  c->sig.val, c->sig.len);
}

int cvc_name(const struct tlv *t, char *out, size_t cap)
{
	size_t i;

	if (t->len == 0 || t->len >= cap)
		return -EBADMSG;
	for (i = 0; i < t->len; i++) {
		if (t->val[i] < 0x20 || t->val[i] > 0x7e)
			return -EBADMSG;
		out[i] = (char)t->val[i];
	}
	out[t->len] = 0;
	return 0;
}
