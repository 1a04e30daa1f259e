// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded BER-TLV reader (see tlv.h).  Every length is checked against the
 * bytes that remain before anything is dereferenced; input is hostile
 * (card answers, files written by anyone holding the PIN, add_key blobs).
 */
#include <linux/errno.h>
#include <linux/string.h>
#include "include/uapi/linux/schsm.h"
#include "tlv.h"

int schsm_tlv_next(const u8 *buf, size_t len, size_t *pos,
		   struct schsm_tlv *out)
{
	size_t p = *pos, vlen = 0, nlen, i;
	u32 tag;

	if (p >= len)
		return -ENODATA;
	tag = buf[p++];
	if ((tag & 0x1f) == 0x1f) {
		/* multi-byte tag: at most two subsequent bytes */
		for (i = 0; ; i++) {
			if (i == 2 || p >= len)
				return -EBADMSG;
			tag = (tag << 8) | buf[p];
			if (!(buf[p++] & 0x80))
				break;
		}
	}
	if (p >= len)
		return -EBADMSG;
	if (buf[p] < 0x80) {
		vlen = buf[p++];
	} else {
		nlen = buf[p++] & 0x7f;
		if (nlen == 0 || nlen > 3 || nlen > len - p)
			return -EBADMSG;	/* indefinite or oversized */
		for (i = 0; i < nlen; i++)
			vlen = (vlen << 8) | buf[p++];
	}
	if (vlen > len - p)
		return -EBADMSG;
	out->tag = tag;
	out->val = buf + p;
	out->len = vlen;
	out->hdr_len = p - *pos;
	*pos = p + vlen;
	return 0;
}

int schsm_tlv_find(const u8 *buf, size_t len, u32 tag, struct schsm_tlv *out)
{
	size_t pos = 0;
	int ret;

	for (;;) {
		ret = schsm_tlv_next(buf, len, &pos, out);
		if (ret)
			return ret == -ENODATA ? -ENOENT : ret;
		if (out->tag == tag)
			return 0;
	}
}

int schsm_tlv_path(const u8 *buf, size_t len, const u32 *path,
		   unsigned int depth, struct schsm_tlv *out)
{
	unsigned int i;
	int ret;

	if (!depth)
		return -EINVAL;
	for (i = 0; i < depth; i++) {
		ret = schsm_tlv_find(buf, len, path[i], out);
		if (ret)
			return ret;
		buf = out->val;
		len = out->len;
	}
	return 0;
}

void schsm_tlv_strip_zeros(const u8 **p, size_t *len)
{
	while (*len > 1 && **p == 0) {
		(*p)++;
		(*len)--;
	}
}

/* id-TA-RSA / id-TA-ECDSA prefix 0.4.0.127.0.7.2.2.2, then 1 (RSA) or 2 (EC) */
static const u8 oid_ta_prefix[] = { 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02,
				    0x02, 0x02 };
static const u8 oid_rsa_encryption[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
					 0x01, 0x01, 0x01 };
static const u8 oid_ec_public_key[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
					0x01 };

static bool oid_is(const struct schsm_tlv *t, const u8 *oid, size_t n)
{
	return t->tag == 0x06 && t->len == n && !memcmp(t->val, oid, n);
}

static int pubkey_check(struct schsm_pubkey_ref *pk)
{
	if (pk->type == SCHSM_KEY_RSA) {
		if (!pk->n_len || !pk->e_len || pk->n_len > 512 || pk->e_len > 8)
			return -EBADMSG;
		schsm_tlv_strip_zeros(&pk->n, &pk->n_len);
		schsm_tlv_strip_zeros(&pk->e, &pk->e_len);
		return 0;
	}
	/* uncompressed point with coordinates of equal size, <= P-521 */
	if (pk->point_len < 3 || pk->point_len > 133 || pk->point[0] != 0x04 ||
	    !(pk->point_len & 1))
		return -EBADMSG;
	return 0;
}

