// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: fault injection.
 *
 * Commands, one per line on the --control socket (answer: "ok" or
 * "error: <reason>"), or comma-separated in --fault SPEC ("delay=50,hang"):
 *
 *   delay MS        wait MS ms before every response from now on (0: off)
 *   wtx-storm N     before the next response send N time extensions:
 *                   S(WTX) requests on T=1 readers, CCID time-extension
 *                   DataBlocks (bmCommandStatus 2) on APDU-level readers
 *   drop-next       compute the next command but never send its response
 *   truncate-next   send only the first half of the next response message
 *                   (at least the first 5 header bytes, never all of it)
 *   overlong-next   next response message claims 16 more bytes in dwLength
 *                   than it carries
 *   wrong-seq-next  next response message carries bSeq + 1
 *   bad-lrc-next    next T=1 block goes out with a wrong LRC (the good one
 *                   is resent on the host's R-block)
 *   sw61-forever    answer every command, GET RESPONSE included, with
 *                   one data byte (none if Le is absent) and SW 6101, so a
 *                   host that follows 61xx never gets to the end; "clear"
 *                   ends it (applet.c applies it, on every front-end)
 *   hang            never answer the next command, nor any after it
 *                   (PowerOff/PowerOn included), until a USB reset of the
 *                   gadget, a remove/insert (vscard), or "clear"
 *   remove          take the card out: NotifySlotChange 50 02, slot absent
 *   insert          put it back (power off, volatile state lost): 50 03
 *   unplug          gadget: unbind from the UDC (the device disappears)
 *   replug          gadget: bind again
 *   clear           disarm every fault above (delay 0, no hang)
 *
 * The VSCard front-end has no CCID framing of its own (QEMU does it), so
 * there only delay, drop-next, hang, sw61-forever, remove, insert, unplug
 * and replug apply; the others answer an error.  There, unplug makes the front-end go
 * quiet before QEMU's device_del (see vscard.c), and the next hot-added
 * reader's Init ends the quiet.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4, SOCK_CLOEXEC */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "faults.h"

#define FAULT_MAX_DELAY_MS	600000u
#define FAULT_MAX_STORM		1000u
#define CONTROL_LINE_MAX	128

static const struct {
	const char *name;
	enum fault_once once;
} fault_once_names[] = {
	{ "drop-next", FAULT_DROP },
	{ "truncate-next", FAULT_TRUNCATE },
	{ "overlong-next", FAULT_OVERLONG },
	{ "wrong-seq-next", FAULT_WRONG_SEQ },
	{ "bad-lrc-next", FAULT_BAD_LRC },
};

static const struct {
	const char *name;
	enum fault_action act;
} fault_action_names[] = {
	{ "remove", FAULT_ACT_REMOVE },
	{ "insert", FAULT_ACT_INSERT },
	{ "unplug", FAULT_ACT_UNPLUG },
	{ "replug", FAULT_ACT_REPLUG },
};

/* The process's one front-end faults, for faults_sw61_forever(). */
static struct faults *faults_registered;

void faults_init(struct faults *f, fault_action_fn act, void *act_ctx)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->act = act;
	f->act_ctx = act_ctx;
	faults_registered = f;
}

void faults_destroy(struct faults *f)
{
	if (faults_registered == f)
		faults_registered = NULL;
	pthread_mutex_destroy(&f->lock);
}

bool faults_sw61_forever(void)
{
	struct faults *f = faults_registered;
	bool on;

	if (!f)
		return false;
	pthread_mutex_lock(&f->lock);
	on = f->sw61_forever;
	pthread_mutex_unlock(&f->lock);
	return on;
}

/* Decimal argument in [0, max]; -1 if missing, malformed or too large. */
static long fault_number(const char *arg, unsigned long max)
{
	char *end;
	unsigned long v;

	if (!arg || !*arg || *arg == '-')
		return -1;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v > max)
		return -1;
	return (long)v;
}

