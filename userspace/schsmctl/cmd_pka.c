// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl pka export | register | status | challenge | approve | authenticate
 *
 * n-of-m public key authentication.  The custodian's side: export the
 * custodian key with its device chain (OpenSC's file), approve = sign a
 * challenge with the custodian's token.  The HSM's side: register (after
 * verifying the custodian's device chain), challenge, authenticate.  The
 * challenge stays pending in the driver's session between the calls.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "attest.h"
#include "cmd.h"
#include "cvc.h"
#include "keyfiles.h"
#include "pka.h"
#include "pka_cmd.h"
#include "util.h"
#include "wrapfile.h"

#define CHALLENGE_LEN	8
#define CHALLENGE_FILE_MAX 256

/* ---- export (custodian side) ------------------------------------------- */

static int cmd_export(int argc, char **argv)
{
	struct pka_file f = { 0 };
	struct schsm_dev dev;
	struct cvc dc;
	uint8_t *req = NULL, *ef = NULL, *out = NULL;
	size_t reqlen, eflen, outlen;
	unsigned int id;
	int force = 0, rc;

	if (argc == 4 && !strcmp(argv[3], "--force"))
		force = 1, argc--;
	if (argc != 3 || parse_key_id(argv[1], &id))
		return usage_error("expected ID FILE");
	if (!force && !access(argv[2], F_OK))
		return fail(RC_EXISTS, "%s exists (use --force to replace it)", argv[2]);
	rc = open_device(&dev);
	if (rc)
		return rc;
	rc = ef_read(&dev, FID_CERT(id), &req, &reqlen);
	if (!rc && (!req || req[0] != 0x67))
		rc = fail(RC_NOTFOUND, "key %u has no attestation request in EF %04X", id, FID_CERT(id));
	if (!rc)
		rc = ef_read(&dev, FID_DEVAUT, &ef, &eflen);
	if (!rc && (!ef || cvc_parse(ef, eflen, &dc)))
		rc = fail(RC_CARD, "the token's EF 2F02 holds no device certificate chain");
	schsm_dev_close(&dev);
	if (!rc) {
		f.request = req;
		f.request_len = wrapfile_first_tlv(req, reqlen);
		f.device = ef;
		f.device_len = dc.cert.raw_len;
		f.dica = ef + dc.cert.raw_len;
		f.dica_len = wrapfile_first_tlv(f.dica, eflen - dc.cert.raw_len);
		if (!f.request_len || !f.dica_len || pka_file_build(&f, &out, &outlen))
			rc = fail(RC_CARD, "the request or device chain on the token is malformed");
	}
	if (!rc)
		rc = write_out(argv[2], out, outlen, force);
	if (!rc)
		printf("Public key %u and device chain exported to %s\n", id, argv[2]);
	free(req);
	free(ef);
	free(out);
	return rc;
}

/* ---- register (HSM side) ------------------------------------------------- */

static int print_pka_status(struct schsm_dev *dev)
{
	struct schsm_status st;
	int err = schsm_get_status(dev, &st);

	if (err)
		return fail_errno(err);
	if (!st.pka_present) {
		printf("Public key authentication not configured\n");
		return RC_OK;
	}
	printf("Number of public keys:     %u\n", st.pka_total);
	printf("Missing public keys:       %u\n", st.pka_missing);
	printf("Required pubkeys for auth: %u\n", st.pka_required);
	printf("Authenticated public keys: %u\n", st.pka_authenticated);
	return RC_OK;
}

static int cmd_register(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rootfile = NULL, *why;
	struct schsm_pka_register reg;
	uint8_t *buf = NULL, *root = NULL;
	size_t len, rootlen = 0;
	struct devchain ch = { 0 };
	struct schsm_dev dev;
	struct pka_file f;
	EVP_PKEY *pub = NULL;
	char chr[33];
	uint8_t *chain = NULL;
	int o, rc, err;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'R')
			return usage_error("bad option");
		rootfile = optarg;
	}
	if (optind + 1 != argc)
		return usage_error("expected one FILE");
	rc = read_in(argv[optind], 16384, &buf, &len);
	if (!rc && rootfile)
		rc = read_in(rootfile, 4096, &root, &rootlen);
	if (rc)
		goto out;
	if (pka_file_parse(buf, len, &f)) {
		rc = fail(RC_BADFILE, "%s: not a public key authentication file", argv[optind]);
		goto out;
	}
	/* the custodian's chain and key attestation, before the token sees them */
	chain = malloc(f.device_len + f.dica_len);
	if (!chain) {
		rc = fail(RC_ERROR, "out of memory");
		goto out;
	}
	memcpy(chain, f.device, f.device_len);
	memcpy(chain + f.device_len, f.dica, f.dica_len);
	err = devchain_verify(chain, f.device_len + f.dica_len, root, rootlen, &ch, &why);
	if (!err)
		err = attest_request_verify(f.request, f.request_len, &ch, &pub, chr, &why);
	if (err) {
		rc = fail(err == -EBADMSG ? RC_BADFILE : RC_VERIFY, "custodian: %s", why);
		goto out;
	}
	if (!ch.root_verified)
		fprintf(stderr, "%s: note: DICA %s not checked against a root (--root); the token checks it\n",
			cur_op, ch.dica_chr);
	memset(&reg, 0, sizeof(reg));
	reg.dica_cvc.ptr = (__u64)(uintptr_t)f.dica;
	reg.dica_cvc.len = (__u32)f.dica_len;
	reg.device_cvc.ptr = (__u64)(uintptr_t)f.device;
	reg.device_cvc.len = (__u32)f.device_len;
	reg.request.ptr = (__u64)(uintptr_t)f.request;
	reg.request.len = (__u32)f.request_len;
	rc = open_device(&dev);
	if (rc)
		goto out;
	err = schsm_pka_register(&dev, &reg);
	if (err)
		rc = fail_errno(err);
	else if (reg.sw != SCHSM_SW_OK)
		rc = fail(reg.sw == 0x6a88 || reg.sw == 0x6985 ? RC_VERIFY : RC_CARD,
			  "the token refused step %u (%s): %s (SW %04X)", reg.step,
			  reg.step == 1 ? "DICA certificate" : reg.step == 2 ? "device certificate" : "registration",
			  schsm_sw_text(reg.sw), reg.sw);
	if (!rc) {
		printf("Public key %s of device %s registered\n", chr, ch.device_chr);
		rc = print_pka_status(&dev);
	}
	schsm_dev_close(&dev);
out:
	devchain_free(&ch);
	EVP_PKEY_free(pub);
	free(chain);
	free(buf);
	free(root);
	return rc;
}

