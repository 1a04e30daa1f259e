/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Card-verifiable certificates (BSI TR-03110 / SmartCard-HSM form):
 *
 *   7F21 { 7F4E { 5F29 CPI, 42 CAR, 7F49 pubkey, 5F20 CHR
 *                 [, 7F4C CHAT, 5F25 CED, 5F24 CXD] }, 5F37 signature }
 *   request:               the same without CHAT and dates
 *   authenticated request: 67 { 7F21 request, 42 outer CAR, 5F37 outer sig }
 *
 * Public keys (7F49): 06 OID, then RSA 81 n, 82 e; EC 81 p, 82 a, 83 b,
 * 84 G, 85 n, 86 Q, 87 h (domain parameters optional: inherited from the
 * issuer).  ECDSA signatures are plain r||s, each the field size.
 *
 * Parsing is pure and returns views into the caller's buffer.  Crypto is
 * OpenSSL 3 EVP; keys are EVP_PKEY.
 */
#ifndef SCHSM_COMMON_CVC_H
#define SCHSM_COMMON_CVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tlv.h"

/* OID content bytes (tag 06 values) of the TR-03110 terminal-auth algorithms. */
#define CVC_OID_LEN 10
extern const uint8_t cvc_oid_rsa_v15_sha256[CVC_OID_LEN];	/* 0.4.0.127.0.7.2.2.2.1.2 */
extern const uint8_t cvc_oid_ecdsa_sha256[CVC_OID_LEN];	/* 0.4.0.127.0.7.2.2.2.2.3 */

struct cvc {
	struct tlv cert;	/* whole 7F21; raw == NULL after cvc_parse_content() */
	struct tlv body;	/* 7F4E: the signed part */
	struct tlv cpi;		/* 5F29 (len 0 when absent) */
	struct tlv car;		/* 42   (len 0 when absent) */
	struct tlv pubkey;	/* 7F49 */
	struct tlv chr;		/* 5F20 */
	struct tlv sig;		/* 5F37 */
	bool authenticated;	/* parsed from a 67 authenticated request */
	struct tlv outer;	/* 67 */
	struct tlv outer_car;	/* 42 after the inner 7F21 */
	struct tlv outer_sig;	/* 5F37 after outer_car */
};

/* Parse a 7F21 certificate/request or a 67 authenticated request at buf. */
int cvc_parse(const uint8_t *buf, size_t len, struct cvc *c);
/* Parse the content of a 7F21 (7F4E … 5F37), as PSO VERIFY CERTIFICATE gets it. */
int cvc_parse_content(const uint8_t *buf, size_t len, struct cvc *c);

/* Bytes covered by the outer signature of a 67 request: 7F21 TLV ‖ 42 TLV. */
const uint8_t *cvc_outer_signed(const struct cvc *c, size_t *len);

/*
 * Hash for a TR-03110 algorithm OID (ECDSA SHA-1..512, RSA v1.5/PSS).
 * Returns NULL for an unknown OID.  *rsa and *pss (may be NULL) tell the family.
 */
const EVP_MD *cvc_oid_md(const uint8_t *oid, size_t len, bool *rsa, bool *pss);

/* Supported named curves (OpenSSL short names), NULL-terminated. */
extern const char *const cvc_curves[];

/* Field size in bytes of an EC key (0 if not EC). */
size_t cvc_ec_field_len(const EVP_PKEY *key);

/* Append 81 p, 82 a, 83 b, 84 G, 85 n, 87 h of the named curve. 0 or -errno. */
int cvc_ec_domain_encode(struct tlvb *b, const char *curve);
/* Name of the supported curve with this prime and coefficient a; NULL if none. */
const char *cvc_ec_curve_by_domain(const uint8_t *p, size_t plen,
				   const uint8_t *a, size_t alen);

/* EC public key on a named curve from an encoded point (04‖X‖Y). */
EVP_PKEY *cvc_ec_pub_from_point(const char *curve, const uint8_t *q, size_t qlen);

/*
 * EVP_PKEY from a 7F49 value (pk->val, pk->len).  An EC template without
 * domain parameters takes the curve of domain_key (may be NULL: then the
 * parameters must be present).  NULL on error.
 */
EVP_PKEY *cvc_pubkey_decode(const struct tlv *pk, const EVP_PKEY *domain_key);

/* Append 7F49 { 06 oid, RSA 81 82 | EC [81..85] 86 [87] }. */
int cvc_pubkey_encode(struct tlvb *b, const EVP_PKEY *key, const uint8_t *oid,
		      size_t oid_len, bool with_domain);

/* Uncompressed public point 04‖X‖Y of an EC key, malloc'd. */
uint8_t *cvc_ec_point(const EVP_PKEY *key, size_t *len);

/*
 * Signature in CVC form over data with md: ECDSA plain r‖s, RSA PKCS#1 v1.5
 * (PSS when pss).  Appended raw (no tag) to out.  0 or -errno.
 */
int cvc_sign(EVP_PKEY *key, const EVP_MD *md, bool pss, const uint8_t *data,
	     size_t len, struct tlvb *out);
/* Verify a CVC-form signature; 0 when valid, -EBADMSG otherwise. */
int cvc_verify(EVP_PKEY *key, const EVP_MD *md, bool pss, const uint8_t *data,
	       size_t len, const uint8_t *sig, size_t sig_len);

/* DER ECDSA-Sig-Value <-> plain r‖s with field length flen. */
int cvc_ecdsa_der_to_plain(const uint8_t *der, size_t len, size_t flen,
			   uint8_t *out);
int cvc_ecdsa_plain_to_der(const uint8_t *sig, size_t len, uint8_t **der,
			   size_t *der_len);

/* What goes into a new certificate or request body. */
struct cvc_fields {
	const char *car;		/* NULL: no 42 (requests may omit it) */
	const char *chr;
	const EVP_PKEY *pub;
	const uint8_t *oid;		/* algorithm of pub, CVC_OID_LEN bytes */
	bool with_domain;		/* EC: include 81..85, 87 */
	const uint8_t *chat;		/* 7F4C value or NULL */
	size_t chat_len;
	const uint8_t *ced, *cxd;	/* 6 unpacked BCD digits each or NULL */
};

/*
 * Build 7F21 { 7F4E {…}, 5F37 sig } signed by signer with md (pss for RSA
 * PSS OIDs).  Appended to out.  0 or -errno.
 */
int cvc_build(struct tlvb *out, const struct cvc_fields *f, EVP_PKEY *signer,
	      const EVP_MD *md, bool pss);

/* Build 67 { req, 42 outer_car, 5F37 sig(req ‖ 42) } signed by signer. */
int cvc_build_authenticated(struct tlvb *out, const uint8_t *req, size_t req_len,
			    const char *outer_car, EVP_PKEY *signer,
			    const EVP_MD *md);

/*
 * Verify the inner signature (5F37 over the 7F4E TLV) with issuer, whose
 * algorithm (md, pss) the caller knows from the issuer's OID.  0 or -EBADMSG.
 */
int cvc_verify_cert(const struct cvc *c, EVP_PKEY *issuer, const EVP_MD *md,
		    bool pss);

/* Algorithm OID in a 7F49 value (tag 06); 0 or -EBADMSG. */
int cvc_pubkey_oid(const struct tlv *pk, struct tlv *oid);

/* Copy a CAR/CHR value into a NUL-terminated string (cap ≥ 17). */
int cvc_name(const struct tlv *t, char *out, size_t cap);

#endif /* SCHSM_COMMON_CVC_H */
