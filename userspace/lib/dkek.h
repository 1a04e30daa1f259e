/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: DKEK share files, byte-compatible with sc-hsm-tool.
 *
 *   "Salted__" (8) | salt (8) | AES-256-CBC(share(32) | 16 x 0x10)  = 64 bytes
 *   key || iv = EVP_BytesToKey(MD5, password, salt, 10,000,000 rounds)
 */
#ifndef SCHSM_DKEK_H
#define SCHSM_DKEK_H

#include <stddef.h>
#include <stdint.h>

#define DKEK_SHARE_LEN		32
#define DKEK_FILE_LEN		64
#define DKEK_SALT_LEN		8
#define DKEK_KCV_LEN		8
#define DKEK_KDF_ROUNDS		10000000UL

/*
 * EVP_BytesToKey(AES-256-CBC, MD5) with `rounds` iterations, computed with
 * one fetched MD5 and a reused context (about 3x faster than
 * EVP_BytesToKey itself, same result).  Returns 0 or -1 (OpenSSL error).
 */
int dkek_kdf(const uint8_t *pwd, size_t pwdlen, const uint8_t salt[DKEK_SALT_LEN],
	     unsigned long rounds, uint8_t key[32], uint8_t iv[16]);

/* Encrypt share with pwd and salt into file.  Returns 0 or -1. */
int dkek_share_seal(const uint8_t share[DKEK_SHARE_LEN], const uint8_t *pwd,
		    size_t pwdlen, const uint8_t salt[DKEK_SALT_LEN],
		    uint8_t file[DKEK_FILE_LEN]);

/* Check the file's shape only (size and magic): 0 or -EBADMSG. */
int dkek_share_check(const uint8_t *file, size_t len);

/*
 * Decrypt a share file.  Returns 0, -EBADMSG for a file that is not a
 * DKEK share, -EKEYREJECTED for a wrong password (the whole padding block
 * must be 16 x 0x10), -1 for an OpenSSL failure.
 */
int dkek_share_open(const uint8_t *file, size_t len, const uint8_t *pwd,
		    size_t pwdlen, uint8_t share[DKEK_SHARE_LEN]);

/* KCV = SHA-256(dkek)[0..7] */
int dkek_kcv(const uint8_t dkek[DKEK_SHARE_LEN], uint8_t kcv[DKEK_KCV_LEN]);

#endif