static int fault_set_number(struct faults *f, unsigned int *field,
			    const char *arg, unsigned long max, char *err,
			    size_t errlen)
{
	long v = fault_number(arg, max);

	if (v < 0) {
		snprintf(err, errlen, "needs a number from 0 to %lu", max);
		return -1;
	}
	pthread_mutex_lock(&f->lock);
	*field = (unsigned int)v;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static void faults_clear(struct faults *f)
{
	pthread_mutex_lock(&f->lock);
	f->delay_ms = 0;
	f->wtx_storm = 0;
	f->hang = false;
	f->sw61_forever = false;
	memset(f->once, 0, sizeof(f->once));
	pthread_mutex_unlock(&f->lock);
}

static int fault_run(struct faults *f, const char *cmd, const char *arg,
		     char *err, size_t errlen)
{
	size_t i;

	if (!strcmp(cmd, "delay"))
		return fault_set_number(f, &f->delay_ms, arg,
					FAULT_MAX_DELAY_MS, err, errlen);
	if (!strcmp(cmd, "wtx-storm") && (f->unsupported & FAULT_NO_STORM)) {
		snprintf(err, errlen, "%s: not possible here", cmd);
		return -1;
	}
	if (!strcmp(cmd, "wtx-storm"))
		return fault_set_number(f, &f->wtx_storm, arg,
					FAULT_MAX_STORM, err, errlen);
	if (arg) {
		snprintf(err, errlen, "%s takes no argument", cmd);
		return -1;
	}
	if (!strcmp(cmd, "clear")) {
		faults_clear(f);
		return 0;
	}
	if (!strcmp(cmd, "hang")) {
		pthread_mutex_lock(&f->lock);
		f->hang = true;
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	if (!strcmp(cmd, "sw61-forever")) {
		pthread_mutex_lock(&f->lock);
		f->sw61_forever = true;
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	for (i = 0; i < sizeof(fault_once_names) / sizeof(fault_once_names[0]); i++) {
		if (strcmp(cmd, fault_once_names[i].name))
			continue;
		if (f->unsupported & (1u << fault_once_names[i].once)) {
			snprintf(err, errlen, "%s: not possible here", cmd);
			return -1;
		}
		pthread_mutex_lock(&f->lock);
		f->once[fault_once_names[i].once] = true;
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	for (i = 0; i < sizeof(fault_action_names) / sizeof(fault_action_names[0]); i++) {
		if (strcmp(cmd, fault_action_names[i].name))
			continue;
		if (!f->act) {
			snprintf(err, errlen, "%s: not possible here", cmd);
			return -1;
		}
		return f->act(f->act_ctx, fault_action_names[i].act, err,
			      errlen);
	}
	snprintf(err, errlen, "unknown command");
	return -1;
}

int faults_command(struct faults *f, const char *line, char *err,
		   size_t errlen)
{
	char buf[CONTROL_LINE_MAX];
	char *cmd, *arg, *extra, *save = NULL;
	size_t len = strlen(line);

	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "line too long");
		return -1;
	}
	memcpy(buf, line, len + 1);
	cmd = strtok_r(buf, " \t\r\n", &save);
	if (!cmd) {
		snprintf(err, errlen, "empty command");
		return -1;
	}
	arg = strtok_r(NULL, " \t\r\n", &save);
	extra = strtok_r(NULL, " \t\r\n", &save);
	if (extra) {
		snprintf(err, errlen, "too many arguments");
		return -1;
	}
	return fault_run(f, cmd, arg, err, errlen);
}

int faults_apply_spec(struct faults *f, const char *spec)
{
	char buf[CONTROL_LINE_MAX];
	const char *p = spec;
	char err[96];

	while (*p) {
		size_t n = strcspn(p, ",");
		size_t i;

		if (n >= sizeof(buf)) {
			fprintf(stderr, "schsm-emu: --fault: item too long\n");
			return -1;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		for (i = 0; i < n; i++)
			if (buf[i] == '=' || buf[i] == ':')
				buf[i] = ' ';
		if (n && faults_command(f, buf, err, sizeof(err))) {
			fprintf(stderr, "schsm-emu: --fault %s: %s\n", buf, err);
			return -1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

bool faults_take(struct faults *f, enum fault_once which)
{
	bool armed;

	pthread_mutex_lock(&f->lock);
	armed = f->once[which];
	f->once[which] = false;
	pthread_mutex_unlock(&f->lock);
	return armed;
}

unsigned int faults_take_wtx_storm(struct faults *f)
{
	unsigned int n;

	pthread_mutex_lock(&f->lock);
	n = f->wtx_storm;
	f->wtx_storm = 0;
	pthread_mutex_unlock(&f->lock);
	return n;
}

unsigned int faults_delay_ms(struct faults *f)
{
	unsigned int ms;

	pthread_mutex_lock(&f->lock);
	ms = f->delay_ms;
	pthread_mutex_unlock(&f->lock);
	return ms;
}

bool faults_hung(struct faults *f)
{
	bool hung;

	pthread_mutex_lock(&f->lock);
	hung = f->hang;
	pthread_mutex_unlock(&f->lock);
	return hung;
}

void faults_clear_hang(struct faults *f)
{
	pthread_mutex_lock(&f->lock);
	f->hang = false;
	pthread_mutex_unlock(&f->lock);
}

int control_listen(const char *path)
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
	    listen(fd, 4)) {
		fprintf(stderr, "schsm-emu: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void control_reply(int fd, int rc, const char *err)
{
	char buf[160];
	int n;

	if (rc)
		n = snprintf(buf, sizeof(buf), "error: %s\n", err);
	else
		n = snprintf(buf, sizeof(buf), "ok\n");
	if (n > 0 && send(fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
		return;
}

int control_serve(int lfd, struct faults *f)
{
	/* A client that never finishes its line must not hold the card. */
	struct timeval tv = { .tv_sec = 5 };
	char line[CONTROL_LINE_MAX];
	size_t len = 0;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EINTR || errno == ECONNABORTED ? 0 : -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		char err[96] = "";
		char c;
		ssize_t n = recv(fd, &c, 1, 0);

		if (n <= 0)
			break;
		if (c != '\n') {
			if (len + 1 >= sizeof(line)) {
				control_reply(fd, -1, "line too long");
				break;
			}
			line[len++] = c;
			continue;
		}
		line[len] = '\0';
		len = 0;
		control_reply(fd, faults_command(f, line, err, sizeof(err)),
			      err);
	}
	close(fd);
	return 0;
}
