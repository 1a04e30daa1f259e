// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl pka serve: the HSM side of remote n-of-m activation
 * (Documentation/custodians.md, "Remote activation").
 *
 * The server issues one card challenge and serves custodians side by side,
 * at most CONNS_MAX at a time.  Each accepted connection gets a child
 * process that does the TLS handshake, sends the HELLO and reads the
 * APPROVAL under the connection's own deadline.  The child holds no
 * descriptor of the token (closed right after fork): it hands the approval
 * to the parent over a socketpair in a fixed, bounded format, gets the
 * RESULT frame back, sends it and reports how the connection ended.
 *
 * The parent alone talks to the token, one EXTERNAL AUTHENTICATE at a time
 * in the driver's one session; it keeps the replay list and writes every
 * log line (stderr and syslog authpriv, one per event, never a secret), so
 * the log is in event order.  It exits 0 once the token reports the quorum.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmd.h"
#include "keyfiles.h"
#include "pka_cmd.h"
#include "pka_tls.h"
#include "pka_wire.h"
#include "util.h"

#define SERVE_TIMEOUT_DEFAULT	300
#define SERVE_TIMEOUT_MAX	86400
#define CONN_TIMEOUT_DEFAULT	60	/* one custodian's whole exchange */
#define CONN_TIMEOUT_MAX	3600
#define CONNS_MAX		16	/* open connections; more are refused */
#define KILL_GRACE_MS		5000	/* a child past its deadline by this is killed */
#define CHAIN_MAX		2048	/* EF 2F02: two CVCs */
#define CHALLENGE_LEN		8
#define KEYS_MAX		255	/* registered keys the token can hold */

/*
 * Child -> parent messages (SOCK_SEQPACKET, one message per send):
 *   REPORT    CHILD_MSG_REPORT | outcome | errno (1 byte, 0 if none)
 *   APPROVAL  CHILD_MSG_APPROVAL | APPROVAL frame (header included)
 * Parent -> child: one RESULT frame.  The parent decodes what a child sends
 * as hostile input: the child is the process that parses the network.
 */
enum child_msg { CHILD_MSG_REPORT = 1, CHILD_MSG_APPROVAL = 2 };

enum child_outcome {
	OUT_HANDSHAKE = 1,	/* the TLS handshake failed */
	OUT_EXCHANGE,		/* HELLO not sent or no APPROVAL frame read */
	OUT_MALFORMED,		/* an APPROVAL that does not decode */
	OUT_SENT,		/* the RESULT went out */
	OUT_UNSENT,		/* the RESULT could not be sent */
};

#define REPORT_LEN		3
#define APPROVAL_FRAME_MAX	(PKA_WIRE_HDR + 3 + PKA_WIRE_CHR_MAX + PKA_WIRE_SIG_MAX)
#define CHILD_MSG_MAX		(1 + APPROVAL_FRAME_MAX)
#define RESULT_FRAME_LEN	(PKA_WIRE_HDR + 3)

enum slot_state {
	SLOT_FREE,
	SLOT_OPEN,		/* connection in progress, no approval yet */
	SLOT_ANSWERED,		/* approval presented, RESULT handed to the child */
};

struct conn_slot {
	enum slot_state state;
	pid_t pid;
	int chan;		/* the parent's end of the socketpair */
	uint64_t deadline_ms;	/* the connection's; the child enforces it */
	char peer[64];
};

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
	SSL_CTX *tls;
	int lfd;
	unsigned int conn_timeout_s;
	pid_t parent;
	sigset_t run_mask;	/* the mask children and ppoll run with */
	struct conn_slot slots[CONNS_MAX];
};

/* SIGINT, SIGTERM, SIGHUP: stop serving (blocked outside ppoll) */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

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

/* ---- the token: challenge, approvals (parent only) ----------------------- */

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

/* ---- one connection: the child process ----------------------------------- */

static void child_report(int chan, enum child_outcome out, int err)
{
	uint8_t msg[REPORT_LEN] = { CHILD_MSG_REPORT, (uint8_t)out, 0 };

	if (err < 0 && err > -256)
		msg[2] = (uint8_t)-err;
	else if (err)
		msg[2] = (uint8_t)EIO;
	/* on failure the parent sees the channel close without a report */
	send(chan, msg, sizeof(msg), MSG_NOSIGNAL);
}

/*
 * The token stays with the parent: no descriptor of it, of the listening
 * socket or of the other connections' channels survives here.  The child
 * dies with the parent and takes SIGTERM as a plain process does.
 */
