// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl key import: a PEM or PKCS#12 private key becomes a DKEK blob on
 * the host (common/keyblob) and is unwrapped on the token, as SCS3's
 * KeyManager does.  schsmctl key attest: verify a key's attestation.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "attest.h"
#include "cmd.h"
#include "dkek_input.h"
#include "keyblob.h"
#include "keyfiles.h"
#include "pin.h"
#include "util.h"
#include "wrapfile.h"

#define MAX_SHARE_FILES 16

struct import_ctx {
	const char *keyfile;
	unsigned int id;
	const char *shares[MAX_SHARE_FILES];
	unsigned int nshares;
	struct share_source src;
	const char *key_password;
	const char *algorithms;
	int force;
};

enum {
	OPT_SHARE = 256, OPT_PASSWORD, OPT_PWD_SHARES, OPT_SHARES_FROM, OPT_KEY_PASSWORD,
	OPT_ALGS, OPT_FORCE,
};

static int parse_import(int argc, char **argv, struct import_ctx *c)
{
	static const struct option opts[] = {
		{ "dkek-share", required_argument, NULL, OPT_SHARE },
		{ "password", required_argument, NULL, OPT_PASSWORD },
		{ "pwd-shares", required_argument, NULL, OPT_PWD_SHARES },
		{ "shares-from", required_argument, NULL, OPT_SHARES_FROM },
		{ "key-password", required_argument, NULL, OPT_KEY_PASSWORD },
		{ "algorithms", required_argument, NULL, OPT_ALGS },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	memset(c, 0, sizeof(*c));
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case OPT_SHARE:
			if (c->nshares >= MAX_SHARE_FILES)
				return usage_error("at most %d --dkek-share files", MAX_SHARE_FILES);
			c->shares[c->nshares++] = optarg;
			break;
		case OPT_PASSWORD: c->src.password = optarg; break;
		case OPT_PWD_SHARES:
			if (parse_uint(optarg, 2, 9, &c->src.pwd_shares))
				return usage_error("--pwd-shares takes 2..9");
			break;
		case OPT_SHARES_FROM: c->src.shares_from = optarg; break;
		case OPT_KEY_PASSWORD: c->key_password = optarg; break;
		case OPT_ALGS: c->algorithms = optarg; break;
		case OPT_FORCE: c->force = 1; break;
		default: return usage_error("bad option");
		}
	}
	if (optind + 2 != argc || parse_key_id(argv[optind + 1], &c->id))
		return usage_error("expected KEYFILE ID");
	c->keyfile = argv[optind];
	if (!c->nshares)
		return usage_error("--dkek-share FILE is required (one per DKEK share)");
	if (check_secret_src(c->key_password))
		return RC_USAGE;
	return share_source_check(&c->src);
}

static int parse_alg_list(const char *s, uint8_t *out, size_t *n)
{
	int len;

	*n = 0;
	if (!s)
		return 0;
	/* hex ids, comma-separated: "73,92" */
	len = hex_decode(s, out, 16);
	if (len <= 0 || strspn(s, "0123456789abcdefABCDEF,") != strlen(s))
		return -1;
	*n = (size_t)len;
	return 0;
}

static int pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
	const char *spec = u;
	int n;

	(void)rwflag;
	n = secret_read(spec, "Password of the private key file: ", buf, (size_t)size);
	return n < 0 ? -1 : n;
}

/* PKCS#12 (with its certificate) or a PEM private key */
static int load_key(const struct import_ctx *c, EVP_PKEY **key, X509 **cert)
{
	uint8_t *buf = NULL;
	const unsigned char *p;
	char pass[SECRET_MAX] = "";
	PKCS12 *p12;
	BIO *bio;
	size_t len;
	int rc, n;

	*key = NULL;
	*cert = NULL;
	rc = read_in(c->keyfile, 1 << 20, &buf, &len);
	if (rc)
		return rc;
	p = buf;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (p12) {
		if (!PKCS12_verify_mac(p12, "", 0) && !PKCS12_verify_mac(p12, NULL, 0)) {
			n = secret_read(c->key_password, "Password of the PKCS#12 file: ",
					pass, sizeof(pass));
			if (n < 0) {
				PKCS12_free(p12);
				free(buf);
				return fail(RC_USAGE, "cannot read the key password: %s", schsm_err_text(n));
			}
		}
		if (!PKCS12_parse(p12, pass, key, cert, NULL))
			*key = NULL;
		PKCS12_free(p12);
		OPENSSL_cleanse(pass, sizeof(pass));
	} else {
		ERR_clear_error();
		bio = BIO_new_mem_buf(buf, (int)len);
		if (bio)
			*key = PEM_read_bio_PrivateKey(bio, NULL, pem_pass_cb, (void *)c->key_password);
		BIO_free(bio);
	}
	OPENSSL_cleanse(buf, len);
	free(buf);
	ERR_clear_error();
	if (!*key)
		return fail(RC_BADFILE, "%s: not a PEM private key or PKCS#12 file, or wrong password",
			    c->keyfile);
	if (EVP_PKEY_get_base_id(*key) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(*key) != EVP_PKEY_EC) {
		EVP_PKEY_free(*key);
		X509_free(*cert);
		*key = NULL;
		*cert = NULL;
		return fail(RC_BADFILE, "%s: only RSA and EC keys can be imported", c->keyfile);
	}
	return RC_OK;
}

static int dkek_from_shares(const struct import_ctx *c, uint8_t dkek[DKEK_LEN])
{
	uint8_t share[DKEK_LEN], file[DKEK_FILE_LEN];
	unsigned int i, j;
	int rc = RC_OK;

	for (i = 0; !rc && i < c->nshares; i++)
		rc = share_file_load(c->shares[i], file);
	memset(dkek, 0, DKEK_LEN);
	for (i = 0; !rc && i < c->nshares; i++) {
		rc = share_file_open(c->shares[i], &c->src, share);
		for (j = 0; !rc && j < DKEK_LEN; j++)
			dkek[j] ^= share[j];
	}
	OPENSSL_cleanse(share, sizeof(share));
	return rc;
}

