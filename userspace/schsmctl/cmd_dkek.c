// SPDX-License-Identifier: GPL-2.0
/* schsmctl dkek create-share | import-share | status | kcv */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cmd.h"
#include "dkek.h"
#include "dkek_input.h"
#include "pin.h"
#include "shamir.h"
#include "util.h"

#define PASSWORD_MIN 6

enum {
	OPT_PASSWORD = 256, OPT_THRESHOLD, OPT_SHARES, OPT_PWD_SHARES,
	OPT_SHARES_FROM, OPT_FORCE,
};

static const struct option share_opts[] = {
	{ "password", required_argument, NULL, OPT_PASSWORD },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "shares", required_argument, NULL, OPT_SHARES },
	{ "pwd-shares", required_argument, NULL, OPT_PWD_SHARES },
	{ "shares-from", required_argument, NULL, OPT_SHARES_FROM },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ NULL, 0, NULL, 0 },
};

struct dkek_opts {
	struct share_source src;
	unsigned int threshold, shares;
	int force;
};

static int parse_dkek_opts(int argc, char **argv, struct dkek_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "", share_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PASSWORD: o->src.password = optarg; break;
		case OPT_THRESHOLD:
			if (parse_uint(optarg, 2, SHAMIR_MAX_SHARES, &o->threshold))
				return usage_error("--threshold takes 2..%d", SHAMIR_MAX_SHARES);
			break;
		case OPT_SHARES:
			if (parse_uint(optarg, 3, SHAMIR_MAX_SHARES, &o->shares))
				return usage_error("--shares takes 3..%d (IDs above 9 do not survive sc-hsm-tool)",
						   SHAMIR_MAX_SHARES);
			break;
		case OPT_PWD_SHARES:
			if (parse_uint(optarg, 2, SHAMIR_MAX_SHARES, &o->src.pwd_shares))
				return usage_error("--pwd-shares takes 2..%d", SHAMIR_MAX_SHARES);
			break;
		case OPT_SHARES_FROM: o->src.shares_from = optarg; break;
		case OPT_FORCE: o->force = 1; break;
		default: return usage_error("bad option");
		}
	}
	return RC_OK;
}

/* ---- create-share ---------------------------------------------------- */

static void show_share(const struct shamir_set *set, unsigned int i, int interactive)
{
	char hex[SHAMIR_MAX_BYTES * 3 + 1];
	char line[8];

	if (interactive) {
		printf("\033[H\033[2J");	/* clear the screen between custodians */
		printf("Press <enter> to display password share %u of %u\n", i + 1, set->n);
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return;
	}
	printf("Share %u of %u\n\n", i + 1, set->n);
	hex_encode(set->prime, set->prime_len, ':', hex);
	printf("Prime       : %s\n", hex);
	printf("Share ID    : %u\n", set->share[i].id);
	hex_encode(set->share[i].value, set->share[i].len, ':', hex);
	printf("Share value : %s\n\n", hex);
	OPENSSL_cleanse(hex, sizeof(hex));
	if (interactive) {
		printf("Note ALL values above, then press <enter>");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin))
			printf("\033[H\033[2J");
	}
	fflush(stdout);
}

