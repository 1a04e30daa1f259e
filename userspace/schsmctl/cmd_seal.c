// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl seal: a new random volume key encrypted to a token's RSA key.
 * schsmctl unseal: the driver decrypts it on the token into a "logon" key
 * "schsm:NAME" (for dm-crypt); the plaintext never comes back here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>
#include <openssl/err.h>

#include "cmd.h"
#include "keylink.h"
#include "seal.h"
#include "util.h"
#include "x509cert.h"

struct seal_ctx {
	unsigned int key_id;
	unsigned int bytes;
	const char *pubkey;	/* instead of the token's key (no device needed) */
	const char *out;
	bool force;
};

static int seal_options(int argc, char **argv, struct seal_ctx *ctx)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "pubkey", required_argument, NULL, 'P' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	ctx->bytes = SEAL_DEFAULT_KEY;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': ctx->out = optarg; break;
		case 'P': ctx->pubkey = optarg; break;
		case 'f': ctx->force = true; break;
		case 'b':
			if (parse_uint(optarg, SEAL_MIN_KEY, SEAL_MAX_KEY, &ctx->bytes))
				return usage_error("--bytes: %d..%d", SEAL_MIN_KEY, SEAL_MAX_KEY);
			break;
		default:
			return usage_error("unknown option");
		}
	}
	if (argc - optind != 1)
		return usage_error("need one KEYID");
	if (parse_uint(argv[optind], 1, SCHSM_MAX_KEYS, &ctx->key_id))
		return usage_error("KEYID: a token key id 1..255");
	if (!ctx->out)
		return usage_error("-o FILE is required");
	return RC_OK;
}

/* public key and serial from the token */
static int seal_token_pubkey(uint8_t key_id, EVP_PKEY **pub, char *serial, size_t cap)
{
	struct schsm_info info;
	struct schsm_dev dev;
	uint16_t sw = 0;
	int rc, err;

	rc = open_device(&dev);
	if (rc)
		return rc;
	memset(&info, 0, sizeof(info));
	err = schsm_get_info(&dev, &info);
	if (!err)
		err = token_key_read(&dev, key_id, pub, NULL, &sw);
	schsm_dev_close(&dev);
	if (err == -EREMOTEIO)
		return fail_sw(sw);
	if (err == -EBADMSG)
		return fail(RC_BADFILE, "EF %04X: neither X.509 nor a CV request",
			    TOKEN_CERT_FID(key_id));
	if (err)
		return fail_errno(err);
	snprintf(serial, cap, "%.32s", info.serial);
	return RC_OK;
}

int cmd_seal(int argc, char **argv)
{
	struct seal_ctx ctx = { 0 };
	struct sealed_key sk;
	uint8_t buf[SEAL_HDR_LEN + SEAL_MAX_CRYPTOGRAM];
	char serial[33] = "";
	EVP_PKEY *pub = NULL;
	size_t len;
	int rc, err;

	rc = seal_options(argc, argv, &ctx);
	if (rc)
		return rc;
	if (ctx.pubkey) {
		pub = pubkey_load_file(ctx.pubkey);
		if (!pub) {
			ERR_clear_error();
			return fail(RC_BADFILE, "%s: not a public key or certificate", ctx.pubkey);
		}
	} else {
		rc = seal_token_pubkey((uint8_t)ctx.key_id, &pub, serial, sizeof(serial));
		if (rc)
			return rc;
	}
	err = seal_new_key(pub, (uint8_t)ctx.key_id, serial, ctx.bytes, &sk);
	EVP_PKEY_free(pub);
	if (err == -EOPNOTSUPP)
		return fail(RC_USAGE, "only RSA keys can seal");
	if (err == -EINVAL)
		return fail(RC_USAGE, "the key is too small for a %u-byte volume key", ctx.bytes);
	if (err)
		return fail_errno(err);
	err = seal_encode(&sk, buf, sizeof(buf), &len);
	if (err)
		return fail(RC_ERROR, "cannot encode the sealed key: %s", strerror(-err));
	rc = write_out(ctx.out, buf, len, ctx.force);
	if (rc)
		return rc;
	printf("sealed a %u-byte volume key to key %u%s%s: %s\n", ctx.bytes, ctx.key_id,
	       *serial ? " of " : "", serial, ctx.out);
	return RC_OK;
}

