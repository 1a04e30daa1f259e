// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: the vsmartcard vpcd front-end.  pcscd's vpcd driver listens;
 * the card connects as a TCP client and then serves frames of a 2-byte
 * big-endian length and a body: a 1-byte body is a control code (00 power
 * off, 01 power on, 02 reset, 04 "send the ATR" — only 04 is answered),
 * anything longer is a command APDU answered by exactly one response.
 *
 * Debian 12's vpcd writes length and body in two send()s without
 * TCP_NODELAY; with Linux's delayed ACK that costs ~40 ms per APDU unless
 * the card sets TCP_QUICKACK after every receive and sends its own frames
 * in one write (opensc-interop.md §2).  When pcscd goes away the card
 * reconnects, as a card reinserted into a restarted reader.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frontend.h"
#include "timing.h"

#define VPCD_DEFAULT		"127.0.0.1:35963"
#define VPCD_CTRL_OFF		0x00
#define VPCD_CTRL_ON		0x01
#define VPCD_CTRL_RESET		0x02
#define VPCD_CTRL_ATR		0x04
#define VPCD_RETRY_MS		500
#define VPCD_MAX_FRAME		65535

static volatile sig_atomic_t vpcd_stop;

static void vpcd_on_signal(int sig)
{
	(void)sig;
	vpcd_stop = 1;
}

