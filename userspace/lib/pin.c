// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: reading secrets without ever taking them from argv. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "pin.h"
#include "util.h"

/* Read one line byte by byte, so later secrets on the same fd stay unread. */
static int read_line_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= cap) {
			OPENSSL_cleanse(buf, cap);
			return -E2BIG;
		}
		buf[n++] = c;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return n ? (int)n : -ENODATA;
}

static int read_tty_echo(const char *prompt, int echo, char *buf, size_t cap)
{
	struct termios old, noecho;
	int fd, ret, restore;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -ENOTTY;
	restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		noecho = old;
		if (!echo)
			noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		noecho.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &noecho);
	}
	/* a prompt that cannot be written does not stop the read */
	(void)!write(fd, prompt, strlen(prompt));
	ret = read_line_fd(fd, buf, cap);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (!echo)
		(void)!write(fd, "\n", 1);
	close(fd);
	return ret;
}

static int read_tty(const char *prompt, char *buf, size_t cap)
{
	return read_tty_echo(prompt, 0, buf, cap);
}

static int copy_secret(const char *s, char *buf, size_t cap)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (!n)
		return -ENODATA;
	if (n >= cap)
		return -E2BIG;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return (int)n;
}

static int read_file_secret(const char *path, char *buf, size_t cap)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = read_line_fd(fd, buf, cap);
	close(fd);
	return ret;
}

int secret_spec_check(const char *spec)
{
	unsigned int fd;

	if (!spec || !strcmp(spec, "prompt"))
		return 0;
	if (!strncmp(spec, "env:", 4))
		return spec[4] ? 0 : -EINVAL;
	if (!strncmp(spec, "fd:", 3))
		return parse_uint(spec + 3, 0, 1 << 20, &fd) ? -EINVAL : 0;
	if (!strncmp(spec, "file:", 5))
		return spec[5] ? 0 : -EINVAL;
	return -EINVAL;
}

int secret_read(const char *spec, const char *prompt, char *buf, size_t cap)
{
	unsigned int fd;
	const char *v;

	if (cap < 2 || secret_spec_check(spec))
		return -EINVAL;
	if (!spec || !strcmp(spec, "prompt"))
		return read_tty(prompt, buf, cap);
	if (!strncmp(spec, "env:", 4)) {
		v = getenv(spec + 4);
		return v ? copy_secret(v, buf, cap) : -ENODATA;
	}
	if (!strncmp(spec, "fd:", 3)) {
		parse_uint(spec + 3, 0, 1 << 20, &fd);
		return read_line_fd((int)fd, buf, cap);
	}
	return read_file_secret(spec + 5, buf, cap);
}

int secret_read_new(const char *spec, const char *prompt, char *buf, size_t cap)
{
	char again[SECRET_MAX];
	int n, m;

	n = secret_read(spec, prompt, buf, cap);
	if (n < 0 || (spec && strcmp(spec, "prompt")))
		return n;
	m = read_tty("Repeat to confirm: ", again, sizeof(again));
	if (m != n || memcmp(again, buf, (size_t)n)) {
		OPENSSL_cleanse(buf, cap);
		n = m < 0 ? m : -EBADMSG;
	}
	OPENSSL_cleanse(again, sizeof(again));
	return n;
}

int so_pin_parse(const char *text, uint8_t out[8])
{
	if (strlen(text) != 16 || hex_decode(text, out, 8) != 8)
		return -EINVAL;
	return 0;
}

int secret_stream_open(const char *spec)
{
	unsigned int fd;
	int h;

	if (!spec || !strcmp(spec, "prompt"))
		return STREAM_TTY;
	if (!strncmp(spec, "fd:", 3))
		return parse_uint(spec + 3, 0, 1 << 20, &fd) ? -EINVAL : (int)fd;
	if (!strncmp(spec, "file:", 5) && spec[5]) {
		h = open(spec + 5, O_RDONLY | O_CLOEXEC);
		return h < 0 ? -errno : h;
	}
	return -EINVAL;
}

int secret_stream_line(int handle, const char *prompt, int secret, char *buf, size_t cap)
{
	if (handle == STREAM_TTY)
		return read_tty_echo(prompt, !secret, buf, cap);
	return read_line_fd(handle, buf, cap);
}

void secret_stream_close(const char *spec, int handle)
{
	if (spec && !strncmp(spec, "file:", 5) && handle >= 0)
		close(handle);
}
