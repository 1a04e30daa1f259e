// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu front-end: QEMU's ccid-card-passthru, the VSCard protocol
 * (libcacard vscard_common.h, QEMU hw/usb/ccid-card-passthru.c).
 *
 * We listen on the UNIX socket --vscard PATH and QEMU connects as a chardev
 * client, so the emulator must be started first:
 *
 *   schsm-emu --state S --vscard /run/x/vsc.sock --control /run/x/ctl.sock &
 *   qemu-system-x86_64 … -device qemu-xhci,id=xhci \
 *     -chardev socket,id=vsc,path=/run/x/vsc.sock \
 *     -device usb-ccid,id=ccid0,bus=xhci.0 \
 *     -device ccid-card-passthru,chardev=vsc,id=card0
 *
 * QEMU's usb-ccid (08e6:4433) does the CCID side itself and forwards bare
 * APDUs; it drops responses longer than 374 bytes (vm-testing.md §2.3), a
 * limit of QEMU's that the guest side must live with.
 *
 * Messages: 12-byte header of big-endian u32 type, reader_id, length, then
 * the payload.  We send Init on connect and ReaderAdd + ATR on QEMU's first
 * Init (and on any later Init that is not the answer to ours: a hot-added
 * ccid-card-passthru on the same connection), then answer each APDU.  QEMU
 * answers every Init with an Init, so answering Inits with Inits would
 * never end.  When QEMU disconnects we wait for the next connection.
 *
 * Hot-unplug: QEMU 7.2 keeps a ccid-card-passthru's chardev handler after
 * device_del has taken the card off its bus, and a message arriving in that
 * window is handed to the departed reader: QEMU segfaults.  So before the
 * bench's QMP device_del, the control line "unplug" makes us go quiet (no
 * answer to anything, the APDU in flight included) and returns only once
 * QEMU has answered an Init we sent, i.e. has read everything we sent
 * before.  The Init of the next hot-added card ends the quiet.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "faults.h"
#include "frontend.h"
#include "timing.h"

#define VSC_INIT		1
#define VSC_ERROR		2
#define VSC_READER_ADD		3
#define VSC_READER_REMOVE	4
#define VSC_ATR			5
#define VSC_CARD_REMOVE		6
#define VSC_APDU		7
#define VSC_FLUSH		8
#define VSC_FLUSH_COMPLETE	9

#define VSC_HEADER		12
#define VSC_VERSION		2	/* MAKE_VERSION(0, 0, 2) */
#define VSC_READER_ID		0
#define VSC_UNDEFINED_READER	0xFFFFFFFFu
#define VSC_GENERAL_ERROR	1
/* QEMU's receive buffer; a bigger message makes it drop the connection. */
#define VSC_QEMU_BUFFER		65536
#define VSC_READER_NAME		"schsm-emu"

