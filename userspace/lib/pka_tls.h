/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: the TLS 1.3 transport of remote n-of-m authentication
 * (sockets, OpenSSL libssl, one frame at a time under a deadline).
 *
 * TLS here gives confidentiality and integrity of the exchange.  Who the
 * server is does not rest on its TLS certificate (an ephemeral self-signed
 * one, pinnable with --server-cert) but on the HSM's device chain and on the
 * custodian's signature being bound to that device's CHR and to the card's
 * one-time challenge: see Documentation/custodians.md.
 */
#ifndef SCHSM_PKA_TLS_H
#define SCHSM_PKA_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct pka_conn {
	int fd;
	SSL *ssl;
	uint64_t deadline_ms;	/* CLOCK_MONOTONIC; every read/write ends by then */
	char peer[64];		/* "ADDR:PORT" for log lines */
};

/* Pending connections the kernel queues for pka_listen's socket. */
#define PKA_LISTEN_BACKLOG	64

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t pka_now_ms(void);

/* Bind and listen on "HOST:PORT" ("[v6]:PORT" too).  0 or -errno. */
int pka_listen(const char *hostport, int *fd);
/* Connect to "HOST:PORT" within timeout_ms.  0 or -errno (-ETIMEDOUT). */
int pka_connect(const char *hostport, unsigned int timeout_ms, int *fd);

/*
 * A TLS 1.3-only server context with a fresh P-256 key and a self-signed
 * certificate (subject CN = cn, valid one day).  *cert is a reference the
 * caller frees.  NULL on failure (OpenSSL's error queue says why).
 */
SSL_CTX *pka_tls_server_ctx(const char *cn, X509 **cert);
/* A TLS 1.3-only client context; the peer is checked by the caller. */
SSL_CTX *pka_tls_client_ctx(void);

/* Handshake on fd (owned by conn from here on).  0 or -errno. */
int pka_tls_accept(SSL_CTX *ctx, int fd, uint64_t deadline_ms, struct pka_conn *c);
int pka_tls_connect(SSL_CTX *ctx, int fd, uint64_t deadline_ms, struct pka_conn *c);

/* One frame out (already encoded), one frame in (payload <= PKA_WIRE_MAX). */
int pka_frame_send(struct pka_conn *c, const uint8_t *frame, size_t len);
int pka_frame_recv(struct pka_conn *c, uint8_t *type, uint8_t *payload, size_t *len);

/* The peer of a connected socket as "ADDR:PORT" ("[v6]:PORT"), for log lines. */
void pka_peer_name(int fd, char *out, size_t cap);

/* What a -errno from the calls above means, in words for a log line. */
const char *pka_conn_err_text(int err);

/* TLS close_notify when possible, then close. */
void pka_conn_close(struct pka_conn *c);

#endif