static int make_password(const struct dkek_opts *o, uint8_t *pwd, size_t *len)
{
	struct shamir_set set;
	unsigned int i;
	int n, err;

	if (o->threshold) {
		err = shamir_split(o->threshold, o->shares, pwd, &set);
		if (err)
			return fail_ssl("making the password shares");
		*len = SHAMIR_SECRET_LEN;
		printf("The DKEK share is enciphered with a random 64-bit password, split\n"
		       "%u-of-%u.  Give each custodian the prime and one share.\n\n",
		       o->threshold, o->shares);
		for (i = 0; i < set.n; i++)
			show_share(&set, i, isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
		shamir_clear(&set);
		return RC_OK;
	}
	n = secret_read_new(o->src.password, "Password for the DKEK share (more than 10 characters recommended): ",
			    (char *)pwd, SECRET_MAX);
	if (n == -EBADMSG)
		return fail(RC_USAGE, "the passwords do not match");
	if (n < 0)
		return fail(RC_USAGE, "cannot read the password: %s", schsm_err_text(n));
	if (n < PASSWORD_MIN)
		return fail(RC_USAGE, "the password needs at least %d characters", PASSWORD_MIN);
	*len = (size_t)n;
	return RC_OK;
}

static int cmd_create_share(int argc, char **argv)
{
	uint8_t pwd[SECRET_MAX], share[DKEK_SHARE_LEN], salt[DKEK_SALT_LEN];
	uint8_t file[DKEK_FILE_LEN];
	struct dkek_opts o;
	const char *path;
	size_t len = 0;
	int rc;

	rc = parse_dkek_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (optind + 1 != argc)
		return usage_error("expected one FILE");
	path = argv[optind];
	if (!!o.threshold != !!o.shares)
		return usage_error("--threshold and --shares go together");
	if (o.threshold > o.shares)
		return usage_error("--threshold must not exceed --shares");
	if (o.threshold && o.src.password)
		return usage_error("--password and --threshold exclude each other");
	if (o.src.pwd_shares || o.src.shares_from)
		return usage_error("--pwd-shares/--shares-from are for import-share");
	rc = check_secret_src(o.src.password);
	if (!rc)
		rc = check_out(path, o.force);
	if (rc)
		return rc;

	rc = make_password(&o, pwd, &len);
	if (rc)
		goto out;
	if (RAND_priv_bytes(share, sizeof(share)) != 1 || RAND_bytes(salt, sizeof(salt)) != 1) {
		rc = fail_ssl("random numbers");
		goto out;
	}
	fprintf(stderr, "Enciphering the DKEK share...\n");
	if (dkek_share_seal(share, pwd, len, salt, file)) {
		rc = fail_ssl("enciphering the DKEK share");
		goto out;
	}
	rc = write_out(path, file, sizeof(file), o.force);
	if (!rc)
		printf("DKEK share created and saved to %s\n", path);
out:
	OPENSSL_cleanse(pwd, sizeof(pwd));
	OPENSSL_cleanse(share, sizeof(share));
	return rc;
}

/* ---- import-share / status ------------------------------------------- */

static void print_dkek(unsigned int total, unsigned int outstanding, const uint8_t *kcv)
{
	char hex[SCHSM_KCV_LEN * 2 + 1];

	printf("DKEK shares          : %u\n", total);
	if (outstanding) {
		printf("DKEK import pending, %u share(s) still missing\n", outstanding);
		return;
	}
	hex_encode(kcv, SCHSM_KCV_LEN, 0, hex);
	printf("DKEK key check value : %s\n", hex);
}

static int check_dkek_pending(struct schsm_dev *dev)
{
	struct schsm_status st;
	int err = schsm_get_status(dev, &st);

	if (err)
		return fail_errno(err);
	if (!st.dkek_present || !st.dkek_total)
		return fail(RC_CARD, "the token was not initialised for DKEK shares (initialize --dkek-shares N)");
	if (!st.dkek_outstanding)
		return fail(RC_EXISTS, "all %u DKEK shares are already imported", st.dkek_total);
	return RC_OK;
}

static int cmd_import_share(int argc, char **argv)
{
	uint8_t share[DKEK_SHARE_LEN];
	struct schsm_dkek_share res;
	struct schsm_dev dev;
	struct dkek_opts o;
	uint8_t file[DKEK_FILE_LEN];
	int rc, err;

	rc = parse_dkek_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (optind + 1 != argc)
		return usage_error("expected one FILE");
	if (o.threshold || o.shares || o.force)
		return usage_error("--threshold/--shares/--force are for create-share");
	rc = share_source_check(&o.src);
	if (!rc)
		rc = share_file_load(argv[optind], file);	/* fail fast on a bad file */
	if (!rc)
		rc = open_device(&dev);
	if (rc)
		return rc;
	rc = check_dkek_pending(&dev);
	if (!rc)
		rc = share_file_open(argv[optind], &o.src, share);
	if (!rc) {
		err = schsm_dkek_import(&dev, share, &res);
		if (err)
			rc = fail_errno(err);
		else if (res.sw == 0x6d00 || res.sw == 0x6a86)
			rc = fail(RC_CARD, "the token was not initialised for DKEK shares (SW %04X)", res.sw);
		else if (res.sw != SCHSM_SW_OK)
			rc = fail_sw(res.sw);
		else {
			printf("DKEK share imported\n");
			print_dkek(res.total, res.outstanding, res.kcv);
		}
	}
	OPENSSL_cleanse(share, sizeof(share));
	schsm_dev_close(&dev);
	return rc;
}

static int cmd_dkek_status(int argc, char **argv)
{
	struct schsm_status st;
	struct schsm_dev dev;
	int rc, err;

	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	rc = open_device(&dev);
	if (rc)
		return rc;
	err = schsm_get_status(&dev, &st);
	schsm_dev_close(&dev);
	if (err)
		return fail_errno(err);
	if (!st.dkek_present) {
		printf("DKEK                 : not configured\n");
		return RC_OK;
	}
	print_dkek(st.dkek_total, st.dkek_outstanding, st.kcv);
	return RC_OK;
}

/* ---- kcv: the DKEK a set of share files makes, without a token -------- */

static int cmd_kcv(int argc, char **argv)
{
	uint8_t dkek[DKEK_SHARE_LEN], share[DKEK_SHARE_LEN], kcv[DKEK_KCV_LEN];
	uint8_t file[DKEK_FILE_LEN];
	char hex[DKEK_KCV_LEN * 2 + 1];
	struct dkek_opts o;
	int rc, i, j;

	rc = parse_dkek_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (optind >= argc)
		return usage_error("expected at least one FILE");
	if (o.threshold || o.shares || o.force)
		return usage_error("--threshold/--shares/--force are for create-share");
	rc = share_source_check(&o.src);
	for (i = optind; !rc && i < argc; i++)
		rc = share_file_load(argv[i], file);	/* all files sane first */
	memset(dkek, 0, sizeof(dkek));
	for (i = optind; !rc && i < argc; i++) {
		rc = share_file_open(argv[i], &o.src, share);
		for (j = 0; !rc && j < DKEK_SHARE_LEN; j++)
			dkek[j] ^= share[j];
	}
	if (!rc && dkek_kcv(dkek, kcv))
		rc = fail_ssl("SHA-256");
	if (!rc) {
		hex_encode(kcv, sizeof(kcv), 0, hex);
		printf("DKEK key check value : %s\n", hex);
	}
	OPENSSL_cleanse(dkek, sizeof(dkek));
	OPENSSL_cleanse(share, sizeof(share));
	return rc;
}

const struct command dkek_commands[] = {
	{ "create-share", cmd_create_share,
	  "FILE [--password SRC | --threshold T --shares N] [--force]",
	  "create a DKEK share file (sc-hsm-tool format), password or T-of-N password shares",
	  "  --threshold T --shares N   random password split T-of-N (2 <= T <= N, 3 <= N <= 9);\n"
	  "                             shares are shown one custodian at a time on a terminal\n"
	  "  --force                    replace an existing FILE\n",
	  NULL, 0 },
	{ "import-share", cmd_import_share,
	  "FILE [--password SRC | --pwd-shares K [--shares-from SRC]]",
	  "decipher a share file on the host and import the share into the token",
	  "  --pwd-shares K       recover the password from K threshold shares: the prime,\n"
	  "                       then K times the share ID and value (as create-share prints)\n"
	  "  --shares-from SRC    where the share lines come from (prompt, fd:N, file:PATH)\n",
	  NULL, 0 },
	{ "status", cmd_dkek_status, "", "DKEK shares configured, outstanding, and the KCV",
	  NULL, NULL, 0 },
	{ "kcv", cmd_kcv, "FILE... [--password SRC | --pwd-shares K [--shares-from SRC]]",
	  "compute the KCV of the DKEK the share files make, without a token", NULL, NULL, 0 },
};
const size_t dkek_ncommands = ARRAY_SIZE(dkek_commands);
