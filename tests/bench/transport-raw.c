// SPDX-License-Identifier: GPL-2.0
/*
 * transport-raw: the guest side of tests/bench/transport.  Times N
 * GET CHALLENGE round trips through /dev/schsm0 (SCHSM_IOC_TRANSMIT), then
 * unbinds schsm, claims the same interface through usbdevfs and times the
 * same CCID messages sent by hand (the same T=1 blocks on TPDU readers),
 * then binds schsm again, in four alternating rounds.  Prints driver_us,
 * raw_us (mean per APDU) and their ratio.
 *
 *   transport-raw N
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/schsm.h>
#include <linux/usbdevice_fs.h>

static const uint8_t chal[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
static const uint8_t select_aid[] = { 0x00, 0xa4, 0x04, 0x04, 0x0b, 0xe8,
	0x2b, 0x06, 0x01, 0x04, 0x01, 0x81, 0xc3, 0x1f, 0x02, 0x01, 0x00 };

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what)
{
	fprintf(stderr, "transport-raw: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double bench_driver(int n, unsigned int *level)
{
	struct schsm_info info = { .size = sizeof(info) };
	uint8_t rsp[64];
	struct schsm_transmit t = {
		.size = sizeof(t),
		.command = { .ptr = (uintptr_t)chal, .len = sizeof(chal) },
		.response = { .ptr = (uintptr_t)rsp },
	};
	double t0;
	int fd = open("/dev/schsm0", O_RDWR), i;

	if (fd < 0 || ioctl(fd, SCHSM_IOC_GET_INFO, &info))
		die("/dev/schsm0");
	*level = info.level;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		t.response.len = sizeof(rsp);
		if (ioctl(fd, SCHSM_IOC_TRANSMIT, &t) || t.response.len != 10)
			die("TRANSMIT");
	}
	t0 = (now_us() - t0) / n;
	close(fd);
	return t0;
}

/* the USB interface schsm is bound to, e.g. "1-1:1.0" */
static int find_intf(char *name, size_t cap)
{
	DIR *d = opendir("/sys/bus/usb/drivers/schsm");
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strchr(e->d_name, ':')) {
			snprintf(name, cap, "%s", e->d_name);
			closedir(d);
			return 0;
		}
	closedir(d);
	return -1;
}

static void sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		die(path);
	close(fd);
}

static int read_int(const char *fmt, const char *arg)
{
	char path[256], buf[32];
	int fd, n;

	snprintf(path, sizeof(path), fmt, arg);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return atoi(buf);
}

struct raw {
	int fd;
	unsigned int ifnum, ep_in, ep_out;
	uint8_t seq, ns, nr;
	int t1;
};

/* endpoints of the interface from sysfs (ep_XX/type, direction) */
static void find_endpoints(struct raw *r, const char *intf)
{
	char path[300], buf[32];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s", intf);
	d = opendir(path);
	if (!d)
		die(path);
	while ((e = readdir(d))) {
		unsigned int addr;
		int fd, n;

		if (sscanf(e->d_name, "ep_%x", &addr) != 1)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/%s/type",
			 intf, e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		if (strncmp(buf, "Bulk", 4))
			continue;
		if (addr & 0x80)
			r->ep_in = addr;
		else
			r->ep_out = addr;
	}
	closedir(d);
}

static int bulk(struct raw *r, unsigned int ep, void *buf, unsigned int len)
{
	struct usbdevfs_bulktransfer b = {
		.ep = ep, .len = len, .timeout = 5000, .data = buf,
	};

	return ioctl(r->fd, USBDEVFS_BULK, &b);
}

/* one CCID command/response; returns the abData length */
static int ccid(struct raw *r, uint8_t type, const uint8_t *data, size_t len,
		uint8_t *out)
{
	static uint8_t msg[70000];
	int n;

	msg[0] = type;
	msg[1] = len;
	msg[2] = len >> 8;
	msg[3] = msg[4] = 0;
	msg[5] = 0;
	msg[6] = r->seq++;
	msg[7] = msg[8] = msg[9] = 0;
	memcpy(msg + 10, data, len);
	if (bulk(r, r->ep_out, msg, 10 + len) != (int)(10 + len))
		die("bulk out");
	n = bulk(r, r->ep_in, msg, sizeof(msg));
	if (n < 10 || msg[6] != (uint8_t)(r->seq - 1))
		die("bulk in");
	memcpy(out, msg + 10, n - 10);
	return n - 10;
}

