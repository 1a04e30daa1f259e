// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl login, logout, change-pin, unblock-pin, change-so-pin.
 *
 * Every secret is read and checked before the device is touched, VERIFY is
 * sent exactly once, and every buffer that held a secret is wiped.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "pin.h"

#define PIN_MIN 6

struct pin_opts {
	const char *pin;
	const char *new_pin;
	const char *so_pin;
	const char *new_so_pin;
	int reset_only;
};

enum { OPT_PIN = 256, OPT_NEW_PIN, OPT_SO_PIN, OPT_NEW_SO_PIN, OPT_RESET_ONLY };

static int parse_pin_opts(int argc, char **argv, struct pin_opts *o)
{
	static const struct option opts[] = {
		{ "pin", required_argument, NULL, OPT_PIN },
		{ "new-pin", required_argument, NULL, OPT_NEW_PIN },
		{ "so-pin", required_argument, NULL, OPT_SO_PIN },
		{ "new-so-pin", required_argument, NULL, OPT_NEW_SO_PIN },
		{ "reset-only", no_argument, NULL, OPT_RESET_ONLY },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PIN: o->pin = optarg; break;
		case OPT_NEW_PIN: o->new_pin = optarg; break;
		case OPT_SO_PIN: o->so_pin = optarg; break;
		case OPT_NEW_SO_PIN: o->new_so_pin = optarg; break;
		case OPT_RESET_ONLY: o->reset_only = 1; break;
		default: return usage_error("bad option");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (check_secret_src(o->pin) || check_secret_src(o->new_pin) ||
	    check_secret_src(o->so_pin) || check_secret_src(o->new_so_pin))
		return RC_USAGE;
	return RC_OK;
}

/* Read a user PIN and check its length; returns the length or an rc < 0 marker. */
static int read_user_pin(const char *spec, const char *prompt, int confirm,
			 char pin[SCHSM_MAX_PIN + 1])
{
	char buf[SECRET_MAX];
	int n;

	n = confirm ? secret_read_new(spec, prompt, buf, sizeof(buf))
		    : secret_read(spec, prompt, buf, sizeof(buf));
	if (n == -EBADMSG) {
		fail(RC_USAGE, "the PINs do not match");
		return -1;
	}
	if (n < 0) {
		fail(RC_USAGE, "cannot read the PIN: %s", schsm_err_text(n));
		return -1;
	}
	if (n < PIN_MIN || n > SCHSM_MAX_PIN) {
		OPENSSL_cleanse(buf, sizeof(buf));
		fail(RC_USAGE, "a PIN has %d to %d characters", PIN_MIN, SCHSM_MAX_PIN);
		return -1;
	}
	memcpy(pin, buf, (size_t)n + 1);
	OPENSSL_cleanse(buf, sizeof(buf));
	return n;
}

int read_so_pin(const char *spec, const char *prompt, int confirm,
		uint8_t so[SCHSM_SO_PIN_LEN])
{
	char buf[SECRET_MAX];
	int n, err;

	n = confirm ? secret_read_new(spec, prompt, buf, sizeof(buf))
		    : secret_read(spec, prompt, buf, sizeof(buf));
	if (n < 0)
		return fail(RC_USAGE, "cannot read the SO-PIN: %s",
			    n == -EBADMSG ? "entries do not match" : schsm_err_text(n));
	err = so_pin_parse(buf, so);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (err)
		return fail(RC_USAGE, "the SO-PIN is 16 hexadecimal digits");
	return RC_OK;
}

int cmd_login(int argc, char **argv)
{
	struct schsm_pin_result res;
	struct schsm_dev dev;
	struct pin_opts o;
	char pin[SCHSM_MAX_PIN + 1];
	int rc, n, err;

	rc = parse_pin_opts(argc, argv, &o);
	if (rc)
		return rc;
	n = read_user_pin(o.pin, "User PIN: ", 0, pin);
	if (n < 0)
		return RC_USAGE;
	rc = open_device(&dev);
	if (!rc) {
		err = schsm_login(&dev, (uint8_t *)pin, (size_t)n, &res);
		if (err)
			rc = fail_errno(err);
		else if (res.sw != SCHSM_SW_OK)
			rc = fail_pin(res.sw, res.tries_left);
		else
			printf("User PIN verified\n");
		schsm_dev_close(&dev);
	}
	OPENSSL_cleanse(pin, sizeof(pin));
	return rc;
}

int cmd_logout(int argc, char **argv)
{
	struct schsm_dev dev;
	int rc, err;

	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	rc = open_device(&dev);
	if (rc)
		return rc;
	err = schsm_logout(&dev);
	schsm_dev_close(&dev);
	if (err)
		return fail_errno(err);
	printf("Logged out\n");
	return RC_OK;
}

int cmd_change_pin(int argc, char **argv)
{
	struct schsm_pin_result res;
	struct schsm_dev dev;
	struct pin_opts o;
	char old[SCHSM_MAX_PIN + 1], new[SCHSM_MAX_PIN + 1];
	int rc, n, m, err;

	rc = parse_pin_opts(argc, argv, &o);
	if (rc)
		return rc;
	n = read_user_pin(o.pin, "Current user PIN (or transport PIN): ", 0, old);
	if (n < 0)
		return RC_USAGE;
	m = read_user_pin(o.new_pin, "New user PIN: ", 1, new);
	if (m < 0) {
		OPENSSL_cleanse(old, sizeof(old));
		return RC_USAGE;
	}
	rc = open_device(&dev);
	if (!rc) {
		err = schsm_change_pin(&dev, SCHSM_PIN_REF_USER, (uint8_t *)old,
				       (size_t)n, (uint8_t *)new, (size_t)m, &res);
		if (err)
			rc = fail_errno(err);
		else if (res.sw != SCHSM_SW_OK)
			rc = fail_pin(res.sw, res.tries_left);
		else
			printf("User PIN changed\n");
		schsm_dev_close(&dev);
	}
	OPENSSL_cleanse(old, sizeof(old));
	OPENSSL_cleanse(new, sizeof(new));
	return rc;
}

int cmd_unblock_pin(int argc, char **argv)
{
	uint8_t so[SCHSM_SO_PIN_LEN];
	struct schsm_pin_result res;
	struct schsm_dev dev;
	struct pin_opts o;
	char new[SCHSM_MAX_PIN + 1];
	int rc, m = 0, err;

	rc = parse_pin_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (o.reset_only && o.new_pin)
		return usage_error("--reset-only and --new-pin exclude each other");
	rc = read_so_pin(o.so_pin, "SO-PIN (16 hex digits): ", 0, so);
	if (rc)
		return rc;
	if (!o.reset_only) {
		m = read_user_pin(o.new_pin, "New user PIN: ", 1, new);
		if (m < 0) {
			OPENSSL_cleanse(so, sizeof(so));
			return RC_USAGE;
		}
	}
	rc = open_device(&dev);
	if (!rc) {
		err = schsm_unblock_pin(&dev, so, o.reset_only ? NULL : (uint8_t *)new,
					(size_t)m, &res);
		if (err)
			rc = fail_errno(err);
		else if (res.sw == 0x6982 || res.sw == 0x6985)
			rc = fail(RC_CARD, "not allowed: the token was not initialised with --reset-retry (SW %04X)",
				  res.sw);
		else if (res.sw != SCHSM_SW_OK)
			rc = fail_pin(res.sw, res.tries_left);
		else
			printf("User PIN %s\n", o.reset_only ? "retry counter reset" : "reset");
		schsm_dev_close(&dev);
	}
	OPENSSL_cleanse(so, sizeof(so));
	OPENSSL_cleanse(new, sizeof(new));
	return rc;
}

int cmd_change_so_pin(int argc, char **argv)
{
	uint8_t old[SCHSM_SO_PIN_LEN], new[SCHSM_SO_PIN_LEN];
	struct schsm_pin_result res;
	struct schsm_dev dev;
	struct pin_opts o;
	int rc, err;

	rc = parse_pin_opts(argc, argv, &o);
	if (rc)
		return rc;
	rc = read_so_pin(o.so_pin, "Current SO-PIN: ", 0, old);
	if (rc)
		return rc;
	rc = read_so_pin(o.new_so_pin, "New SO-PIN (16 hex digits): ", 1, new);
	if (!rc)
		rc = open_device(&dev);
	if (!rc) {
		err = schsm_change_pin(&dev, SCHSM_PIN_REF_SO, old, sizeof(old),
				       new, sizeof(new), &res);
		if (err)
			rc = fail_errno(err);
		else if (res.sw != SCHSM_SW_OK)
			rc = fail_pin(res.sw, res.tries_left);
		else
			printf("SO-PIN changed\n");
		schsm_dev_close(&dev);
	}
	OPENSSL_cleanse(old, sizeof(old));
	OPENSSL_cleanse(new, sizeof(new));
	return rc;
}
