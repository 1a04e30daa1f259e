// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: hex, bounded file I/O and number parsing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

void hex_encode(const uint8_t *buf, size_t len, char sep, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		if (sep && i)
			*out++ = sep;
		*out++ = digits[buf[i] >> 4];
		*out++ = digits[buf[i] & 15];
	}
	*out = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, d;

	for (; *s; s++) {
		if (*s == ':' || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			continue;
		d = hex_digit(*s);
		if (d < 0)
			return -1;
		if (hi < 0) {
			hi = d;
			continue;
		}
		if (n >= cap || n >= INT_MAX)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | d);
		hi = -1;
	}
	return hi < 0 ? (int)n : -1;
}

int file_read_all(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	struct stat st;
	uint8_t *p;
	size_t got = 0;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto out_close;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
		err = -EFBIG;
		goto out_close;
	}
	/* one spare byte detects a file that grew since fstat */
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		err = -ENOMEM;
		goto out_close;
	}
	while (got <= (size_t)st.st_size) {
		r = read(fd, p + got, (size_t)st.st_size + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out_free;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got != (size_t)st.st_size) {
		err = -EIO;
		goto out_free;
	}
	close(fd);
	*buf = p;
	*len = got;
	return 0;

out_free:
	free(p);
out_close:
	close(fd);
	return err;
}

static int write_full(int fd, const uint8_t *buf, size_t len)
{
	ssize_t r;

	while (len) {
		r = write(fd, buf, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

int file_write_new(const char *path, const uint8_t *buf, size_t len, int overwrite)
{
	char tmp[PATH_MAX];
	int fd, err;

	if (!overwrite && access(path, F_OK) == 0)
		return -EEXIST;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);	/* mode 0600 */
	if (fd < 0)
		return -errno;
	err = write_full(fd, buf, len);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		goto out_unlink;
	if (overwrite) {
		if (rename(tmp, path) < 0)
			err = -errno;
	} else {
		/* link() fails with EEXIST instead of replacing a racing file */
		if (link(tmp, path) < 0)
			err = -errno;
		unlink(tmp);
		return err;
	}
	if (!err)
		return 0;
out_unlink:
	unlink(tmp);
	return err;
}

int parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}
