// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-xfer: test client of /dev/schsmN's transport ioctls (GET_INFO,
 * TRANSMIT) for tests/transport.  Each subcommand does one thing and
 * prints machine-readable lines; the suite's shell script judges them.
 *
 *   info [DEV]                  GET_INFO as key=value lines
 *   tx [-d DEV] [-t MS] [-c CAP] HEX   TRANSMIT; prints sw=, len=, data=
 *                               or error=ENAME (and need= for EMSGSIZE)
 *   abi [DEV]                   ioctl ABI edge cases, one "ok - "/"not ok - " line each
 *   unpriv [DEV]                drop to uid 65534 keeping the fd: GET_INFO
 *                               works, TRANSMIT fails with EPERM
 *   stress N ITER [DEV]         N processes x ITER GET CHALLENGE
 *   loop [DEV] [READY]          GET CHALLENGE until an error other than
 *                               ENOMEDIUM, then once more on the same fd;
 *                               prints error=, count=, enomedium=, after=
 *   hold DEV READY              open DEV, create READY, wait for READY to go,
 *                               then GET_INFO and TRANSMIT on the old fd
 *   ctl SOCKET LINE             one line to schsm-emu's control socket
 *   wait STATE SECS [DEV]       poll GET_INFO until slot_state == STATE
 *   find [SECS]                 wait for a /dev/schsmN, print its path
 *   read FID OUT [DEV]          FILE_READ of EF FID (hex) into file OUT;
 *                               prints sw=, len= or error=ENAME
 *   usbreset USBDEV [DEV]       USBDEVFS_RESET on USBDEV (/dev/bus/usb/B/D),
 *                               then at once GET CHALLENGE on DEV; prints
 *                               reset=0 or reset=ENAME, then as tx
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/schsm.h>
#include <linux/usbdevice_fs.h>

static const char *dev_default = "/dev/schsm0";

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

static int open_dev(const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("error=%s\n", ename(errno));
		exit(3);
	}
	return fd;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int v;

	while (s[0] && s[1] && n < cap) {
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = v;
		s += 2;
	}
	return n;
}

static void print_hex(const char *key, const uint8_t *b, size_t n)
{
	printf("%s=", key);
	for (size_t i = 0; i < n; i++)
		printf("%02X", b[i]);
	printf("\n");
}

static int get_info(int fd, struct schsm_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, SCHSM_IOC_GET_INFO, info);
}

static int transmit(int fd, const uint8_t *cmd, size_t len, uint8_t *rsp,
		    uint32_t *cap, uint32_t timeout_ms)
{
	struct schsm_transmit t = {
		.size = sizeof(t),
		.command = { .ptr = (uintptr_t)cmd, .len = len },
		.response = { .ptr = (uintptr_t)rsp, .len = *cap },
		.timeout_ms = timeout_ms,
	};
	int rc = ioctl(fd, SCHSM_IOC_TRANSMIT, &t);

	*cap = t.response.len;
	return rc;
}

static int cmd_info(const char *dev)
{
	struct schsm_info i;
	int fd = open_dev(dev);

	if (get_info(fd, &i)) {
		printf("error=%s\n", ename(errno));
		return 1;
	}
	printf("abi_version=%u\nvendor_id=%04x\nproduct_id=%04x\n",
	       i.abi_version, i.vendor_id, i.product_id);
	printf("bcd_device=%04x\nlevel=%u\nslot_state=%u\n", i.bcd_device,
	       i.level, i.slot_state);
	printf("features=%08x\nmax_ccid_msg=%u\nmax_ifsd=%u\nifsc=%u\n",
	       i.features, i.max_ccid_msg, i.max_ifsd, i.ifsc);
	printf("max_apdu=%u\n", i.max_apdu);
	print_hex("atr", i.atr, i.atr_len);
	printf("applet=%u.%u\napplet_type=%u\noptions=%04x\n", i.applet_major,
	       i.applet_minor, i.applet_type, i.options);
	printf("manufacturer=%s\nproduct=%s\nusb_serial=%s\n", i.manufacturer,
	       i.product, i.usb_serial);
	printf("device_chr=%s\nserial=%s\n", i.device_chr, i.serial);
	return 0;
}

