// SPDX-License-Identifier: GPL-2.0
/* schsmctl: error reporting ("<op>: <reason>"), device opening, output files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "cmd.h"
#include "pin.h"
#include "util.h"

int fail(int rc, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", cur_op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return rc;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", cur_op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cur_cmd)
		fprintf(stderr, "usage: schsmctl %s %s\n", cur_op, cur_cmd->usage);
	return RC_USAGE;
}

int fail_errno(int err)
{
	int rc = RC_ERROR;

	switch (-err) {
	case ENOENT: case ENODEV: case ENXIO: case EIO: case EPROTO:
	case ETIMEDOUT: case EPIPE: case ENOTTY:
		rc = RC_NODEV;
		break;
	case EACCES: case EPERM:
		rc = RC_AUTH;
		break;
	}
	return fail(rc, "%s", schsm_err_text(err));
}

int fail_sw(uint16_t sw)
{
	int rc = RC_CARD;

	if ((sw & 0xfff0) == 0x63c0 || sw == 0x6982)
		rc = RC_AUTH;
	else if (sw == 0x6983 || sw == 0x6984)
		rc = RC_BLOCKED;
	else if (sw == 0x6a82 || sw == 0x6a88)
		rc = RC_NOTFOUND;
	else if (sw == 0x6a89)
		rc = RC_EXISTS;
	return fail(rc, "%s (SW %04X)", schsm_sw_text(sw), sw);
}

int fail_pin(uint16_t sw, uint8_t tries)
{
	if ((sw & 0xfff0) == 0x63c0) {
		tries = sw & 0x0f;
		if (tries == 0)
			return fail(RC_BLOCKED, "wrong PIN, now blocked (SW %04X)", sw);
		return fail(RC_AUTH, "wrong PIN, %u %s left (SW %04X)", tries,
			    tries == 1 ? "try" : "tries", sw);
	}
	if (sw == 0x6983)
		return fail(RC_BLOCKED, "PIN blocked (SW 6983)");
	if (sw == 0x6984)
		return fail(RC_BLOCKED, "transport PIN active: run change-pin first (SW 6984)");
	if (sw == 0x6a88)
		return fail(RC_NOTFOUND, "PIN not initialised (SW 6A88)");
	(void)tries;
	return fail_sw(sw);
}

int fail_ssl(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "unknown error";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return fail(RC_ERROR, "%s: %s", what, buf);
}

int open_device(struct schsm_dev *dev)
{
	int err = schsm_dev_open(dev, opt_device);

	if (err) {
		if (err == -ENOENT)
			return fail(RC_NODEV, "%s: no such device (is the schsm module loaded and a token plugged in?)",
				    dev->path);
		return fail(err == -EACCES ? RC_AUTH : RC_NODEV, "%s: %s",
			    dev->path, schsm_err_text(err));
	}
	return RC_OK;
}

int check_secret_src(const char *spec)
{
	if (secret_spec_check(spec))
		return usage_error("a secret source must be prompt, env:VAR, fd:N or file:PATH");
	return RC_OK;
}

int read_in(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	int err = file_read_all(path, max, buf, len);

	if (err == -EFBIG)
		return fail(RC_BADFILE, "%s: too large", path);
	if (err)
		return fail(RC_ERROR, "%s: %s", path, strerror(-err));
	return RC_OK;
}

int check_out(const char *path, int force)
{
	if (path && !force && access(path, F_OK) == 0)
		return fail(RC_EXISTS, "%s exists (use --force to replace it)", path);
	return RC_OK;
}

int write_out(const char *path, const void *buf, size_t len, int force)
{
	int err = file_write_new(path, buf, len, force);

	if (err == -EEXIST)
		return fail(RC_EXISTS, "%s exists (use --force to replace it)", path);
	if (err)
		return fail(RC_ERROR, "%s: %s", path, strerror(-err));
	return RC_OK;
}
