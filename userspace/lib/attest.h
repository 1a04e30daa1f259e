/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: verifying a token's device certificate chain (EF 2F02 =
 * device CVC ‖ DICA CVC) and key attestations (authenticated CV requests
 * "67" signed by the device key), with common/cvc.
 *
 * Device and DICA public keys carry no EC domain parameters: they inherit
 * them from the root.  With a root CVC (--root) the whole chain is checked;
 * without one the DICA's key is taken on the scheme's curve
 * (brainpoolP256r1) and only root_verified stays 0.
 */
#ifndef SCHSM_ATTEST_H
#define SCHSM_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define ATTEST_SCHEME_CURVE	"brainpoolP256r1"

struct devchain {
	char device_chr[33];
	char dica_chr[33];
	char root_chr[33];	/* CAR of the DICA */
	EVP_PKEY *device_key;	/* owned */
	EVP_PKEY *dica_key;	/* owned */
	int root_verified;	/* DICA signature checked with the given root */
};

/*
 * Parse and verify EF 2F02: DICA signs device (and root signs DICA when
 * root is given).  0, or -EBADMSG (format) / -EKEYREJECTED (a signature
 * does not verify) with a reason in why.
 */
int devchain_verify(const uint8_t *ef, size_t len, const uint8_t *root, size_t root_len,
		    struct devchain *ch, const char **why);
void devchain_free(struct devchain *ch);

/*
 * Verify an authenticated request (67): outer CAR is the device CHR, outer
 * signature by the device key, inner signature by the request's own key
 * (proof of possession).  On success *pub is the attested public key
 * (owned by the caller) and chr its CHR.
 */
int attest_request_verify(const uint8_t *req, size_t len, const struct devchain *ch,
			  EVP_PKEY **pub, char chr[33], const char **why);

#endif
