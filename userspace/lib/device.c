// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: open /dev/schsmN, ioctl wrappers, status word texts. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "device.h"

/*
 * One ioctl.  Every ABI struct begins with its __u32 size (linux/schsm.h),
 * which the kernel checks against what it knows: set it here, once.
 */
static int dev_call(struct schsm_dev *dev, unsigned long req, void *arg, size_t size)
{
	__u32 sz = (__u32)size;

	memcpy(arg, &sz, sizeof(sz));
	if (ioctl(dev->fd, req, arg) < 0)
		return -errno;
	return 0;
}

/* Describe a caller buffer; the ABI carries 32-bit lengths. */
static int set_buf(struct schsm_buf *b, const void *p, size_t len)
{
	if (len > UINT32_MAX)
		return -E2BIG;
	b->ptr = (__u64)(uintptr_t)p;
	b->len = (__u32)len;
	return 0;
}

/*
 * After a call that fills a caller buffer: the kernel reports the length it
 * wrote, which must fit what the caller offered (*len, updated on success).
 */
static int buf_result(int err, const struct schsm_buf *b, size_t *len)
{
	if (err)
		return err;
	if (b->len > *len)
		return -EPROTO;
	*len = b->len;
	return 0;
}

int schsm_dev_open(struct schsm_dev *dev, const char *path)
{
	if (!path)
		path = getenv("SCHSM_DEVICE");
	if (!path || !*path)
		path = SCHSM_DEFAULT_DEVICE;
	dev->path = path;
	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	return dev->fd < 0 ? -errno : 0;
}

