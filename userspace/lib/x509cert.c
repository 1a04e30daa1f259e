// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl library: self-signed X.509 certificates signed outside OpenSSL.
 *
 * OpenSSL builds the TBSCertificate; we sign its DER through a
 * digest_signer (kernel keyring or the token) and attach the signature.
 * OpenSSL 3.0 offers X509_REQ_set1_signature_algo() but no setter for a
 * certificate's signature algorithm or value, so this file writes them
 * through the pointers X509_get0_tbs_sigalg()/X509_get0_signature() return
 * for the certificate it has just created; the result is re-parsed and
 * verified before anyone sees it.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "x509cert.h"

#define X509CERT_MAX_SIG	1024

static int set_serial(X509 *x)
{
	uint8_t rnd[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return 0;
	rnd[0] &= 0x7f;		/* positive, RFC 5280 4.1.2.2 */
	rnd[0] |= 0x40;		/* and always 16 bytes long */
	bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
	if (!bn)
		return 0;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static int set_names(X509 *x, const char *cn, const char *org)
{
	X509_NAME *name = X509_get_subject_name(x);

	if (org && !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					       (const unsigned char *)org, -1, -1, 0))
		return 0;
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0))
		return 0;
	return X509_set_issuer_name(x, name);
}

/* the extensions of certs/default_x509.genkey, plus codeSigning */
static int add_extensions(X509 *x)
{
	static const struct {
		int nid;
		const char *value;
	} exts[] = {
		{ NID_basic_constraints, "critical,CA:FALSE" },
		{ NID_key_usage, "digitalSignature" },
		{ NID_ext_key_usage, "codeSigning" },
		{ NID_subject_key_identifier, "hash" },
		{ NID_authority_key_identifier, "keyid:always" },	/* after the SKID */
	};
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	size_t i;
	int ok;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, exts[i].nid, exts[i].value);
		if (!ext)
			return 0;
		ok = X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		if (!ok)
			return 0;
	}
	return 1;
}

static X509 *build_tbs(const struct x509cert_request *req)
{
	X509 *x = X509_new();

	if (!x)
		return NULL;
	if (!X509_set_version(x, X509_VERSION_3) || !set_serial(x) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)req->days, 0, NULL) ||
	    !set_names(x, req->cn, req->org) || !X509_set_pubkey(x, req->pub) ||
	    !add_extensions(x)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Sign the TBS part of x and store algorithm and signature in it. */
static int sign_tbs(X509 *x, const struct x509cert_request *req, const EVP_MD *md,
		    int sig_nid)
{
	uint8_t digest[EVP_MAX_MD_SIZE], sig[X509CERT_MAX_SIG];
	size_t siglen = sizeof(sig);
	const ASN1_BIT_STRING *csig;
	const X509_ALGOR *calg;
	ASN1_BIT_STRING *bits;
	unsigned char *tbs = NULL;
	unsigned int dlen;
	int n, err;

	/* both AlgorithmIdentifiers: the TBS one is signed too */
	if (!X509_ALGOR_set0((X509_ALGOR *)X509_get0_tbs_sigalg(x),
			     OBJ_nid2obj(sig_nid), V_ASN1_NULL, NULL))
		return -ENOMEM;
	X509_get0_signature(&csig, &calg, x);
	if (!X509_ALGOR_set0((X509_ALGOR *)calg, OBJ_nid2obj(sig_nid), V_ASN1_NULL, NULL))
		return -ENOMEM;

	n = i2d_re_X509_tbs(x, &tbs);
	if (n <= 0)
		return -EPROTO;
	if (!EVP_Digest(tbs, (size_t)n, digest, &dlen, md, NULL)) {
		OPENSSL_free(tbs);
		return -EPROTO;
	}
	OPENSSL_free(tbs);

	err = req->signer->sign(req->signer->ctx, req->hash, digest, dlen, sig, &siglen);
	if (err)
		return err;
	if (siglen > INT32_MAX)
		return -EOVERFLOW;
	bits = (ASN1_BIT_STRING *)csig;
	if (!ASN1_BIT_STRING_set(bits, sig, (int)siglen))
		return -ENOMEM;
	/* no unused bits in the last octet */
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	return 0;
}

