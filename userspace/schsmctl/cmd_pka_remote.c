// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl pka serve | pka approve --connect
 *
 * Remote n-of-m activation (Documentation/custodians.md, "Remote
 * activation").  The HSM machine issues one card challenge, sends it with
 * its device chain over TLS 1.3 to each custodian that connects, and
 * presents each approval to the token through the driver's session.  The
 * custodian verifies the device chain, signs SHA-256(device CHR ||
 * challenge) with its own token, and so can only ever approve that device
 * and that challenge.  The server refuses and logs replays, unregistered
 * and wrong keys, malformed messages and timeouts, one line per event, and
 * exits 0 once the token reports the quorum.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest.h"
#include "cmd.h"
#include "keyfiles.h"
#include "pka_cmd.h"
#include "pka_tls.h"
#include "pka_wire.h"
#include "util.h"

#define SERVE_TIMEOUT_DEFAULT	300
#define SERVE_TIMEOUT_MAX	86400
#define CONN_TIMEOUT_MS		60000	/* one custodian's whole exchange */
#define CONNECT_TIMEOUT_MS	30000
#define CHAIN_MAX		2048	/* EF 2F02: two CVCs */
#define CHALLENGE_LEN		8
#define CERT_MAX		16384
#define KEYS_MAX		255	/* registered keys the token can hold */

struct serve_ctx {
	struct schsm_dev dev;
	char device_chr[SCHSM_MAX_CHR + 1];
	uint8_t *chain;
	size_t chain_len;
	uint8_t chal[CHALLENGE_LEN];
	uint8_t required;
	uint8_t authenticated;
	/* keys that approved this challenge: a second approval is a replay */
	char done[KEYS_MAX][SCHSM_MAX_CHR + 1];
	size_t ndone;
};

/* One line per event, on stderr and in syslog; never a secret in it. */
static void serve_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void serve_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", cur_op);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

/* ---- serve: the HSM side ------------------------------------------------ */

static int serve_prepare(struct serve_ctx *s)
{
	struct schsm_status st;
	struct schsm_info info;
	uint16_t sw;
	int rc, err;

	err = schsm_get_info(&s->dev, &info);
	if (!err)
		err = schsm_get_status(&s->dev, &st);
	if (err)
		return fail_errno(err);
	if (!st.pka_present || !st.pka_required)
		return fail(RC_USAGE, "public key authentication is not configured on this token");
	if (st.pka_missing)
		return fail(RC_USAGE, "%u of %u custodian keys are not registered yet (pka register)",
			    st.pka_missing, st.pka_total);
	memcpy(s->device_chr, info.device_chr, SCHSM_MAX_CHR);
	s->device_chr[SCHSM_MAX_CHR] = '\0';
	rc = ef_read(&s->dev, FID_DEVAUT, &s->chain, &s->chain_len);
	if (rc)
		return rc;
	if (!s->chain || !s->chain_len || s->chain_len > CHAIN_MAX)
		return fail(RC_CARD, "the token's EF 2F02 holds no device certificate chain");
	/* GET CHALLENGE also zeroes the token's n-of-m state: a fresh start */
	err = schsm_pka_challenge(&s->dev, s->chal, sizeof(s->chal), &sw);
	if (err)
		return fail_errno(err);
	if (sw != SCHSM_SW_OK)
		return fail_sw(sw);
	s->required = st.pka_required;
	s->authenticated = 0;
	return RC_OK;
}

static int already_done(const struct serve_ctx *s, const char *chr)
{
	size_t i;

	for (i = 0; i < s->ndone; i++)
		if (!strcmp(s->done[i], chr))
			return 1;
	return 0;
}

/* Present one approval to the token; the status for the custodian. */
static uint8_t serve_present(struct serve_ctx *s, const struct pka_approval *a, const char *peer)
{
	struct schsm_pka_auth res;
	int err;

	if (already_done(s, a->chr)) {
		serve_log(LOG_WARNING, "refused replay: key %s from %s already approved this challenge",
			  a->chr, peer);
		return PKA_ST_REPLAY;
	}
	err = schsm_pka_authenticate(&s->dev, a->chr, a->sig, a->sig_len, &res);
	if (err) {
		serve_log(LOG_ERR, "error: key %s from %s: the token failed: %s", a->chr, peer,
			  schsm_err_text(err));
		return PKA_ST_ERROR;
	}
	if (res.sw == 0x6a88) {
		serve_log(LOG_WARNING, "refused unregistered key %s from %s (SW 6A88)", a->chr, peer);
		return PKA_ST_UNREGISTERED;
	}
	if (res.sw == 0x6985 || res.sw == 0x6300 || (res.sw & 0xfff0) == 0x63c0) {
		serve_log(LOG_WARNING, "refused signature of key %s from %s: wrong key or stale challenge (SW %04X)",
			  a->chr, peer, res.sw);
		return PKA_ST_REFUSED;
	}
	if (res.sw != SCHSM_SW_OK) {
		serve_log(LOG_ERR, "error: key %s from %s: %s (SW %04X)", a->chr, peer,
			  schsm_sw_text(res.sw), res.sw);
		return PKA_ST_ERROR;
	}
	if (s->ndone < KEYS_MAX)
		strcpy(s->done[s->ndone++], a->chr);
	s->authenticated = res.authenticated;
	s->required = res.required;
	serve_log(LOG_NOTICE, "accepted key %s from %s: %u of %u custodians", a->chr, peer,
		  s->authenticated, s->required);
	return PKA_ST_ACCEPTED;
}

static void serve_result(struct pka_conn *c, const struct serve_ctx *s, uint8_t status)
{
	struct pka_result r = { status, s->authenticated, s->required };
	uint8_t frame[PKA_WIRE_HDR + 3];
	int n = pka_result_encode(&r, frame, sizeof(frame));

	if (n > 0 && pka_frame_send(c, frame, (size_t)n))
		serve_log(LOG_WARNING, "%s: could not send the result", c->peer);
}

static const char *conn_err_text(int err)
{
	if (err == -ETIMEDOUT)
		return "timed out";
	if (err == -ECONNRESET)
		return "hung up without an approval";
	if (err == -EMSGSIZE)
		return "frame over the size limit";
	if (err == -EPROTO)
		return "TLS failure";
	return strerror(-err);
}

static void serve_conn(struct serve_ctx *s, SSL_CTX *tls, int fd, uint64_t deadline)
{
	uint8_t *payload = malloc(PKA_WIRE_MAX), *frame = malloc(PKA_WIRE_HDR + PKA_WIRE_MAX);
	struct pka_hello h = { 0 };
	struct pka_approval a;
	struct pka_conn c;
	uint8_t type;
	size_t len;
	int err, n;

	err = pka_tls_accept(tls, fd, deadline, &c);
	if (err) {
		serve_log(LOG_WARNING, "refused connection from %s: handshake: %s", c.peer,
			  conn_err_text(err));
		goto out;
	}
	if (!payload || !frame) {
		serve_log(LOG_ERR, "error: out of memory");
		goto out;
	}
	memcpy(h.chal, s->chal, sizeof(s->chal));
	h.chal_len = sizeof(s->chal);
	h.chain = s->chain;
	h.chain_len = s->chain_len;
	h.required = s->required;
	h.authenticated = s->authenticated;
	n = pka_hello_encode(&h, frame, PKA_WIRE_HDR + PKA_WIRE_MAX);
	err = n < 0 ? n : pka_frame_send(&c, frame, (size_t)n);
	if (!err)
		err = pka_frame_recv(&c, &type, payload, &len);
	if (err) {
		serve_log(LOG_WARNING, "refused connection from %s: %s", c.peer, conn_err_text(err));
		goto out;
	}
	if (type != PKA_MSG_APPROVAL || pka_approval_decode(payload, len, &a)) {
		serve_log(LOG_WARNING, "refused connection from %s: malformed approval", c.peer);
		serve_result(&c, s, PKA_ST_PROTOCOL);
		goto out;
	}
	serve_result(&c, s, serve_present(s, &a, c.peer));
out:
	pka_conn_close(&c);
	free(payload);
	free(frame);
}

static int write_cert(const char *path, X509 *cert)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	long n;
	int rc = RC_OK, err;

	if (!b || !PEM_write_bio_X509(b, cert) || (n = BIO_get_mem_data(b, &pem)) <= 0) {
		BIO_free(b);
		return fail_ssl("TLS certificate");
	}
	err = file_write_new(path, (const uint8_t *)pem, (size_t)n, 1);
	if (err)
		rc = fail(RC_ERROR, "%s: %s", path, strerror(-err));
	BIO_free(b);
	return rc;
}

