// SPDX-License-Identifier: GPL-2.0
/*
 * schsm semantic ioctls: argument checking and copy-in/out.  Every user
 * value is checked here, before the chip's operations are taken; the card
 * operations themselves live in card.c.  Conventions (size, flags, reserved,
 * buffers, -EMSGSIZE, sw) are those of include/uapi/linux/schsm.h and
 * Documentation/ioctl-abi.md.
 */
#define pr_fmt(fmt) "schsm: " fmt

#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "include/uapi/linux/schsm.h"
#include "schsm.h"
#include "card_priv.h"

#define SCHSM_PIN_MIN		6
#define SCHSM_CVC_MAX		4096	/* a CV certificate or request */
#define SCHSM_KEYGEN_MAX	8192	/* authenticated request of RSA-4096 */
#define SCHSM_BLOB_MAX		65535	/* one extended APDU */

/* ---- argument helpers ---------------------------------------------------- */

static bool is_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

/* copy_struct_from_user semantics; the caller's size must cover ours */
static int arg_in(void *k, size_t ksize, const void __user *u)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)u))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(k, ksize, u, usize);
}

static int arg_out(void __user *u, const void *k, size_t ksize)
{
	return copy_to_user(u, k, ksize) ? -EFAULT : 0;
}

/* an input buffer: min..max bytes, reserved zero; NULL for an empty one */
static void *buf_in(const struct schsm_buf *b, size_t min, size_t max)
{
	if (b->reserved || b->len < min)
		return ERR_PTR(-EINVAL);
	if (b->len > max)
		return ERR_PTR(-E2BIG);
	if (!b->len)
		return NULL;
	return vmemdup_user(u64_to_user_ptr(b->ptr), b->len);
}

static void buf_free(void *p, const struct schsm_buf *b)
{
	if (!IS_ERR_OR_NULL(p))
		kvfree_sensitive(p, b->len);
}

static int buf_out_check(const struct schsm_buf *b)
{
	return b->reserved ? -EINVAL : 0;
}

/* the -EMSGSIZE contract: too small -> len = size needed, nothing copied */
static int buf_out(struct schsm_buf *b, const void *data, size_t len)
{
	if (len > b->len) {
		b->len = len;
		return -EMSGSIZE;
	}
	if (len && copy_to_user(u64_to_user_ptr(b->ptr), data, len))
		return -EFAULT;
	b->len = len;
	return 0;
}

/* take the chip's operations; the card session must be up */
static int ops_begin(struct schsm_chip *chip)
{
	int ret = schsm_try_get_ops(chip);

	if (ret)
		return ret;
	if (!schsm_card_ready(chip)) {
		schsm_put_ops(chip);
		return -ENXIO;
	}
	return 0;
}

/* ---- status and PINs ------------------------------------------------------ */

static long ioc_status(struct schsm_chip *chip, void __user *u)
{
	struct schsm_status s, out = {};
	int ret;

	ret = arg_in(&s, sizeof(s), u);
	if (ret)
		return ret;
	if (s.flags || !is_zero(s.reserved, sizeof(s.reserved)))
		return -EINVAL;
	out.size = s.size;	/* every other field is output */
	ret = ops_begin(chip);
	if (ret)
		return ret;
	ret = schsm_card_status(chip, &out);
	schsm_put_ops(chip);
	return ret ?: arg_out(u, &out, sizeof(out));
}

static int pin_args_common(const struct schsm_pin *p)
{
	if (p->flags || p->pad0 || !is_zero(p->reserved, sizeof(p->reserved)) ||
	    p->old.reserved || p->pin.reserved)
		return -EINVAL;
	return 0;
}