/* DER round trip and signature check: what we hand out is what verifies. */
static X509 *reparse_and_verify(X509 *x, EVP_PKEY *pub, int *err)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	X509 *y = NULL;
	int n;

	*err = -EPROTO;
	n = i2d_X509(x, &der);
	if (n <= 0)
		return NULL;
	p = der;
	y = d2i_X509(NULL, &p, n);
	OPENSSL_free(der);
	if (!y)
		return NULL;
	if (X509_verify(y, pub) != 1) {
		ERR_clear_error();
		X509_free(y);
		*err = -EBADMSG;
		return NULL;
	}
	*err = 0;
	return y;
}

int x509cert_make(const struct x509cert_request *req, X509 **out)
{
	const EVP_MD *md;
	int sig_nid, err;
	X509 *x;

	if (!req->cn || !*req->cn || !req->days || req->days > 36500 ||
	    !modsign_hash_supported(req->hash))
		return -EINVAL;
	if (EVP_PKEY_get_base_id(req->pub) != EVP_PKEY_RSA)
		return -EOPNOTSUPP;
	md = EVP_get_digestbyname(req->hash);
	if (!md || !OBJ_find_sigid_by_algs(&sig_nid, EVP_MD_get_type(md), NID_rsaEncryption))
		return -EINVAL;

	x = build_tbs(req);
	if (!x)
		return -ENOMEM;
	err = sign_tbs(x, req, md, sig_nid);
	if (!err)
		*out = reparse_and_verify(x, req->pub, &err);
	X509_free(x);
	return err;
}

EVP_PKEY *pubkey_load_file(const char *path)
{
	EVP_PKEY *pk = NULL;
	X509 *x;
	BIO *b;

	x = cert_load_file(path);
	if (x) {
		pk = X509_get_pubkey(x);
		X509_free(x);
		return pk;
	}
	ERR_clear_error();
	b = BIO_new_file(path, "rb");
	if (!b)
		return NULL;
	pk = d2i_PUBKEY_bio(b, NULL);
	if (!pk) {
		(void)BIO_reset(b);
		ERR_clear_error();
		pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	}
	BIO_free(b);
	return pk;
}

/* DER DigestInfo { AlgorithmIdentifier, OCTET STRING digest } */
static int digest_info(const char *hash, const uint8_t *digest, size_t dlen,
		       unsigned char **der)
{
	const EVP_MD *md = EVP_get_digestbyname(hash);
	ASN1_OCTET_STRING *os;
	X509_ALGOR *alg;
	X509_SIG *di;
	int n = -1;

	if (!md || dlen > INT32_MAX)
		return -1;
	di = X509_SIG_new();
	if (!di)
		return -1;
	X509_SIG_getm(di, &alg, &os);
	if (X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, NULL) &&
	    ASN1_OCTET_STRING_set(os, digest, (int)dlen))
		n = i2d_X509_SIG(di, der);
	X509_SIG_free(di);
	return n;
}

static int token_sign(void *ctx, const char *hash, const uint8_t *digest,
		      size_t dlen, uint8_t *sig, size_t *siglen)
{
	struct token_signer *t = ctx;
	unsigned char *di = NULL;
	int n, err;

	n = digest_info(hash, digest, dlen, &di);
	if (n <= 0)
		return -EINVAL;
	err = schsm_sign(t->dev, t->key_id, SCHSM_ALG_RSA_PKCS1_DI, di, (size_t)n,
			 sig, siglen, &t->sw);
	OPENSSL_free(di);
	if (err)
		return err;
	return t->sw == SCHSM_SW_OK ? 0 : -EREMOTEIO;
}

void token_signer_init(struct digest_signer *s, struct token_signer *t)
{
	t->sw = 0;
	s->sign = token_sign;
	s->ctx = t;
}