void schsm_dev_close(struct schsm_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

int schsm_get_info(struct schsm_dev *dev, struct schsm_info *info)
{
	memset(info, 0, sizeof(*info));
	return dev_call(dev, SCHSM_IOC_GET_INFO, info, sizeof(*info));
}

int schsm_get_status(struct schsm_dev *dev, struct schsm_status *st)
{
	memset(st, 0, sizeof(*st));
	return dev_call(dev, SCHSM_IOC_STATUS, st, sizeof(*st));
}

static int pin_call(struct schsm_dev *dev, unsigned long req, uint32_t ref,
		    const uint8_t *old, size_t oldlen, const uint8_t *pin,
		    size_t len, struct schsm_pin_result *res)
{
	struct schsm_pin p;
	int err;

	memset(&p, 0, sizeof(p));
	p.ref = ref;
	err = set_buf(&p.old, old, oldlen);
	if (!err)
		err = set_buf(&p.pin, pin, len);
	if (!err)
		err = dev_call(dev, req, &p, sizeof(p));
	res->sw = p.sw;
	res->tries_left = p.tries_left;
	return err;
}

int schsm_login(struct schsm_dev *dev, const uint8_t *pin, size_t len,
		struct schsm_pin_result *res)
{
	return pin_call(dev, SCHSM_IOC_LOGIN, SCHSM_PIN_REF_USER, NULL, 0,
			pin, len, res);
}

int schsm_logout(struct schsm_dev *dev)
{
	return ioctl(dev->fd, SCHSM_IOC_LOGOUT, NULL) < 0 ? -errno : 0;
}

int schsm_change_pin(struct schsm_dev *dev, uint32_t ref,
		     const uint8_t *old, size_t oldlen,
		     const uint8_t *pin, size_t len, struct schsm_pin_result *res)
{
	return pin_call(dev, SCHSM_IOC_CHANGE_PIN, ref, old, oldlen, pin, len, res);
}

int schsm_unblock_pin(struct schsm_dev *dev, const uint8_t so_pin[SCHSM_SO_PIN_LEN],
		      const uint8_t *new_pin, size_t len, struct schsm_pin_result *res)
{
	return pin_call(dev, SCHSM_IOC_UNBLOCK_PIN, SCHSM_PIN_REF_USER, so_pin,
			SCHSM_SO_PIN_LEN, new_pin, len, res);
}

int schsm_initialize(struct schsm_dev *dev, struct schsm_init *init)
{
	return dev_call(dev, SCHSM_IOC_INITIALIZE, init, sizeof(*init));
}

int schsm_dkek_import(struct schsm_dev *dev, const uint8_t share[SCHSM_DKEK_SHARE_LEN],
		      struct schsm_dkek_share *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	memcpy(out->share, share, SCHSM_DKEK_SHARE_LEN);
	err = dev_call(dev, SCHSM_IOC_DKEK_IMPORT, out, sizeof(*out));
	OPENSSL_cleanse(out->share, sizeof(out->share));
	return err;
}

int schsm_key_list(struct schsm_dev *dev, struct schsm_key_list *list)
{
	int err;

	memset(list, 0, sizeof(*list));
	err = dev_call(dev, SCHSM_IOC_KEY_LIST, list, sizeof(*list));
	if (!err && list->count > SCHSM_MAX_KEYS)
		return -EPROTO;
	return err;
}

int schsm_key_generate(struct schsm_dev *dev, struct schsm_keygen *kg,
		       uint8_t *req, size_t *reqlen)
{
	int err = set_buf(&kg->request, req, *reqlen);

	if (!err)
		err = dev_call(dev, SCHSM_IOC_KEY_GENERATE, kg, sizeof(*kg));
	err = buf_result(err, &kg->request, reqlen);
	if (err)
		*reqlen = 0;
	return err;
}

static int wrap_call(struct schsm_dev *dev, unsigned long req, uint8_t key_id,
		     const uint8_t *blob, size_t *len, uint16_t *sw)
{
	struct schsm_wrap w;
	int err;

	memset(&w, 0, sizeof(w));
	w.key_id = key_id;
	err = set_buf(&w.blob, blob, *len);
	if (!err)
		err = dev_call(dev, req, &w, sizeof(w));
	*sw = w.sw;
	return buf_result(err, &w.blob, len);
}

int schsm_key_wrap(struct schsm_dev *dev, uint8_t key_id, uint8_t *blob,
		   size_t *len, uint16_t *sw)
{
	return wrap_call(dev, SCHSM_IOC_KEY_WRAP, key_id, blob, len, sw);
}

int schsm_key_unwrap(struct schsm_dev *dev, uint8_t key_id, const uint8_t *blob,
		     size_t len, uint16_t *sw)
{
	size_t l = len;

	return wrap_call(dev, SCHSM_IOC_KEY_UNWRAP, key_id, blob, &l, sw);
}

int schsm_sign(struct schsm_dev *dev, uint8_t key_id, uint8_t alg,
	       const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen,
	       uint16_t *sw)
{
	struct schsm_crypt c;
	int err;

	memset(&c, 0, sizeof(c));
	c.key_id = key_id;
	c.algorithm = alg;
	err = set_buf(&c.input, in, inlen);
	if (!err)
		err = set_buf(&c.output, out, *outlen);
	if (!err)
		err = dev_call(dev, SCHSM_IOC_SIGN, &c, sizeof(c));
	*sw = c.sw;
	return buf_result(err, &c.output, outlen);
}

/* len may be NULL (DELETE carries no data) */
static int file_call(struct schsm_dev *dev, unsigned long req, uint16_t fid,
		     const uint8_t *buf, size_t *len, uint16_t *sw)
{
	size_t none = 0;
	struct schsm_file f;
	int err;

	if (!len)
		len = &none;
	memset(&f, 0, sizeof(f));
	f.fid = fid;
	err = set_buf(&f.data, buf, *len);
	if (!err)
		err = dev_call(dev, req, &f, sizeof(f));
	*sw = f.sw;
	return buf_result(err, &f.data, len);
}

int schsm_file_read(struct schsm_dev *dev, uint16_t fid, uint8_t *buf,
		    size_t *len, uint16_t *sw)
{
	return file_call(dev, SCHSM_IOC_FILE_READ, fid, buf, len, sw);
}

int schsm_file_write(struct schsm_dev *dev, uint16_t fid, const uint8_t *buf,
		     size_t len, uint16_t *sw)
{
	size_t l = len;

	return file_call(dev, SCHSM_IOC_FILE_WRITE, fid, buf, &l, sw);
}

int schsm_file_delete(struct schsm_dev *dev, uint16_t fid, uint16_t *sw)
{
	return file_call(dev, SCHSM_IOC_FILE_DELETE, fid, NULL, NULL, sw);
}

int schsm_enum_objects(struct schsm_dev *dev, uint8_t *buf, size_t *len,
		       uint16_t *sw)
{
	struct schsm_enum e;
	int err;

	memset(&e, 0, sizeof(e));
	err = set_buf(&e.fids, buf, *len);
	if (!err)
		err = dev_call(dev, SCHSM_IOC_ENUM_OBJECTS, &e, sizeof(e));
	*sw = e.sw;
	return buf_result(err, &e.fids, len);
}

int schsm_pka_register(struct schsm_dev *dev, struct schsm_pka_register *reg)
{
	return dev_call(dev, SCHSM_IOC_PKA_REGISTER, reg, sizeof(*reg));
}

int schsm_unseal(struct schsm_dev *dev, struct schsm_unseal *u)
{
	return dev_call(dev, SCHSM_IOC_UNSEAL, u, sizeof(*u));
}

int schsm_pka_challenge(struct schsm_dev *dev, uint8_t *chal, size_t len,
			uint16_t *sw)
{
	struct schsm_pka_challenge c;
	int err;

	memset(&c, 0, sizeof(c));
	err = set_buf(&c.challenge, chal, len);
	if (!err)
		err = dev_call(dev, SCHSM_IOC_PKA_CHALLENGE, &c, sizeof(c));
	*sw = c.sw;
	if (!err && *sw == SCHSM_SW_OK && c.challenge.len != len)
		return -EPROTO;
	return err;
}

int schsm_pka_authenticate(struct schsm_dev *dev, const char *chr,
			   const uint8_t *sig, size_t siglen,
			   struct schsm_pka_auth *out)
{
	size_t n = strlen(chr);
	int err;

	if (n >= sizeof(out->chr))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(out->chr, chr, n);
	err = set_buf(&out->signature, sig, siglen);
	if (!err)
		err = dev_call(dev, SCHSM_IOC_PKA_AUTH, out, sizeof(*out));
	return err;
}

const char *schsm_sw_text(uint16_t sw)
{
	if ((sw & 0xfff0) == 0x63c0)
		return "wrong PIN";
	switch (sw) {
	case 0x9000: return "success";
	case 0x6282: return "end of file reached";
	case 0x6700: return "wrong length";
	case 0x6982: return "not authenticated (log in first)";
	case 0x6983: return "PIN blocked";
	case 0x6984: return "transport PIN must be changed, or key use counter exhausted";
	case 0x6985: return "conditions of use not satisfied";
	case 0x6a80: return "incorrect data (wrong DKEK or corrupt blob?)";
	case 0x6a81: return "operation not allowed for this key";
	case 0x6a82: return "file or key not found";
	case 0x6a84: return "not enough memory, or key use counter exhausted";
	case 0x6a86: return "incorrect parameters";
	case 0x6a88: return "referenced data not found";
	case 0x6a89: return "file already exists";
	case 0x6d00: return "not supported (or not initialised for this feature)";
	case 0x6e00: return "class not supported";
	default: return "card refused the command";
	}
}

const char *schsm_err_text(int err)
{
	switch (-err) {
	case ENOENT: return "no such device (is the schsm module loaded and a token plugged in?)";
	case ENODEV: return "device gone (unplugged or removed)";
	case EACCES: return "permission denied";
	case EPERM: return "operation not permitted";
	case ETIMEDOUT: return "token did not answer in time";
	case ENOTTY: return "not a schsm device, or the driver lacks this operation";
	default: return strerror(-err);
	}
}