static void child_isolate(struct serve_ctx *s)
{
	size_t i;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != s->parent)
		_exit(1);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigprocmask(SIG_SETMASK, &s->run_mask, NULL);
	schsm_dev_close(&s->dev);
	close(s->lfd);
	for (i = 0; i < CONNS_MAX; i++)
		if (s->slots[i].state != SLOT_FREE)
			close(s->slots[i].chan);
	closelog();
}

/* The approval to the parent, its RESULT frame back into res_frame. */
static int child_ask_parent(int chan, const struct pka_approval *a,
			    uint8_t res_frame[RESULT_FRAME_LEN])
{
	uint8_t msg[CHILD_MSG_MAX], type;
	ssize_t n;
	size_t len;
	int flen;

	msg[0] = CHILD_MSG_APPROVAL;
	flen = pka_approval_encode(a, msg + 1, sizeof(msg) - 1);
	if (flen < 0)
		return flen;
	if (send(chan, msg, (size_t)flen + 1, MSG_NOSIGNAL) != flen + 1)
		return -EPIPE;
	do
		n = recv(chan, res_frame, RESULT_FRAME_LEN, 0);
	while (n < 0 && errno == EINTR);
	if (n != RESULT_FRAME_LEN || pka_frame_header(res_frame, &type, &len) ||
	    type != PKA_MSG_RESULT || len != RESULT_FRAME_LEN - PKA_WIRE_HDR)
		return -EPIPE;
	return 0;
}

static void child_send_status(struct pka_conn *c, const struct serve_ctx *s, uint8_t status)
{
	struct pka_result r = { status, s->authenticated, s->required };
	uint8_t frame[RESULT_FRAME_LEN];
	int n = pka_result_encode(&r, frame, sizeof(frame));

	if (n > 0)
		pka_frame_send(c, frame, (size_t)n);
}

/* HELLO out, APPROVAL in; the outcome to report and its -errno. */
static enum child_outcome child_exchange(struct serve_ctx *s, struct pka_conn *c, int chan,
					 uint8_t *frame, uint8_t *payload, int *err)
{
	uint8_t res_frame[RESULT_FRAME_LEN], type;
	struct pka_hello h = { 0 };
	struct pka_approval a;
	size_t len;
	int n;

	memcpy(h.chal, s->chal, sizeof(s->chal));
	h.chal_len = sizeof(s->chal);
	h.chain = s->chain;
	h.chain_len = s->chain_len;
	h.required = s->required;
	h.authenticated = s->authenticated;
	n = pka_hello_encode(&h, frame, PKA_WIRE_HDR + PKA_WIRE_MAX);
	*err = n < 0 ? n : pka_frame_send(c, frame, (size_t)n);
	if (!*err)
		*err = pka_frame_recv(c, &type, payload, &len);
	if (*err)
		return OUT_EXCHANGE;
	if (type != PKA_MSG_APPROVAL || pka_approval_decode(payload, len, &a)) {
		child_send_status(c, s, PKA_ST_PROTOCOL);
		return OUT_MALFORMED;
	}
	*err = child_ask_parent(chan, &a, res_frame);
	if (*err) {
		child_send_status(c, s, PKA_ST_ERROR);
		return OUT_UNSENT;
	}
	*err = pka_frame_send(c, res_frame, sizeof(res_frame));
	return *err ? OUT_UNSENT : OUT_SENT;
}

static void __attribute__((noreturn))
serve_child(struct serve_ctx *s, int fd, int chan, uint64_t deadline)
{
	uint8_t *payload = malloc(PKA_WIRE_MAX), *frame = malloc(PKA_WIRE_HDR + PKA_WIRE_MAX);
	enum child_outcome out = OUT_HANDSHAKE;
	struct pka_conn c;
	int err;

	child_isolate(s);
	err = pka_tls_accept(s->tls, fd, deadline, &c);
	if (!err && (!payload || !frame)) {
		out = OUT_EXCHANGE;
		err = -ENOMEM;
	} else if (!err) {
		out = child_exchange(s, &c, chan, frame, payload, &err);
	}
	/* the peer is gone before the parent logs the end of the connection */
	pka_conn_close(&c);
	child_report(chan, out, err);
	free(payload);
	free(frame);
	_exit(0);
}

/* ---- connections: the parent's side --------------------------------------- */