struct vscard {
	struct applet *applet;
	const struct emu_opts *opts;
	struct faults faults;
	int conn;			/* QEMU, or -1 */
	unsigned int init_answers;	/* QEMU Inits still owed for ours */
	bool reader_added;		/* on this connection */
	bool present;			/* card in the reader */
	bool quiet;			/* device_del coming: send nothing */
	unsigned int init_sync;		/* Init answers owed to a quiesce */
	uint8_t *cmd, *rsp;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int vsc_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int vsc_read_all(int fd, uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void vsc_disconnect(struct vscard *v)
{
	if (v->conn >= 0)
		close(v->conn);
	v->conn = -1;
	v->reader_added = false;
	v->init_answers = 0;
	v->init_sync = 0;
	v->quiet = false;	/* a new QEMU starts afresh */
}

static int vsc_send(struct vscard *v, uint32_t type, uint32_t reader,
		    const uint8_t *payload, size_t len)
{
	uint8_t hdr[VSC_HEADER];

	if (v->conn < 0)
		return 0;
	put_be32(hdr, type);
	put_be32(hdr + 4, reader);
	put_be32(hdr + 8, (uint32_t)len);
	if (vsc_write_all(v->conn, hdr, sizeof(hdr)) ||
	    (len && vsc_write_all(v->conn, payload, len))) {
		fprintf(stderr, "schsm-emu: vscard: QEMU went away\n");
		vsc_disconnect(v);
		return -1;
	}
	return 0;
}

static int vsc_send_init(struct vscard *v)
{
	uint8_t p[12] = { 'V', 'S', 'C', 'D' };

	put_be32(p + 4, VSC_VERSION);
	put_be32(p + 8, 0);		/* capabilities: none */
	return vsc_send(v, VSC_INIT, VSC_UNDEFINED_READER, p, sizeof(p));
}

static int vsc_send_atr(struct vscard *v)
{
	size_t len;
	const uint8_t *atr = applet_atr(v->applet, &len);

	return vsc_send(v, VSC_ATR, VSC_READER_ID, atr, len);
}

/* ReaderAdd, and the ATR if a card is in: what QEMU needs to see a card. */
static int vsc_attach(struct vscard *v)
{
	if (vsc_send(v, VSC_READER_ADD, VSC_UNDEFINED_READER,
		     (const uint8_t *)VSC_READER_NAME,
		     strlen(VSC_READER_NAME)))
		return -1;
	v->reader_added = true;
	return v->present ? vsc_send_atr(v) : 0;
}

static void vsc_on_init(struct vscard *v)
{
	if (v->init_sync) {
		v->init_sync--;
		return;
	}
	if (v->quiet) {
		/* a hot-added card on the same connection */
		v->quiet = false;
		vsc_attach(v);
		return;
	}
	if (v->reader_added && v->init_answers) {
		v->init_answers--;
		return;
	}
	vsc_attach(v);
}

static void vsc_on_apdu(struct vscard *v, size_t len)
{
	uint64_t start = timing_now_ms();
	unsigned int delay;
	size_t rlen;

	if (v->quiet || faults_hung(&v->faults)) {
		OPENSSL_cleanse(v->cmd, len);
		return;
	}
	if (!v->present) {
		uint8_t code[4];

		put_be32(code, VSC_GENERAL_ERROR);
		vsc_send(v, VSC_ERROR, VSC_READER_ID, code, sizeof(code));
		return;
	}
	rlen = applet_process(v->applet, v->cmd, len, v->rsp,
			      APPLET_MAX_RESPONSE);
	if (v->opts->timing == EMU_TIMING_REAL) {
		unsigned int cost = timing_cost_ms(v->applet, v->cmd, len,
						   v->rsp, rlen);
		uint64_t spent = timing_now_ms() - start;

		if (cost > spent)
			timing_sleep_ms((unsigned int)(cost - spent));
	}
	OPENSSL_cleanse(v->cmd, len);
	if (rlen + VSC_HEADER > VSC_QEMU_BUFFER) {
		/* QEMU would drop the connection: fail this APDU only. */
		v->rsp[0] = 0x6F;
		v->rsp[1] = 0x00;
		rlen = 2;
	}
	delay = faults_delay_ms(&v->faults);
	if (delay)
		timing_sleep_ms(delay);
	if (!faults_take(&v->faults, FAULT_DROP))
		vsc_send(v, VSC_APDU, VSC_READER_ID, v->rsp, rlen);
	OPENSSL_cleanse(v->rsp, rlen);
}

/* One message from QEMU; -1 when the connection is gone or unusable. */
static int vsc_receive(struct vscard *v)
{
	uint8_t hdr[VSC_HEADER];
	uint32_t type, len;

	if (vsc_read_all(v->conn, hdr, sizeof(hdr)))
		return -1;
	type = get_be32(hdr);
	len = get_be32(hdr + 8);
	if (len > APPLET_MAX_COMMAND) {
		fprintf(stderr, "schsm-emu: vscard: message of %u bytes\n",
			len);
		return -1;
	}
	if (len && vsc_read_all(v->conn, v->cmd, len))
		return -1;
	if (v->opts->verbose)
		fprintf(stderr, "schsm-emu: vscard: type %u len %u\n", type,
			len);
	switch (type) {
	case VSC_INIT:
		if (len < 4 || memcmp(v->cmd, "VSCD", 4))
			fprintf(stderr, "schsm-emu: vscard: bad Init magic\n");
		vsc_on_init(v);
		break;
	case VSC_APDU:
		vsc_on_apdu(v, len);
		break;
	case VSC_FLUSH:
		if (!v->quiet)
			vsc_send(v, VSC_FLUSH_COMPLETE, VSC_READER_ID, NULL, 0);
		break;
	case VSC_ERROR:
		/* QEMU's acknowledgements: code 0 is success. */
		if (len >= 4 && get_be32(v->cmd) && v->opts->verbose)
			fprintf(stderr, "schsm-emu: vscard: QEMU error %u\n",
				get_be32(v->cmd));
		break;
	default:
		break;
	}
	return v->conn < 0 ? -1 : 0;
}

/*
 * Go quiet before QEMU's device_del (see the top of this file): send an
 * Init and read QEMU's messages, answering none, until its answer arrives.
 */
#define VSC_SYNC_TIMEOUT_MS	10000

static int vsc_quiesce(struct vscard *v, char *err, size_t errlen)
{
	struct pollfd p = { .events = POLLIN };

	v->quiet = true;
	v->reader_added = false;
	if (v->conn < 0)
		return 0;
	/* answers still owed for earlier Inits come first */
	v->init_sync = v->init_answers + 1;
	v->init_answers = 0;
	if (vsc_send_init(v)) {
		v->init_sync = 0;
		return 0;	/* QEMU is gone: nothing can reach it */
	}
	while (v->init_sync && v->conn >= 0) {
		p.fd = v->conn;
		if (poll(&p, 1, VSC_SYNC_TIMEOUT_MS) <= 0) {
			v->init_sync = 0;
			snprintf(err, errlen, "QEMU did not answer our Init");
			return -1;
		}
		if (vsc_receive(v))
			vsc_disconnect(v);
	}
	v->init_sync = 0;
	return 0;
}

static int vsc_action(void *ctx, enum fault_action act, char *err,
		      size_t errlen)
{
	struct vscard *v = ctx;

	switch (act) {
	case FAULT_ACT_REMOVE:
		if (!v->present)
			return 0;
		v->present = false;
		applet_reset(v->applet);
		faults_clear_hang(&v->faults);
		if (v->reader_added)
			vsc_send(v, VSC_CARD_REMOVE, VSC_READER_ID, NULL, 0);
		return 0;
	case FAULT_ACT_INSERT:
		if (v->present)
			return 0;
		v->present = true;
		applet_reset(v->applet);
		faults_clear_hang(&v->faults);
		if (v->reader_added)
			vsc_send_atr(v);
		return 0;
	case FAULT_ACT_UNPLUG:
		/* QEMU removes the reader (device_del); a new one comes with
		 * its own Init and gets ReaderAdd + ATR then */
		applet_reset(v->applet);
		return vsc_quiesce(v, err, errlen);
	case FAULT_ACT_REPLUG:
		if (!v->quiet)
			return 0;
		v->quiet = false;
		return v->conn >= 0 ? vsc_attach(v) : 0;
	}
	return -1;
}

static int vsc_listen(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "schsm-emu: %s: socket path too long\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(fd, 1)) {
		fprintf(stderr, "schsm-emu: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void vsc_accept(struct vscard *v, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (v->conn >= 0) {
		/* One QEMU at a time: the newcomer replaces a stale peer. */
		fprintf(stderr, "schsm-emu: vscard: new connection replaces "
			"the old one\n");
		vsc_disconnect(v);
	}
	v->conn = fd;
	v->reader_added = false;
	/* QEMU answers our Init; its own Init (sent when the card device
	 * is realized) may come first or be lost, so count ours. */
	if (vsc_send_init(v) == 0)
		v->init_answers = 1;
}

static int vsc_write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f)) {
		fprintf(stderr, "schsm-emu: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int vsc_loop(struct vscard *v, int lfd, int cfd, int sfd)
{
	for (;;) {
		struct pollfd p[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = lfd, .events = POLLIN },
			{ .fd = cfd, .events = POLLIN },
			{ .fd = v->conn, .events = POLLIN },
		};

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("schsm-emu: poll");
			return 1;
		}
		if (p[0].revents)
			return 0;	/* SIGTERM or SIGINT */
		if (p[3].revents && vsc_receive(v)) {
			if (v->opts->verbose)
				fprintf(stderr, "schsm-emu: vscard: QEMU "
					"disconnected\n");
			vsc_disconnect(v);
		}
		if (p[1].revents)
			vsc_accept(v, lfd);
		if (p[2].revents && control_serve(cfd, &v->faults))
			return 1;
	}
}

