/* SPDX-License-Identifier: GPL-2.0 */
/* tests/keyring: what keytest.c (the keyctl operations) shares with storm.c */
#ifndef SCHSM_KEYTEST_H
#define SCHSM_KEYTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keyutils.h>
#include <openssl/evp.h>

#include <linux/schsm.h>

/* a key generated on the token, its public key in raw form and for OpenSSL */
struct tkey {
	uint8_t id, type;
	const uint8_t *n, *e, *pt;	/* into req */
	size_t n_len, e_len, pt_len;
	uint8_t req[8192];
	EVP_PKEY *pub;
};

extern int fd;			/* the open /dev/schsm0 */
extern const char *dev_path;

int xioctl(unsigned long cmd, void *arg);
int login(bool in);
bool wait_slot(uint32_t mask, uint32_t want);
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool ossl_verify(EVP_PKEY *pub, const char *hash, const uint8_t *dg,
		 size_t dg_len, const uint8_t *sig, size_t sig_len);

/* unseal.c */
void test_unseal(const struct tkey *k);

/* storm.c */
int sign_verified(key_serial_t key, const struct tkey *k, const char *info);
void test_storm(key_serial_t key, const struct tkey *k, const char *sign_info,
		unsigned int nprocs, unsigned int nsigs);
void test_unplug_storm(key_serial_t key, const struct tkey *k,
		       const char *sign_info);
void test_module_release(void);

#endif
