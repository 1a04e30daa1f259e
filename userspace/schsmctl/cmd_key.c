// SPDX-License-Identifier: GPL-2.0
/* schsmctl key generate | list | delete | wrap | unwrap | sign */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "cmd.h"
#include "cvc.h"
#include "keyfiles.h"
#include "prkd.h"
#include "util.h"
#include "wrapfile.h"

static const struct { const char *name; unsigned int curve; } curves[] = {
	{ "prime256v1", SCHSM_CURVE_P256 }, { "p256", SCHSM_CURVE_P256 },
	{ "secp384r1", SCHSM_CURVE_P384 }, { "p384", SCHSM_CURVE_P384 },
	{ "secp521r1", SCHSM_CURVE_P521 }, { "p521", SCHSM_CURVE_P521 },
	{ "brainpoolP256r1", SCHSM_CURVE_BP256R1 },
	{ "brainpoolP384r1", SCHSM_CURVE_BP384R1 },
};

static const struct { const char *name; uint8_t id; } alg_names[] = {
	{ "rsa-raw", SCHSM_ALG_RSA_RAW }, { "rsa-decrypt", SCHSM_ALG_RSA_DECRYPT_RAW },
	{ "rsa-pkcs1", SCHSM_ALG_RSA_PKCS1_DI },
	{ "rsa-pkcs1-sha256", SCHSM_ALG_RSA_PKCS1_SHA256 },
	{ "rsa-pss", SCHSM_ALG_RSA_PSS }, { "rsa-pss-sha256", SCHSM_ALG_RSA_PSS_SHA256 },
	{ "ecdsa", SCHSM_ALG_ECDSA }, { "ecdsa-sha256", SCHSM_ALG_ECDSA_SHA256 },
	{ "ecdsa-sha384", SCHSM_ALG_ECDSA_SHA384 }, { "ecdh", SCHSM_ALG_ECDH },
	{ "wrap", SCHSM_ALG_WRAP }, { "unwrap", SCHSM_ALG_UNWRAP },
};

static int parse_alg(const char *s, uint8_t *id)
{
	unsigned int v;
	size_t i;
	char *end;

	for (i = 0; i < ARRAY_SIZE(alg_names); i++)
		if (!strcmp(s, alg_names[i].name)) {
			*id = alg_names[i].id;
			return 0;
		}
	/* or the card's hex id, e.g. 73 */
	v = (unsigned int)strtoul(s, &end, 16);
	if (!*s || *end || v == 0 || v > 0xff)
		return -1;
	*id = (uint8_t)v;
	return 0;
}

static int parse_algorithms(const char *list, struct schsm_keygen *kg)
{
	char buf[256], *tok, *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return -1;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (kg->nalgorithms >= sizeof(kg->algorithms) ||
		    parse_alg(tok, &kg->algorithms[kg->nalgorithms]))
			return -1;
		kg->nalgorithms++;
	}
	return kg->nalgorithms ? 0 : -1;
}

static int parse_type(const char *s, struct schsm_keygen *kg)
{
	unsigned int bits;
	size_t i;

	if (!strncmp(s, "rsa:", 4)) {
		if (parse_uint(s + 4, 1024, 4096, &bits) ||
		    (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096))
			return -1;
		kg->type = SCHSM_KEY_RSA;
		kg->rsa_bits = (__u16)bits;
		return 0;
	}
	if (strncmp(s, "ec:", 3))
		return -1;
	for (i = 0; i < ARRAY_SIZE(curves); i++)
		if (!strcmp(s + 3, curves[i].name)) {
			kg->type = SCHSM_KEY_EC;
			kg->curve = (__u8)curves[i].curve;
			return 0;
		}
	return -1;
}

enum {
	OPT_TYPE = 256, OPT_ID, OPT_ALGS, OPT_COUNTER, OPT_OUT, OPT_FORCE, OPT_ALG, OPT_IN,
	OPT_LABEL,
};

static const struct option key_opts[] = {
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "id", required_argument, NULL, OPT_ID },
	{ "algorithms", required_argument, NULL, OPT_ALGS },
	{ "use-counter", required_argument, NULL, OPT_COUNTER },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "alg", required_argument, NULL, OPT_ALG },
	{ "in", required_argument, NULL, OPT_IN },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ NULL, 0, NULL, 0 },
};

