// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl sign-module: append a kernel module signature (sign-file format)
 * made by a key in the kernel keyring.
 * schsmctl cert: a self-signed X.509 certificate for a token key (signed
 * by the token) or for any keyring key whose public key is given.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cmd.h"
#include "keylink.h"
#include "modsign.h"
#include "util.h"
#include "x509cert.h"

/* errors of the signing path, keyring or token */
static int fail_sign(int err, uint16_t sw)
{
	switch (-err) {
	case EREMOTEIO:
		return fail_sw(sw);
	case ENOKEY:
	case EKEYREVOKED:
	case EKEYEXPIRED:
		return fail(RC_NOTFOUND, "key not found in the keyring: %s", strerror(-err));
	case EBADMSG:
		return fail(RC_VERIFY, "the signature does not verify with the certificate's public key (wrong key or certificate?)");
	case EOPNOTSUPP:
		return fail(RC_USAGE, "only RSA keys can sign modules and certificates");
	case EKEYREJECTED:
	case EACCES:
		return fail(RC_AUTH, "the key refused to sign (%s); log in to the token first?",
			    strerror(-err));
	default:
		return fail_errno(err);
	}
}

struct sign_module_ctx {
	const char *hash;
	const char *key;
	const char *cert;
	const char *module;
	const char *dest;
	bool use_skid;
	enum modsign_output out;
};

static int sign_module_options(int argc, char **argv, struct sign_module_ctx *ctx)
{
	static const struct option opts[] = {
		{ "hash", required_argument, NULL, 'a' },
		{ "keyid", no_argument, NULL, 'k' },
		{ "p7s", no_argument, NULL, 'p' },
		{ "p7s-only", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	ctx->hash = "sha256";
	ctx->out = MODSIGN_APPEND;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			ctx->hash = optarg;
			break;
		case 'k':
			ctx->use_skid = true;
			break;
		case 'p':
			ctx->out = MODSIGN_APPEND_AND_P7S;
			break;
		case 'd':
			ctx->out = MODSIGN_P7S_ONLY;
			break;
		default:
			return usage_error("unknown option");
		}
	}
	if (argc - optind < 3 || argc - optind > 4)
		return usage_error("need KEY CERT MODULE [DEST]");
	ctx->key = argv[optind];
	ctx->cert = argv[optind + 1];
	ctx->module = argv[optind + 2];
	ctx->dest = argc - optind == 4 ? argv[optind + 3] : NULL;
	if (!modsign_hash_supported(ctx->hash))
		return usage_error("unsupported hash '%s' (sha1, sha224, sha256, sha384, sha512)",
				   ctx->hash);
	return RC_OK;
}

int cmd_sign_module(int argc, char **argv)
{
	struct sign_module_ctx ctx = { 0 };
	struct modsign_request req;
	struct digest_signer signer;
	key_serial_t key;
	int rc, err;

	rc = sign_module_options(argc, argv, &ctx);
	if (rc)
		return rc;
	err = keyring_find_asymmetric(ctx.key, &key);
	if (err)
		return fail(RC_NOTFOUND, "%s: no such asymmetric key in the keyring (%s)",
			    ctx.key, strerror(-err));
	keyring_signer_init(&signer, &key);

	memset(&req, 0, sizeof(req));
	req.hash = ctx.hash;
	req.signer = &signer;
	req.use_skid = ctx.use_skid;
	req.cert = cert_load_file(ctx.cert);
	if (!req.cert) {
		ERR_clear_error();
		return fail(RC_BADFILE, "%s: not an X.509 certificate (DER or PEM)", ctx.cert);
	}
	if (ctx.use_skid && !X509_get0_subject_key_id(req.cert)) {
		X509_free(req.cert);
		return fail(RC_BADFILE, "%s: --keyid needs a subjectKeyIdentifier", ctx.cert);
	}
	err = modsign_sign_file(&req, ctx.module, ctx.dest, ctx.out);
	X509_free(req.cert);
	if (err == -ENOENT || err == -EFBIG || err == -EINVAL)
		return fail(RC_BADFILE, "%s: %s", ctx.module, strerror(-err));
	if (err)
		return fail_sign(err, 0);
	return RC_OK;
}

struct cert_ctx {
	const char *key;		/* token key id, or keyring key with --pubkey */
	const char *pubkey;
	const char *cn;
	const char *org;
	const char *out;
	const char *hash;
	unsigned int days;
	bool pem;
	bool write;
	bool force;
};

static int cert_options(int argc, char **argv, struct cert_ctx *ctx)
{
	static const struct option opts[] = {
		{ "pubkey", required_argument, NULL, 'P' },
		{ "cn", required_argument, NULL, 'n' },
		{ "org", required_argument, NULL, 'O' },
		{ "days", required_argument, NULL, 'D' },
		{ "hash", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "pem", no_argument, NULL, 'p' },
		{ "write", no_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	ctx->days = 3650;
	ctx->hash = "sha256";
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'P': ctx->pubkey = optarg; break;
		case 'n': ctx->cn = optarg; break;
		case 'O': ctx->org = optarg; break;
		case 'a': ctx->hash = optarg; break;
		case 'o': ctx->out = optarg; break;
		case 'p': ctx->pem = true; break;
		case 'w': ctx->write = true; break;
		case 'f': ctx->force = true; break;
		case 'D':
			if (parse_uint(optarg, 1, 36500, &ctx->days))
				return usage_error("--days: 1..36500");
			break;
		default:
			return usage_error("unknown option");
		}
	}
	if (argc - optind != 1)
		return usage_error("need one KEY");
	ctx->key = argv[optind];
	if (!modsign_hash_supported(ctx->hash))
		return usage_error("unsupported hash '%s'", ctx->hash);
	if (ctx->write && ctx->pubkey)
		return usage_error("--write stores the certificate on the token: not with --pubkey");
	return RC_OK;
}

