// SPDX-License-Identifier: GPL-2.0
/*
 * vmhelper: the small socket plumbing of tests/vm that a shell cannot do.
 *
 *   vmhelper send SOCKET LINE
 *	Connect to a UNIX stream socket, send LINE, print the one-line reply.
 *	Used by vmctl for the emulator's control socket.
 *
 *   vmhelper agent VMCTL_SOCK QMP_SOCK EMU_CONTROL          (host, qemu-ccid)
 *	Listen on VMCTL_SOCK for QEMU's vmctl virtio-serial chardev; serve the
 *	guest's requests, one line each, one reply line each:
 *	  "vm unplug"  -> the emulator goes quiet ("unplug" on its control
 *	                  socket), then QMP device_del of the usb-ccid reader;
 *	                  answered after the reply and DEVICE_DELETED
 *	  "vm replug"  -> QMP device_add of a new usb-ccid + ccid-card-passthru
 *	  "emu LINE"   -> LINE to the emulator's control socket, its reply back
 *	Replies are "ok[ TEXT]" or "error TEXT".
 *
 *   vmhelper proxy PORT EMU_SOCK VM_SOCK                     (guest, qemu-ccid)
 *	Listen on two guest UNIX sockets and forward each line received on
 *	EMU_SOCK as "emu LINE", on VM_SOCK as "vm LINE", over the virtio-serial
 *	PORT to the agent; the reply line goes back to the client.  So the
 *	emulator's control socket is reachable inside the guest on either
 *	transport, at the same kind of path.
 *
 * Everything here is test plumbing between processes we started ourselves;
 * lines are still bounded, and a peer that misbehaves gets an error line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vmhelper: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (unix_addr(&sa, path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Bind under a temporary name and rename once listening, so whoever waits
 * for PATH to exist (tests/vm/run, the guest) can connect at once.
 */
static int unix_listen(const char *path)
{
	struct sockaddr_un sa;
	char tmp[sizeof(sa.sun_path)];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    unix_addr(&sa, tmp) < 0)
		die("%s: name too long", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0 ||
	    rename(tmp, path) < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_line(int fd, const char *line)
{
	if (write_all(fd, line, strlen(line)) < 0)
		return -1;
	return write_all(fd, "\n", 1);
}

/*
 * Read one line (without the newline) into buf, byte by byte so nothing after
 * the newline is consumed.  Returns its length, or -1 on EOF before any byte
 * or on error.  Over-long lines are cut at len - 1 and the rest dropped.
 */
static ssize_t read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	bool got = false;

	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got = true;
		if (c == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return got ? (ssize_t)n : -1;
}

/* One request on a fresh connection: the emulator's control-socket pattern. */
static int socket_request(const char *path, const char *line, char *reply, size_t len)
{
	int fd = unix_connect(path);

	if (fd < 0)
		return -1;
	if (write_line(fd, line) < 0) {
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	if (read_line(fd, reply, len) < 0)
		reply[0] = '\0';
	close(fd);
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	char reply[LINE_MAX_LEN];

	if (argc != 2)
		die("usage: vmhelper send SOCKET LINE");
	if (socket_request(argv[0], argv[1], reply, sizeof(reply)) < 0)
		die("%s: %s", argv[0], strerror(errno));
	puts(reply);
	return strncmp(reply, "error", 5) == 0 ? 1 : 0;
}

/* ---- agent: QMP ----------------------------------------------------------- */

struct qmp {
	const char *path;
	int fd;
	int generation;		/* usb-ccid reader N is "ccidN", its card "cardN" */
};

/* Read QMP lines until one contains want (and want2, if given). */
static int qmp_wait(struct qmp *q, const char *want, const char *want2)
{
	char line[LINE_MAX_LEN];

	for (;;) {
		if (read_line(q->fd, line, sizeof(line)) < 0)
			return -1;
		fprintf(stderr, "qmp< %s\n", line);
		if (strstr(line, "\"error\""))
			return -1;
		if (strstr(line, want) && (!want2 || strstr(line, want2)))
			return 0;
	}
}

static int qmp_open(struct qmp *q)
{
	if (q->fd >= 0)
		return 0;
	q->fd = unix_connect(q->path);
	if (q->fd < 0)
		return -1;
	if (qmp_wait(q, "\"QMP\"", NULL) < 0 ||
	    write_line(q->fd, "{\"execute\":\"qmp_capabilities\"}") < 0 ||
	    qmp_wait(q, "\"return\"", NULL) < 0) {
		close(q->fd);
		q->fd = -1;
		return -1;
	}
	return 0;
}

static int qmp_exec(struct qmp *q, const char *cmd)
{
	fprintf(stderr, "qmp> %s\n", cmd);
	if (write_line(q->fd, cmd) < 0)
		return -1;
	return qmp_wait(q, "\"return\"", NULL);
}

/*
 * device_del of a USB device completes inside the command, so QEMU may send
 * DEVICE_DELETED before the command's reply as well as after it: wait for
 * both, in any order.
 */
static int qmp_device_del(struct qmp *q, const char *id)
{
	char cmd[256], dev[64], line[LINE_MAX_LEN];
	bool returned = false, deleted = false;

	snprintf(dev, sizeof(dev), "\"%s\"", id);
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"device_del\",\"arguments\":{\"id\":%s}}", dev);
	fprintf(stderr, "qmp> %s\n", cmd);
	if (write_line(q->fd, cmd) < 0)
		return -1;
	while (!returned || !deleted) {
		if (read_line(q->fd, line, sizeof(line)) < 0)
			return -1;
		fprintf(stderr, "qmp< %s\n", line);
		if (strstr(line, "\"error\""))
			return -1;
		if (strstr(line, "\"return\""))
			returned = true;
		else if (strstr(line, "DEVICE_DELETED") && strstr(line, dev))
			deleted = true;
	}
	return 0;
}

/*
 * QEMU 7.2's ccid-card-passthru still reads its chardev after device_del
 * took the card off the bus, and hands what arrives to the departed reader
 * (a segfault).  The emulator therefore goes quiet first: it answers
 * "ok" to "unplug" once QEMU has read everything it sent, and sends
 * nothing more until the next hot-added card introduces itself.
 */
static void vm_unplug(struct qmp *q, const char *emu_ctl, char *reply,
		      size_t len)
{
	char id[32], emu_reply[LINE_MAX_LEN - 64];

	snprintf(id, sizeof(id), "ccid%d", q->generation);
	if (socket_request(emu_ctl, "unplug", emu_reply, sizeof(emu_reply)) < 0 ||
	    strcmp(emu_reply, "ok") != 0) {
		snprintf(reply, len, "error emulator unplug: %s",
			 emu_reply[0] ? emu_reply : strerror(errno));
		return;
	}
	if (qmp_open(q) < 0 || qmp_device_del(q, id) < 0)
		snprintf(reply, len, "error device_del %s failed", id);
	else
		snprintf(reply, len, "ok");
}

static void vm_replug(struct qmp *q, char *reply, size_t len)
{
	char cmd[512];
	int g = q->generation + 1;

	if (qmp_open(q) < 0)
		goto fail;
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"usb-ccid\","
		 "\"id\":\"ccid%d\",\"bus\":\"xhci.0\"}}", g);
	if (qmp_exec(q, cmd) < 0)
		goto fail;
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"ccid-card-passthru\","
		 "\"id\":\"card%d\",\"chardev\":\"vsc\",\"bus\":\"ccid%d.0\"}}", g, g);
	if (qmp_exec(q, cmd) < 0)
		goto fail;
	q->generation = g;
	snprintf(reply, len, "ok");
	return;
