// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/lib/device.c, the ioctl wrappers, with ioctl()
 * mocked (-Wl,--wrap=ioctl): each wrapper sends the request and struct
 * size linux/schsm.h defines, describes the caller's buffers, refuses a
 * length the kernel reports beyond the caller's buffer, passes errno and
 * the status word through, and wipes the DKEK share it copied.
 * The expected values come from the ABI header, not from device.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "device.h"

int __wrap_ioctl(int fd, unsigned long req, ...);

static int n_test, n_fail;

static void check(int cond, const char *name)
{
	n_test++;
	if (!cond)
		n_fail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n_test, name);
}

/* what the mock saw, and how it answers */
static struct {
	int calls;
	unsigned long req;
	uint32_t size;
	uint8_t share_seen[SCHSM_DKEK_SHARE_LEN];
	int fail_errno;		/* answer -1 with this errno */
	uint32_t out_len;	/* length the "kernel" reports back */
	uint16_t sw;
} mock;

static void mock_reset(void)
{
	memset(&mock, 0, sizeof(mock));
	mock.sw = SCHSM_SW_OK;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	(void)fd;
	va_start(ap, req);
	arg = _IOC_SIZE(req) ? va_arg(ap, void *) : NULL;	/* _IO: no argument */
	va_end(ap);
	mock.calls++;
	mock.req = req;
	if (arg)
		memcpy(&mock.size, arg, sizeof(mock.size));
	if (mock.fail_errno) {
		errno = mock.fail_errno;
		return -1;
	}
	switch (req) {
	case SCHSM_IOC_SIGN: {
		struct schsm_crypt *c = arg;

		c->output.len = mock.out_len;
		c->sw = mock.sw;
		break;
	}
	case SCHSM_IOC_KEY_WRAP: {
		struct schsm_wrap *w = arg;

		w->blob.len = mock.out_len;
		w->sw = mock.sw;
		break;
	}
	case SCHSM_IOC_LOGIN: {
		struct schsm_pin *p = arg;

		p->sw = mock.sw;
		p->tries_left = 2;
		break;
	}
	case SCHSM_IOC_DKEK_IMPORT: {
		struct schsm_dkek_share *d = arg;

		memcpy(mock.share_seen, d->share, sizeof(mock.share_seen));
		break;
	}
	case SCHSM_IOC_KEY_LIST: {
		struct schsm_key_list *l = arg;

		l->count = mock.out_len;
		break;
	}
	}
	return 0;
}

static void test_sizes(struct schsm_dev *dev)
{
	struct schsm_status st;
	struct schsm_info info;
	struct schsm_key_list kl;
	struct schsm_init init;

	mock_reset();
	check(!schsm_get_info(dev, &info) && mock.req == SCHSM_IOC_GET_INFO &&
	      mock.size == sizeof(struct schsm_info), "GET_INFO: request and size");
	mock_reset();
	check(!schsm_get_status(dev, &st) && mock.req == SCHSM_IOC_STATUS &&
	      mock.size == sizeof(struct schsm_status), "STATUS: request and size");
	mock_reset();
	memset(&init, 0, sizeof(init));
	check(!schsm_initialize(dev, &init) && mock.req == SCHSM_IOC_INITIALIZE &&
	      mock.size == sizeof(struct schsm_init), "INITIALIZE: request and size");
	mock_reset();
	mock.out_len = SCHSM_MAX_KEYS + 1;
	check(schsm_key_list(dev, &kl) == -EPROTO,
	      "KEY_LIST: a count beyond SCHSM_MAX_KEYS is -EPROTO");
}

static void test_buffers(struct schsm_dev *dev)
{
	uint8_t in[32] = { 1 }, out[64];
	size_t outlen = sizeof(out);
	uint16_t sw = 0;

	mock_reset();
	mock.out_len = 40;
	check(!schsm_sign(dev, 1, SCHSM_ALG_ECDSA, in, sizeof(in), out, &outlen, &sw) &&
	      mock.req == SCHSM_IOC_SIGN && mock.size == sizeof(struct schsm_crypt) &&
	      outlen == 40 && sw == SCHSM_SW_OK, "SIGN: size, output length back");
	mock_reset();
	outlen = sizeof(out);
	mock.out_len = sizeof(out) + 1;
	check(schsm_sign(dev, 1, SCHSM_ALG_ECDSA, in, sizeof(in), out, &outlen, &sw) == -EPROTO &&
	      outlen == sizeof(out), "SIGN: a reported length beyond the buffer is -EPROTO");
	mock_reset();
	outlen = (size_t)UINT32_MAX + 1;
	check(schsm_sign(dev, 1, SCHSM_ALG_ECDSA, in, sizeof(in), out, &outlen, &sw) == -E2BIG &&
	      mock.calls == 0, "SIGN: a buffer over 4 GiB is -E2BIG, no ioctl");
	mock_reset();
	outlen = sizeof(out);
	mock.out_len = 10;
	mock.sw = 0x6a88;
	check(!schsm_key_wrap(dev, 3, out, &outlen, &sw) && mock.req == SCHSM_IOC_KEY_WRAP &&
	      mock.size == sizeof(struct schsm_wrap) && sw == 0x6a88,
	      "KEY_WRAP: size, the card's status word passed through");
}

static void test_errors_and_secrets(struct schsm_dev *dev)
{
	uint8_t share[SCHSM_DKEK_SHARE_LEN], zero[SCHSM_DKEK_SHARE_LEN] = { 0 };
	struct schsm_dkek_share d;
	struct schsm_pin_result res;

	mock_reset();
	mock.fail_errno = ENODEV;
	check(schsm_login(dev, (const uint8_t *)"648219", 6, &res) == -ENODEV,
	      "LOGIN: errno comes back as -errno");
	mock_reset();
	mock.sw = 0x63c2;
	check(!schsm_login(dev, (const uint8_t *)"111111", 6, &res) &&
	      mock.size == sizeof(struct schsm_pin) && res.sw == 0x63c2 && res.tries_left == 2,
	      "LOGIN: size, status word and tries left");
	mock_reset();
	memset(share, 0xa5, sizeof(share));
	check(!schsm_dkek_import(dev, share, &d) && mock.req == SCHSM_IOC_DKEK_IMPORT &&
	      mock.size == sizeof(struct schsm_dkek_share) &&
	      !memcmp(mock.share_seen, share, sizeof(share)),
	      "DKEK_IMPORT: size, the share reaches the kernel");
	check(!memcmp(d.share, zero, sizeof(zero)), "DKEK_IMPORT: the copy is wiped afterwards");
	mock_reset();
	check(!schsm_logout(dev) && mock.req == SCHSM_IOC_LOGOUT, "LOGOUT: request");
}

int main(void)
{
	struct schsm_dev dev = { .fd = 99, .path = "mock" };

	test_sizes(&dev);
	test_buffers(&dev);
	test_errors_and_secrets(&dev);
	printf("%d passed, %d failed\n", n_test - n_fail, n_fail);
	return n_fail != 0;
}