/* Kill and reap the child (it has reported, died or overrun), free the slot. */
static int slot_end(struct conn_slot *slot)
{
	int status = 0;

	close(slot->chan);
	kill(slot->pid, SIGKILL);	/* our unreaped child: the pid is still ours */
	while (waitpid(slot->pid, &status, 0) < 0 && errno == EINTR)
		;
	slot->state = SLOT_FREE;
	slot->pid = 0;
	return status;
}

static unsigned int slots_open(const struct serve_ctx *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < CONNS_MAX; i++)
		n += s->slots[i].state != SLOT_FREE;
	return n;
}

static void log_report(const struct conn_slot *slot, uint8_t out, uint8_t err)
{
	switch (out) {
	case OUT_HANDSHAKE:
		serve_log(LOG_WARNING, "refused connection from %s: handshake: %s", slot->peer,
			  pka_conn_err_text(-(int)err));
		break;
	case OUT_EXCHANGE:
		serve_log(LOG_WARNING, "refused connection from %s: %s", slot->peer,
			  pka_conn_err_text(-(int)err));
		break;
	case OUT_MALFORMED:
		serve_log(LOG_WARNING, "refused connection from %s: malformed approval", slot->peer);
		break;
	case OUT_UNSENT:
		serve_log(LOG_WARNING, "%s: could not send the result: %s", slot->peer,
			  pka_conn_err_text(-(int)err));
		break;
	case OUT_SENT:
		break;
	default:
		serve_log(LOG_ERR, "error: the handler of %s reported outcome %u", slot->peer, out);
	}
}

/* A child's APPROVAL: decode it again, present it, hand back the RESULT. */
static int slot_present(struct serve_ctx *s, struct conn_slot *slot, const uint8_t *msg,
			size_t n)
{
	uint8_t frame[RESULT_FRAME_LEN], type;
	struct pka_approval a;
	struct pka_result r;
	size_t len;

	if (slot->state != SLOT_OPEN || n < 1 + PKA_WIRE_HDR ||
	    pka_frame_header(msg + 1, &type, &len) || type != PKA_MSG_APPROVAL ||
	    len != n - 1 - PKA_WIRE_HDR || pka_approval_decode(msg + 1 + PKA_WIRE_HDR, len, &a))
		return -EBADMSG;
	r.status = serve_present(s, &a, slot->peer);
	r.authenticated = s->authenticated;
	r.required = s->required;
	if (pka_result_encode(&r, frame, sizeof(frame)) != RESULT_FRAME_LEN ||
	    send(slot->chan, frame, sizeof(frame), MSG_NOSIGNAL | MSG_DONTWAIT) != RESULT_FRAME_LEN)
		return -EPIPE;
	slot->state = SLOT_ANSWERED;
	return 0;
}

static void slot_event(struct serve_ctx *s, struct conn_slot *slot)
{
	uint8_t msg[CHILD_MSG_MAX + 1];
	ssize_t n;
	int status;

	n = recv(slot->chan, msg, sizeof(msg), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == REPORT_LEN && msg[0] == CHILD_MSG_REPORT) {
		log_report(slot, msg[1], msg[2]);
		slot_end(slot);
		return;
	}
	if (n > 0 && n <= CHILD_MSG_MAX && msg[0] == CHILD_MSG_APPROVAL &&
	    !slot_present(s, slot, msg, (size_t)n))
		return;
	if (n > 0) {
		serve_log(LOG_ERR, "error: the handler of %s sent a malformed message", slot->peer);
		slot_end(slot);
		return;
	}
	status = slot_end(slot);
	if (WIFSIGNALED(status))
		serve_log(LOG_ERR, "error: the handler of %s died (signal %d)", slot->peer,
			  WTERMSIG(status));
	else
		serve_log(LOG_ERR, "error: the handler of %s ended without a report (exit %d)",
			  slot->peer, WEXITSTATUS(status));
}

/* The child enforces its deadline; one that overruns it anyway is killed. */
static void slots_kill_overdue(struct serve_ctx *s, uint64_t now)
{
	struct conn_slot *slot;
	size_t i;

	for (i = 0; i < CONNS_MAX; i++) {
		slot = &s->slots[i];
		if (slot->state != SLOT_FREE && now >= slot->deadline_ms + KILL_GRACE_MS) {
			serve_log(LOG_ERR, "error: the handler of %s overran its deadline; killed",
				  slot->peer);
			slot_end(slot);
		}
	}
}