static int serve_loop(struct serve_ctx *s, SSL_CTX *tls, int lfd, unsigned int timeout_s)
{
	uint64_t end = pka_now_ms() + (uint64_t)timeout_s * 1000, now, conn_end;
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int fd, n;

	while (s->authenticated < s->required) {
		now = pka_now_ms();
		if (now >= end) {
			serve_log(LOG_WARNING, "timeout after %u s: %u of %u custodians; activation failed",
				  timeout_s, s->authenticated, s->required);
			return fail(RC_AUTH, "timed out with %u of %u custodians", s->authenticated,
				    s->required);
		}
		n = poll(&p, 1, (int)(end - now > 1000000 ? 1000000 : end - now));
		if (n < 0 && errno != EINTR)
			return fail(RC_ERROR, "poll: %s", strerror(errno));
		if (n <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		conn_end = pka_now_ms() + CONN_TIMEOUT_MS;
		serve_conn(s, tls, fd, conn_end < end ? conn_end : end);
	}
	serve_log(LOG_NOTICE, "activation complete: %u of %u custodians for device %s; keys usable until logout or removal",
		  s->authenticated, s->required, s->device_chr);
	printf("n-of-m activation of device %s complete: %u of %u custodians\n", s->device_chr,
	       s->authenticated, s->required);
	return RC_OK;
}

int cmd_pka_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cert-out", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_at = NULL, *cert_out = NULL;
	unsigned int timeout_s = SERVE_TIMEOUT_DEFAULT;
	struct serve_ctx *s;
	SSL_CTX *tls = NULL;
	X509 *cert = NULL;
	char cn[64];
	int o, rc, err, lfd = -1;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'l': listen_at = optarg; break;
		case 't':
			if (parse_uint(optarg, 1, SERVE_TIMEOUT_MAX, &timeout_s))
				return usage_error("--timeout takes 1..%d seconds", SERVE_TIMEOUT_MAX);
			break;
		case 'c': cert_out = optarg; break;
		default: return usage_error("bad option");
		}
	}
	if (optind != argc || !listen_at)
		return usage_error("--listen ADDR:PORT is required");
	s = calloc(1, sizeof(*s));
	if (!s)
		return fail(RC_ERROR, "out of memory");
	/* a custodian that hangs up mid-write is an event, not a reason to die */
	signal(SIGPIPE, SIG_IGN);
	openlog("schsmctl", LOG_PID, LOG_AUTHPRIV);
	rc = open_device(&s->dev);
	if (rc)
		goto out_free;
	rc = serve_prepare(s);
	if (rc)
		goto out_close;
	snprintf(cn, sizeof(cn), "schsm pka serve %s", s->device_chr);
	tls = pka_tls_server_ctx(cn, &cert);
	if (!tls) {
		rc = fail_ssl("TLS");
		goto out_close;
	}
	if (cert_out) {
		rc = write_cert(cert_out, cert);
		if (rc)
			goto out_close;
	}
	err = pka_listen(listen_at, &lfd);
	if (err) {
		rc = fail(err == -EINVAL ? RC_USAGE : RC_ERROR, "listen on %s: %s", listen_at,
			  err == -EINVAL ? "expected ADDR:PORT" : strerror(-err));
		goto out_close;
	}
	serve_log(LOG_NOTICE, "listening on %s for device %s: %u custodians required, timeout %u s",
		  listen_at, s->device_chr, s->required, timeout_s);
	rc = serve_loop(s, tls, lfd, timeout_s);
	close(lfd);
out_close:
	schsm_dev_close(&s->dev);
out_free:
	SSL_CTX_free(tls);
	X509_free(cert);
	free(s->chain);
	free(s);
	closelog();
	return rc;
}

/* ---- approve --connect: the custodian side ------------------------------- */

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
		return fail(RC_ERROR, "%s: %s", r->connect, conn_err_text(err));
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
			  err == -EINVAL ? "expected ADDR:PORT" : conn_err_text(err));
		goto out;
	}
	err = pka_tls_connect(tls, fd, pka_now_ms() + CONN_TIMEOUT_MS, &c);
	if (!err)
		err = pka_frame_recv(&c, &type, buf, &len);
	if (err) {
		rc = fail(RC_ERROR, "%s: %s", r->connect, conn_err_text(err));
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