static int cmd_pka_status(int argc, char **argv)
{
	struct schsm_dev dev;
	int rc;

	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	rc = open_device(&dev);
	if (rc)
		return rc;
	rc = print_pka_status(&dev);
	schsm_dev_close(&dev);
	return rc;
}

/* ---- challenge / approve / authenticate --------------------------------- */

/* challenge file: "<device CHR>\n<challenge hex>\n" */
static int parse_challenge_file(const char *path, char chr[SCHSM_MAX_CHR + 1],
				uint8_t *chal, size_t *chal_len)
{
	uint8_t *buf = NULL;
	char text[CHALLENGE_FILE_MAX + 1], *nl;
	size_t len;
	int rc, n;

	rc = read_in(path, CHALLENGE_FILE_MAX, &buf, &len);
	if (rc)
		return rc;
	memcpy(text, buf, len);
	text[len] = '\0';
	free(buf);
	nl = strchr(text, '\n');
	if (!nl || nl == text || (size_t)(nl - text) > SCHSM_MAX_CHR)
		return fail(RC_BADFILE, "%s: not a challenge file", path);
	*nl = '\0';
	strcpy(chr, text);
	n = hex_decode(nl + 1, chal, 256);
	if (n < CHALLENGE_LEN)
		return fail(RC_BADFILE, "%s: not a challenge file", path);
	*chal_len = (size_t)n;
	return RC_OK;
}