static void conn_start(struct serve_ctx *s, int fd, const char *peer)
{
	struct conn_slot *slot = NULL;
	uint64_t deadline;
	int sv[2];
	size_t i;
	pid_t pid;

	for (i = 0; i < CONNS_MAX && !slot; i++)
		if (s->slots[i].state == SLOT_FREE)
			slot = &s->slots[i];
	if (!slot) {
		serve_log(LOG_WARNING, "refused connection from %s: too many open connections (%d)",
			  peer, CONNS_MAX);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		serve_log(LOG_ERR, "error: connection from %s: socketpair: %s", peer, strerror(errno));
		return;
	}
	serve_log(LOG_INFO, "connection from %s", peer);
	deadline = pka_now_ms() + (uint64_t)s->conn_timeout_s * 1000;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		serve_child(s, fd, sv[1], deadline);
	}
	close(sv[1]);
	if (pid < 0) {
		serve_log(LOG_ERR, "error: connection from %s: fork: %s", peer, strerror(errno));
		close(sv[0]);
		return;
	}
	slot->state = SLOT_OPEN;
	slot->pid = pid;
	slot->chan = sv[0];
	slot->deadline_ms = deadline;
	snprintf(slot->peer, sizeof(slot->peer), "%s", peer);
}

static void conn_accept(struct serve_ctx *s)
{
	char peer[64];
	int fd;

	fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	pka_peer_name(fd, peer, sizeof(peer));
	conn_start(s, fd, peer);
	close(fd);	/* the child has its own copy */
}

/*
 * Wait for events up to until_ms: the listening socket (if accepting) and
 * every child's channel.  Child events first, so slots they free are
 * available to the connection accepted next.
 */
static int serve_wait(struct serve_ctx *s, uint64_t until_ms, int accepting)
{
	struct pollfd pfd[1 + CONNS_MAX];
	struct conn_slot *of[1 + CONNS_MAX];
	uint64_t now = pka_now_ms(), wake = until_ms;
	struct timespec ts;
	nfds_t n = 0, i;
	size_t k;

	if (accepting) {
		pfd[n] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		of[n++] = NULL;
	}
	for (k = 0; k < CONNS_MAX; k++) {
		if (s->slots[k].state == SLOT_FREE)
			continue;
		pfd[n] = (struct pollfd){ .fd = s->slots[k].chan, .events = POLLIN };
		of[n++] = &s->slots[k];
		if (s->slots[k].deadline_ms + KILL_GRACE_MS < wake)
			wake = s->slots[k].deadline_ms + KILL_GRACE_MS;
	}
	wake = wake > now ? wake - now : 0;
	ts.tv_sec = (time_t)(wake / 1000);
	ts.tv_nsec = (long)(wake % 1000) * 1000000;
	if (ppoll(pfd, n, &ts, &s->run_mask) < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++)
		if (of[i] && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			slot_event(s, of[i]);
	if (accepting && (pfd[0].revents & POLLIN))
		conn_accept(s);
	slots_kill_overdue(s, pka_now_ms());
	return 0;
}

/*
 * The server stops: connections without an approval are dropped (logged);
 * those whose approval was presented get to send their RESULT, each within
 * its own deadline.
 */
static void serve_stop(struct serve_ctx *s, const char *why)
{
	size_t i;

	close(s->lfd);
	s->lfd = -1;
	for (i = 0; i < CONNS_MAX; i++) {
		if (s->slots[i].state == SLOT_OPEN) {
			serve_log(LOG_NOTICE, "dropped connection from %s: %s", s->slots[i].peer, why);
			slot_end(&s->slots[i]);
		}
	}
	while (slots_open(s))
		if (serve_wait(s, UINT64_MAX, 0))
			break;
	for (i = 0; i < CONNS_MAX; i++)
		if (s->slots[i].state != SLOT_FREE)
			slot_end(&s->slots[i]);
}

static int serve_loop(struct serve_ctx *s, unsigned int timeout_s)
{
	uint64_t end = pka_now_ms() + (uint64_t)timeout_s * 1000;
	int err;

	while (s->authenticated < s->required) {
		if (stop_signal) {
			serve_log(LOG_WARNING, "stopped by signal (%s): %u of %u custodians; activation failed",
				  strsignal(stop_signal), s->authenticated, s->required);
			serve_stop(s, "server stopped");
			return fail(RC_AUTH, "stopped with %u of %u custodians", s->authenticated,
				    s->required);
		}
		if (pka_now_ms() >= end) {
			serve_log(LOG_WARNING, "timeout after %u s: %u of %u custodians; activation failed",
				  timeout_s, s->authenticated, s->required);
			serve_stop(s, "server timeout");
			return fail(RC_AUTH, "timed out with %u of %u custodians", s->authenticated,
				    s->required);
		}
		err = serve_wait(s, end, 1);
		if (err) {
			serve_stop(s, "server error");
			return fail(RC_ERROR, "poll: %s", strerror(-err));
		}
	}
	serve_log(LOG_NOTICE, "activation complete: %u of %u custodians for device %s; keys usable until logout or removal",
		  s->authenticated, s->required, s->device_chr);
	serve_stop(s, "activation complete");
	printf("n-of-m activation of device %s complete: %u of %u custodians\n", s->device_chr,
	       s->authenticated, s->required);
	return RC_OK;
}

/* ---- the command ----------------------------------------------------------- */

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

/* Stop signals are blocked except while waiting in ppoll (no lost wakeup). */
static void stop_signals_catch(struct serve_ctx *s, sigset_t *saved)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, saved);
	s->run_mask = *saved;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void stop_signals_release(const sigset_t *saved)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigprocmask(SIG_SETMASK, saved, NULL);
}