struct key_opts {
	struct schsm_keygen kg;
	const char *type, *out, *in, *alg, *label;
	unsigned int id;
	int force;
};

static int parse_key_opts(int argc, char **argv, struct key_opts *o)
{
	unsigned int v;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "", key_opts, NULL)) != -1) {
		switch (c) {
		case OPT_TYPE:
			o->type = optarg;
			if (parse_type(optarg, &o->kg))
				return usage_error("--type: rsa:1024|2048|3072|4096 or ec:prime256v1|secp384r1|secp521r1|brainpoolP256r1|brainpoolP384r1");
			break;
		case OPT_ID:
			if (parse_key_id(optarg, &o->id))
				return usage_error("--id takes 1..255");
			break;
		case OPT_ALGS:
			if (parse_algorithms(optarg, &o->kg))
				return usage_error("--algorithms: up to 16 of rsa-raw, rsa-decrypt, rsa-pkcs1, rsa-pkcs1-sha256, rsa-pss, rsa-pss-sha256, ecdsa, ecdsa-sha256, ecdsa-sha384, ecdh, wrap, unwrap or hex ids");
			o->kg.flags |= SCHSM_KEYGEN_ALGORITHMS;
			break;
		case OPT_COUNTER:
			if (parse_uint(optarg, 1, 0xffffffffu, &v))
				return usage_error("--use-counter takes 1..4294967295");
			o->kg.use_counter = v;
			o->kg.flags |= SCHSM_KEYGEN_USE_COUNTER;
			break;
		case OPT_OUT: o->out = optarg; break;
		case OPT_FORCE: o->force = 1; break;
		case OPT_ALG: o->alg = optarg; break;
		case OPT_IN: o->in = optarg; break;
		case OPT_LABEL:
			if (!*optarg || strlen(optarg) > PRKD_MAX_LABEL)
				return usage_error("--label takes 1..%d characters", PRKD_MAX_LABEL);
			o->label = optarg;
			break;
		default: return usage_error("bad option");
		}
	}
	return RC_OK;
}

/* ---- generate --------------------------------------------------------- */

static unsigned int key_bits(const struct schsm_keygen *kg)
{
	static const unsigned int curve_bits[] = {
		[SCHSM_CURVE_P256] = 256, [SCHSM_CURVE_P384] = 384, [SCHSM_CURVE_P521] = 521,
		[SCHSM_CURVE_BP256R1] = 256, [SCHSM_CURVE_BP384R1] = 384,
	};

	if (kg->type == SCHSM_KEY_RSA)
		return kg->rsa_bits;
	return kg->curve < ARRAY_SIZE(curve_bits) ? curve_bits[kg->curve] : 0;
}

/* The PKCS#15 description OpenSC shows: label, and the key id as iD. */
static int write_label(struct schsm_dev *dev, const struct schsm_keygen *kg, const char *label)
{
	uint8_t id = kg->key_id, *prkd = NULL;
	size_t len;
	int rc;

	if (prkd_encode(kg->type == SCHSM_KEY_EC, label, &id, 1, kg->key_id, key_bits(kg),
			&prkd, &len))
		return fail(RC_ERROR, "cannot encode the key description");
	rc = ef_delete(dev, FID_PRKD(kg->key_id), 1);
	if (!rc)
		rc = ef_write(dev, FID_PRKD(kg->key_id), prkd, len);
	free(prkd);
	return rc;
}

/* The lowest free key id, the one the kernel would take: the CHR needs it first. */
static int lowest_free_id(struct schsm_dev *dev, unsigned int *id)
{
	uint8_t used[SCHSM_MAX_KEYS + 1] = { 0 };
	struct schsm_key_list l;
	unsigned int i;
	int err = schsm_key_list(dev, &l);

	if (err)
		return fail_errno(err);
	for (i = 0; i < l.count; i++)
		used[l.ids[i]] = 1;
	for (i = 1; i <= SCHSM_MAX_KEYS; i++) {
		if (!used[i]) {
			*id = i;
			return RC_OK;
		}
	}
	return fail(RC_CARD, "no free key id on the token");
}

