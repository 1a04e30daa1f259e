/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SmartCard-HSM DKEK-encrypted key blob (WRAP KEY output, UNWRAP KEY
 * input):
 *
 *   KCV(8) ‖ type(1) ‖ [len(2) ‖ default algorithm OID] ‖ [len ‖ allowed
 *   algorithms] ‖ [len ‖ access conditions] ‖ [len ‖ key OID] ‖
 *   AES-256-CBC(Kenc, IV 0, 8 random ‖ keysize(2) ‖ components ‖ padding) ‖
 *   AES-256-CMAC(Kmac, everything before)
 *
 * Kenc = SHA-256(DKEK ‖ 00000001), Kmac = SHA-256(DKEK ‖ 00000002),
 * KCV = SHA-256(DKEK)[0..7].  Types: 5 RSA (d, n, e), 6 RSA CRT (dp, dq,
 * p, qinv, q, n, e), 12 EC (a, b, p, order, G, d, Q).  RSA keys of up to
 * 2048 bits are encoded as type 6, larger ones as type 5, as CardContact's
 * encoder does.  AES keys (type 15) are not supported.
 */
#ifndef SCHSM_COMMON_KEYBLOB_H
#define SCHSM_COMMON_KEYBLOB_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define DKEK_LEN	32
#define DKEK_KCV_LEN	8

enum keyblob_type {
	KEYBLOB_RSA = 5,
	KEYBLOB_RSA_CRT = 6,
	KEYBLOB_EC = 12,
	KEYBLOB_AES = 15,
};

/* KCV = SHA-256(dkek)[0..7]. */
void keyblob_kcv(const uint8_t dkek[DKEK_LEN], uint8_t kcv[DKEK_KCV_LEN]);

/* Kenc (purpose 1) or Kmac (purpose 2) = SHA-256(dkek ‖ 00 00 00 purpose). */
void keyblob_derive(const uint8_t dkek[DKEK_LEN], uint8_t purpose,
		    uint8_t out[32]);

/*
 * Encode a private key (RSA or EC) as a blob under dkek.  algos/algos_len:
 * the allowed-algorithm list (may be empty).  *blob is malloc'd.  0 or -errno.
 */
int keyblob_encode(const uint8_t dkek[DKEK_LEN], EVP_PKEY *key,
		   const uint8_t *algos, size_t algos_len,
		   uint8_t **blob, size_t *blob_len);

/* What a decoded blob carries besides the key. */
struct keyblob_info {
	uint8_t type;
	uint8_t algos[16];
	size_t algos_len;
};

/*
 * Decode and authenticate a blob.  -EKEYREJECTED when the KCV is not the
 * DKEK's, -EBADMSG when the MAC or the format is wrong, -EOPNOTSUPP for
 * key types other than RSA/EC.  *key is the private key on success.
 */
int keyblob_decode(const uint8_t dkek[DKEK_LEN], const uint8_t *blob,
		   size_t len, EVP_PKEY **key, struct keyblob_info *info);

#endif /* SCHSM_COMMON_KEYBLOB_H */
