/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: /dev/schsmN and its ioctls.
 *
 * Every call returns 0 when the driver completed it (the card's answer is
 * then in *sw, see linux/schsm.h) or -errno for transport, argument and
 * permission failures.  Nothing here retries: in particular VERIFY is sent
 * exactly once per call.
 */
#ifndef SCHSM_DEVICE_H
#define SCHSM_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/schsm.h>

#define SCHSM_DEFAULT_DEVICE "/dev/schsm0"

struct schsm_dev {
	int fd;
	const char *path;
};

struct schsm_pin_result {
	uint16_t sw;
	uint8_t tries_left;	/* 0xff: the card did not say */
};

int schsm_dev_open(struct schsm_dev *dev, const char *path);
void schsm_dev_close(struct schsm_dev *dev);

int schsm_get_info(struct schsm_dev *dev, struct schsm_info *info);
int schsm_get_status(struct schsm_dev *dev, struct schsm_status *st);

int schsm_login(struct schsm_dev *dev, const uint8_t *pin, size_t len,
		struct schsm_pin_result *res);
int schsm_logout(struct schsm_dev *dev);
int schsm_change_pin(struct schsm_dev *dev, uint32_t ref,
		     const uint8_t *old, size_t oldlen,
		     const uint8_t *pin, size_t len, struct schsm_pin_result *res);
/* new_pin may be NULL/0: only reset the retry counter */
int schsm_unblock_pin(struct schsm_dev *dev, const uint8_t so_pin[SCHSM_SO_PIN_LEN],
		      const uint8_t *new_pin, size_t len, struct schsm_pin_result *res);

/* init->size/flags/... filled by the caller; user_pin points into caller memory */
int schsm_initialize(struct schsm_dev *dev, struct schsm_init *init);

/* share is copied into the request, which is wiped afterwards */
int schsm_dkek_import(struct schsm_dev *dev, const uint8_t share[SCHSM_DKEK_SHARE_LEN],
		      struct schsm_dkek_share *out);

int schsm_key_list(struct schsm_dev *dev, struct schsm_key_list *list);
/* req/reqlen: capacity in, request length out */
int schsm_key_generate(struct schsm_dev *dev, struct schsm_keygen *kg,
		       uint8_t *req, size_t *reqlen);
int schsm_key_wrap(struct schsm_dev *dev, uint8_t key_id, uint8_t *blob,
		   size_t *len, uint16_t *sw);
int schsm_key_unwrap(struct schsm_dev *dev, uint8_t key_id, const uint8_t *blob,
		     size_t len, uint16_t *sw);
int schsm_sign(struct schsm_dev *dev, uint8_t key_id, uint8_t alg,
	       const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen,
	       uint16_t *sw);

/* whole file from offset 0; len: capacity in, bytes out */
int schsm_file_read(struct schsm_dev *dev, uint16_t fid, uint8_t *buf,
		    size_t *len, uint16_t *sw);
int schsm_file_write(struct schsm_dev *dev, uint16_t fid, const uint8_t *buf,
		     size_t len, uint16_t *sw);
int schsm_file_delete(struct schsm_dev *dev, uint16_t fid, uint16_t *sw);
int schsm_enum_objects(struct schsm_dev *dev, uint8_t *buf, size_t *len,
		       uint16_t *sw);

int schsm_pka_register(struct schsm_dev *dev, struct schsm_pka_register *reg);
int schsm_pka_challenge(struct schsm_dev *dev, uint8_t *chal, size_t len,
			uint16_t *sw);
int schsm_pka_authenticate(struct schsm_dev *dev, const char *chr,
			   const uint8_t *sig, size_t siglen,
			   struct schsm_pka_auth *out);

/* UNSEAL: the card deciphers, the kernel makes the logon key (seal.c fills u) */
int schsm_unseal(struct schsm_dev *dev, struct schsm_unseal *u);

/* Text for a status word, e.g. "wrong PIN" (stable: tests match on it). */
const char *schsm_sw_text(uint16_t sw);
/* Text for a negative errno from these calls. */
const char *schsm_err_text(int err);

#endif