int vscard_run(struct applet *a, const struct emu_opts *o)
{
	struct vscard v = {
		.applet = a, .opts = o, .conn = -1,
		.present = true,
	};
	int lfd = -1, cfd = -1, sfd = -1, rc = 1;
	sigset_t set;

	faults_init(&v.faults, vsc_action, &v);
	/* QEMU frames the CCID side: these faults are not ours to make. */
	v.faults.unsupported = 1u << FAULT_TRUNCATE | 1u << FAULT_OVERLONG |
			       1u << FAULT_WRONG_SEQ | 1u << FAULT_BAD_LRC |
			       FAULT_NO_STORM;
	v.cmd = malloc(APPLET_MAX_COMMAND);
	v.rsp = malloc(APPLET_MAX_RESPONSE);
	if (!v.cmd || !v.rsp)
		goto out;
	if (o->faults && faults_apply_spec(&v.faults, o->faults))
		goto out;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	lfd = vsc_listen(o->vscard);
	if (sfd < 0 || lfd < 0)
		goto out;
	if (o->control) {
		cfd = control_listen(o->control);
		if (cfd < 0)
			goto out;
	}
	if (o->pidfile && vsc_write_pidfile(o->pidfile))
		goto out;
	fprintf(stderr, "schsm-emu: vscard listening on %s\n", o->vscard);
	rc = vsc_loop(&v, lfd, cfd, sfd);
out:
	vsc_disconnect(&v);
	if (lfd >= 0) {
		close(lfd);
		unlink(o->vscard);
	}
	if (cfd >= 0) {
		close(cfd);
		unlink(o->control);
	}
	if (sfd >= 0)
		close(sfd);
	if (v.cmd)
		OPENSSL_cleanse(v.cmd, APPLET_MAX_COMMAND);
	if (v.rsp)
		OPENSSL_cleanse(v.rsp, APPLET_MAX_RESPONSE);
	free(v.cmd);
	free(v.rsp);
	faults_destroy(&v.faults);
	return rc;
}
