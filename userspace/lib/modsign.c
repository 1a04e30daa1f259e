// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl library: appended kernel module signatures (scripts/sign-file
 * format) whose private key operation runs in the kernel keyring.
 *
 * How the CMS is made without the private key in this process: OpenSSL
 * builds the SignerInfo from the certificate and its *public* key
 * (CMS_add1_signer only checks that key and certificate match), with
 * CMS_PARTIAL so nothing is signed yet.  With no signed attributes the
 * signature is RSA-PKCS1-v1.5 over the digest of the content itself, so we
 * compute that digest, let the keyring sign it, verify the result against
 * the certificate, and store it as the SignerInfo's signature value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "modsign.h"
#include "util.h"

/* include/linux/module_signature.h */
#define MODULE_SIG_STRING	"~Module signature appended~\n"
#define PKEY_ID_PKCS7		2

struct module_signature {
	uint8_t algo;		/* 0 for PKCS#7 */
	uint8_t hash;		/* 0 for PKCS#7 */
	uint8_t id_type;	/* PKEY_ID_PKCS7 */
	uint8_t signer_len;	/* 0 for PKCS#7 */
	uint8_t key_id_len;	/* 0 for PKCS#7 */
	uint8_t pad[3];
	uint32_t sig_len;	/* big endian: length of the CMS */
};

_Static_assert(sizeof(struct module_signature) == 12, "module_signature layout");

#define MODSIGN_MAX_MODULE	(512UL << 20)	/* far above any real .ko */
#define MODSIGN_MAX_SIG		1024		/* RSA-8192 */

static const char *const modsign_hashes[] = {
	"sha1", "sha224", "sha256", "sha384", "sha512",
};

bool modsign_hash_supported(const char *hash)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modsign_hashes); i++)
		if (!strcmp(hash, modsign_hashes[i]))
			return true;
	return false;
}

int keyring_find_asymmetric(const char *spec, key_serial_t *key)
{
	unsigned int serial;
	key_serial_t k;

	if (!*spec)
		return -EINVAL;
	if (!parse_uint(spec, 1, INT32_MAX, &serial)) {
		*key = (key_serial_t)serial;
		return 0;
	}
	/* no callout info: search only, never start an upcall */
	k = request_key("asymmetric", spec, NULL, 0);
	if (k < 0)
		return -errno;
	*key = k;
	return 0;
}

static int keyring_sign(void *ctx, const char *hash, const uint8_t *digest,
			size_t dlen, uint8_t *sig, size_t *siglen)
{
	key_serial_t key = *(key_serial_t *)ctx;
	struct keyctl_pkey_query q;
	char info[64];
	long n;

	snprintf(info, sizeof(info), "enc=pkcs1 hash=%s", hash);
	if (keyctl_pkey_query(key, info, &q) < 0)
		return -errno;
	if (!(q.supported_ops & KEYCTL_SUPPORTS_SIGN))
		return -EKEYREJECTED;
	if (q.max_sig_size > *siglen)
		return -EMSGSIZE;
	n = keyctl_pkey_sign(key, info, digest, dlen, sig, q.max_sig_size);
	if (n < 0)
		return -errno;
	*siglen = (size_t)n;
	return 0;
}

void keyring_signer_init(struct digest_signer *s, key_serial_t *key)
{
	s->sign = keyring_sign;
	s->ctx = key;
}

X509 *cert_load_file(const char *path)
{
	X509 *x = NULL;
	BIO *b;

	b = BIO_new_file(path, "rb");
	if (!b)
		return NULL;
	/* sign-file's order: DER first, then PEM */
	x = d2i_X509_bio(b, NULL);
	if (!x) {
		(void)BIO_reset(b);
		ERR_clear_error();
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	}
	BIO_free(b);
	return x;
}

