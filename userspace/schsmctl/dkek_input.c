// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl: turning a DKEK share file plus a password (or threshold
 * password shares) into the 32-byte share.  Shared by "dkek import-share",
 * "dkek kcv" and "key import"; never touches the device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "dkek.h"
#include "dkek_input.h"
#include "pin.h"
#include "shamir.h"
#include "util.h"

static int read_share_line(int h, const char *prompt, int secret, char *buf, size_t cap)
{
	int n = secret_stream_line(h, prompt, secret, buf, cap);

	if (n < 0)
		return fail(RC_USAGE, "cannot read the password shares: %s", schsm_err_text(n));
	return RC_OK;
}

/* prime, then k (id, value) pairs; IDs and values as sc-hsm-tool prints them */
static int read_shares(const struct share_source *src, uint8_t *prime, size_t *plen,
		       struct shamir_share *sh)
{
	char line[256], prompt[64];
	unsigned int i;
	int h, rc;

	h = secret_stream_open(src->shares_from);
	if (h < 0 && h != STREAM_TTY)
		return fail(RC_USAGE, "cannot open the share source: %s", schsm_err_text(h));
	rc = read_share_line(h, "Prime: ", 0, line, sizeof(line));
	if (!rc && shamir_parse_value(line, prime, plen))
		rc = fail(RC_BADFILE, "the prime is not hexadecimal");
	for (i = 0; !rc && i < src->pwd_shares; i++) {
		snprintf(prompt, sizeof(prompt), "Share %u of %u, ID: ", i + 1, src->pwd_shares);
		rc = read_share_line(h, prompt, 0, line, sizeof(line));
		if (!rc && shamir_parse_id(line, &sh[i].id))
			rc = fail(RC_BADFILE, "share %u: the ID is a number 1..255", i + 1);
		snprintf(prompt, sizeof(prompt), "Share %u of %u, value: ", i + 1, src->pwd_shares);
		if (!rc)
			rc = read_share_line(h, prompt, 1, line, sizeof(line));
		if (!rc && shamir_parse_value(line, sh[i].value, &sh[i].len))
			rc = fail(RC_BADFILE, "share %u: the value is not hexadecimal", i + 1);
	}
	OPENSSL_cleanse(line, sizeof(line));
	secret_stream_close(src->shares_from, h);
	return rc;
}

static int password_from_shares(const struct share_source *src, uint8_t *pwd, size_t *len)
{
	struct shamir_share sh[SHAMIR_MAX_SHARES];
	uint8_t prime[SHAMIR_MAX_BYTES];
	size_t plen = 0;
	int rc, err;

	memset(sh, 0, sizeof(sh));
	rc = read_shares(src, prime, &plen, sh);
	if (!rc) {
		err = shamir_combine(prime, plen, sh, src->pwd_shares, pwd, len);
		if (err == -EINVAL)
			rc = fail(RC_AUTH, "the shares do not combine (duplicate IDs or values too large)");
		else if (err)
			rc = fail_ssl("combining the shares");
	}
	OPENSSL_cleanse(sh, sizeof(sh));
	return rc;
}

int share_source_check(const struct share_source *src)
{
	if (src->pwd_shares && src->password)
		return usage_error("--password and --pwd-shares exclude each other");
	if (src->shares_from && !src->pwd_shares)
		return usage_error("--shares-from needs --pwd-shares K");
	if (src->pwd_shares && (src->pwd_shares < 2 || src->pwd_shares > SHAMIR_MAX_SHARES))
		return usage_error("--pwd-shares takes 2..%d", SHAMIR_MAX_SHARES);
	if (secret_spec_check(src->password) ||
	    (src->shares_from && !strncmp(src->shares_from, "env:", 4)) ||
	    secret_spec_check(src->shares_from))
		return usage_error("a secret source must be prompt, env:VAR (not for shares), fd:N or file:PATH");
	return RC_OK;
}

int share_file_load(const char *path, uint8_t file[DKEK_FILE_LEN])
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err;

	err = file_read_all(path, 4096, &buf, &len);
	if (err == -EFBIG || (!err && dkek_share_check(buf, len)))
		err = -EBADMSG;
	if (!err)
		memcpy(file, buf, DKEK_FILE_LEN);
	free(buf);
	if (err == -EBADMSG)
		return fail(RC_BADFILE, "%s: not a DKEK share file (64 bytes starting \"Salted__\")", path);
	if (err)
		return fail(RC_ERROR, "%s: %s", path, strerror(-err));
	return RC_OK;
}

int share_file_open(const char *path, const struct share_source *src,
		    uint8_t share[DKEK_SHARE_LEN])
{
	uint8_t file[DKEK_FILE_LEN], pwd[SECRET_MAX], padded[SHAMIR_SECRET_LEN];
	size_t len = 0;
	int rc, n, err;

	rc = share_file_load(path, file);
	if (rc)
		return rc;
	if (src->pwd_shares) {
		rc = password_from_shares(src, pwd, &len);
	} else {
		n = secret_read(src->password, "Password of the DKEK share: ",
				(char *)pwd, sizeof(pwd));
		if (n < 0)
			rc = fail(RC_USAGE, "cannot read the password: %s", schsm_err_text(n));
		len = n < 0 ? 0 : (size_t)n;
	}
	if (rc)
		goto out;
	fprintf(stderr, "Deciphering the DKEK share %s...\n", path);
	err = dkek_share_open(file, sizeof(file), pwd, len, share);
	/*
	 * sc-hsm-tool encrypts with all 8 secret bytes but recovers the
	 * minimal encoding, so a secret with a leading 00 byte comes back one
	 * byte short: try the 8-byte form too.
	 */
	if (err == -EKEYREJECTED && src->pwd_shares && len < SHAMIR_SECRET_LEN) {
		memset(padded, 0, sizeof(padded));
		memcpy(padded + SHAMIR_SECRET_LEN - len, pwd, len);
		err = dkek_share_open(file, sizeof(file), padded, sizeof(padded), share);
		OPENSSL_cleanse(padded, sizeof(padded));
	}
	if (err == -EKEYREJECTED)
		rc = fail(RC_AUTH, "%s: wrong password or wrong shares", path);
	else if (err)
		rc = fail_ssl("deciphering the DKEK share");
out:
	OPENSSL_cleanse(pwd, sizeof(pwd));
	return rc;
}