struct serve_opts {
	const char *listen_at;
	const char *cert_out;
	unsigned int timeout_s;
	unsigned int conn_timeout_s;
};

static int serve_parse(int argc, char **argv, struct serve_opts *o)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "conn-timeout", required_argument, NULL, 'C' },
		{ "cert-out", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->timeout_s = SERVE_TIMEOUT_DEFAULT;
	o->conn_timeout_s = CONN_TIMEOUT_DEFAULT;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': o->listen_at = optarg; break;
		case 't':
			if (parse_uint(optarg, 1, SERVE_TIMEOUT_MAX, &o->timeout_s))
				return usage_error("--timeout takes 1..%d seconds", SERVE_TIMEOUT_MAX);
			break;
		case 'C':
			if (parse_uint(optarg, 1, CONN_TIMEOUT_MAX, &o->conn_timeout_s))
				return usage_error("--conn-timeout takes 1..%d seconds",
						   CONN_TIMEOUT_MAX);
			break;
		case 'c': o->cert_out = optarg; break;
		default: return usage_error("bad option");
		}
	}
	if (optind != argc || !o->listen_at)
		return usage_error("--listen ADDR:PORT is required");
	return RC_OK;
}

/* TLS context, --cert-out, the listening socket. */
static int serve_open(struct serve_ctx *s, const struct serve_opts *o, X509 **cert)
{
	char cn[64];
	int err;

	snprintf(cn, sizeof(cn), "schsm pka serve %s", s->device_chr);
	s->tls = pka_tls_server_ctx(cn, cert);
	if (!s->tls)
		return fail_ssl("TLS");
	if (o->cert_out) {
		err = write_cert(o->cert_out, *cert);
		if (err)
			return err;
	}
	err = pka_listen(o->listen_at, &s->lfd);
	if (err)
		return fail(err == -EINVAL ? RC_USAGE : RC_ERROR, "listen on %s: %s", o->listen_at,
			    err == -EINVAL ? "expected ADDR:PORT" : strerror(-err));
	return RC_OK;
}

int cmd_pka_serve(int argc, char **argv)
{
	struct serve_opts o = { 0 };
	struct serve_ctx *s;
	X509 *cert = NULL;
	sigset_t saved;
	int rc;

	rc = serve_parse(argc, argv, &o);
	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return fail(RC_ERROR, "out of memory");
	s->lfd = -1;
	s->conn_timeout_s = o.conn_timeout_s;
	s->parent = getpid();
	/* a custodian that hangs up mid-write is an event, not a reason to die */
	signal(SIGPIPE, SIG_IGN);
	openlog("schsmctl", LOG_PID, LOG_AUTHPRIV);
	rc = open_device(&s->dev);
	if (rc)
		goto out_free;
	rc = serve_prepare(s);
	if (!rc)
		rc = serve_open(s, &o, &cert);
	if (rc)
		goto out_close;
	serve_log(LOG_NOTICE, "listening on %s for device %s: %u custodians required, timeout %u s",
		  o.listen_at, s->device_chr, s->required, o.timeout_s);
	stop_signals_catch(s, &saved);
	rc = serve_loop(s, o.timeout_s);
	stop_signals_release(&saved);
out_close:
	if (s->lfd >= 0)
		close(s->lfd);
	schsm_dev_close(&s->dev);
out_free:
	SSL_CTX_free(s->tls);
	X509_free(cert);
	free(s->chain);
	free(s);
	closelog();
	return rc;
}
