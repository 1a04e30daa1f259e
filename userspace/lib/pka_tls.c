// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: TLS 1.3 transport for remote n-of-m (see pka_tls.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "pka_tls.h"
#include "pka_wire.h"

uint64_t pka_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "host:port" or "[v6]:port" into host and port strings. */
static int split_hostport(const char *s, char *host, size_t hcap, char *port, size_t pcap)
{
	const char *colon, *h = s;
	size_t hlen;

	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (!hlen || hlen >= hcap || strlen(colon + 1) >= pcap || !colon[1])
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static int resolve(const char *hostport, int passive, struct addrinfo **res)
{
	struct addrinfo hints = { 0 };
	char host[256], port[16];

	if (split_hostport(hostport, host, sizeof(host), port, sizeof(port)))
		return -EINVAL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	return getaddrinfo(host, port, &hints, res) ? -EADDRNOTAVAIL : 0;
}

int pka_listen(const char *hostport, int *fd)
{
	struct addrinfo *ai;
	int one = 1, s, err = resolve(hostport, 1, &ai);

	if (err)
		return err;
	s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, ai->ai_addr, ai->ai_addrlen) || listen(s, PKA_LISTEN_BACKLOG)) {
		err = -errno;
		if (s >= 0)
			close(s);
		freeaddrinfo(ai);
		return err;
	}
	freeaddrinfo(ai);
	*fd = s;
	return 0;
}

static int connect_within(int s, const struct addrinfo *ai, unsigned int timeout_ms)
{
	struct pollfd p = { .fd = s, .events = POLLOUT };
	int flags = fcntl(s, F_GETFL), soerr = 0, n;
	socklen_t sl = sizeof(soerr);

	if (flags < 0 || fcntl(s, F_SETFL, flags | O_NONBLOCK))
		return -errno;
	if (connect(s, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)
		return -errno;
	n = poll(&p, 1, (int)timeout_ms);
	if (n == 0)
		return -ETIMEDOUT;
	if (n < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl))
		return -errno;
	if (soerr)
		return -soerr;
	return fcntl(s, F_SETFL, flags) ? -errno : 0;
}

int pka_connect(const char *hostport, unsigned int timeout_ms, int *fd)
{
	struct addrinfo *ai;
	int s, err = resolve(hostport, 0, &ai);

	if (err)
		return err;
	s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	err = s < 0 ? -errno : connect_within(s, ai, timeout_ms);
	freeaddrinfo(ai);
	if (err) {
		if (s >= 0)
			close(s);
		return err;
	}
	*fd = s;
	return 0;
}