/* LOGIN / CHANGE_PIN / UNBLOCK_PIN share struct schsm_pin */
static long ioc_pin(struct schsm_chip *chip, unsigned int cmd, void __user *u)
{
	u8 data[SCHSM_MAX_PIN * 2], ins, p1 = 0;
	size_t omin, omax, nmin, nmax, len;
	u8 *old = NULL, *pin = NULL;
	struct schsm_pin p;
	int ret;

	ret = arg_in(&p, sizeof(p), u);
	if (ret)
		return ret;
	ret = pin_args_common(&p);
	if (ret)
		return ret;
	switch (cmd) {
	case SCHSM_IOC_LOGIN:
		if (p.ref != SCHSM_PIN_REF_USER)
			return -EINVAL;
		ins = 0x20;
		omin = 0;
		omax = 0;
		nmin = SCHSM_PIN_MIN;
		nmax = SCHSM_MAX_PIN;
		break;
	case SCHSM_IOC_CHANGE_PIN:
		ins = 0x24;
		if (p.ref == SCHSM_PIN_REF_USER) {
			omin = SCHSM_PIN_MIN;
			nmin = SCHSM_PIN_MIN;
			omax = SCHSM_MAX_PIN;
			nmax = SCHSM_MAX_PIN;
		} else if (p.ref == SCHSM_PIN_REF_SO) {
			omin = SCHSM_SO_PIN_LEN;
			omax = SCHSM_SO_PIN_LEN;
			nmin = SCHSM_SO_PIN_LEN;
			nmax = SCHSM_SO_PIN_LEN;
		} else {
			return -EINVAL;
		}
		break;
	default:	/* SCHSM_IOC_UNBLOCK_PIN */
		if (p.ref != SCHSM_PIN_REF_USER)
			return -EINVAL;
		ins = 0x2c;
		omin = SCHSM_SO_PIN_LEN;
		omax = SCHSM_SO_PIN_LEN;
		nmin = p.pin.len ? SCHSM_PIN_MIN : 0;
		nmax = SCHSM_MAX_PIN;
		p1 = p.pin.len ? 0x00 : 0x01;	/* 01: only reset the counter */
		break;
	}
	old = buf_in(&p.old, omin, omax);
	if (IS_ERR(old))
		return PTR_ERR(old);
	pin = buf_in(&p.pin, nmin, nmax);
	if (IS_ERR(pin)) {
		ret = PTR_ERR(pin);
		goto out_free;
	}
	len = 0;
	if (p.old.len) {
		memcpy(data, old, p.old.len);
		len = p.old.len;
	}
	if (p.pin.len) {
		memcpy(data + len, pin, p.pin.len);
		len += p.pin.len;
	}
	ret = ops_begin(chip);
	if (ret)
		goto out_wipe;
	ret = schsm_card_pin(chip, ins, p1, p.ref, data, len, &p.sw);
	schsm_put_ops(chip);
	if (!ret) {
		p.tries_left = schsm_tries_from_sw(p.sw);
		ret = arg_out(u, &p, sizeof(p));
	}
out_wipe:
	memzero_explicit(data, sizeof(data));
out_free:
	buf_free(pin, &p.pin);
	buf_free(old, &p.old);
	return ret;
}

static long ioc_logout(struct schsm_chip *chip)
{
	int ret = schsm_try_get_ops(chip);

	if (ret)
		return ret;
	ret = schsm_card_logout(chip);
	schsm_put_ops(chip);
	return ret;
}

/* ---- initialize and DKEK ---------------------------------------------------- */

#define SCHSM_INIT_FLAGS (SCHSM_INIT_DKEK | SCHSM_INIT_PKA | \
			  SCHSM_INIT_NO_USER_PIN)
#define SCHSM_OPT_ALL	0x003f