static int cmd_tx(int argc, char **argv)
{
	static uint8_t cmd[SCHSM_MAX_APDU + 16], rsp[SCHSM_MAX_APDU];
	const char *dev = dev_default;
	uint32_t timeout = 0, cap = sizeof(rsp);
	size_t len;
	int opt, fd;

	while ((opt = getopt(argc, argv, "d:t:c:")) != -1) {
		switch (opt) {
		case 'd': dev = optarg; break;
		case 't': timeout = strtoul(optarg, NULL, 0); break;
		case 'c': cap = strtoul(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (optind >= argc)
		return 2;
	len = unhex(argv[optind], cmd, sizeof(cmd));
	fd = open_dev(dev);
	if (transmit(fd, cmd, len, rsp, &cap, timeout)) {
		int e = errno;

		printf("error=%s\n", ename(e));
		if (e == EMSGSIZE)
			printf("need=%u\n", cap);
		return 1;
	}
	if (cap < 2) {
		printf("error=short\n");
		return 1;
	}
	printf("sw=%02X%02X\nlen=%u\n", rsp[cap - 2], rsp[cap - 1], cap - 2);
	print_hex("data", rsp, cap - 2);
	return 0;
}

static int nchecks, nfailed;

static void check(int cond, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(int cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	nchecks++;
	printf("%s - %s\n", cond ? "ok" : "not ok", name);
	if (!cond) {
		nfailed++;
		printf("# ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
}

/* ioctl returning -1/errno as one value */
static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? errno : 0;
}

static int cmd_abi(const char *dev)
{
	static const uint8_t chal[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
	struct {
		struct schsm_info i;
		uint8_t tail[16];
	} big;
	struct schsm_transmit t;
	struct schsm_info i;
	uint8_t rsp[64];
	int fd = open_dev(dev), e;

	e = xioctl(fd, _IOWR(SCHSM_IOC_MAGIC, 0x7f, struct schsm_info), &i);
	check(e == ENOTTY, "abi: unknown command number -> ENOTTY", "%s",
	      ename(e));
	e = xioctl(fd, _IOWR('T', 0x00, struct schsm_info), &i);
	check(e == ENOTTY, "abi: foreign ioctl type -> ENOTTY", "%s", ename(e));

	memset(&i, 0, sizeof(i));
	i.size = sizeof(i) - 8;
	e = xioctl(fd, SCHSM_IOC_GET_INFO, &i);
	check(e == EINVAL, "abi: GET_INFO size below the struct -> EINVAL",
	      "%s", ename(e));
	memset(&i, 0, sizeof(i));
	i.size = sizeof(i);
	i.flags = 1;
	e = xioctl(fd, SCHSM_IOC_GET_INFO, &i);
	check(e == EINVAL, "abi: GET_INFO flags != 0 -> EINVAL", "%s", ename(e));
	memset(&i, 0, sizeof(i));
	i.size = sizeof(i);
	i.reserved[3] = 1;
	e = xioctl(fd, SCHSM_IOC_GET_INFO, &i);
	check(e == EINVAL, "abi: GET_INFO reserved != 0 -> EINVAL", "%s",
	      ename(e));
	memset(&big, 0, sizeof(big));
	big.i.size = sizeof(big);
	e = xioctl(fd, SCHSM_IOC_GET_INFO, &big);
	check(e == 0 && big.i.abi_version == SCHSM_ABI_VERSION,
	      "abi: larger struct with a zero tail accepted", "%s", ename(e));
	big.tail[5] = 1;
	e = xioctl(fd, SCHSM_IOC_GET_INFO, &big);
	check(e == E2BIG, "abi: larger struct with a non-zero tail -> E2BIG",
	      "%s", ename(e));
	e = xioctl(fd, SCHSM_IOC_GET_INFO, NULL);
	check(e == EFAULT, "abi: NULL argument -> EFAULT", "%s", ename(e));

	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.command.ptr = (uintptr_t)chal;
	t.command.len = sizeof(chal);
	t.response.ptr = (uintptr_t)rsp;
	t.response.len = sizeof(rsp);
	t.reserved = 1;
	e = xioctl(fd, SCHSM_IOC_TRANSMIT, &t);
	check(e == EINVAL, "abi: TRANSMIT reserved != 0 -> EINVAL", "%s",
	      ename(e));
	t.reserved = 0;
	t.command.len = 3;
	e = xioctl(fd, SCHSM_IOC_TRANSMIT, &t);
	check(e == EINVAL, "abi: TRANSMIT of 3 bytes -> EINVAL", "%s", ename(e));
	t.command.len = SCHSM_MAX_APDU + 1;
	e = xioctl(fd, SCHSM_IOC_TRANSMIT, &t);
	check(e == E2BIG, "abi: TRANSMIT longer than SCHSM_MAX_APDU -> E2BIG",
	      "%s", ename(e));
	t.command.len = sizeof(chal);
	t.command.ptr = 8;
	e = xioctl(fd, SCHSM_IOC_TRANSMIT, &t);
	check(e == EFAULT, "abi: TRANSMIT from a bad pointer -> EFAULT", "%s",
	      ename(e));
	t.command.ptr = (uintptr_t)chal;
	t.command.len = 6;	/* Lc 8 announced, nothing follows */
	e = xioctl(fd, SCHSM_IOC_TRANSMIT, &t);
	check(e == EINVAL, "abi: TRANSMIT of a malformed APDU -> EINVAL", "%s",
	      ename(e));
	t.command.len = sizeof(chal);
	t.response.len = 4;
	e = xioctl(fd, SCHSM_IOC_TRANSMIT, &t);
	check(e == EMSGSIZE && t.response.len == 10,
	      "abi: response buffer too small -> EMSGSIZE, len = needed",
	      "%s len %u", ename(e), t.response.len);
	t.response.len = sizeof(rsp);
	e = xioctl(fd, SCHSM_IOC_TRANSMIT, &t);
	check(e == 0 && t.response.len == 10 && rsp[8] == 0x90 && rsp[9] == 0,
	      "abi: GET CHALLENGE 8 -> 8 bytes + 9000", "%s len %u", ename(e),
	      t.response.len);
	close(fd);
	return nfailed ? 1 : 0;
}

static int cmd_unpriv(const char *dev)
{
	static const uint8_t chal[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
	struct schsm_info i;
	uint8_t rsp[64];
	uint32_t cap = sizeof(rsp);
	int fd = open_dev(dev), e;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) {
		printf("error=%s\n", ename(errno));
		return 1;
	}
	e = get_info(fd, &i) ? errno : 0;
	check(e == 0, "unprivileged: GET_INFO on an open fd works", "%s",
	      ename(e));
	e = transmit(fd, chal, sizeof(chal), rsp, &cap, 0) ? errno : 0;
	check(e == EPERM, "unprivileged: TRANSMIT -> EPERM", "%s", ename(e));
	e = open(dev, O_RDWR) < 0 ? errno : 0;
	check(e == EACCES, "unprivileged: open of the 0600 node -> EACCES",
	      "%s", ename(e));
	return nfailed ? 1 : 0;
}

static int challenge(int fd, uint8_t *out)
{
	static const uint8_t chal[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
	uint8_t rsp[64];
	uint32_t cap = sizeof(rsp);

	if (transmit(fd, chal, sizeof(chal), rsp, &cap, 0))
		return errno;
	if (cap != 10 || rsp[8] != 0x90 || rsp[9] != 0)
		return -1;
	if (out)
		memcpy(out, rsp, 8);
	return 0;
}

static int cmd_stress(int nproc, int iter, const char *dev)
{
	int i, bad = 0, status;

	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid) {
			int fd = open_dev(dev), fails = 0, k;

			for (k = 0; k < iter; k++)
				fails += challenge(fd, NULL) != 0;
			_exit(fails > 100 ? 100 : fails);
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	printf("failed_processes=%d\n", bad);
	return bad ? 1 : 0;
}

/*
 * QEMU's usb-ccid empties its slot while device_del tears it down (the
 * guest sees NotifySlotChange 50 02 just before the disconnect), so a
 * reader going away may first answer ENOMEDIUM: note it and go on to the
 * error that ends the loop.
 */
static int cmd_loop(const char *dev, const char *ready)
{
	int fd = open_dev(dev), e = 0;
	unsigned long n = 0, nomedium = 0;

	if (ready)
		close(open(ready, O_CREAT | O_WRONLY, 0600));
	while (n + nomedium < 10000000) {
		e = challenge(fd, NULL);
		if (e == ENOMEDIUM) {
			nomedium++;
			continue;
		}
		if (e)
			break;
		n++;
	}
	printf("error=%s\ncount=%lu\nenomedium=%lu\n",
	       e > 0 ? ename(e) : "bad-answer", n, nomedium);
	e = challenge(fd, NULL);
	printf("after=%s\n", e > 0 ? ename(e) : e ? "bad-answer" : "ok");
	return 0;
}

static int cmd_hold(const char *dev, const char *ready)
{
	struct schsm_info i;
	int fd = open_dev(dev), e;

	close(open(ready, O_CREAT | O_WRONLY, 0600));
	while (access(ready, F_OK) == 0)
		usleep(20000);
	e = get_info(fd, &i) ? errno : 0;
	printf("info=%s\n", e ? ename(e) : "ok");
	e = challenge(fd, NULL);
	printf("transmit=%s\n", e > 0 ? ename(e) : e ? "bad-answer" : "ok");
	close(fd);
	return 0;
}

static int cmd_ctl(const char *path, const char *line)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char buf[256];
	ssize_t n;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a))) {
		printf("error=%s\n", ename(errno));
		return 1;
	}
	snprintf(buf, sizeof(buf), "%s\n", line);
	if (write(s, buf, strlen(buf)) < 0)
		return 1;
	n = read(s, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("%s", buf);
	close(s);
	return strncmp(buf, "ok", 2) ? 1 : 0;
}

/* Poll (bounded) until GET_INFO's slot_state equals state. */
static int cmd_wait(unsigned int state, unsigned int secs, const char *dev)
{
	struct schsm_info i;
	unsigned int k;

	for (k = 0; k < secs * 20; k++) {
		int fd = open(dev, O_RDWR | O_CLOEXEC);

		if (fd >= 0) {
			int rc = get_info(fd, &i);

			close(fd);
			if (!rc && i.slot_state == state) {
				printf("slot_state=%u\n", i.slot_state);
				return 0;
			}
		}
		usleep(50000);
	}
	printf("error=timeout\n");
	return 1;
}

static int cmd_find(unsigned int secs)
{
	unsigned int k;
	glob_t g;

	for (k = 0; k < secs * 20; k++) {
		if (!glob("/dev/schsm[0-9]*", 0, NULL, &g) && g.gl_pathc) {
			printf("%s\n", g.gl_pathv[g.gl_pathc - 1]);
			globfree(&g);
			return 0;
		}
		globfree(&g);
		usleep(50000);
	}
	printf("error=timeout\n");
	return 1;
}

static int cmd_read(const char *fid, const char *path, const char *dev)
{
	static uint8_t buf[65536];
	struct schsm_file f = {
		.size = sizeof(f),
		.fid = (uint16_t)strtoul(fid, NULL, 16),
		.data = { .ptr = (uintptr_t)buf, .len = sizeof(buf) },
	};
	int fd = open_dev(dev);
	FILE *out;

	if (ioctl(fd, SCHSM_IOC_FILE_READ, &f)) {
		printf("error=%s\n", ename(errno));
		return 1;
	}
	printf("sw=%04X\nlen=%u\n", f.sw, f.data.len);
	out = fopen(path, "wb");
	if (!out || fwrite(buf, 1, f.data.len, out) != f.data.len ||
	    fclose(out)) {
		printf("error=%s\n", ename(errno));
		return 1;
	}
	return 0;
}

/* GET CHALLENGE of 8 bytes; prints sw=, len= or error=ENAME */
static int print_challenge(int fd)
{
	static const uint8_t cmd[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
	uint8_t rsp[8 + 2];
	uint32_t cap = sizeof(rsp);

	if (transmit(fd, cmd, sizeof(cmd), rsp, &cap, 0)) {
		printf("error=%s\n", ename(errno));
		return 1;
	}
	if (cap < 2) {
		printf("error=short\n");
		return 1;
	}
	printf("sw=%02X%02X\nlen=%u\n", rsp[cap - 2], rsp[cap - 1], cap - 2);
	return 0;
}

/*
 * The reset returns after the driver's post_reset; the GET CHALLENGE right
 * after it races the slot work that powers the card again.
 */
static int cmd_usbreset(const char *usbdev, const char *dev)
{
	int ufd, fd, rc;

	fd = open_dev(dev);
	ufd = open(usbdev, O_WRONLY | O_CLOEXEC);
	if (ufd < 0) {
		printf("reset=%s\n", ename(errno));
		return 1;
	}
	rc = ioctl(ufd, USBDEVFS_RESET, 0);
	printf("reset=%s\n", rc ? ename(errno) : "0");
	close(ufd);
	if (rc)
		return 1;
	return print_challenge(fd);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	const char *d3 = argc > 2 ? argv[2] : dev_default;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(c, "info"))
		return cmd_info(d3);
	if (!strcmp(c, "tx"))
		return cmd_tx(argc - 1, argv + 1);
	if (!strcmp(c, "abi"))
		return cmd_abi(d3);
	if (!strcmp(c, "unpriv"))
		return cmd_unpriv(d3);
	if (!strcmp(c, "stress") && argc >= 4)
		return cmd_stress(atoi(argv[2]), atoi(argv[3]),
				  argc > 4 ? argv[4] : dev_default);
	if (!strcmp(c, "loop"))
		return cmd_loop(d3, argc > 3 ? argv[3] : NULL);
	if (!strcmp(c, "hold") && argc == 4)
		return cmd_hold(argv[2], argv[3]);
	if (!strcmp(c, "ctl") && argc == 4)
		return cmd_ctl(argv[2], argv[3]);
	if (!strcmp(c, "wait") && argc >= 4)
		return cmd_wait(strtoul(argv[2], NULL, 0), atoi(argv[3]),
				argc > 4 ? argv[4] : dev_default);
	if (!strcmp(c, "read") && argc >= 4)
		return cmd_read(argv[2], argv[3],
				argc > 4 ? argv[4] : dev_default);
	if (!strcmp(c, "usbreset") && argc >= 3)
		return cmd_usbreset(argv[2], argc > 3 ? argv[3] : dev_default);
	if (!strcmp(c, "find"))
		return cmd_find(argc > 2 ? atoi(argv[2]) : 10);
	fprintf(stderr, "usage: see the comment at the top of schsm-xfer.c\n");
	return 2;
}