/* DER to a file (-o), or PEM to a file or stdout */
static int cert_output(const struct cert_ctx *ctx, X509 *x)
{
	unsigned char *der = NULL;
	BIO *mem;
	char *pem;
	long n;
	int len, rc;

	if (!ctx->out) {
		if (!PEM_write_X509(stdout, x))
			return fail_ssl("PEM_write_X509");
		return RC_OK;
	}
	if (ctx->pem) {
		mem = BIO_new(BIO_s_mem());
		if (!mem || !PEM_write_bio_X509(mem, x)) {
			BIO_free(mem);
			return fail_ssl("PEM_write_bio_X509");
		}
		n = BIO_get_mem_data(mem, &pem);
		rc = write_out(ctx->out, pem, (size_t)n, ctx->force);
		BIO_free(mem);
	} else {
		len = i2d_X509(x, &der);
		if (len <= 0)
			return fail_ssl("i2d_X509");
		rc = write_out(ctx->out, der, (size_t)len, ctx->force);
		OPENSSL_free(der);
	}
	return rc;
}

/* store the certificate as EF CE<id>, where OpenSC and "key link" look for it */
static int cert_store(struct schsm_dev *dev, uint8_t key_id, X509 *x)
{
	unsigned char *der = NULL;
	uint16_t sw = 0;
	int len, err;

	len = i2d_X509(x, &der);
	if (len <= 0)
		return fail_ssl("i2d_X509");
	err = schsm_file_write(dev, TOKEN_CERT_FID(key_id), der, (size_t)len, &sw);
	OPENSSL_free(der);
	if (err)
		return fail_errno(err);
	if (sw != SCHSM_SW_OK)
		return fail_sw(sw);
	return RC_OK;
}

/* The key lives on the token: public key from EF CE<id>, signature by SIGN. */
static int cert_for_token_key(const struct cert_ctx *ctx, struct x509cert_request *req,
			      X509 **x)
{
	struct digest_signer signer;
	struct token_signer ts;
	struct schsm_info info;
	struct schsm_dev dev;
	unsigned int id;
	char cn[128];
	uint16_t sw = 0;
	int rc, err;

	if (parse_uint(ctx->key, 1, SCHSM_MAX_KEYS, &id))
		return usage_error("KEY: a token key id 1..255 (or use --pubkey with a keyring key)");
	rc = open_device(&dev);
	if (rc)
		return rc;
	memset(&info, 0, sizeof(info));
	err = schsm_get_info(&dev, &info);
	if (err) {
		rc = fail_errno(err);
		goto out;
	}
	err = token_key_read(&dev, (uint8_t)id, &req->pub, NULL, &sw);
	if (err) {
		rc = err == -EREMOTEIO ? fail_sw(sw) : err == -EBADMSG ?
			fail(RC_BADFILE, "EF %04X: neither X.509 nor a CV request", TOKEN_CERT_FID(id)) :
			fail_errno(err);
		goto out;
	}
	if (!req->cn) {
		snprintf(cn, sizeof(cn), "schsm %.32s key %u", info.serial, id);
		req->cn = cn;
	}
	ts.dev = &dev;
	ts.key_id = (uint8_t)id;
	token_signer_init(&signer, &ts);
	req->signer = &signer;
	err = x509cert_make(req, x);
	if (err)
		rc = fail_sign(err, ts.sw);
	else if (ctx->write)
		rc = cert_store(&dev, (uint8_t)id, *x);
out:
	schsm_dev_close(&dev);
	return rc;
}

/* Any asymmetric key in the keyring; its public key comes from a file. */
static int cert_for_keyring_key(const struct cert_ctx *ctx, struct x509cert_request *req,
				X509 **x)
{
	struct digest_signer signer;
	key_serial_t key;
	int err;

	req->pub = pubkey_load_file(ctx->pubkey);
	if (!req->pub) {
		ERR_clear_error();
		return fail(RC_BADFILE, "%s: not a public key or certificate", ctx->pubkey);
	}
	err = keyring_find_asymmetric(ctx->key, &key);
	if (err)
		return fail(RC_NOTFOUND, "%s: no such asymmetric key in the keyring (%s)",
			    ctx->key, strerror(-err));
	if (!req->cn)
		req->cn = "schsm module signing key";
	keyring_signer_init(&signer, &key);
	req->signer = &signer;
	err = x509cert_make(req, x);
	return err ? fail_sign(err, 0) : RC_OK;
}

int cmd_cert(int argc, char **argv)
{
	struct x509cert_request req;
	struct cert_ctx ctx = { 0 };
	X509 *x = NULL;
	int rc;

	rc = cert_options(argc, argv, &ctx);
	if (rc)
		return rc;
	/* before the token signs or --write changes anything */
	rc = check_out(ctx.out, ctx.force);
	if (rc)
		return rc;
	memset(&req, 0, sizeof(req));
	req.cn = ctx.cn;
	req.org = ctx.org;
	req.days = ctx.days;
	req.hash = ctx.hash;
	if (ctx.pubkey)
		rc = cert_for_keyring_key(&ctx, &req, &x);
	else
		rc = cert_for_token_key(&ctx, &req, &x);
	if (!rc)
		rc = cert_output(&ctx, x);
	X509_free(x);
	EVP_PKEY_free(req.pub);
	return rc;
}