/*
 * The CHR of a new key's request: the device's country code and holder
 * mnemonic (its serial) with the sequence "K" + the 4-digit key id, e.g.
 * UTEMU123456K0003.  Device CHRs end in a numeric sequence (...00001), so
 * no key can carry the device's CHR; the serial keeps keys of different
 * tokens apart, which matters because the n-of-m registry knows custodian
 * keys by CHR (OpenSC names every key UTTM00001).  A CVC CHR has at most
 * 16 characters: serial (at most 11) + 5.
 */
#define KEY_CHR_MAX 16
static int default_chr(struct schsm_dev *dev, struct schsm_keygen *kg)
{
	struct schsm_info info;
	size_t n;
	int err = schsm_get_info(dev, &info);

	if (err)
		return fail_errno(err);
	n = strnlen(info.serial, sizeof(info.serial));
	if (!n || n > KEY_CHR_MAX - 5)
		return fail(RC_CARD, "the device serial does not fit a key CHR (%zu characters)", n);
	snprintf(kg->chr, sizeof(kg->chr), "%.*sK%04u", (int)n, info.serial, kg->key_id);
	return RC_OK;
}

static int cmd_generate(int argc, char **argv)
{
	struct schsm_dev dev;
	struct key_opts o;
	uint8_t *req;
	size_t reqlen = 8192;
	int rc, err;

	rc = parse_key_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.type)
		return usage_error("--type is required");
	if (o.in || o.alg)
		return usage_error("--in/--alg are for key sign");
	rc = check_out(o.out, o.force);
	if (rc)
		return rc;
	req = malloc(reqlen);
	if (!req)
		return fail(RC_ERROR, "out of memory");
	rc = open_device(&dev);
	if (!rc && o.id) {
		err = key_exists(&dev, o.id);
		if (err < 0)
			rc = -err;
		else if (err)
			rc = fail(RC_EXISTS, "key %u exists (delete it first)", o.id);
	} else if (!rc) {
		rc = lowest_free_id(&dev, &o.id);
	}
	o.kg.key_id = (__u8)o.id;
	if (!rc)
		rc = default_chr(&dev, &o.kg);
	if (!rc) {
		err = schsm_key_generate(&dev, &o.kg, req, &reqlen);
		if (err)
			rc = fail_errno(err);
		else if (o.kg.sw != SCHSM_SW_OK)
			rc = fail_sw(o.kg.sw);
	}
	if (!rc && o.label)
		rc = write_label(&dev, &o.kg, o.label);
	if (!rc) {
		printf("Key generated: id %u\n", o.kg.key_id);
		if (o.out)
			rc = write_out(o.out, req, reqlen, o.force);
		if (o.out && !rc)
			printf("Attestation request saved to %s\n", o.out);
	}
	schsm_dev_close(&dev);
	free(req);
	return rc;
}

/* ---- list --------------------------------------------------------------- */

/* "RSA-2048" / "EC-256" from the key's certificate or request, or "?" */
static void describe_pub(const uint8_t *buf, size_t len, char *out, size_t cap)
{
	const unsigned char *p = buf;
	EVP_PKEY *pub = NULL;
	struct cvc c;
	X509 *x;

	snprintf(out, cap, "?");
	if (!buf)
		return;
	if (buf[0] == 0x30) {
		x = d2i_X509(NULL, &p, (long)len);
		if (x)
			pub = X509_get_pubkey(x);
		X509_free(x);
	} else if (!cvc_parse(buf, len, &c)) {
		pub = cvc_pubkey_decode(&c.pubkey, NULL);
	}
	if (pub)
		snprintf(out, cap, "%s-%d", EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA ? "RSA" : "EC",
			 EVP_PKEY_get_bits(pub));
	EVP_PKEY_free(pub);
}

/* The label: the first UTF8String in the PKCS#15 CommonObjectAttributes. */
static void describe_label(const uint8_t *buf, size_t len, char *out, size_t cap)
{
	struct tlv obj, common, label;

	out[0] = '\0';
	if (!buf || tlv_parse(buf, len, &obj) || tlv_parse(obj.val, obj.len, &common) ||
	    common.tag != 0x30 || tlv_find(common.val, common.len, 0x0C, &label))
		return;
	snprintf(out, cap, "%.*s", (int)(label.len > 64 ? 64 : label.len), (const char *)label.val);
}