static int cmd_challenge(int argc, char **argv)
{
	struct schsm_info info;
	struct schsm_dev dev;
	uint8_t chal[CHALLENGE_LEN];
	char hex[CHALLENGE_LEN * 2 + 1], text[CHALLENGE_FILE_MAX];
	uint16_t sw;
	int rc, err, n, force = 0;

	if (argc == 4 && !strcmp(argv[3], "--force"))
		force = 1, argc--;
	if (argc != 3 || strcmp(argv[1], "--out"))
		return usage_error("expected --out FILE");
	rc = open_device(&dev);
	if (rc)
		return rc;
	err = schsm_get_info(&dev, &info);
	if (!err)
		err = schsm_pka_challenge(&dev, chal, sizeof(chal), &sw);
	schsm_dev_close(&dev);
	if (err)
		return fail_errno(err);
	if (sw != SCHSM_SW_OK)
		return fail_sw(sw);
	hex_encode(chal, sizeof(chal), 0, hex);
	n = snprintf(text, sizeof(text), "%.32s\n%s\n", info.device_chr, hex);
	rc = write_out(argv[2], (const uint8_t *)text, (size_t)n, force);
	if (!rc)
		printf("Challenge for device %.32s: %s (saved to %s)\n", info.device_chr, hex, argv[2]);
	return rc;
}

/*
 * Custodian side: sign SHA-256(device CHR || challenge) with token key ID
 * (an EC key whose authenticated request is in EF CExx).  plain gets r||s,
 * key_chr the key's CHR (what the HSM registered).  Prints on failure.
 */
int pka_token_sign(struct schsm_dev *dev, unsigned int id, const char *device_chr,
		   const uint8_t *chal, size_t chal_len, uint8_t plain[PKA_PLAIN_SIG_MAX],
		   size_t *plain_len, char key_chr[SCHSM_MAX_CHR + 1])
{
	uint8_t digest[32], der[SCHSM_MAX_SIG], *req = NULL;
	size_t derlen = sizeof(der), reqlen, flen = 0;
	EVP_PKEY *pub = NULL;
	struct cvc c;
	uint16_t sw;
	int rc, err;

	if (pka_digest(device_chr, chal, chal_len, digest))
		return fail_ssl("SHA-256");
	rc = ef_read(dev, FID_CERT(id), &req, &reqlen);
	if (!rc && (!req || cvc_parse(req, reqlen, &c) || cvc_name(&c.chr, key_chr, SCHSM_MAX_CHR + 1) ||
		    !(pub = cvc_pubkey_decode(&c.pubkey, NULL)) || !(flen = cvc_ec_field_len(pub))))
		rc = fail(RC_NOTFOUND, "key %u is not an EC key with its request in EF %04X", id, FID_CERT(id));
	if (!rc) {
		err = schsm_sign(dev, (uint8_t)id, SCHSM_ALG_ECDSA, digest, sizeof(digest), der, &derlen, &sw);
		if (err)
			rc = fail_errno(err);
		else if (sw != SCHSM_SW_OK)
			rc = fail_sw(sw);
	}
	if (!rc && (2 * flen > PKA_PLAIN_SIG_MAX || cvc_ecdsa_der_to_plain(der, derlen, flen, plain)))
		rc = fail(RC_CARD, "the token's ECDSA signature is malformed");
	if (!rc)
		*plain_len = 2 * flen;
	EVP_PKEY_free(pub);
	free(req);
	return rc;
}

