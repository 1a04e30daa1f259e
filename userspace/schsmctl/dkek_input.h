/* SPDX-License-Identifier: GPL-2.0 */
/* schsmctl: reading DKEK share files with a password or threshold shares. */
#ifndef SCHSMCTL_DKEK_INPUT_H
#define SCHSMCTL_DKEK_INPUT_H

#include <stdint.h>

#include "dkek.h"

struct share_source {
	const char *password;		/* secret source of the password */
	unsigned int pwd_shares;	/* 0: password; else k threshold shares */
	const char *shares_from;	/* secret stream with prime, ids, values */
};

int share_source_check(const struct share_source *src);
/* Read and shape-check a share file; prints and returns an rc on failure. */
int share_file_load(const char *path, uint8_t file[DKEK_FILE_LEN]);
/* Load, get the password, decipher; prints and returns an rc on failure. */
int share_file_open(const char *path, const struct share_source *src,
		    uint8_t share[DKEK_SHARE_LEN]);

#endif