static int init_check(const struct schsm_init *in)
{
	if (in->flags & ~SCHSM_INIT_FLAGS || in->options & ~SCHSM_OPT_ALL ||
	    !is_zero(in->reserved, sizeof(in->reserved)) ||
	    in->user_pin.reserved)
		return -EINVAL;
	if (in->retry_limit < 1 || in->retry_limit > 10)
		return -EINVAL;
	if (!(in->flags & SCHSM_INIT_DKEK) && in->dkek_shares)
		return -EINVAL;
	if (in->flags & SCHSM_INIT_PKA) {
		if (!in->pka_required || in->pka_required > in->pka_total ||
		    in->pka_total > 90)
			return -EINVAL;
	} else if (in->pka_total || in->pka_required) {
		return -EINVAL;
	}
	if (in->flags & SCHSM_INIT_NO_USER_PIN) {
		if (!(in->flags & SCHSM_INIT_PKA) || in->user_pin.len)
			return -EINVAL;
	} else if (in->user_pin.len < SCHSM_PIN_MIN ||
		   in->user_pin.len > SCHSM_MAX_PIN) {
		return -EINVAL;
	}
	return 0;
}

static long ioc_initialize(struct schsm_chip *chip, void __user *u)
{
	u8 data[64], *pin = NULL;
	struct schsm_init in;
	size_t n = 0;
	int ret;

	ret = arg_in(&in, sizeof(in), u);
	if (ret)
		return ret;
	ret = init_check(&in);
	if (ret)
		goto out_wipe_arg;
	pin = buf_in(&in.user_pin, 0, SCHSM_MAX_PIN);
	if (IS_ERR(pin)) {
		ret = PTR_ERR(pin);
		goto out_wipe_arg;
	}
	/* tag 80 first: schsm_card_initialize() mirrors it */
	data[n++] = 0x80;
	data[n++] = 2;
	data[n++] = in.options >> 8;
	data[n++] = in.options & 0xff;
	if (pin) {
		data[n++] = 0x81;
		data[n++] = in.user_pin.len;
		memcpy(data + n, pin, in.user_pin.len);
		n += in.user_pin.len;
	}
	data[n++] = 0x82;
	data[n++] = SCHSM_SO_PIN_LEN;
	memcpy(data + n, in.so_pin, SCHSM_SO_PIN_LEN);
	n += SCHSM_SO_PIN_LEN;
	data[n++] = 0x91;
	data[n++] = 1;
	data[n++] = in.retry_limit;
	if (in.flags & SCHSM_INIT_DKEK) {
		data[n++] = 0x92;
		data[n++] = 1;
		data[n++] = in.dkek_shares;
	}
	if (in.flags & SCHSM_INIT_PKA) {
		data[n++] = 0x93;
		data[n++] = 2;
		data[n++] = in.pka_total;
		data[n++] = in.pka_required;
	}
	ret = ops_begin(chip);
	if (!ret) {
		ret = schsm_card_initialize(chip, data, n, &in.sw);
		schsm_put_ops(chip);
	}
	memzero_explicit(data, sizeof(data));
	buf_free(pin, &in.user_pin);
out_wipe_arg:
	memzero_explicit(in.so_pin, sizeof(in.so_pin));
	if (!ret)
		ret = arg_out(u, &in, sizeof(in));
	return ret;
}

static long ioc_dkek_import(struct schsm_chip *chip, void __user *u)
{
	struct schsm_dkek_share d;
	int ret;

	ret = arg_in(&d, sizeof(d), u);
	if (ret)
		goto out;
	if (d.flags || !is_zero(d.pad0, sizeof(d.pad0)) ||
	    !is_zero(d.reserved, sizeof(d.reserved))) {
		ret = -EINVAL;
		goto out;
	}
	d.total = 0;
	d.outstanding = 0;
	memset(d.kcv, 0, sizeof(d.kcv));
	ret = ops_begin(chip);
	if (ret)
		goto out;
	ret = schsm_card_dkek(chip, d.share, &d.total, &d.outstanding, d.kcv,
			      &d.sw);
	schsm_put_ops(chip);
out:
	/* the share is zeroed in our copy and, on return, in the caller's */
	memzero_explicit(d.share, sizeof(d.share));
	return ret ?: arg_out(u, &d, sizeof(d));
}

/* ---- keys --------------------------------------------------------------------- */

