// SPDX-License-Identifier: GPL-2.0
/* schsmctl status: what the reader, token and session look like. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

static const char *level_name(unsigned int level)
{
	switch (level) {
	case SCHSM_LEVEL_TPDU_T1: return "TPDU (T=1)";
	case SCHSM_LEVEL_APDU_SHORT: return "short APDU";
	case SCHSM_LEVEL_APDU_EXT: return "extended APDU";
	default: return "unknown";
	}
}

static void print_options(unsigned int opt)
{
	static const struct { unsigned int bit; const char *name; } names[] = {
		{ SCHSM_OPT_RESET_RETRY, "reset-retry" },
		{ SCHSM_OPT_TRANSPORT_PIN, "transport-pin" },
		{ SCHSM_OPT_SESSION_PIN, "session-pin" },
		{ SCHSM_OPT_REPLACE_PKA, "replace-pka" },
		{ SCHSM_OPT_COMBINED_AUTH, "combined-auth" },
		{ SCHSM_OPT_RRC_RESET_ONLY, "rrc-reset-only" },
	};
	size_t i;

	printf("Options              : 0x%04x", opt);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (opt & names[i].bit)
			printf(" %s", names[i].name);
	printf("\n");
}

static void print_pin(const char *label, unsigned int state, unsigned int tries)
{
	printf("%-21s: ", label);
	switch (state) {
	case SCHSM_PIN_NOT_SET: printf("not initialised\n"); break;
	case SCHSM_PIN_VERIFIED: printf("verified\n"); break;
	case SCHSM_PIN_NOT_VERIFIED: printf("not verified, %u tries left\n", tries); break;
	case SCHSM_PIN_BLOCKED: printf("blocked\n"); break;
	case SCHSM_PIN_TRANSPORT: printf("transport PIN, must be changed\n"); break;
	default: printf("unknown\n"); break;
	}
}

static void print_info(const struct schsm_dev *dev, const struct schsm_info *in)
{
	char atr[SCHSM_MAX_ATR * 3 + 1];
	size_t atr_len = in->atr_len > SCHSM_MAX_ATR ? SCHSM_MAX_ATR : in->atr_len;

	hex_encode(in->atr, atr_len, ':', atr);
	printf("Device               : %s\n", dev->path);
	printf("Reader               : %.32s %.48s (%04x:%04x, %s)\n",
	       in->manufacturer, in->product, in->vendor_id, in->product_id,
	       level_name(in->level));
	printf("ATR                  : %s\n", atr);
	printf("Serial               : %.32s\n", in->serial);
	printf("Device CHR           : %.32s\n", in->device_chr);
	printf("Applet version       : %u.%u\n", in->applet_major, in->applet_minor);
}

static void print_status(const struct schsm_status *st)
{
	char kcv[SCHSM_KCV_LEN * 2 + 1];

	print_options(st->options);
	print_pin("User PIN", st->pin_state, st->pin_tries_left);
	print_pin("SO-PIN", st->so_pin_state, st->so_pin_tries_left);
	printf("Login                : %s%s%s\n",
	       st->login & SCHSM_LOGIN_PIN ? "PIN " : "",
	       st->login & SCHSM_LOGIN_PKA ? "n-of-m " : "",
	       st->login & SCHSM_LOGIN_KEYS_USABLE ? "(keys usable)" : "(keys locked)");
	if (!st->dkek_present) {
		printf("DKEK                 : not configured\n");
	} else {
		hex_encode(st->kcv, SCHSM_KCV_LEN, 0, kcv);
		printf("DKEK shares          : %u\n", st->dkek_total);
		if (st->dkek_outstanding)
			printf("DKEK import pending, %u share(s) still missing\n",
			       st->dkek_outstanding);
		else
			printf("DKEK key check value : %s\n", kcv);
	}
	if (!st->pka_present) {
		printf("Public key auth      : not configured\n");
	} else {
		printf("Public key auth      : %u of %u required, %u missing, %u authenticated\n",
		       st->pka_required, st->pka_total, st->pka_missing,
		       st->pka_authenticated);
	}
	printf("Keys                 : %u\n", st->nkeys);
}

int cmd_status(int argc, char **argv)
{
	struct schsm_info info;
	struct schsm_status st;
	struct schsm_dev dev;
	int rc, err;

	(void)argv;
	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	rc = open_device(&dev);
	if (rc)
		return rc;
	err = schsm_get_info(&dev, &info);
	if (!err) {
		print_info(&dev, &info);
		err = schsm_get_status(&dev, &st);
	}
	if (!err)
		print_status(&st);
	schsm_dev_close(&dev);
	return err ? fail_errno(err) : RC_OK;
}
