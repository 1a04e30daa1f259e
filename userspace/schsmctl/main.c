// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl: SmartCard-HSM / Nitrokey HSM helper over /dev/schsmN.
 *
 * main.c holds the subcommand table and the dispatcher: an exact name or an
 * unambiguous prefix selects a command; usage is printed from the table.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "cmd.h"

const char *opt_device;
const char *cur_op = "schsmctl";
const struct command *cur_cmd;
static char op_name[64];

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "status", cmd_status, "",
	  "show reader, token, PIN, DKEK, n-of-m and key state", NULL, NULL, 0 },
	{ "login", cmd_login, "[--pin SRC]",
	  "verify the user PIN (once; shows the tries left on failure)", NULL, NULL, 0 },
	{ "logout", cmd_logout, "",
	  "end the token's authenticated state (PIN and n-of-m)", NULL, NULL, 0 },
	{ "change-pin", cmd_change_pin, "[--pin SRC] [--new-pin SRC]",
	  "change the user PIN (also ends transport-PIN mode)", NULL, NULL, 0 },
	{ "unblock-pin", cmd_unblock_pin, "[--so-pin SRC] [--new-pin SRC | --reset-only]",
	  "reset the user PIN's retry counter with the SO-PIN", NULL, NULL, 0 },
	{ "change-so-pin", cmd_change_so_pin, "[--so-pin SRC] [--new-so-pin SRC]",
	  "change the SO-PIN (16 hex digits)", NULL, NULL, 0 },
	{ "initialize", cmd_initialize,
	  "[--so-pin SRC] [--pin SRC | --no-user-pin] [--retry N] [--dkek-shares N] "
	  "[--pka N,M] [--transport-pin] [--reset-retry] [--combined-auth] "
	  "[--replace-pka] [--force]",
	  "initialise the token (erases all keys)",
	  "  --retry N          user PIN retry limit, 1..10 (default 3; <=3 for a 6-digit\n"
	  "                     PIN, <=5 for 7 digits)\n"
	  "  --dkek-shares N    DKEK from N shares (0: random DKEK, no backup possible)\n"
	  "  --pka N,M          n-of-m public key authentication: N keys, M required\n"
	  "  --transport-pin    the initial PIN must be changed before first use\n"
	  "  --reset-retry      allow unblock-pin with the SO-PIN\n"
	  "  --combined-auth    keys need the n-of-m quorum AND the user PIN\n"
	  "  --force            initialise even if the token holds keys\n",
	  NULL, 0 },
	{ "dkek", NULL, "", "DKEK shares: create-share, import-share, status, kcv",
	  NULL, dkek_commands, 0 },
	{ "key", NULL, "", "keys: generate, list, delete, wrap, unwrap, import, attest, sign",
	  NULL, key_commands, 0 },
	{ "pka", NULL, "", "n-of-m public key authentication",
	  NULL, pka_commands, 0 },
	{ "cert", cmd_cert,
	  "KEY [--pubkey FILE] [--cn NAME] [--org ORG] [--days N] [--hash H] "
	  "[--out FILE] [--pem] [--write] [--force]",
	  "self-signed X.509 certificate for a token key (signed by the token)",
	  NULL, NULL, 0 },
	{ "sign-module", cmd_sign_module,
	  "KEY CERT MODULE [DEST] [--hash H] [--keyid] [--p7s] [--p7s-only]",
	  "append a kernel module signature made by a keyring key", NULL, NULL, 0 },
	{ "seal", cmd_seal, "KEY [--out FILE] [--bytes N] [--pubkey FILE] [--force]",
	  "make a random volume key encrypted to a token RSA key", NULL, NULL, 0 },
	{ "unseal", cmd_unseal, "KEY FILE [--name NAME] [--keyring KR]",
	  "decrypt a sealed volume key on the token into a logon key schsm:NAME",
	  NULL, NULL, 0 },
	{ "help", cmd_help, "[COMMAND]", "list the commands, or one command's usage",
	  NULL, NULL, 0 },
};

static size_t group_size(const struct command *c)
{
	if (c->sub == dkek_commands)
		return dkek_ncommands;
	if (c->sub == key_commands)
		return key_ncommands;
	if (c->sub == pka_commands)
		return pka_ncommands;
	return c->nsub;
}

