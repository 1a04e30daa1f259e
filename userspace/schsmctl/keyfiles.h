/* SPDX-License-Identifier: GPL-2.0 */
/* schsmctl: the token's per-key EFs (CCxx key, C4xx description, CExx certificate). */
#ifndef SCHSMCTL_KEYFILES_H
#define SCHSMCTL_KEYFILES_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"

#define FID_KEY(id)	((uint16_t)(0xCC00 | (id)))
#define FID_PRKD(id)	((uint16_t)(0xC400 | (id)))
#define FID_CERT(id)	((uint16_t)(0xCE00 | (id)))
#define FID_DEVAUT	0x2F02
#define EF_MAX		65535

/*
 * Read a whole EF.  Returns RC_OK with *buf malloc'd (or NULL and *len 0
 * when the EF does not exist: SW 6A82/6A88); otherwise prints and
 * returns the rc.
 */
int ef_read(struct schsm_dev *dev, uint16_t fid, uint8_t **buf, size_t *len);
/* Write (create) an EF; prints and returns the rc on failure. */
int ef_write(struct schsm_dev *dev, uint16_t fid, const uint8_t *buf, size_t len);
/* Delete an EF; missing is fine when missing_ok.  Prints on failure. */
int ef_delete(struct schsm_dev *dev, uint16_t fid, int missing_ok);
/* Whether key id exists (KEY_LIST).  1, 0, or a negative rc after printing. */
int key_exists(struct schsm_dev *dev, unsigned int id);
struct wrapfile;
/* Checks (DKEK KCV, free slots unless force), UNWRAP, then C4xx/CExx. */
int key_unwrap_into(struct schsm_dev *dev, unsigned int id, const struct wrapfile *w,
		    int force);

/* Parse a key id 1..255. */
int parse_key_id(const char *s, unsigned int *id);

#endif