static long ioc_key_list(struct schsm_chip *chip, void __user *u)
{
	struct schsm_key_list *l;
	unsigned long *keys;
	unsigned int id;
	u16 sw;
	int ret;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	ret = arg_in(l, sizeof(*l), u);
	if (ret)
		goto out;
	if (l->flags || l->pad0 || !is_zero(l->reserved, sizeof(l->reserved))) {
		ret = -EINVAL;
		goto out;
	}
	l->count = 0;
	memset(l->ids, 0, sizeof(l->ids));
	ret = ops_begin(chip);
	if (ret)
		goto out;
	ret = schsm_card_key_list(chip, &keys, &sw);
	if (!ret && sw != SCHSM_SW_OK)
		ret = -EIO;	/* struct has no sw: ENUMERATE refused */
	if (!ret)
		for_each_set_bit(id, keys, 256)
			l->ids[l->count++] = id;
	schsm_put_ops(chip);
	if (!ret)
		ret = arg_out(u, l, sizeof(*l));
out:
	kfree(l);
	return ret;
}

static long ioc_key_generate(struct schsm_chip *chip, void __user *u)
{
	struct schsm_keygen k;
	u8 *body, *req;
	size_t body_len = 0, req_len = 0;
	int ret;

	ret = arg_in(&k, sizeof(k), u);
	if (ret)
		return ret;
	ret = schsm_keygen_check(&k);
	if (ret)
		return ret;
	ret = buf_out_check(&k.request);
	if (ret)
		return ret;
	body = kmalloc(SCHSM_KEYGEN_BODY_MAX, GFP_KERNEL);
	req = kvmalloc(SCHSM_KEYGEN_MAX, GFP_KERNEL);
	if (!body || !req) {
		ret = -ENOMEM;
		goto out;
	}
	/* id choice, request and generation under one hold */
	ret = ops_begin(chip);
	if (ret)
		goto out;
	if (!k.key_id)
		ret = schsm_keygen_pick_id(chip, &k.key_id);
	if (!ret)
		ret = schsm_keygen_body(chip, &k, body, SCHSM_KEYGEN_BODY_MAX,
					&body_len);
	if (!ret)
		ret = schsm_card_keygen(chip, k.key_id, body, body_len, req,
					SCHSM_KEYGEN_MAX, &req_len, &k.sw);
	schsm_put_ops(chip);
	if (ret)
		goto out;
	ret = buf_out(&k.request, req, k.sw == SCHSM_SW_OK ? req_len : 0);
	if (!ret || ret == -EMSGSIZE) {
		int r2 = arg_out(u, &k, sizeof(k));

		ret = r2 ?: ret;
	}
out:
	kvfree(req);
	kfree(body);
	return ret;
}

static bool sign_alg_ok(u8 a)
{
	return a == SCHSM_ALG_RSA_RAW || (a >= 0x30 && a <= 0x35) ||
	       (a >= 0x40 && a <= 0x45) || (a >= 0x70 && a <= 0x75);
}

static bool decipher_alg_ok(u8 a)
{
	return a == SCHSM_ALG_RSA_DECRYPT_RAW || a == SCHSM_ALG_ECDH;
}