static int approve_file(const char *cfile, unsigned int id, const char *out, int force)
{
	char chr[SCHSM_MAX_CHR + 1], key_chr[SCHSM_MAX_CHR + 1];
	uint8_t chal[256], plain[PKA_PLAIN_SIG_MAX];
	size_t chal_len = 0, plain_len = 0;
	struct schsm_dev dev;
	int rc;

	rc = parse_challenge_file(cfile, chr, chal, &chal_len);
	if (!rc && !force && !access(out, F_OK))
		rc = fail(RC_EXISTS, "%s exists (use --force to replace it)", out);
	if (rc)
		return rc;
	rc = open_device(&dev);
	if (rc)
		return rc;
	rc = pka_token_sign(&dev, id, chr, chal, chal_len, plain, &plain_len, key_chr);
	schsm_dev_close(&dev);
	if (!rc)
		rc = write_out(out, plain, plain_len, force);
	if (!rc)
		printf("Challenge of device %s signed with key %u into %s\n", chr, id, out);
	return rc;
}

/* custodian side: from a challenge file, or from a server (pka serve) */
static int cmd_approve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "challenge", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "connect", required_argument, NULL, 'C' },
		{ "root", required_argument, NULL, 'R' },
		{ "device", required_argument, NULL, 'D' },
		{ "server-cert", required_argument, NULL, 'S' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	struct pka_approve_remote r = { 0 };
	const char *cfile = NULL, *out = NULL;
	unsigned int id = 0;
	int o, force = 0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': cfile = optarg; break;
		case 'k':
			if (parse_key_id(optarg, &id))
				return usage_error("--key takes 1..255");
			break;
		case 'o': out = optarg; break;
		case 'f': force = 1; break;
		case 'C': r.connect = optarg; break;
		case 'R': r.root = optarg; break;
		case 'D': r.device = optarg; break;
		case 'S': r.server_cert = optarg; break;
		case 'y': r.yes = 1; break;
		default: return usage_error("bad option");
		}
	}
	if (optind != argc || !id)
		return usage_error("--key ID and one of --challenge FILE --out SIG / --connect ADDR:PORT are required");
	if (r.connect) {
		if (cfile || out || force)
			return usage_error("--connect does not take --challenge, --out or --force");
		r.key_id = id;
		return pka_approve_connect(&r);
	}
	if (r.root || r.device || r.server_cert || r.yes)
		return usage_error("--root, --device, --server-cert and --yes go with --connect");
	if (!cfile || !out)
		return usage_error("--challenge FILE, --key ID and --out FILE are required");
	return approve_file(cfile, id, out, force);
}

static int chr_from_pka_file(const char *path, char chr[33])
{
	uint8_t *buf = NULL;
	struct pka_file f;
	struct cvc c;
	size_t len;
	int rc = read_in(path, 16384, &buf, &len);

	if (!rc && (pka_file_parse(buf, len, &f) || cvc_parse(f.request, f.request_len, &c) ||
		    cvc_name(&c.chr, chr, 33)))
		rc = fail(RC_BADFILE, "%s: not a public key authentication file", path);
	free(buf);
	return rc;
}