/* one APDU: as an I-block (T=1) or as it is (APDU level) */
static int apdu(struct raw *r, const uint8_t *cmd, size_t len, uint8_t *out)
{
	uint8_t blk[300], x = 0;
	size_t i;
	int n;

	if (!r->t1)
		return ccid(r, 0x6f, cmd, len, out);
	blk[0] = 0;
	blk[1] = r->ns ? 0x40 : 0;
	blk[2] = len;
	memcpy(blk + 3, cmd, len);
	for (i = 0; i < len + 3; i++)
		x ^= blk[i];
	blk[len + 3] = x;
	n = ccid(r, 0x6f, blk, len + 4, out);
	if (n < 4 || (out[1] & 0x80))
		die("T=1 answer");
	r->ns ^= 1;
	r->nr ^= 1;
	n = out[2];
	memmove(out, out + 3, n);
	return n;
}

static double bench_raw(int n, const char *intf, unsigned int level)
{
	struct raw r = { .t1 = level == SCHSM_LEVEL_TPDU_T1 };
	char path[300];
	uint8_t out[70000];
	double t0;
	int i;

	char udev[256];

	/* the device of interface "1-1:1.0" is "1-1" */
	snprintf(udev, sizeof(udev), "%.*s", (int)strcspn(intf, ":"), intf);
	snprintf(path, sizeof(path), "/dev/bus/usb/%03d/%03d",
		 read_int("/sys/bus/usb/devices/%s/busnum", udev),
		 read_int("/sys/bus/usb/devices/%s/devnum", udev));
	find_endpoints(&r, intf);
	r.ifnum = read_int("/sys/bus/usb/devices/%s/bInterfaceNumber", intf);
	r.fd = open(path, O_RDWR);
	if (r.fd < 0 || ioctl(r.fd, USBDEVFS_CLAIMINTERFACE, &r.ifnum))
		die(path);
	/* power on: the card's T=1 state starts from zero */
	ccid(&r, 0x62, NULL, 0, out);
	if (apdu(&r, select_aid, sizeof(select_aid), out) < 2)
		die("SELECT");
	t0 = now_us();
	for (i = 0; i < n; i++)
		if (apdu(&r, chal, sizeof(chal), out) != 10)
			die("GET CHALLENGE");
	t0 = (now_us() - t0) / n;
	ioctl(r.fd, USBDEVFS_RELEASEINTERFACE, &r.ifnum);
	close(r.fd);
	return t0;
}

/* after a bind: wait until the driver has the card session open again */
static void wait_ready(void)
{
	struct schsm_info info;
	int k, fd;

	for (k = 0; k < 600; k++) {
		fd = open("/dev/schsm0", O_RDWR);
		if (fd >= 0) {
			memset(&info, 0, sizeof(info));
			info.size = sizeof(info);
			if (!ioctl(fd, SCHSM_IOC_GET_INFO, &info) &&
			    info.slot_state == (SCHSM_SLOT_PRESENT |
						SCHSM_SLOT_POWERED |
						SCHSM_SLOT_SELECTED)) {
				close(fd);
				return;
			}
			close(fd);
		}
		usleep(50000);
	}
	errno = ETIMEDOUT;
	die("/dev/schsm0 after bind");
}

/*
 * Rounds alternate between the driver and the raw loop, so that a change
 * of load on the host (TCG) affects both sides alike.
 */
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 500, rounds = 4, i;
	char intf[256];
	unsigned int level;
	double drv = 0, raw = 0;

	if (n < rounds)
		n = rounds;
	if (find_intf(intf, sizeof(intf)))
		die("schsm not bound");
	for (i = 0; i < rounds; i++) {
		wait_ready();
		drv += bench_driver(n / rounds, &level);
		sysfs_write("/sys/bus/usb/drivers/schsm/unbind", intf);
		raw += bench_raw(n / rounds, intf, level);
		sysfs_write("/sys/bus/usb/drivers/schsm/bind", intf);
	}
	drv /= rounds;
	raw /= rounds;
	printf("apdus=%d driver_us=%.1f raw_us=%.1f ratio=%.3f\n",
	       n / rounds * rounds, drv, raw, drv / raw);
	return 0;
}
