// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl pka approve --connect: the custodian side of remote n-of-m
 * activation (Documentation/custodians.md, "Remote activation"; the HSM
 * side, pka serve, is cmd_pka_serve.c).
 *
 * The custodian gets the HSM's device chain and the card challenge over
 * TLS 1.3, verifies the chain, signs SHA-256(device CHR || challenge) with
 * its own token, and so can only ever approve that device and that
 * challenge; then it sends the approval and prints the server's result.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest.h"
#include "cmd.h"
#include "pka_cmd.h"
#include "pka_tls.h"
#include "pka_wire.h"
#include "util.h"

#define CONN_TIMEOUT_MS		60000	/* the whole exchange, as the server's default */
#define CONNECT_TIMEOUT_MS	30000

/* A connection failure as the custodian sees it. */
static const char *server_err_text(int err)
{
	if (err == -ECONNRESET || err == -EPIPE)
		return "the server closed the connection (too many open connections, or it stopped)";
	return pka_conn_err_text(err);
}

static int check_server_cert(SSL *ssl, const char *path)
{
	X509 *want = NULL, *got = SSL_get1_peer_certificate(ssl);
	FILE *f = fopen(path, "r");
	int rc = RC_OK;

	if (!f) {
		X509_free(got);
		return fail(RC_ERROR, "%s: %s", path, strerror(errno));
	}
	want = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!want)
		rc = fail(RC_BADFILE, "%s: not a PEM certificate", path);
	else if (!got || X509_cmp(want, got))
		rc = fail(RC_VERIFY, "the server's TLS certificate is not the one in %s", path);
	X509_free(want);
	X509_free(got);
	return rc;
}

/* The HSM's identity: its device chain (against --root) and --device. */
static int check_hello(const struct pka_approve_remote *r, const struct pka_hello *h,
		       struct devchain *ch)
{
	uint8_t *root = NULL;
	size_t root_len = 0;
	const char *why = "";
	int err;

	if (r->root) {
		err = file_read_all(r->root, 4096, &root, &root_len);
		if (err)
			return fail(RC_ERROR, "%s: %s", r->root, strerror(-err));
	}
	err = devchain_verify(h->chain, h->chain_len, root, root_len, ch, &why);
	free(root);
	if (err)
		return fail(RC_VERIFY, "the server's HSM identity does not verify: %s", why);
	if (r->device && strcmp(r->device, ch->device_chr))
		return fail(RC_VERIFY, "the server's HSM is device %s, not %s", ch->device_chr,
			    r->device);
	if (h->authenticated >= h->required || !h->required)
		return fail(RC_ERROR, "the server needs no approval (%u of %u)", h->authenticated,
			    h->required);
	return RC_OK;
}

static void show_request(const struct pka_approve_remote *r, const struct pka_hello *h,
			 const struct devchain *ch)
{
	size_t n = strlen(ch->device_chr);
	char hex[2 * PKA_WIRE_CHAL_MAX + 1];

	hex_encode(h->chal, h->chal_len, 0, hex);
	printf("Server %s: HSM device %s (serial %.*s)\n", r->connect, ch->device_chr,
	       (int)(n > 5 ? n - 5 : n), ch->device_chr);
	printf("  device chain: DICA %s, root %s (%s)\n", ch->dica_chr, ch->root_chr,
	       ch->root_verified ? "verified" : "NOT verified: no --root given");
	printf("  n-of-m activation: %u of %u custodians so far; challenge %s\n",
	       h->authenticated, h->required, hex);
	fflush(stdout);
}

