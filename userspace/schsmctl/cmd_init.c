// SPDX-License-Identifier: GPL-2.0
/* schsmctl initialize: INITIALIZE DEVICE with the options of the card. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "pin.h"
#include "util.h"

struct init_ctx {
	const char *so_pin;
	const char *pin;
	unsigned int retry;
	int dkek_shares;	/* -1: no DKEK */
	unsigned int pka_total, pka_required;
	unsigned int options;
	int no_user_pin;
	int force;
};

enum {
	OPT_SO_PIN = 256, OPT_PIN, OPT_RETRY, OPT_DKEK, OPT_PKA, OPT_TRANSPORT,
	OPT_RESET_RETRY, OPT_COMBINED, OPT_REPLACE_PKA, OPT_NO_USER_PIN, OPT_FORCE,
};

static int parse_pka(const char *s, struct init_ctx *c)
{
	char buf[32], *comma;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	if (!comma)
		return -1;
	*comma = '\0';
	if (parse_uint(buf, 1, 90, &c->pka_total) ||
	    parse_uint(comma + 1, 1, 90, &c->pka_required) ||
	    c->pka_required > c->pka_total)
		return -1;
	return 0;
}

static int parse_init(int argc, char **argv, struct init_ctx *c)
{
	static const struct option opts[] = {
		{ "so-pin", required_argument, NULL, OPT_SO_PIN },
		{ "pin", required_argument, NULL, OPT_PIN },
		{ "retry", required_argument, NULL, OPT_RETRY },
		{ "dkek-shares", required_argument, NULL, OPT_DKEK },
		{ "pka", required_argument, NULL, OPT_PKA },
		{ "transport-pin", no_argument, NULL, OPT_TRANSPORT },
		{ "reset-retry", no_argument, NULL, OPT_RESET_RETRY },
		{ "combined-auth", no_argument, NULL, OPT_COMBINED },
		{ "replace-pka", no_argument, NULL, OPT_REPLACE_PKA },
		{ "no-user-pin", no_argument, NULL, OPT_NO_USER_PIN },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int v;
	int o;

	memset(c, 0, sizeof(*c));
	c->retry = 3;
	c->dkek_shares = -1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case OPT_SO_PIN: c->so_pin = optarg; break;
		case OPT_PIN: c->pin = optarg; break;
		case OPT_RETRY:
			if (parse_uint(optarg, 1, 10, &c->retry))
				return usage_error("--retry takes 1..10");
			break;
		case OPT_DKEK:
			if (parse_uint(optarg, 0, 255, &v))
				return usage_error("--dkek-shares takes 0..255");
			c->dkek_shares = (int)v;
			break;
		case OPT_PKA:
			if (parse_pka(optarg, c))
				return usage_error("--pka takes N,M with 1 <= M <= N <= 90");
			break;
		case OPT_TRANSPORT: c->options |= SCHSM_OPT_TRANSPORT_PIN; break;
		case OPT_RESET_RETRY: c->options |= SCHSM_OPT_RESET_RETRY; break;
		case OPT_COMBINED: c->options |= SCHSM_OPT_COMBINED_AUTH; break;
		case OPT_REPLACE_PKA: c->options |= SCHSM_OPT_REPLACE_PKA; break;
		case OPT_NO_USER_PIN: c->no_user_pin = 1; break;
		case OPT_FORCE: c->force = 1; break;
		default: return usage_error("bad option");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return RC_OK;
}

static int check_init(const struct init_ctx *c)
{
	if (check_secret_src(c->so_pin) || check_secret_src(c->pin))
		return RC_USAGE;
	if ((c->options & SCHSM_OPT_COMBINED_AUTH) && !c->pka_total)
		return usage_error("--combined-auth needs --pka N,M");
	if (c->no_user_pin && !c->pka_total)
		return usage_error("--no-user-pin needs --pka N,M");
	if (c->no_user_pin && (c->pin || (c->options & SCHSM_OPT_COMBINED_AUTH) ||
			       (c->options & SCHSM_OPT_TRANSPORT_PIN)))
		return usage_error("--no-user-pin excludes --pin, --transport-pin and --combined-auth");
	if ((c->options & SCHSM_OPT_REPLACE_PKA) && !c->pka_total)
		return usage_error("--replace-pka needs --pka N,M");
	return RC_OK;
}

/* The same limits as sc-hsm-tool: short PINs get few tries. */
static int check_retry(unsigned int pinlen, unsigned int retry)
{
	if (pinlen == 6 && retry > 3)
		return usage_error("a 6-character PIN allows at most 3 tries; use a longer PIN");
	if (pinlen == 7 && retry > 5)
		return usage_error("a 7-character PIN allows at most 5 tries; use a longer PIN");
	return RC_OK;
}

static int refuse_if_keys(struct schsm_dev *dev, int force)
{
	struct schsm_status st;
	int err = schsm_get_status(dev, &st);

	if (err)
		return fail_errno(err);
	if (st.nkeys && !force)
		return fail(RC_EXISTS, "the token holds %u key(s); initialising erases them (use --force)",
			    st.nkeys);
	return RC_OK;
}

static int read_pins(const struct init_ctx *c, struct schsm_init *init,
		     char *pin, size_t cap)
{
	int rc, n;

	rc = read_so_pin(c->so_pin, "SO-PIN (16 hex digits; the current one on re-initialisation): ",
			 0, init->so_pin);
	if (rc || c->no_user_pin)
		return rc;
	n = secret_read_new(c->pin, "Initial user PIN (6-16 characters): ", pin, cap);
	if (n < 0)
		return fail(RC_USAGE, "cannot read the PIN: %s",
			    n == -EBADMSG ? "entries do not match" : schsm_err_text(n));
	if (n < 6 || n > SCHSM_MAX_PIN)
		return fail(RC_USAGE, "a PIN has 6 to %d characters", SCHSM_MAX_PIN);
	rc = check_retry((unsigned int)n, c->retry);
	init->user_pin.ptr = (__u64)(uintptr_t)pin;
	init->user_pin.len = (__u32)n;
	return rc;
}

static void fill_init(const struct init_ctx *c, struct schsm_init *init)
{
	init->options = (__u16)c->options;
	init->retry_limit = (__u8)c->retry;
	if (c->dkek_shares >= 0) {
		init->flags |= SCHSM_INIT_DKEK;
		init->dkek_shares = (__u8)c->dkek_shares;
	}
	if (c->pka_total) {
		init->flags |= SCHSM_INIT_PKA;
		init->pka_total = (__u8)c->pka_total;
		init->pka_required = (__u8)c->pka_required;
	}
	if (c->no_user_pin)
		init->flags |= SCHSM_INIT_NO_USER_PIN;
}

int cmd_initialize(int argc, char **argv)
{
	struct schsm_init init;
	struct schsm_dev dev;
	struct init_ctx c;
	char pin[SECRET_MAX];
	int rc, err;

	rc = parse_init(argc, argv, &c);
	if (!rc)
		rc = check_init(&c);
	if (rc)
		return rc;
	memset(&init, 0, sizeof(init));
	fill_init(&c, &init);
	rc = read_pins(&c, &init, pin, sizeof(pin));
	if (!rc)
		rc = open_device(&dev);
	if (rc)
		goto out_wipe;
	rc = refuse_if_keys(&dev, c.force);
	if (!rc) {
		err = schsm_initialize(&dev, &init);
		if (err)
			rc = fail_errno(err);
		else if (init.sw == 0x6982 || (init.sw & 0xfff0) == 0x63c0)
			rc = fail(RC_AUTH, "wrong SO-PIN (SW %04X)", init.sw);
		else if (init.sw != SCHSM_SW_OK)
			rc = fail_sw(init.sw);
		else
			printf("Token initialised\n");
	}
	schsm_dev_close(&dev);
out_wipe:
	OPENSSL_cleanse(pin, sizeof(pin));
	OPENSSL_cleanse(&init, sizeof(init));
	return rc;
}
