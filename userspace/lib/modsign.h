/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: kernel module signatures made through the kernel keyring.
 *
 * The result is byte for byte what scripts/sign-file appends: a detached
 * CMS SignedData (no certificates, no signed attributes, signer named by
 * issuer+serial or, with use_skid, by subjectKeyIdentifier), then
 * struct module_signature and "~Module signature appended~\n".  OpenSSL
 * builds the CMS; the private key operation is keyctl_pkey_sign() on an
 * asymmetric key (a token key linked by "schsmctl key link", or any other
 * key whose subtype can sign, e.g. a PKCS#8 key).
 */
#ifndef SCHSM_MODSIGN_H
#define SCHSM_MODSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keyutils.h>
#include <openssl/x509.h>

/*
 * A private key operation on a digest: RSA PKCS#1 v1.5 over the DigestInfo
 * of digest (hash is an OpenSSL/kernel name such as "sha256").  siglen is
 * the capacity on entry and the signature length on return.  Returns 0 or
 * -errno.
 */
struct digest_signer {
	int (*sign)(void *ctx, const char *hash, const uint8_t *digest,
		    size_t dlen, uint8_t *sig, size_t *siglen);
	void *ctx;
};

/* Hash names sign-file and the kernel both accept; false for others. */
bool modsign_hash_supported(const char *hash);

/*
 * Find an asymmetric key for spec: a decimal key serial, or a description
 * such as "schsm:DENK0100001:1" searched for in the caller's thread,
 * process and session keyrings (no upcall).  0 or -errno (-ENOKEY).
 */
int keyring_find_asymmetric(const char *spec, key_serial_t *key);

/* A digest_signer over keyctl_pkey_sign(key, "enc=pkcs1 hash=H"). */
void keyring_signer_init(struct digest_signer *s, key_serial_t *key);

/* Load an X.509 certificate, DER or PEM.  NULL on failure (OpenSSL queue). */
X509 *cert_load_file(const char *path);

struct modsign_request {
	const char *hash;		/* "sha256", ... */
	X509 *cert;			/* the signer's certificate */
	const struct digest_signer *signer;
	bool use_skid;			/* sign-file -k */
};

/*
 * Build the DER CMS signature of data (the module as it is, including any
 * earlier signature).  The signature is checked against the certificate's
 * public key before it is returned, which fails if the key and the
 * certificate do not belong together (-EBADMSG).  *cms is malloc()ed.  0 or -errno.
 */
int modsign_build_cms(const struct modsign_request *req, const uint8_t *data,
		      size_t len, uint8_t **cms, size_t *cms_len);

/* Where the signature goes */
enum modsign_output {
	MODSIGN_APPEND,			/* module + signature (sign-file) */
	MODSIGN_APPEND_AND_P7S,		/* ... and <module>.p7s (sign-file -p) */
	MODSIGN_P7S_ONLY,		/* only <module>.p7s (sign-file -d) */
};

/*
 * Sign the module file: the signed module replaces module (atomically), or
 * goes to dest when dest is not NULL.  0 or -errno.
 */
int modsign_sign_file(const struct modsign_request *req, const char *module,
		      const char *dest, enum modsign_output out);

#endif
