/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: what the token says about one of its keys (public key,
 * certificate) and, once the kernel's token-key parser is there, linking
 * the key into a kernel keyring as an "asymmetric" key.
 */
#ifndef SCHSM_KEYLINK_H
#define SCHSM_KEYLINK_H

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "device.h"

#define TOKEN_CERT_FID(id)	((uint16_t)(0xCE00 | (id)))
#define TOKEN_MAX_CERT		16384

/*
 * Read EF CE<key_id>: an X.509 certificate (tag 30) gives the public key
 * and *cert; the CV request the token wrote at key generation (tag 67 or
 * 7F21) gives only the public key (*cert = NULL).  cert may be NULL if the
 * caller does not want it.  Returns 0, a card refusal as -EREMOTEIO with
 * *sw set, -EBADMSG for content that is neither, or another -errno.
 */
int token_key_read(struct schsm_dev *dev, uint8_t key_id, EVP_PKEY **pub,
		   X509 **cert, uint16_t *sw);

/*
 * The blob the kernel's "schsm" asymmetric key parser takes
 * (Documentation/keyring.md): serial and key id of the token, the public
 * key, and, when cert is not NULL, its SKID and issuer+serial so PKCS#7
 * and id:/ex: lookups find the key.  cert's public key must be pub
 * (-EKEYREJECTED otherwise).  *blob is malloc()ed.  0 or -errno.
 */
int keylink_blob(const char *serial, uint8_t key_id, EVP_PKEY *pub, X509 *cert,
		 uint8_t **blob, size_t *len);

/* "@t", "@p", "@s", "@u", "@us" or a keyring serial.  0 or -EINVAL. */
int keyring_parse(const char *s, int32_t *keyring);

/* add_key("asymmetric", "", blob) into keyring: the new key's serial or -errno */
int keylink_add(const uint8_t *blob, size_t len, int32_t keyring);

#endif