static X509 *self_signed(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	uint8_t rnd[8];
	BIGNUM *bn = NULL;
	int ok;

	ok = x && name && sn && RAND_bytes(rnd, sizeof(rnd)) == 1 &&
	     (bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) && BN_to_ASN1_INTEGER(bn, sn) &&
	     X509_set_version(x, X509_VERSION_3) && X509_set_serialNumber(x, sn) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -300) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
					-1, -1, 0) &&
	     X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
	     X509_set_pubkey(x, key) && X509_sign(x, key, EVP_sha256());
	BN_free(bn);
	ASN1_INTEGER_free(sn);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static SSL_CTX *tls13_ctx(const SSL_METHOD *m)
{
	SSL_CTX *ctx = SSL_CTX_new(m);

	if (ctx && (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
		    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

SSL_CTX *pka_tls_server_ctx(const char *cn, X509 **cert)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	SSL_CTX *ctx = NULL;
	X509 *x = key ? self_signed(key, cn) : NULL;

	if (x)
		ctx = tls13_ctx(TLS_server_method());
	/* one exchange per connection: no session tickets, no resumption */
	if (ctx && (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1 || SSL_CTX_set_num_tickets(ctx, 0) != 1)) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	EVP_PKEY_free(key);	/* the context holds its own reference */
	if (!ctx) {
		X509_free(x);
		return NULL;
	}
	*cert = x;
	return ctx;
}

SSL_CTX *pka_tls_client_ctx(void)
{
	SSL_CTX *ctx = tls13_ctx(TLS_client_method());

	/* identity is checked in the protocol, see pka_tls.h */
	if (ctx)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

/*
 * The socket is non-blocking: every TLS call that wants to read or write
 * waits in poll() for at most what is left until the connection's one
 * deadline, so a peer trickling bytes cannot stretch it.
 */
static int wait_io(struct pka_conn *c, int want)
{
	struct pollfd p = { .fd = c->fd };
	uint64_t now = pka_now_ms();
	int n;

	if (want == SSL_ERROR_WANT_READ)
		p.events = POLLIN;
	else if (want == SSL_ERROR_WANT_WRITE)
		p.events = POLLOUT;
	else
		return -EPROTO;
	if (now >= c->deadline_ms)
		return -ETIMEDOUT;
	n = poll(&p, 1, (int)(c->deadline_ms - now));
	if (n == 0)
		return -ETIMEDOUT;
	if (n < 0 && errno != EINTR)
		return -errno;
	return 0;
}

static int ssl_fail(int e)
{
	unsigned long why = ERR_peek_last_error();

	ERR_clear_error();
	if (e == SSL_ERROR_ZERO_RETURN)
		return -ECONNRESET;
	if (e == SSL_ERROR_SYSCALL)
		return errno ? -errno : -ECONNRESET;
	/* OpenSSL 3 reports an EOF without close_notify as a protocol error */
	if (ERR_GET_LIB(why) == ERR_LIB_SSL &&
	    ERR_GET_REASON(why) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
		return -ECONNRESET;
	return -EPROTO;
}

enum tls_op { OP_ACCEPT, OP_CONNECT, OP_READ, OP_WRITE };

/* One TLS operation to completion, or an error, by the deadline. */
static int tls_do(struct pka_conn *c, enum tls_op op, void *buf, size_t len, size_t *done)
{
	int ret, e, err;

	for (;;) {
		errno = 0;
		switch (op) {
		case OP_ACCEPT: ret = SSL_accept(c->ssl); break;
		case OP_CONNECT: ret = SSL_connect(c->ssl); break;
		case OP_READ: ret = SSL_read_ex(c->ssl, buf, len, done); break;
		default: ret = SSL_write_ex(c->ssl, buf, len, done); break;
		}
		if (ret == 1)
			return 0;
		e = SSL_get_error(c->ssl, ret);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return ssl_fail(e);
		err = wait_io(c, e);
		if (err)
			return err;
	}
}

void pka_peer_name(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN], port[8];

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(out, cap, "unknown peer");
	else
		snprintf(out, cap, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

static int tls_start(SSL_CTX *ctx, int fd, uint64_t deadline_ms, struct pka_conn *c, int server)
{
	int flags;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->deadline_ms = deadline_ms;
	pka_peer_name(fd, c->peer, sizeof(c->peer));
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		return -errno;
	c->ssl = SSL_new(ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1)
		return -ENOMEM;
	return tls_do(c, server ? OP_ACCEPT : OP_CONNECT, NULL, 0, NULL);
}

int pka_tls_accept(SSL_CTX *ctx, int fd, uint64_t deadline_ms, struct pka_conn *c)
{
	return tls_start(ctx, fd, deadline_ms, c, 1);
}

int pka_tls_connect(SSL_CTX *ctx, int fd, uint64_t deadline_ms, struct pka_conn *c)
{
	return tls_start(ctx, fd, deadline_ms, c, 0);
}

int pka_frame_send(struct pka_conn *c, const uint8_t *frame, size_t len)
{
	size_t done = 0;
	int err = tls_do(c, OP_WRITE, (void *)frame, len, &done);

	if (!err && done != len)
		err = -EIO;
	return err;
}

static int read_exact(struct pka_conn *c, uint8_t *buf, size_t len)
{
	size_t got, n;
	int err;

	for (got = 0; got < len; got += n) {
		err = tls_do(c, OP_READ, buf + got, len - got, &n);
		if (err)
			return err;
	}
	return 0;
}

int pka_frame_recv(struct pka_conn *c, uint8_t *type, uint8_t *payload, size_t *len)
{
	uint8_t hdr[PKA_WIRE_HDR];
	int err = read_exact(c, hdr, sizeof(hdr));

	if (err)
		return err;
	if (pka_frame_header(hdr, type, len))
		return -EMSGSIZE;
	return read_exact(c, payload, *len);
}

const char *pka_conn_err_text(int err)
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

void pka_conn_close(struct pka_conn *c)
{
	if (c->ssl) {
		/* best effort and non-blocking: one close_notify, no waiting */
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
