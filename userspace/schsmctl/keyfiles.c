// SPDX-License-Identifier: GPL-2.0
/* schsmctl: reading, writing and deleting the token's EFs with clear errors. */
#include <errno.h>
#include <stdlib.h>

#include "cmd.h"
#include "keyfiles.h"
#include "util.h"

int ef_read(struct schsm_dev *dev, uint16_t fid, uint8_t **buf, size_t *len)
{
	size_t cap = 4096, n;
	uint16_t sw;
	uint8_t *p;
	int err;

	*buf = NULL;
	*len = 0;
	for (;;) {
		p = malloc(cap);
		if (!p)
			return fail(RC_ERROR, "out of memory");
		n = cap;
		err = schsm_file_read(dev, fid, p, &n, &sw);
		if (err != -EMSGSIZE)
			break;
		free(p);
		/* the driver says how much it needs; only grow, and not forever */
		if (cap >= EF_MAX)
			return fail(RC_NODEV, "EF %04X: the driver keeps asking for more room", fid);
		cap = EF_MAX;
	}
	if (err) {
		free(p);
		return fail_errno(err);
	}
	if (sw == 0x6a82 || sw == 0x6a88) {
		free(p);
		return RC_OK;
	}
	if (sw != SCHSM_SW_OK && sw != 0x6282) {
		free(p);
		return fail_sw(sw);
	}
	*buf = p;
	*len = n;
	return RC_OK;
}

int ef_write(struct schsm_dev *dev, uint16_t fid, const uint8_t *buf, size_t len)
{
	uint16_t sw;
	int err = schsm_file_write(dev, fid, buf, len, &sw);

	if (err)
		return fail_errno(err);
	if (sw != SCHSM_SW_OK)
		return fail_sw(sw);
	return RC_OK;
}

int ef_delete(struct schsm_dev *dev, uint16_t fid, int missing_ok)
{
	uint16_t sw;
	int err = schsm_file_delete(dev, fid, &sw);

	if (err)
		return fail_errno(err);
	if (missing_ok && (sw == 0x6a82 || sw == 0x6a88))
		return RC_OK;
	if (sw != SCHSM_SW_OK)
		return fail_sw(sw);
	return RC_OK;
}

int key_exists(struct schsm_dev *dev, unsigned int id)
{
	struct schsm_key_list l;
	unsigned int i;
	int err = schsm_key_list(dev, &l);

	if (err)
		return -fail_errno(err);
	for (i = 0; i < l.count; i++)
		if (l.ids[i] == id)
			return 1;
	return 0;
}

int parse_key_id(const char *s, unsigned int *id)
{
	return parse_uint(s, 1, SCHSM_MAX_KEYS, id);
}