struct unseal_ctx {
	unsigned int key_id;
	const char *file;
	const char *name;
	key_serial_t keyring;
};

static int unseal_options(int argc, char **argv, struct unseal_ctx *ctx)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "keyring", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	ctx->keyring = KEY_SPEC_SESSION_KEYRING;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			ctx->name = optarg;
			break;
		case 'k':
			if (keyring_parse(optarg, &ctx->keyring))
				return usage_error("--keyring: @s, @u, @p, @t, @us or a keyring id");
			break;
		default:
			return usage_error("unknown option");
		}
	}
	if (argc - optind != 2)
		return usage_error("need KEYID FILE");
	if (parse_uint(argv[optind], 1, SCHSM_MAX_KEYS, &ctx->key_id))
		return usage_error("KEYID: a token key id 1..255");
	ctx->file = argv[optind + 1];
	if (!ctx->name || !seal_name_valid(ctx->name))
		return usage_error("--name NAME: 1..63 of A-Z a-z 0-9 . _ -");
	return RC_OK;
}

/* Refuse a file made for another key before the token decrypts anything. */
static int unseal_check_key(struct schsm_dev *dev, const struct sealed_key *sk)
{
	uint8_t fp[32];
	EVP_PKEY *pub = NULL;
	uint16_t sw = 0;
	int err;

	err = token_key_read(dev, sk->key_id, &pub, NULL, &sw);
	if (err == -EREMOTEIO)
		return fail_sw(sw);
	if (err)
		return fail_errno(err);
	err = seal_pubkey_fingerprint(pub, fp);
	EVP_PKEY_free(pub);
	if (err)
		return fail_errno(err);
	if (memcmp(fp, sk->pub_sha256, sizeof(fp)))
		return fail(RC_VERIFY, "the file was sealed to another key than key %u of this token",
			    sk->key_id);
	return RC_OK;
}

int cmd_unseal(int argc, char **argv)
{
	struct unseal_ctx ctx = { 0 };
	struct sealed_key sk;
	struct schsm_dev dev;
	uint8_t *buf = NULL;
	int32_t serial = 0;
	uint16_t sw = 0;
	size_t len;
	int rc, err;

	rc = unseal_options(argc, argv, &ctx);
	if (rc)
		return rc;
	err = file_read_all(ctx.file, SEAL_HDR_LEN + SEAL_MAX_CRYPTOGRAM, &buf, &len);
	if (err)
		return fail(err == -EFBIG ? RC_BADFILE : RC_ERROR, "%s: %s", ctx.file,
			    err == -EFBIG ? "not a sealed key file" : strerror(-err));
	err = seal_decode(buf, len, &sk);
	free(buf);
	if (err)
		return fail(RC_BADFILE, "%s: not a sealed key file (%s)", ctx.file,
			    err == -EPROTONOSUPPORT ? "unknown version" : "malformed");
	if (sk.key_id != ctx.key_id)
		return fail(RC_VERIFY, "%s was sealed to key %u, not %u", ctx.file,
			    sk.key_id, ctx.key_id);
	rc = open_device(&dev);
	if (rc)
		return rc;
	rc = unseal_check_key(&dev, &sk);
	if (!rc) {
		err = seal_unseal(&dev, &sk, ctx.name, ctx.keyring, &serial, &sw);
		if (err)
			rc = fail_errno(err);
		else if (sw != SCHSM_SW_OK)
			rc = fail_sw(sw);
		else
			printf("%d\n", serial);
	}
	schsm_dev_close(&dev);
	return rc;
}