static int check_kcv(struct schsm_dev *dev, const uint8_t dkek[DKEK_LEN])
{
	struct schsm_status st;
	uint8_t kcv[DKEK_KCV_LEN];
	int err = schsm_get_status(dev, &st);

	if (err)
		return fail_errno(err);
	if (!st.dkek_present || st.dkek_outstanding)
		return fail(RC_CARD, "the token's DKEK is not complete (dkek status)");
	keyblob_kcv(dkek, kcv);
	if (CRYPTO_memcmp(kcv, st.kcv, DKEK_KCV_LEN))
		return fail(RC_AUTH, "the DKEK of these shares is not the token's (KCV differs)");
	return RC_OK;
}


int cmd_key_import(int argc, char **argv)
{
	struct import_ctx c;
	struct schsm_dev dev;
	struct wrapfile w = { 0 };
	uint8_t dkek[DKEK_LEN], algos[16], *blob = NULL, *der = NULL;
	size_t nalgos, blen = 0;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc, err, dlen;

	rc = parse_import(argc, argv, &c);
	if (rc)
		return rc;
	if (parse_alg_list(c.algorithms, algos, &nalgos))
		return usage_error("--algorithms: hex algorithm ids, e.g. 73,92");
	rc = load_key(&c, &key, &cert);
	if (!rc)
		rc = dkek_from_shares(&c, dkek);
	if (!rc)
		rc = open_device(&dev);
	if (rc)
		goto out;
	rc = check_kcv(&dev, dkek);
	if (!rc) {
		err = keyblob_encode(dkek, key, algos, nalgos, &blob, &blen);
		if (err)
			rc = fail(RC_ERROR, "cannot encode the key blob: %s", strerror(-err));
	}
	if (!rc && cert) {
		dlen = i2d_X509(cert, &der);
		if (dlen <= 0)
			rc = fail_ssl("i2d_X509");
		w.cert = der;
		w.cert_len = dlen > 0 ? (size_t)dlen : 0;
	}
	if (!rc) {
		w.blob = blob;
		w.blob_len = blen;
		rc = key_unwrap_into(&dev, c.id, &w, c.force);
	}
	if (!rc)
		printf("Key imported as id %u (%s-%d)%s\n", c.id,
		       EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "RSA" : "EC",
		       EVP_PKEY_get_bits(key), cert ? ", certificate written" : "");
	schsm_dev_close(&dev);
out:
	OPENSSL_cleanse(dkek, sizeof(dkek));
	if (blob)
		OPENSSL_cleanse(blob, blen);
	free(blob);
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

/* ---- attest -------------------------------------------------------------- */


int cmd_key_attest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "request", required_argument, NULL, 'r' },
		{ "root", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reqfile = NULL, *rootfile = NULL, *why = NULL;
	uint8_t *req = NULL, *ef = NULL, *root = NULL;
	size_t reqlen = 0, eflen = 0, rootlen = 0;
	struct devchain ch = { 0 };
	struct schsm_dev dev;
	EVP_PKEY *pub = NULL;
	unsigned int id;
	char chr[33];
	int o, rc, err;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'r')
			reqfile = optarg;
		else if (o == 'R')
			rootfile = optarg;
		else
			return usage_error("bad option");
	}
	if (optind + 1 != argc || parse_key_id(argv[optind], &id))
		return usage_error("expected one key ID");
	if (rootfile) {
		rc = read_in(rootfile, EF_MAX, &root, &rootlen);
		if (rc)
			return rc;
	}
	rc = open_device(&dev);
	if (rc)
		goto out;
	rc = ef_read(&dev, FID_DEVAUT, &ef, &eflen);
	if (!rc && !ef)
		rc = fail(RC_NOTFOUND, "the token has no device certificate (EF 2F02)");
	if (!rc && reqfile) {
		rc = read_in(reqfile, EF_MAX, &req, &reqlen);
	} else if (!rc) {
		rc = ef_read(&dev, FID_CERT(id), &req, &reqlen);
		if (!rc && (!req || req[0] != 0x67))
			rc = fail(RC_NOTFOUND, "EF %04X holds no attestation request (replaced by a certificate?); use --request FILE",
				  FID_CERT(id));
	}
	schsm_dev_close(&dev);
	if (rc)
		goto out;
	err = devchain_verify(ef, eflen, root, rootlen, &ch, &why);
	if (err) {
		rc = fail(err == -EBADMSG ? RC_BADFILE : RC_VERIFY, "device chain: %s", why);
		goto out;
	}
	err = attest_request_verify(req, reqlen, &ch, &pub, chr, &why);
	if (err) {
		rc = fail(err == -EBADMSG ? RC_BADFILE : RC_VERIFY, "key %u: %s", id, why);
		goto out;
	}
	printf("Key %u (%s-%d, CHR %s) was generated on device %s\n", id,
	       EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA ? "RSA" : "EC", EVP_PKEY_get_bits(pub),
	       chr, ch.device_chr);
	printf("Device certificate issued by %s: verified\n", ch.dica_chr);
	if (ch.root_verified)
		printf("DICA certificate issued by root %s: verified\n", ch.root_chr);
	else
		printf("DICA certificate issued by root %s: NOT verified (give --root ROOT.cvc)\n",
		       ch.root_chr);
out:
	devchain_free(&ch);
	EVP_PKEY_free(pub);
	free(req);
	free(ef);
	free(root);
	return rc;
}