fail:
	snprintf(reply, len, "error device_add ccid%d failed", g);
}

static void agent_request(struct qmp *q, const char *emu_ctl, const char *line,
			  char *reply, size_t len)
{
	char emu_reply[LINE_MAX_LEN - 8];

	if (strcmp(line, "vm unplug") == 0) {
		vm_unplug(q, emu_ctl, reply, len);
	} else if (strcmp(line, "vm replug") == 0) {
		vm_replug(q, reply, len);
	} else if (strncmp(line, "emu ", 4) == 0) {
		if (socket_request(emu_ctl, line + 4, emu_reply, sizeof(emu_reply)) < 0)
			snprintf(reply, len, "error emulator control: %s", strerror(errno));
		else
			snprintf(reply, len, "%s", emu_reply);
	} else {
		snprintf(reply, len, "error unknown request");
	}
}

static int cmd_agent(int argc, char **argv)
{
	struct qmp q = { .fd = -1, .generation = 0 };
	char line[LINE_MAX_LEN], reply[LINE_MAX_LEN];
	int lfd, cfd;

	if (argc != 3)
		die("usage: vmhelper agent VMCTL_SOCK QMP_SOCK EMU_CONTROL");
	q.path = argv[1];
	lfd = unix_listen(argv[0]);
	/* QEMU connects once, at start-up, and stays until it exits. */
	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		die("accept: %s", strerror(errno));
	close(lfd);
	while (read_line(cfd, line, sizeof(line)) >= 0) {
		if (!line[0])
			continue;
		fprintf(stderr, "guest> %s\n", line);
		agent_request(&q, argv[2], line, reply, sizeof(reply));
		fprintf(stderr, "guest< %s\n", reply);
		if (write_line(cfd, reply) < 0)
			break;
	}
	return 0;
}

/* ---- proxy (guest) -------------------------------------------------------- */

static void proxy_client(int port, int cfd, const char *prefix)
{
	char line[LINE_MAX_LEN - 8], req[LINE_MAX_LEN], reply[LINE_MAX_LEN];

	while (read_line(cfd, line, sizeof(line)) >= 0) {
		if (!line[0])
			continue;
		snprintf(req, sizeof(req), "%s %s", prefix, line);
		if (write_line(port, req) < 0 || read_line(port, reply, sizeof(reply)) < 0)
			snprintf(reply, sizeof(reply), "error vmctl port: host agent gone");
		if (write_line(cfd, reply) < 0)
			break;
	}
}

static _Noreturn void cmd_proxy(int argc, char **argv)
{
	struct pollfd pfd[2];
	int port;

	if (argc != 3)
		die("usage: vmhelper proxy PORT EMU_SOCK VM_SOCK");
	port = open(argv[0], O_RDWR | O_CLOEXEC);
	if (port < 0)
		die("%s: %s", argv[0], strerror(errno));
	pfd[0].fd = unix_listen(argv[1]);
	pfd[1].fd = unix_listen(argv[2]);
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (int i = 0; i < 2; i++) {
			int cfd;

			if (!(pfd[i].revents & POLLIN))
				continue;
			cfd = accept4(pfd[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd < 0)
				continue;
			proxy_client(port, cfd, i == 0 ? "emu" : "vm");
			close(cfd);
		}
	}
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return cmd_send(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "agent") == 0)
		return cmd_agent(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "proxy") == 0)
		cmd_proxy(argc - 2, argv + 2);
	die("usage: vmhelper send|agent|proxy ARGS...");
	return 2;
}