void print_usage(const struct command *c, const char *prefix, int verbose)
{
	size_t i, n;
	char p[64];

	if (c->sub) {
		snprintf(p, sizeof(p), "%s%s ", prefix, c->name);
		n = group_size(c);
		for (i = 0; i < n; i++)
			print_usage(&c->sub[i], p, verbose);
		return;
	}
	if (verbose) {
		printf("usage: schsmctl [-d DEVICE] %s%s %s\n  %s\n", prefix, c->name,
		       c->usage, c->summary);
		if (c->help)
			printf("%s", c->help);
		printf("  secret sources SRC: prompt (default), env:VAR, fd:N, file:PATH\n");
	} else {
		printf("  %s%s %s\n      %s\n", prefix, c->name, c->usage, c->summary);
	}
}

static void print_all(FILE *out)
{
	size_t i;

	fflush(stdout);
	if (out == stderr) {
		fprintf(stderr, "usage: schsmctl [-d DEVICE] COMMAND [ARGS]; "
			"'schsmctl help' lists the commands\n");
		return;
	}
	printf("usage: schsmctl [-d DEVICE] COMMAND [ARGS]\n"
	       "DEVICE defaults to $SCHSM_DEVICE, then " SCHSM_DEFAULT_DEVICE ".\n"
	       "Commands (any unambiguous prefix works):\n");
	for (i = 0; i < (sizeof(commands) / sizeof(commands[0])); i++)
		print_usage(&commands[i], "", 0);
}

static const struct command *lookup(const struct command *tab, size_t n,
				    const char *name, int *ambiguous)
{
	const struct command *found = NULL;
	size_t i, len = strlen(name);

	*ambiguous = 0;
	for (i = 0; i < n; i++) {
		if (!strcmp(tab[i].name, name))
			return &tab[i];
		if (!strncmp(tab[i].name, name, len)) {
			if (found)
				*ambiguous = 1;
			found = &tab[i];
		}
	}
	return *ambiguous ? NULL : found;
}

int dispatch(const struct command *tab, size_t n, const char *prefix,
	     int argc, char **argv)
{
	const struct command *c;
	char p[64];
	int amb;

	if (argc < 1) {
		fprintf(stderr, "schsmctl: %smissing command\n", prefix);
		return RC_USAGE;
	}
	c = lookup(tab, n, argv[0], &amb);
	if (!c) {
		fprintf(stderr, "schsmctl: %s command '%s'; 'schsmctl help' lists them\n",
			amb ? "ambiguous" : "unknown", argv[0]);
		return RC_USAGE;
	}
	if (c->sub) {
		snprintf(p, sizeof(p), "%s%s ", prefix, c->name);
		if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
			print_usage(c, prefix, 0);
			return argc < 2 ? RC_USAGE : RC_OK;
		}
		return dispatch(c->sub, group_size(c), p, argc - 1, argv + 1);
	}
	snprintf(op_name, sizeof(op_name), "%s%s", prefix, c->name);
	cur_op = op_name;
	cur_cmd = c;
	if (wants_help(argc, argv)) {
		print_usage(c, prefix, 1);
		return RC_OK;
	}
	optind = 0;	/* fresh getopt state for the subcommand */
	return c->run(argc, argv);
}

int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	int amb;

	if (argc < 2) {
		print_all(stdout);
		return RC_OK;
	}
	c = lookup(commands, (sizeof(commands) / sizeof(commands[0])), argv[1], &amb);
	if (!c)
		return usage_error("unknown command '%s'", argv[1]);
	print_usage(c, "", 1);
	return RC_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* stop at the first operand: the rest belongs to the subcommand */
	while ((c = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt_device = optarg;
			break;
		case 'h':
			print_all(stdout);
			return RC_OK;
		case 'V':
			printf("schsmctl (ABI %d)\n", SCHSM_ABI_VERSION);
			return RC_OK;
		default:
			print_all(stderr);
			return RC_USAGE;
		}
	}
	if (optind >= argc) {
		print_all(stderr);
		return RC_USAGE;
	}
	return dispatch(commands, (sizeof(commands) / sizeof(commands[0])), "", argc - optind, argv + optind);
}
