/* SPDX-License-Identifier: GPL-2.0 */
/* schsmctl: the subcommand table, exit codes and the helpers every cmd_*.c uses. */
#ifndef SCHSMCTL_CMD_H
#define SCHSMCTL_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"

/*
 * Exit codes: a closed set, documented once here and in schsmctl(1).
 * Tests match on them.
 */
enum schsmctl_rc {
	RC_OK = 0,
	RC_ERROR = 1,		/* general failure: I/O, memory, crypto library */
	RC_USAGE = 2,		/* bad command line */
	RC_NODEV = 3,		/* no device, unplugged, transport failure */
	RC_AUTH = 4,		/* wrong PIN, password or share; not logged in */
	RC_BLOCKED = 5,		/* PIN blocked, or transport PIN must be changed */
	RC_CARD = 6,		/* the token refused the operation */
	RC_NOTFOUND = 7,	/* key, file or registration not found */
	RC_BADFILE = 8,		/* input file corrupt, truncated or of the wrong kind */
	RC_EXISTS = 9,		/* would overwrite something; --force needed */
	RC_VERIFY = 10,		/* a signature or certificate chain does not verify */
};

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;	/* operands and options, one line */
	const char *summary;
	const char *help;	/* option details for --help, may be NULL */
	const struct command *sub;	/* subcommand group */
	size_t nsub;
};

/* global options */
extern const char *opt_device;

/* the running command, for messages and usage */
extern const char *cur_op;
extern const struct command *cur_cmd;

int dispatch(const struct command *tab, size_t n, const char *prefix,
	     int argc, char **argv);
void print_usage(const struct command *c, const char *prefix, int verbose);

/* "<op>: <message>" on stderr; return rc */
int fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fail_errno(int err);		/* from a device call or libc */
int fail_sw(uint16_t sw);		/* a card refusal */
int fail_pin(uint16_t sw, uint8_t tries);	/* after VERIFY-like commands */
int fail_ssl(const char *what);	/* OpenSSL error queue */

/* open the device named by -d / $SCHSM_DEVICE; on failure prints and returns rc */
int open_device(struct schsm_dev *dev);

/*
 * A secret option's value (--pin, --password, ...): a source, never the
 * secret itself (NULL: not given).  Prints a usage error; the value is not
 * echoed, as it may be a PIN typed in clear.
 */
int check_secret_src(const char *spec);

/*
 * Input files: the whole file, at most max bytes (larger: RC_BADFILE), in a
 * fresh buffer the caller frees.  Prints and returns an rc.
 */
int read_in(const char *path, size_t max, uint8_t **buf, size_t *len);

/*
 * Output files (--out, FILE operands): check_out refuses an existing path
 * without --force before the token does any work (NULL path: nothing to
 * check); write_out writes it all or nothing.  Both print and return an rc.
 */
int check_out(const char *path, int force);
int write_out(const char *path, const void *buf, size_t len, int force);

/* --help handling shared by all commands: returns 1 if help was printed */
int wants_help(int argc, char **argv);

/* groups */
extern const struct command dkek_commands[];
extern const size_t dkek_ncommands;
extern const struct command key_commands[];
extern const size_t key_ncommands;
extern const struct command pka_commands[];
extern const size_t pka_ncommands;

int read_so_pin(const char *spec, const char *prompt, int confirm,
		uint8_t so[SCHSM_SO_PIN_LEN]);

int cmd_status(int argc, char **argv);
int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);
int cmd_change_pin(int argc, char **argv);
int cmd_unblock_pin(int argc, char **argv);
int cmd_change_so_pin(int argc, char **argv);
int cmd_initialize(int argc, char **argv);
int cmd_key_import(int argc, char **argv);
int cmd_key_attest(int argc, char **argv);
/* cmd_sign.c (issue 6) */
int cmd_sign_module(int argc, char **argv);
int cmd_cert(int argc, char **argv);
/* cmd_seal.c (issue 6) */
int cmd_seal(int argc, char **argv);
int cmd_unseal(int argc, char **argv);
/* cmd_link.c (issue 6): entries of key_commands */
int cmd_key_link(int argc, char **argv);
int cmd_key_unlink(int argc, char **argv);

#endif