static long ioc_crypt(struct schsm_chip *chip, unsigned int cmd,
		      void __user *u)
{
	bool sign = cmd == SCHSM_IOC_SIGN;
	struct schsm_crypt c;
	size_t out_len = 0, max_in;
	u8 *in, *out;
	int ret;

	ret = arg_in(&c, sizeof(c), u);
	if (ret)
		return ret;
	if (c.flags || c.pad0 || !is_zero(c.reserved, sizeof(c.reserved)) ||
	    buf_out_check(&c.output) ||
	    !(sign ? sign_alg_ok(c.algorithm) : decipher_alg_ok(c.algorithm)))
		return -EINVAL;
	max_in = min_t(size_t, SCHSM_BLOB_MAX, SCHSM_MAX_APDU - 9);
	in = buf_in(&c.input, 1, max_in);
	if (IS_ERR(in))
		return PTR_ERR(in);
	out = kmalloc(SCHSM_MAX_SIG, GFP_KERNEL);
	if (!out) {
		ret = -ENOMEM;
		goto out_in;
	}
	ret = ops_begin(chip);
	if (ret)
		goto out_out;
	if (sign)
		ret = schsm_card_sign(chip, c.key_id, c.algorithm, in,
				      c.input.len, out, SCHSM_MAX_SIG,
				      &out_len, &c.sw);
	else
		ret = schsm_card_decipher(chip, c.key_id, c.algorithm, in,
					  c.input.len, out, SCHSM_MAX_SIG,
					  &out_len, &c.sw);
	schsm_put_ops(chip);
	if (ret)
		goto out_out;
	ret = buf_out(&c.output, out, c.sw == SCHSM_SW_OK ? out_len : 0);
	if (!ret || ret == -EMSGSIZE)
		ret = arg_out(u, &c, sizeof(c)) ?: ret;
out_out:
	kfree_sensitive(out);	/* deciphered plaintext */
out_in:
	buf_free(in, &c.input);
	return ret;
}

static long ioc_wrap(struct schsm_chip *chip, unsigned int cmd, void __user *u)
{
	bool wrap = cmd == SCHSM_IOC_KEY_WRAP;
	struct schsm_wrap w;
	size_t len = 0;
	u8 *blob;
	int ret;

	ret = arg_in(&w, sizeof(w), u);
	if (ret)
		return ret;
	if (w.flags || w.pad0 || w.pad1 ||
	    !is_zero(w.reserved, sizeof(w.reserved)) || w.blob.reserved)
		return -EINVAL;
	if (wrap)
		blob = kvmalloc(SCHSM_BLOB_MAX, GFP_KERNEL);
	else
		blob = buf_in(&w.blob, 1, SCHSM_BLOB_MAX);
	if (IS_ERR(blob))
		return PTR_ERR(blob);
	if (!blob)
		return -ENOMEM;
	ret = ops_begin(chip);
	if (ret)
		goto out;
	if (wrap)
		ret = schsm_card_wrap(chip, w.key_id, blob, SCHSM_BLOB_MAX,
				      &len, &w.sw);
	else
		ret = schsm_card_unwrap(chip, w.key_id, blob, w.blob.len,
					&w.sw);
	schsm_put_ops(chip);
	if (ret)
		goto out;
	if (wrap)
		ret = buf_out(&w.blob, blob, w.sw == SCHSM_SW_OK ? len : 0);
	if (!ret || ret == -EMSGSIZE)
		ret = arg_out(u, &w, sizeof(w)) ?: ret;
out:
	if (wrap)
		kvfree_sensitive(blob, SCHSM_BLOB_MAX);
	else
		buf_free(blob, &w.blob);
	return ret;
}

/* ---- files -------------------------------------------------------------------- */

static long ioc_file(struct schsm_chip *chip, unsigned int cmd, void __user *u)
{
	struct schsm_file f;
	u8 *data = NULL;
	size_t len = 0;
	int ret;

	ret = arg_in(&f, sizeof(f), u);
	if (ret)
		return ret;
	if (f.flags || !is_zero(f.reserved, sizeof(f.reserved)) ||
	    f.data.reserved || f.offset > 0xffff)
		return -EINVAL;
	if (cmd == SCHSM_IOC_FILE_WRITE) {
		data = buf_in(&f.data, 0, 65536 - f.offset);
		if (IS_ERR(data))
			return PTR_ERR(data);
	} else if (cmd == SCHSM_IOC_FILE_DELETE) {
		if (f.offset || f.data.len || f.data.ptr)
			return -EINVAL;
	}
	ret = ops_begin(chip);
	if (ret)
		goto out;
	switch (cmd) {
	case SCHSM_IOC_FILE_READ:
		ret = schsm_card_read_file(chip, f.fid, f.offset, &data, &len,
					   &f.sw);
		break;
	case SCHSM_IOC_FILE_WRITE:
		ret = schsm_card_write_file(chip, f.fid, f.offset, data,
					    f.data.len, &f.sw);
		if (!ret && (f.fid >> 8) == 0xce)
			schsm_card_invalidate_keys(chip);
		break;
	default:
		ret = schsm_card_delete_file(chip, f.fid, &f.sw);
		break;
	}
	schsm_put_ops(chip);
	if (ret)
		goto out;
	if (cmd == SCHSM_IOC_FILE_READ)
		ret = buf_out(&f.data, data, len);
	if (!ret || ret == -EMSGSIZE)
		ret = arg_out(u, &f, sizeof(f)) ?: ret;
out:
	if (cmd == SCHSM_IOC_FILE_READ)
		kvfree_sensitive(data, 65536);	/* CDxx: PIN-protected data */
	else
		buf_free(data, &f.data);
	return ret;
}

