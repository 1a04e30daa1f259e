/* SPDX-License-Identifier: GPL-2.0 */
/* schsmctl library: small helpers shared by the file-format and CLI code. */
#ifndef SCHSM_UTIL_H
#define SCHSM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Lowercase hex of buf into out (2*len+1 bytes), sep 0 or e.g. ':'. */
void hex_encode(const uint8_t *buf, size_t len, char sep, char *out);
/*
 * Parse hex digits, ignoring ':' and white space, into out (cap bytes).
 * Returns the number of bytes, or -1 for a bad digit, odd count or overflow.
 */
int hex_decode(const char *s, uint8_t *out, size_t cap);

/*
 * Read a whole regular file of at most max bytes into a fresh buffer.
 * Returns 0, or -errno (-EFBIG when larger than max).
 */
int file_read_all(const char *path, size_t max, uint8_t **buf, size_t *len);
/*
 * Write buf to path, mode 0600, refusing to replace an existing file unless
 * overwrite is set.  The file appears complete or not at all (temp + rename).
 */
int file_write_new(const char *path, const uint8_t *buf, size_t len, int overwrite);

/* Parse a decimal unsigned int in [min, max]; 0 on success, -1 otherwise. */
int parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out);

#endif
