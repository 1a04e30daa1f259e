// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl key link: make a token key an "asymmetric" key in a kernel
 * keyring (the kernel's schsm parser checks the blob against the token).
 * schsmctl key unlink: take it out of the keyring again.
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
#include "modsign.h"
#include "util.h"

struct link_ctx {
	unsigned int key_id;
	key_serial_t keyring;
	const char *cert;	/* certificate file instead of EF CE<id> */
};

static int link_options(int argc, char **argv, struct link_ctx *ctx, bool with_cert)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	ctx->keyring = KEY_SPEC_SESSION_KEYRING;
	while ((c = getopt_long(argc, argv, "", with_cert ? opts : opts + 1, NULL)) != -1) {
		if (c == 'c')
			ctx->cert = optarg;
		else
			return usage_error("unknown option");
	}
	if (argc - optind < 1 || argc - optind > 2)
		return usage_error("need KEYID [KEYRING]");
	if (parse_uint(argv[optind], 1, SCHSM_MAX_KEYS, &ctx->key_id))
		return usage_error("KEYID: a token key id 1..255");
	if (argc - optind == 2 && keyring_parse(argv[optind + 1], &ctx->keyring))
		return usage_error("KEYRING: @s, @u, @p, @t, @us or a keyring id");
	return RC_OK;
}

static int fail_add_key(int err)
{
	switch (-err) {
	case EBADMSG:
	case EINVAL:
		return fail(RC_ERROR, "the kernel does not take the key blob (%s); is schsm.ko loaded?",
			    strerror(-err));
	case EKEYREJECTED:
		return fail(RC_VERIFY, "the token's public key for this key id differs from the blob's");
	case ENOENT:
		return fail(RC_NOTFOUND, "the token has no such key");
	default:
		return fail_errno(err);
	}
}

/* public key from the token; IDs from --cert or an X.509 certificate in EF CE<id> */
static int link_material(struct schsm_dev *dev, const struct link_ctx *ctx,
			 EVP_PKEY **pub, X509 **cert)
{
	uint16_t sw = 0;
	int err;

	err = token_key_read(dev, (uint8_t)ctx->key_id, pub, cert, &sw);
	if (err == -EREMOTEIO)
		return fail_sw(sw);
	if (err == -EBADMSG)
		return fail(RC_BADFILE, "EF %04X: neither X.509 nor a CV request",
			    TOKEN_CERT_FID(ctx->key_id));
	if (err)
		return fail_errno(err);
	if (!ctx->cert)
		return RC_OK;
	X509_free(*cert);
	*cert = cert_load_file(ctx->cert);
	if (!*cert) {
		ERR_clear_error();
		return fail(RC_BADFILE, "%s: not an X.509 certificate (DER or PEM)", ctx->cert);
	}
	return RC_OK;
}

int cmd_key_link(int argc, char **argv)
{
	struct link_ctx ctx = { 0 };
	struct schsm_info info;
	struct schsm_dev dev;
	EVP_PKEY *pub = NULL;
	X509 *cert = NULL;
	uint8_t *blob = NULL;
	size_t len;
	int rc, err;

	rc = link_options(argc, argv, &ctx, true);
	if (rc)
		return rc;
	rc = open_device(&dev);
	if (rc)
		return rc;
	memset(&info, 0, sizeof(info));
	err = schsm_get_info(&dev, &info);
	if (err) {
		rc = fail_errno(err);
		goto out;
	}
	rc = link_material(&dev, &ctx, &pub, &cert);
	if (rc)
		goto out;
	info.serial[sizeof(info.serial) - 1] = '\0';
	err = keylink_blob(info.serial, (uint8_t)ctx.key_id, pub, cert, &blob, &len);
	if (err == -EKEYREJECTED) {
		rc = fail(RC_VERIFY, "the certificate is not for key %u", ctx.key_id);
		goto out;
	}
	if (err) {
		rc = err == -EOPNOTSUPP ? fail(RC_CARD, "unsupported key type or curve") :
			fail_errno(err);
		goto out;
	}
	err = keylink_add(blob, len, ctx.keyring);
	if (err < 0)
		rc = fail_add_key(err);
	else
		printf("%d\n", err);
out:
	free(blob);
	X509_free(cert);
	EVP_PKEY_free(pub);
	schsm_dev_close(&dev);
	return rc;
}

/* Is desc "schsm:<serial>:<key_id>" (for any serial when serial is NULL)? */
static bool desc_matches(const char *desc, const char *serial, unsigned int key_id)
{
	const char *colon;
	char tail[8];

	if (strncmp(desc, "schsm:", 6))
		return false;
	colon = strrchr(desc + 6, ':');
	if (!colon || colon == desc + 6)
		return false;
	snprintf(tail, sizeof(tail), "%u", key_id);
	if (strcmp(colon + 1, tail))
		return false;
	return !serial || ((size_t)(colon - desc - 6) == strlen(serial) &&
			   !strncmp(desc + 6, serial, strlen(serial)));
}

/*
 * The asymmetric keys in keyring for key_id: works without the token (it may
 * be unplugged); the token's serial only tells two tokens' keys apart.
 */
static int find_linked(key_serial_t keyring, const char *serial, unsigned int key_id,
		       key_serial_t *found, int *nfound)
{
	key_serial_t *ids = NULL;
	char *desc;
	long n, i;

	*nfound = 0;
	n = keyctl_read_alloc(keyring, (void **)&ids);
	if (n < 0)
		return -errno;
	for (i = 0; i < n / (long)sizeof(key_serial_t); i++) {
		if (keyctl_describe_alloc(ids[i], &desc) < 0)
			continue;	/* gone meanwhile, or not ours to see */
		/* "type;uid;gid;perm;description" */
		if (!strncmp(desc, "asymmetric;", 11)) {
			char *d = desc, *semi;
			int fields = 0;

			while (fields < 4 && (semi = strchr(d, ';'))) {
				d = semi + 1;
				fields++;
			}
			if (fields == 4 && desc_matches(d, serial, key_id)) {
				*found = ids[i];
				(*nfound)++;
			}
		}
		free(desc);
	}
	free(ids);
	return 0;
}

int cmd_key_unlink(int argc, char **argv)
{
	struct link_ctx ctx = { 0 };
	struct schsm_info info;
	struct schsm_dev dev;
	key_serial_t key = 0;
	int rc, err, n;

	rc = link_options(argc, argv, &ctx, false);
	if (rc)
		return rc;
	err = find_linked(ctx.keyring, NULL, ctx.key_id, &key, &n);
	if (!err && n > 1) {
		/* keys of several tokens: the plugged-in one decides */
		rc = open_device(&dev);
		if (rc)
			return rc;
		memset(&info, 0, sizeof(info));
		err = schsm_get_info(&dev, &info);
		schsm_dev_close(&dev);
		if (err)
			return fail_errno(err);
		info.serial[sizeof(info.serial) - 1] = '\0';
		err = find_linked(ctx.keyring, info.serial, ctx.key_id, &key, &n);
	}
	if (err)
		return fail_errno(err);
	if (n == 0)
		return fail(RC_NOTFOUND, "no linked key schsm:*:%u in that keyring", ctx.key_id);
	if (keyctl_unlink(key, ctx.keyring) < 0)
		return fail_errno(-errno);
	return RC_OK;
}