/* Check sig over digest with the certificate's public key. */
static int verify_with_cert(X509 *cert, const EVP_MD *md, const uint8_t *digest,
			    size_t dlen, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	EVP_PKEY_CTX *pctx;
	int ok = 0;

	if (!pub)
		return -EINVAL;
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	if (!pctx)
		return -ENOMEM;
	if (EVP_PKEY_verify_init(pctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(pctx, md) > 0)
		ok = EVP_PKEY_verify(pctx, sig, siglen, digest, dlen) == 1;
	EVP_PKEY_CTX_free(pctx);
	ERR_clear_error();
	return ok ? 0 : -EBADMSG;
}

/* The SignerInfo skeleton sign-file's CMS_sign/CMS_add1_signer calls make. */
static CMS_ContentInfo *cms_skeleton(const struct modsign_request *req,
				     const EVP_MD *md, CMS_SignerInfo **si)
{
	unsigned int flags = CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR;
	CMS_ContentInfo *cms;

	cms = CMS_sign(NULL, NULL, NULL, NULL,
		       CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED);
	if (!cms)
		return NULL;
	if (req->use_skid)
		flags |= CMS_USE_KEYID;
	/* public key only: nothing is signed because there are no attributes */
	*si = CMS_add1_signer(cms, req->cert, X509_get0_pubkey(req->cert), md,
			      flags | CMS_PARTIAL);
	if (!*si) {
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	return cms;
}

static int cms_encode(CMS_ContentInfo *cms, uint8_t **out, size_t *out_len)
{
	unsigned char *der = NULL;
	int n;

	n = i2d_CMS_ContentInfo(cms, &der);
	if (n <= 0)
		return -EPROTO;
	*out = malloc((size_t)n);
	if (!*out) {
		OPENSSL_free(der);
		return -ENOMEM;
	}
	memcpy(*out, der, (size_t)n);
	OPENSSL_free(der);
	*out_len = (size_t)n;
	return 0;
}

int modsign_build_cms(const struct modsign_request *req, const uint8_t *data,
		      size_t len, uint8_t **cms_der, size_t *cms_len)
{
	uint8_t digest[EVP_MAX_MD_SIZE], sig[MODSIGN_MAX_SIG];
	size_t siglen = sizeof(sig);
	unsigned int dlen;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	const EVP_MD *md;
	int err;

	if (!modsign_hash_supported(req->hash))
		return -EINVAL;
	if (!X509_get0_pubkey(req->cert)) {
		ERR_clear_error();
		return -EINVAL;
	}
	if (EVP_PKEY_get_base_id(X509_get0_pubkey(req->cert)) != EVP_PKEY_RSA)
		return -EOPNOTSUPP;	/* module signatures are RSA on 6.1 */
	md = EVP_get_digestbyname(req->hash);
	if (!md || !EVP_Digest(data, len, digest, &dlen, md, NULL))
		return -EINVAL;

	err = req->signer->sign(req->signer->ctx, req->hash, digest, dlen, sig, &siglen);
	if (err)
		return err;
	err = verify_with_cert(req->cert, md, digest, dlen, sig, siglen);
	if (err)
		return err;

	cms = cms_skeleton(req, md, &si);
	if (!cms)
		return -EPROTO;
	err = -EPROTO;
	if (ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig, (int)siglen))
		err = cms_encode(cms, cms_der, cms_len);
	CMS_ContentInfo_free(cms);
	return err;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write the parts to path via a temporary file in the same directory. */
static int write_parts(const char *path, mode_t mode, const struct iovec *parts,
		       size_t nparts)
{
	char tmp[PATH_MAX];
	size_t i;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.~signed~XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0)
		err = -errno;
	for (i = 0; !err && i < nparts; i++)
		err = write_all(fd, parts[i].iov_base, parts[i].iov_len);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int write_p7s(const char *module, mode_t mode, uint8_t *cms, size_t cms_len)
{
	struct iovec part = { cms, cms_len };
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s.p7s", module) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return write_parts(path, mode, &part, 1);
}

int modsign_sign_file(const struct modsign_request *req, const char *module,
		      const char *dest, enum modsign_output out)
{
	struct module_signature info = { .id_type = PKEY_ID_PKCS7 };
	uint8_t *data = NULL, *cms = NULL;
	size_t len, cms_len;
	struct stat st;
	int err;

	if (stat(module, &st) < 0)
		return -errno;
	err = file_read_all(module, MODSIGN_MAX_MODULE, &data, &len);
	if (err)
		return err;
	err = modsign_build_cms(req, data, len, &cms, &cms_len);
	if (err)
		goto out;
	if (cms_len > UINT32_MAX) {
		err = -EOVERFLOW;
		goto out;
	}
	info.sig_len = htonl((uint32_t)cms_len);

	if (out != MODSIGN_APPEND) {
		err = write_p7s(module, st.st_mode & 0777, cms, cms_len);
		if (err || out == MODSIGN_P7S_ONLY)
			goto out;
	}
	{
		const struct iovec parts[] = {
			{ data, len },
			{ cms, cms_len },
			{ &info, sizeof(info) },
			{ (void *)MODULE_SIG_STRING, sizeof(MODULE_SIG_STRING) - 1 },
		};

		err = write_parts(dest ? dest : module, st.st_mode & 0777, parts,
				  ARRAY_SIZE(parts));
	}
out:
	free(cms);
	free(data);
	return err;
}