static long ioc_enum(struct schsm_chip *chip, void __user *u)
{
	struct schsm_enum e;
	u8 *fids = NULL;
	size_t len = 0;
	int ret;

	ret = arg_in(&e, sizeof(e), u);
	if (ret)
		return ret;
	if (e.flags || e.pad0 || e.pad1 ||
	    !is_zero(e.reserved, sizeof(e.reserved)) || e.fids.reserved)
		return -EINVAL;
	ret = ops_begin(chip);
	if (ret)
		return ret;
	ret = schsm_card_enum(chip, &fids, &len, &e.sw);
	if (!ret && fids)
		schsm_card_note_fids(chip, fids, len);
	schsm_put_ops(chip);
	if (ret)
		return ret;
	ret = buf_out(&e.fids, fids, len);
	if (!ret || ret == -EMSGSIZE)
		ret = arg_out(u, &e, sizeof(e)) ?: ret;
	kvfree(fids);
	return ret;
}

/* ---- public key authentication --------------------------------------------- */

static long ioc_pka_register(struct schsm_chip *chip, void __user *u)
{
	struct schsm_pka_register r;
	u8 *dica = NULL, *dev = NULL, *req = NULL;
	int ret;

	ret = arg_in(&r, sizeof(r), u);
	if (ret)
		return ret;
	if (r.flags || !is_zero(r.pad0, sizeof(r.pad0)) ||
	    !is_zero(r.reserved, sizeof(r.reserved)))
		return -EINVAL;
	dica = buf_in(&r.dica_cvc, 1, SCHSM_CVC_MAX);
	dev = buf_in(&r.device_cvc, 1, SCHSM_CVC_MAX);
	req = buf_in(&r.request, 1, SCHSM_CVC_MAX);
	if (IS_ERR(dica) || IS_ERR(dev) || IS_ERR(req)) {
		ret = IS_ERR(dica) ? PTR_ERR(dica) :
		      IS_ERR(dev) ? PTR_ERR(dev) : PTR_ERR(req);
		goto out;
	}
	r.sw = 0;
	r.step = 0;
	ret = ops_begin(chip);
	if (ret)
		goto out;
	ret = schsm_card_pka_register(chip, dica, r.dica_cvc.len, dev,
				      r.device_cvc.len, req, r.request.len,
				      &r.sw, &r.step);
	schsm_put_ops(chip);
	if (!ret)
		ret = arg_out(u, &r, sizeof(r));
out:
	buf_free(req, &r.request);
	buf_free(dev, &r.device_cvc);
	buf_free(dica, &r.dica_cvc);
	return ret;
}

static long ioc_pka_challenge(struct schsm_chip *chip, void __user *u)
{
	struct schsm_pka_challenge c;
	u8 chal[256];
	size_t len = 0;
	int ret;

	ret = arg_in(&c, sizeof(c), u);
	if (ret)
		return ret;
	if (c.flags || c.pad0 || c.pad1 ||
	    !is_zero(c.reserved, sizeof(c.reserved)) ||
	    c.challenge.reserved || c.challenge.len < 8 ||
	    c.challenge.len > sizeof(chal))
		return -EINVAL;
	ret = ops_begin(chip);
	if (ret)
		return ret;
	ret = schsm_card_pka_challenge(chip, chal, c.challenge.len, &len,
				       &c.sw);
	schsm_put_ops(chip);
	if (ret)
		return ret;
	ret = buf_out(&c.challenge, chal, c.sw == SCHSM_SW_OK ? len : 0);
	return ret ?: arg_out(u, &c, sizeof(c));
}