static int cmd_list(int argc, char **argv)
{
	struct schsm_key_list l;
	struct schsm_dev dev;
	char what[32], label[80];
	uint8_t *cert, *prkd;
	size_t clen, plen;
	unsigned int i;
	int rc, err;

	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	rc = open_device(&dev);
	if (rc)
		return rc;
	err = schsm_key_list(&dev, &l);
	if (err)
		rc = fail_errno(err);
	for (i = 0; !rc && i < l.count; i++) {
		cert = prkd = NULL;
		rc = ef_read(&dev, FID_CERT(l.ids[i]), &cert, &clen);
		if (!rc)
			rc = ef_read(&dev, FID_PRKD(l.ids[i]), &prkd, &plen);
		if (!rc) {
			describe_pub(cert, clen, what, sizeof(what));
			describe_label(prkd, plen, label, sizeof(label));
			printf("%3u  %-10s %s\n", l.ids[i], what, label);
		}
		free(cert);
		free(prkd);
	}
	if (!rc && !l.count)
		printf("no keys\n");
	schsm_dev_close(&dev);
	return rc;
}

/* ---- delete ------------------------------------------------------------- */

static int cmd_delete(int argc, char **argv)
{
	struct schsm_dev dev;
	unsigned int id;
	int rc, ex;

	if (argc != 2 || parse_key_id(argv[1], &id))
		return usage_error("expected one key ID 1..255");
	rc = open_device(&dev);
	if (rc)
		return rc;
	ex = key_exists(&dev, id);
	if (ex < 0)
		rc = -ex;
	else if (!ex)
		rc = fail(RC_NOTFOUND, "no key %u on the token", id);
	if (!rc)
		rc = ef_delete(&dev, FID_KEY(id), 0);
	if (!rc)
		rc = ef_delete(&dev, FID_PRKD(id), 1);
	if (!rc)
		rc = ef_delete(&dev, FID_CERT(id), 1);
	if (!rc)
		printf("Key %u deleted\n", id);
	schsm_dev_close(&dev);
	return rc;
}

/* ---- wrap / unwrap ------------------------------------------------------ */

static int wrap_to_file(struct schsm_dev *dev, unsigned int id, const char *path, int force)
{
	struct wrapfile w = { 0 };
	uint8_t blob[4096], *prkd = NULL, *cert = NULL, *out = NULL;
	size_t blen = sizeof(blob), plen, clen, olen;
	uint16_t sw;
	int rc, err;

	err = schsm_key_wrap(dev, (uint8_t)id, blob, &blen, &sw);
	if (err)
		return fail_errno(err);
	if (sw == 0x6a82 || sw == 0x6a88)
		return fail(RC_NOTFOUND, "no key %u on the token (SW %04X)", id, sw);
	if (sw != SCHSM_SW_OK)
		return fail_sw(sw);
	rc = ef_read(dev, FID_PRKD(id), &prkd, &plen);
	if (!rc)
		rc = ef_read(dev, FID_CERT(id), &cert, &clen);
	if (!rc) {
		w.blob = blob;
		w.blob_len = blen;
		/* sc-hsm-tool keeps only the first TLV of each EF */
		w.prkd = prkd;
		w.prkd_len = prkd ? wrapfile_first_tlv(prkd, plen) : 0;
		if (!w.prkd_len)
			w.prkd = NULL;
		w.cert = cert;
		w.cert_len = cert ? wrapfile_first_tlv(cert, clen) : 0;
		if (!w.cert_len)
			w.cert = NULL;
		err = wrapfile_build(&w, &out, &olen);
		if (err)
			rc = fail(RC_ERROR, "cannot encode the wrapped-key file");
	}
	if (!rc) {
		rc = write_out(path, out, olen, force);
		if (!rc)
			printf("Key %u wrapped to %s (%zu bytes%s%s)\n", id, path, olen,
			       w.prkd ? ", description" : "", w.cert ? ", certificate" : "");
	}
	free(prkd);
	free(cert);
	free(out);
	return rc;
}