/* No SA_RESTART: a blocked connect()/recv() returns EINTR on SIGTERM. */
static void vpcd_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vpcd_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Split "HOST:PORT" (the last colon separates, so IPv6 "[::1]:1" works). */
static int parse_endpoint(const char *spec, char *host, size_t hcap,
			  char *port, size_t pcap)
{
	const char *colon = strrchr(spec, ':');
	size_t hlen;

	if (!colon || colon == spec || !colon[1] || strlen(colon + 1) >= pcap)
		return -1;
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[' && hlen >= 2 && spec[hlen - 1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (hlen >= hcap)
		return -1;
	memcpy(host, spec, hlen);
	host[hlen] = 0;
	strcpy(port, colon + 1);
	return 0;
}

static int vpcd_connect(const char *host, const char *port)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	int fd = -1, one = 1;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Read exactly len bytes; re-arms quick ACKs after every receive. */
static int recv_all(int fd, uint8_t *buf, size_t len)
{
	int one = 1;

	while (len) {
		ssize_t n = recv(fd, buf, len, 0);

		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		if (n < 0 && errno == EINTR && !vpcd_stop)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One frame, length and body in a single write. */
static int send_frame(int fd, uint8_t *frame, size_t body_len)
{
	size_t len = body_len + 2, off = 0;

	frame[0] = (uint8_t)(body_len >> 8);
	frame[1] = (uint8_t)body_len;
	while (off < len) {
		ssize_t n = send(fd, frame + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR && !vpcd_stop)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* The trace never shows PINs, initialisation codes or DKEK shares. */
static void trace(const char *dir, const uint8_t *p, size_t len)
{
	bool secret = dir[0] == '>' && len > 5 &&
		      (p[1] == 0x20 || p[1] == 0x24 || p[1] == 0x2C ||
		       p[1] == 0x50 || p[1] == 0x52);
	size_t i, show = secret ? 4 : len;

	fprintf(stderr, "%s", dir);
	for (i = 0; i < show && i < 64; i++)
		fprintf(stderr, " %02X", p[i]);
	if (secret)
		fprintf(stderr, " [%zu bytes hidden]", len - 4);
	else if (len > 64)
		fprintf(stderr, " ... (%zu bytes)", len);
	fputc('\n', stderr);
}

struct vpcd_conn {
	struct applet *a;
	const struct emu_opts *o;
	uint8_t *cmd;		/* VPCD_MAX_FRAME */
	uint8_t *rsp;		/* 2 + APPLET_MAX_RESPONSE */
};

static int handle_control(struct vpcd_conn *c, int fd, uint8_t code)
{
	const uint8_t *atr;
	size_t len;

	switch (code) {
	case VPCD_CTRL_OFF:
	case VPCD_CTRL_ON:
	case VPCD_CTRL_RESET:
		applet_reset(c->a);	/* the card's RAM is gone */
		return 0;
	case VPCD_CTRL_ATR:
		atr = applet_atr(c->a, &len);
		memcpy(c->rsp + 2, atr, len);
		return send_frame(fd, c->rsp, len);
	}
	return 0;	/* unknown control codes are ignored, as by vpcd cards */
}

static int handle_apdu(struct vpcd_conn *c, int fd, size_t len)
{
	uint64_t start = timing_now_ms();
	size_t n;

	if (c->o->verbose)
		trace(">", c->cmd, len);
	n = applet_process(c->a, c->cmd, len, c->rsp + 2, APPLET_MAX_RESPONSE);
	if (n > VPCD_MAX_FRAME) {
		c->rsp[2] = 0x67;	/* cannot be framed: wrong length */
		c->rsp[3] = 0x00;
		n = 2;
	}
	if (c->o->timing == EMU_TIMING_REAL) {
		unsigned int want = timing_cost_ms(c->a, c->cmd, len, c->rsp + 2, n);
		uint64_t spent = timing_now_ms() - start;

		if (want > spent)
			timing_sleep_ms((unsigned int)(want - spent));
	}
	if (c->o->verbose)
		trace("<", c->rsp + 2, n);
	return send_frame(fd, c->rsp, n);
}

/* Serve one connection until pcscd closes it or we are told to stop. */
static void vpcd_serve(struct vpcd_conn *c, int fd)
{
	uint8_t hdr[2];
	size_t len;

	while (!vpcd_stop) {
		if (recv_all(fd, hdr, 2))
			return;
		len = (size_t)hdr[0] << 8 | hdr[1];
		/* every frame but a control byte is answered, even an empty one
		 * (applet_process() gives it 6700): vpcd has no timeout */
		if (len && recv_all(fd, c->cmd, len))
			return;
		if (len == 1 ? handle_control(c, fd, c->cmd[0])
			     : handle_apdu(c, fd, len))
			return;
	}
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

int vpcd_run(struct applet *a, const struct emu_opts *o)
{
	const char *spec = o->vpcd ? o->vpcd : VPCD_DEFAULT;
	struct vpcd_conn c = { .a = a, .o = o };
	char host[256], port[16];
	bool said = false;
	int fd, rc = 1;

	if (parse_endpoint(spec, host, sizeof(host), port, sizeof(port))) {
		fprintf(stderr, "schsm-emu: --vpcd wants HOST:PORT, got '%s'\n", spec);
		return 2;
	}
	c.cmd = malloc(VPCD_MAX_FRAME);
	c.rsp = malloc(2 + APPLET_MAX_RESPONSE);
	if (!c.cmd || !c.rsp)
		goto out;
	vpcd_signals();
	if (o->pidfile && write_pidfile(o->pidfile)) {
		fprintf(stderr, "schsm-emu: cannot write %s\n", o->pidfile);
		goto out;
	}
	while (!vpcd_stop) {
		fd = vpcd_connect(host, port);
		if (fd < 0) {
			if (!said && o->verbose)
				fprintf(stderr, "schsm-emu: waiting for vpcd at %s\n", spec);
			said = true;
			sleep_ms(VPCD_RETRY_MS);
			continue;
		}
		if (o->verbose)
			fprintf(stderr, "schsm-emu: card inserted at %s\n", spec);
		said = false;
		applet_reset(a);
		vpcd_serve(&c, fd);
		close(fd);
		applet_reset(a);
		if (o->verbose && !vpcd_stop)
			fprintf(stderr, "schsm-emu: vpcd closed, reconnecting\n");
		if (!vpcd_stop)
			sleep_ms(VPCD_RETRY_MS);
	}
	rc = 0;
out:
	free(c.cmd);
	free(c.rsp);
	return rc;
}