static long ioc_pka_auth(struct schsm_chip *chip, void __user *u)
{
	struct schsm_pka_auth a;
	size_t chr_len;
	u8 *sig;
	int ret;

	ret = arg_in(&a, sizeof(a), u);
	if (ret)
		return ret;
	if (a.flags || a.pad0 || !is_zero(a.reserved, sizeof(a.reserved)) ||
	    schsm_chr_field_len(a.chr, sizeof(a.chr), &chr_len) || !chr_len)
		return -EINVAL;
	/* plain r || s of at most P-521 */
	sig = buf_in(&a.signature, 16, 2 * 66);
	if (IS_ERR(sig))
		return PTR_ERR(sig);
	if (a.signature.len & 1) {
		ret = -EINVAL;
		goto out;
	}
	ret = ops_begin(chip);
	if (ret)
		goto out;
	ret = schsm_card_pka_auth(chip, (const u8 *)a.chr, chr_len, sig,
				  a.signature.len, &a.sw, &a.authenticated,
				  &a.required);
	schsm_put_ops(chip);
	if (!ret)
		ret = arg_out(u, &a, sizeof(a));
out:
	buf_free(sig, &a.signature);
	return ret;
}

static long ioc_unseal(struct schsm_chip *chip, void __user *u)
{
	struct schsm_unseal s;
	int ret;

	ret = arg_in(&s, sizeof(s), u);
	if (ret)
		return ret;
	ret = schsm_unseal(chip, &s);
	return ret ?: arg_out(u, &s, sizeof(s));
}

long schsm_card_ioctl(struct schsm_chip *chip, struct file *file,
		      unsigned int cmd, void __user *arg)
{
	switch (cmd) {
	case SCHSM_IOC_STATUS:
		return ioc_status(chip, arg);
	case SCHSM_IOC_LOGIN:
	case SCHSM_IOC_CHANGE_PIN:
	case SCHSM_IOC_UNBLOCK_PIN:
		return ioc_pin(chip, cmd, arg);
	case SCHSM_IOC_LOGOUT:
		return ioc_logout(chip);
	case SCHSM_IOC_INITIALIZE:
		return ioc_initialize(chip, arg);
	case SCHSM_IOC_DKEK_IMPORT:
		return ioc_dkek_import(chip, arg);
	case SCHSM_IOC_KEY_LIST:
		return ioc_key_list(chip, arg);
	case SCHSM_IOC_KEY_GENERATE:
		return ioc_key_generate(chip, arg);
	case SCHSM_IOC_SIGN:
	case SCHSM_IOC_DECIPHER:
		return ioc_crypt(chip, cmd, arg);
	case SCHSM_IOC_KEY_WRAP:
	case SCHSM_IOC_KEY_UNWRAP:
		return ioc_wrap(chip, cmd, arg);
	case SCHSM_IOC_FILE_READ:
	case SCHSM_IOC_FILE_WRITE:
	case SCHSM_IOC_FILE_DELETE:
		return ioc_file(chip, cmd, arg);
	case SCHSM_IOC_ENUM_OBJECTS:
		return ioc_enum(chip, arg);
	case SCHSM_IOC_PKA_REGISTER:
		return ioc_pka_register(chip, arg);
	case SCHSM_IOC_PKA_CHALLENGE:
		return ioc_pka_challenge(chip, arg);
	case SCHSM_IOC_PKA_AUTH:
		return ioc_pka_auth(chip, arg);
	case SCHSM_IOC_UNSEAL:
		return ioc_unseal(chip, arg);
	default:
		return -ENOTTY;
	}
}
