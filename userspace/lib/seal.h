/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: volume keys sealed to a token key, unsealed by the
 * driver into a "logon" key (SCHSM_IOC_UNSEAL) so the plaintext never
 * reaches userspace.
 *
 * Sealed file, version 1 (all integers big-endian, 80 bytes + cryptogram):
 *
 *   off len
 *     0   8  magic "SCHSMSEA"
 *     8   1  version = 1
 *     9   1  algorithm = 1: RSA PKCS#1 v1.5 encryption (RFC 8017 7.2),
 *            unsealed on the token with DECIPHER 21 (SCHSM_ALG_RSA_DECRYPT_RAW)
 *    10   1  key id on the token (1..255)
 *    11   1  volume key length in bytes (16..64)
 *    12  32  SHA-256 of the token key's public key (DER SubjectPublicKeyInfo)
 *    44  32  token serial (device CHR minus sequence), NUL-padded; may be empty
 *    76   2  reserved, zero
 *    78   2  cryptogram length = RSA modulus length in bytes
 *    80   n  cryptogram
 *
 * The reader accepts nothing else: exact total length, known version and
 * algorithm, zero reserved bytes, a cryptogram as long as the modulus.  The
 * fingerprint lets unseal refuse a file made for another key before the
 * token is asked to decrypt anything.
 */
#ifndef SCHSM_SEAL_H
#define SCHSM_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "device.h"

#define SEAL_MAGIC		"SCHSMSEA"
#define SEAL_VERSION		1
#define SEAL_ALG_RSA_PKCS1	1
#define SEAL_HDR_LEN		80
#define SEAL_MIN_KEY		16
#define SEAL_MAX_KEY		64
#define SEAL_DEFAULT_KEY	32
#define SEAL_MAX_CRYPTOGRAM	512	/* RSA-4096 */

struct sealed_key {
	uint8_t version;
	uint8_t algorithm;
	uint8_t key_id;
	uint8_t key_len;
	uint8_t pub_sha256[32];
	char serial[33];		/* NUL-terminated */
	uint16_t cryptogram_len;
	uint8_t cryptogram[SEAL_MAX_CRYPTOGRAM];
};

/* SHA-256 of the DER SubjectPublicKeyInfo.  0 or -errno. */
int seal_pubkey_fingerprint(EVP_PKEY *pub, uint8_t out[32]);

/*
 * Make a fresh random volume key of key_len bytes and encrypt it to pub
 * (RSA).  The plaintext is wiped before returning.  0 or -errno.
 */
int seal_new_key(EVP_PKEY *pub, uint8_t key_id, const char *serial,
		 unsigned int key_len, struct sealed_key *out);

/* Serialise / parse the file format above.  0 or -errno (-EBADMSG). */
int seal_encode(const struct sealed_key *s, uint8_t *buf, size_t cap, size_t *len);
int seal_decode(const uint8_t *buf, size_t len, struct sealed_key *s);

/*
 * SCHSM_IOC_UNSEAL: the token decrypts, the driver creates logon key
 * "schsm:<name>" in keyring.  Returns 0 when the driver completed the call
 * (card status in *sw, new key in *serial) or -errno.
 */
int seal_unseal(struct schsm_dev *dev, const struct sealed_key *s,
		const char *name, int32_t keyring, int32_t *serial, uint16_t *sw);

/* A logon key name the driver accepts: 1..63 of [A-Za-z0-9._-]. */
int seal_name_valid(const char *name);

#endif