static int cmd_authenticate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "chr", required_argument, NULL, 'c' },
		{ "pka-file", required_argument, NULL, 'p' },
		{ "signature", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sigfile = NULL, *pkafile = NULL;
	struct schsm_pka_auth res;
	struct schsm_dev dev;
	uint8_t *sig = NULL;
	char chr[33] = "";
	size_t siglen;
	int o, rc, err;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			if (strlen(optarg) > SCHSM_MAX_CHR - 1)
				return usage_error("--chr is at most %d characters", SCHSM_MAX_CHR - 1);
			strcpy(chr, optarg);
			break;
		case 'p': pkafile = optarg; break;
		case 's': sigfile = optarg; break;
		default: return usage_error("bad option");
		}
	}
	if (optind != argc || !sigfile || (!*chr == !pkafile))
		return usage_error("--signature FILE and one of --chr CHR / --pka-file FILE are required");
	rc = pkafile ? chr_from_pka_file(pkafile, chr) : RC_OK;
	if (!rc)
		rc = read_in(sigfile, 2 * 66, &sig, &siglen);
	if (!rc && (siglen < 32 || siglen % 2))
		rc = fail(RC_BADFILE, "%s: not a plain r||s ECDSA signature", sigfile);
	if (!rc)
		rc = open_device(&dev);
	if (rc)
		goto out;
	err = schsm_pka_authenticate(&dev, chr, sig, siglen, &res);
	schsm_dev_close(&dev);
	if (err == -ENOENT || err == -EPROTO)
		rc = fail(RC_USAGE, "no challenge pending: run pka challenge first (%s)", schsm_err_text(err));
	else if (err)
		rc = fail_errno(err);
	else if (res.sw == 0x6a88)
		rc = fail(RC_NOTFOUND, "%s is not a registered custodian key (SW 6A88)", chr);
	else if (res.sw == 0x6985 || res.sw == 0x6300 || (res.sw & 0xfff0) == 0x63c0)
		rc = fail(RC_AUTH, "signature refused: wrong key, wrong or reused challenge (SW %04X)", res.sw);
	else if (res.sw != SCHSM_SW_OK)
		rc = fail_sw(res.sw);
	else
		printf("Custodian %s authenticated: %u of %u required\n", chr, res.authenticated,
		       res.required);
out:
	free(sig);
	return rc;
}

const struct command pka_commands[] = {
	{ "export", cmd_export, "ID FILE [--force]",
	  "custodian: write key ID and this token's device chain (OpenSC's PKA file)", NULL, NULL, 0 },
	{ "register", cmd_register, "FILE [--root CVC]",
	  "verify a custodian's device chain and key, then register the key", NULL, NULL, 0 },
	{ "status", cmd_pka_status, "", "keys registered, missing, required, authenticated",
	  NULL, NULL, 0 },
	{ "challenge", cmd_challenge, "--out FILE [--force]",
	  "start an n-of-m authentication: write the device CHR and a fresh challenge", NULL, NULL, 0 },
	{ "approve", cmd_approve,
	  "--key ID (--challenge FILE --out SIG [--force] | --connect ADDR:PORT [--root CVC] "
	  "[--device CHR] [--server-cert PEM] [--yes])",
	  "custodian: sign SHA-256(device CHR || challenge) with token key ID (plain r||s)",
	  "  --connect ADDR:PORT  get the challenge from 'pka serve', verify the HSM's device\n"
	  "                       chain (--root: against this root CVC) and send the approval\n"
	  "  --device CHR         refuse unless the HSM's device CHR is exactly CHR\n"
	  "  --server-cert PEM    refuse unless the TLS certificate is this one (serve --cert-out)\n"
	  "  --yes                do not ask for confirmation on a terminal\n", NULL, 0 },
	{ "serve", cmd_pka_serve, "--listen ADDR:PORT [--timeout SEC] [--conn-timeout SEC] [--cert-out PEM]",
	  "HSM side: issue a challenge and take custodians' approvals over TLS until the quorum",
	  "  --listen ADDR:PORT   where custodians connect (TLS 1.3), e.g. 0.0.0.0:4433\n"
	  "  --timeout SEC        give up after SEC seconds (default 300)\n"
	  "  --conn-timeout SEC   each connection's own deadline (default 60); up to 16 at once\n"
	  "  --cert-out PEM       write the ephemeral TLS certificate (for approve --server-cert)\n"
	  "  Every accepted or refused approval, timeout and protocol error is one line on\n"
	  "  stderr and in syslog (LOG_AUTHPRIV).\n", NULL, 0 },
	{ "authenticate", cmd_authenticate, "--signature SIG (--chr CHR | --pka-file FILE)",
	  "present a custodian's signature of the pending challenge", NULL, NULL, 0 },
};
const size_t pka_ncommands = ARRAY_SIZE(pka_commands);