static int confirm(void)
{
	char line[16];

	if (!isatty(STDIN_FILENO))
		return 1;
	printf("Approve this activation with your token? [y/N] ");
	fflush(stdout);
	return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

static int result_rc(const struct pka_result *res, const char *key_chr)
{
	if (res->status == PKA_ST_ACCEPTED) {
		printf("Approval by key %s accepted: %u of %u custodians\n", key_chr,
		       res->authenticated, res->required);
		return RC_OK;
	}
	if (res->status == PKA_ST_UNREGISTERED)
		return fail(RC_NOTFOUND, "key %s: %s", key_chr, pka_status_text(res->status));
	if (res->status == PKA_ST_REPLAY || res->status == PKA_ST_REFUSED)
		return fail(RC_AUTH, "key %s: %s", key_chr, pka_status_text(res->status));
	if (res->status == PKA_ST_ERROR)
		return fail(RC_CARD, "key %s: %s", key_chr, pka_status_text(res->status));
	return fail(RC_ERROR, "key %s: %s", key_chr, pka_status_text(res->status));
}

/* Sign the challenge with the token, send the approval, read the result. */
static int approve_exchange(const struct pka_approve_remote *r, struct pka_conn *c,
			    const struct pka_hello *h, const struct devchain *ch, uint8_t *buf)
{
	struct pka_approval a = { 0 };
	struct pka_result res;
	struct schsm_dev dev;
	uint8_t type;
	size_t len;
	int rc, n, err;

	rc = open_device(&dev);
	if (rc)
		return rc;
	rc = pka_token_sign(&dev, r->key_id, ch->device_chr, h->chal, h->chal_len, a.sig,
			    &a.sig_len, a.chr);
	schsm_dev_close(&dev);
	if (rc)
		return rc;
	n = pka_approval_encode(&a, buf, PKA_WIRE_HDR + PKA_WIRE_MAX);
	if (n < 0)
		return fail(RC_ERROR, "key %s: cannot encode the approval", a.chr);
	err = pka_frame_send(c, buf, (size_t)n);
	if (!err)
		err = pka_frame_recv(c, &type, buf, &len);
	if (err)
		return fail(RC_ERROR, "%s: %s", r->connect, server_err_text(err));
	if (type != PKA_MSG_RESULT || pka_result_decode(buf, len, &res))
		return fail(RC_ERROR, "%s: malformed result", r->connect);
	return result_rc(&res, a.chr);
}

int pka_approve_connect(const struct pka_approve_remote *r)
{
	uint8_t *buf = malloc(PKA_WIRE_HDR + PKA_WIRE_MAX);
	struct devchain ch = { 0 };
	struct pka_conn c = { .fd = -1 };
	struct pka_hello h;
	SSL_CTX *tls = NULL;
	uint8_t type;
	size_t len;
	int rc = RC_OK, err, fd;

	if (!buf)
		return fail(RC_ERROR, "out of memory");
	signal(SIGPIPE, SIG_IGN);
	tls = pka_tls_client_ctx();
	if (!tls) {
		rc = fail_ssl("TLS");
		goto out;
	}
	err = pka_connect(r->connect, CONNECT_TIMEOUT_MS, &fd);
	if (err) {
		rc = fail(err == -EINVAL ? RC_USAGE : RC_ERROR, "connect to %s: %s", r->connect,
			  err == -EINVAL ? "expected ADDR:PORT" : pka_conn_err_text(err));
		goto out;
	}
	err = pka_tls_connect(tls, fd, pka_now_ms() + CONN_TIMEOUT_MS, &c);
	if (!err)
		err = pka_frame_recv(&c, &type, buf, &len);
	if (err) {
		rc = fail(RC_ERROR, "%s: %s", r->connect, server_err_text(err));
		goto out;
	}
	if (r->server_cert)
		rc = check_server_cert(c.ssl, r->server_cert);
	if (!rc && (type != PKA_MSG_HELLO || pka_hello_decode(buf, len, &h)))
		rc = fail(RC_ERROR, "%s: malformed greeting", r->connect);
	if (!rc)
		rc = check_hello(r, &h, &ch);
	if (rc)
		goto out;
	show_request(r, &h, &ch);
	if (!r->yes && !confirm()) {
		rc = fail(RC_ERROR, "not approved");
		goto out;
	}
	/* h.chain points into buf: the exchange reuses buf only after signing */
	rc = approve_exchange(r, &c, &h, &ch, buf);
out:
	pka_conn_close(&c);
	devchain_free(&ch);
	SSL_CTX_free(tls);
	free(buf);
	return rc;
}