/* content of a CVC public key template 7F49 */
static int pubkey_from_cvc(const u8 *buf, size_t len, struct schsm_pubkey_ref *pk)
{
	struct schsm_tlv oid, a, b;

	if (schsm_tlv_find(buf, len, 0x06, &oid) ||
	    oid.len != sizeof(oid_ta_prefix) + 2 ||
	    memcmp(oid.val, oid_ta_prefix, sizeof(oid_ta_prefix)))
		return -EBADMSG;
	memset(pk, 0, sizeof(*pk));
	switch (oid.val[sizeof(oid_ta_prefix)]) {
	case 1:
		if (schsm_tlv_find(buf, len, 0x81, &a) ||
		    schsm_tlv_find(buf, len, 0x82, &b))
			return -EBADMSG;
		pk->type = SCHSM_KEY_RSA;
		pk->n = a.val;
		pk->n_len = a.len;
		pk->e = b.val;
		pk->e_len = b.len;
		break;
	case 2:
		if (schsm_tlv_find(buf, len, 0x86, &a))
			return -EBADMSG;
		pk->type = SCHSM_KEY_EC;
		pk->point = a.val;
		pk->point_len = a.len;
		break;
	default:
		return -EBADMSG;
	}
	return pubkey_check(pk);
}

/* Nth TLV (0-based) among buf[0..len) */
static int tlv_nth(const u8 *buf, size_t len, unsigned int n,
		   struct schsm_tlv *out)
{
	size_t pos = 0;
	unsigned int i;
	int ret;

	for (i = 0; i <= n; i++) {
		ret = schsm_tlv_next(buf, len, &pos, out);
		if (ret)
			return -EBADMSG;
	}
	return 0;
}

/*
 * X.509: Certificate { tbs { [0] version?, serial, sigalg, issuer, validity,
 * subject, spki, ... }, ... }
 */
static int pubkey_from_x509(const u8 *buf, size_t len,
			    struct schsm_pubkey_ref *pk)
{
	struct schsm_tlv cert, tbs, first, spki, alg, oid, bits, seq, n, e;
	unsigned int idx = 5;

	if (tlv_nth(buf, len, 0, &cert) || cert.tag != 0x30 ||
	    tlv_nth(cert.val, cert.len, 0, &tbs) || tbs.tag != 0x30 ||
	    tlv_nth(tbs.val, tbs.len, 0, &first))
		return -EBADMSG;
	if (first.tag == 0xa0)
		idx = 6;
	if (tlv_nth(tbs.val, tbs.len, idx, &spki) || spki.tag != 0x30 ||
	    tlv_nth(spki.val, spki.len, 0, &alg) || alg.tag != 0x30 ||
	    tlv_nth(spki.val, spki.len, 1, &bits) || bits.tag != 0x03 ||
	    bits.len < 2 || bits.val[0] != 0 ||
	    tlv_nth(alg.val, alg.len, 0, &oid))
		return -EBADMSG;
	memset(pk, 0, sizeof(*pk));
	if (oid_is(&oid, oid_rsa_encryption, sizeof(oid_rsa_encryption))) {
		if (tlv_nth(bits.val + 1, bits.len - 1, 0, &seq) ||
		    seq.tag != 0x30 ||
		    tlv_nth(seq.val, seq.len, 0, &n) || n.tag != 0x02 ||
		    tlv_nth(seq.val, seq.len, 1, &e) || e.tag != 0x02)
			return -EBADMSG;
		pk->type = SCHSM_KEY_RSA;
		pk->n = n.val;
		pk->n_len = n.len;
		pk->e = e.val;
		pk->e_len = e.len;
	} else if (oid_is(&oid, oid_ec_public_key, sizeof(oid_ec_public_key))) {
		pk->type = SCHSM_KEY_EC;
		pk->point = bits.val + 1;
		pk->point_len = bits.len - 1;
	} else {
		return -EBADMSG;
	}
	return pubkey_check(pk);
}

int schsm_tlv_pubkey(const u8 *buf, size_t len, struct schsm_pubkey_ref *pk)
{
	static const u32 req_path[] = { 0x67, 0x7f21, 0x7f4e, 0x7f49 };
	static const u32 cvc_path[] = { 0x7f21, 0x7f4e, 0x7f49 };
	struct schsm_tlv t;

	if (!len)
		return -EBADMSG;
	switch (buf[0]) {
	case 0x67:
		if (schsm_tlv_path(buf, len, req_path, 4, &t))
			return -EBADMSG;
		return pubkey_from_cvc(t.val, t.len, pk);
	case 0x7f:
		if (schsm_tlv_path(buf, len, cvc_path, 3, &t))
			return -EBADMSG;
		return pubkey_from_cvc(t.val, t.len, pk);
	case 0x30:
		return pubkey_from_x509(buf, len, pk);
	default:
		return -EBADMSG;
	}
}