static int cmd_wrap(int argc, char **argv)
{
	struct schsm_dev dev;
	struct key_opts o;
	unsigned int id;
	int rc;

	rc = parse_key_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (optind + 2 != argc || parse_key_id(argv[optind], &id))
		return usage_error("expected ID FILE");
	rc = check_out(argv[optind + 1], o.force);
	if (!rc)
		rc = open_device(&dev);
	if (rc)
		return rc;
	rc = wrap_to_file(&dev, id, argv[optind + 1], o.force);
	schsm_dev_close(&dev);
	return rc;
}

/* Before anything changes: the DKEK must be the blob's, the slots free. */
static int unwrap_checks(struct schsm_dev *dev, unsigned int id, const struct wrapfile *w,
			 int force)
{
	struct schsm_status st;
	uint8_t *p;
	size_t n;
	int err, rc, ex;

	err = schsm_get_status(dev, &st);
	if (err)
		return fail_errno(err);
	if (!st.dkek_present || st.dkek_outstanding)
		return fail(RC_CARD, "the token's DKEK is not complete (dkek status)");
	if (w->blob_len < 8 || CRYPTO_memcmp(w->blob, st.kcv, 8))
		return fail(RC_AUTH, "the key was wrapped under another DKEK (KCV differs)");
	ex = key_exists(dev, id);
	if (ex < 0)
		return -ex;
	if (ex && !force)
		return fail(RC_EXISTS, "key %u exists (use --force to replace it)", id);
	if (force)
		return RC_OK;
	rc = ef_read(dev, FID_PRKD(id), &p, &n);
	if (!rc && p)
		rc = fail(RC_EXISTS, "EF %04X (key description) exists (use --force)", FID_PRKD(id));
	free(p);
	if (rc)
		return rc;
	rc = ef_read(dev, FID_CERT(id), &p, &n);
	if (!rc && p)
		rc = fail(RC_EXISTS, "EF %04X (certificate) exists (use --force)", FID_CERT(id));
	free(p);
	return rc;
}

/* Shared with key import: check, unwrap, write description and certificate. */
int key_unwrap_into(struct schsm_dev *dev, unsigned int id, const struct wrapfile *w,
		    int force)
{
	uint16_t sw;
	int rc, err;

	rc = unwrap_checks(dev, id, w, force);
	if (!rc && force)
		rc = ef_delete(dev, FID_KEY(id), 1);
	if (rc)
		return rc;
	err = schsm_key_unwrap(dev, (uint8_t)id, w->blob, w->blob_len, &sw);
	if (err)
		return fail_errno(err);
	if (sw == 0x6a80 || sw == 0x6a86 || sw == 0x6400)
		return fail(RC_AUTH, "the token refused the blob: wrong DKEK or corrupt blob (SW %04X)", sw);
	if (sw != SCHSM_SW_OK)
		return fail_sw(sw);
	if (w->prkd) {
		rc = ef_delete(dev, FID_PRKD(id), 1);
		if (!rc)
			rc = ef_write(dev, FID_PRKD(id), w->prkd, w->prkd_len);
	}
	if (!rc && w->cert) {
		rc = ef_delete(dev, FID_CERT(id), 1);
		if (!rc)
			rc = ef_write(dev, FID_CERT(id), w->cert, w->cert_len);
	}
	return rc;
}

static int cmd_unwrap(int argc, char **argv)
{
	struct schsm_dev dev;
	struct wrapfile w;
	struct key_opts o;
	uint8_t *buf = NULL;
	size_t len;
	unsigned int id;
	int rc, err;

	rc = parse_key_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (optind + 2 != argc || parse_key_id(argv[optind + 1], &id))
		return usage_error("expected FILE ID");
	err = file_read_all(argv[optind], WRAPFILE_MAX, &buf, &len);
	if (err == -EFBIG || (!err && wrapfile_parse(buf, len, &w))) {
		free(buf);
		return fail(RC_BADFILE, "%s: not a wrapped-key file", argv[optind]);
	}
	if (err)
		return fail(RC_ERROR, "%s: %s", argv[optind], strerror(-err));
	rc = open_device(&dev);
	if (!rc) {
		rc = key_unwrap_into(&dev, id, &w, o.force);
		if (!rc)
			printf("Key unwrapped into id %u%s%s\n", id,
			       w.prkd ? ", description written" : "",
			       w.cert ? ", certificate written" : "");
		schsm_dev_close(&dev);
	}
	free(buf);
	return rc;
}

