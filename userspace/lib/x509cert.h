/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: a self-signed X.509 certificate whose signature is made
 * by a key this process cannot read (token or kernel keyring).
 *
 * The certificate carries what the kernel's own module signing key has
 * (certs/default_x509.genkey: basicConstraints critical CA:FALSE,
 * keyUsage digitalSignature, subjectKeyIdentifier, authorityKeyIdentifier)
 * plus extendedKeyUsage codeSigning, so it can be enrolled with mokutil or
 * into UEFI db and used by sign-file / "schsmctl sign-module".
 */
#ifndef SCHSM_X509CERT_H
#define SCHSM_X509CERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "device.h"
#include "modsign.h"

struct x509cert_request {
	EVP_PKEY *pub;			/* the subject key (RSA) */
	const char *cn;			/* subject and issuer commonName */
	const char *org;		/* organizationName, may be NULL */
	unsigned int days;		/* validity from now */
	const char *hash;		/* "sha256", ... */
	const struct digest_signer *signer;	/* the subject key's private half */
};

/*
 * Build and sign the certificate.  The result has been re-parsed from its
 * DER and verified with req->pub.  0 or -errno (-EBADMSG: the signer
 * is not the private half of req->pub).
 */
int x509cert_make(const struct x509cert_request *req, X509 **out);

/* Load a public key from a file: PEM/DER SubjectPublicKeyInfo or a certificate. */
EVP_PKEY *pubkey_load_file(const char *path);

/* A digest_signer over SCHSM_IOC_SIGN (DigestInfo in, algorithm 0x30). */
struct token_signer {
	struct schsm_dev *dev;
	uint8_t key_id;
	uint16_t sw;			/* the card's answer to the last SIGN */
};
void token_signer_init(struct digest_signer *s, struct token_signer *t);

#endif