/* ---- sign --------------------------------------------------------------- */

static int cmd_sign(int argc, char **argv)
{
	uint8_t sig[SCHSM_MAX_SIG], *in = NULL;
	struct schsm_dev dev;
	struct key_opts o;
	size_t inlen, siglen = sizeof(sig);
	unsigned int id;
	uint16_t sw;
	uint8_t alg;
	int rc, err;

	rc = parse_key_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (optind + 1 != argc || parse_key_id(argv[optind], &id))
		return usage_error("expected one key ID");
	if (!o.alg || !o.in || !o.out)
		return usage_error("--alg, --in and --out are required");
	if (parse_alg(o.alg, &alg))
		return usage_error("unknown --alg '%s'", o.alg);
	rc = check_out(o.out, o.force);	/* before a use counter is spent */
	if (rc)
		return rc;
	rc = read_in(o.in, SCHSM_MAX_APDU, &in, &inlen);
	if (rc)
		return rc;
	rc = open_device(&dev);
	if (!rc) {
		err = schsm_sign(&dev, (uint8_t)id, alg, in, inlen, sig, &siglen, &sw);
		if (err)
			rc = fail_errno(err);
		else if (sw != SCHSM_SW_OK)
			rc = fail_sw(sw);
		schsm_dev_close(&dev);
	}
	if (!rc)
		rc = write_out(o.out, sig, siglen, o.force);
	free(in);
	return rc;
}


const struct command key_commands[] = {
	{ "generate", cmd_generate,
	  "--type rsa:BITS|ec:CURVE [--id N] [--label L] [--algorithms LIST] [--use-counter N] "
	  "[--out REQ] [--force]",
	  "generate a key pair on the token; --out saves the attestation request",
	  "  --type          rsa:2048, rsa:3072, rsa:4096, ec:prime256v1, ec:secp384r1,\n"
	  "                  ec:secp521r1, ec:brainpoolP256r1, ec:brainpoolP384r1\n"
	  "  --id N          key reference (default: the lowest free one)\n"
	  "  --label L       label in the key's PKCS#15 description (EF C4xx, as OpenSC shows it)\n"
	  "  --algorithms L  restrict the key to these algorithms (names or hex ids)\n"
	  "  --use-counter N the key refuses after N uses\n",
	  NULL, 0 },
	{ "list", cmd_list, "", "list the keys: id, type and size, label", NULL, NULL, 0 },
	{ "delete", cmd_delete, "ID", "delete a key and its description and certificate",
	  NULL, NULL, 0 },
	{ "wrap", cmd_wrap, "ID FILE [--force]",
	  "export a key under the DKEK to a wrapped-key file (sc-hsm-tool format)", NULL, NULL, 0 },
	{ "unwrap", cmd_unwrap, "FILE ID [--force]",
	  "import a wrapped-key file (sc-hsm-tool format) as key ID", NULL, NULL, 0 },
	{ "import", cmd_key_import,
	  "KEYFILE ID --dkek-share FILE... [--password SRC | --pwd-shares K [--shares-from SRC]] "
	  "[--key-password SRC] [--algorithms LIST] [--force]",
	  "import a PEM or PKCS#12 private key through a DKEK blob built on the host",
	  NULL, NULL, 0 },
	{ "attest", cmd_key_attest, "ID [--request FILE] [--root CVC]",
	  "verify a key's attestation: request signed by the device key, device chain",
	  NULL, NULL, 0 },
	{ "sign", cmd_sign, "ID --alg ALG --in FILE --out FILE [--force]",
	  "sign FILE's bytes as the card takes them for ALG (e.g. rsa-pkcs1-sha256, ecdsa)",
	  NULL, NULL, 0 },
	{ "link", cmd_key_link, "ID [KEYRING] [--cert FILE]",
	  "make key ID an asymmetric key schsm:<serial>:<ID> in KEYRING (default @s)",
	  NULL, NULL, 0 },
	{ "unlink", cmd_key_unlink, "ID [KEYRING]",
	  "unlink the key linked for ID from KEYRING (default @s)", NULL, NULL, 0 },
};
const size_t key_ncommands = ARRAY_SIZE(key_commands);
