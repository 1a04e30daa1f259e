// SPDX-License-Identifier: GPL-2.0
/*
 * KEY_GENERATE: argument checks and the CV request body of GENERATE
 * ASYMMETRIC KEY PAIR (00 46): 5F29, [42 CAR], 7F49 public key template
 * (RSA exponent and size, or the explicit EC domain parameters the card
 * identifies the curve by), 5F20 CHR, [90 use counter] [91 algorithms]
 * [92 key domain].
 */
#define pr_fmt(fmt) "schsm: " fmt

#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "include/uapi/linux/schsm.h"
#include "schsm.h"
#include "card_priv.h"
#include "card_curves.h"

static bool is_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

/* a BER-TLV appender over a fixed buffer; overflow latches */
struct tlv_out {
	u8 *p;
	size_t len, cap;
	bool overflow;
};

static void tlv_put(struct tlv_out *o, u32 tag, const void *v, size_t len)
{
	u8 h[6];
	size_t n = 0;

	if (tag > 0xff)
		h[n++] = tag >> 8;
	h[n++] = tag & 0xff;
	if (len > 255) {
		h[n++] = 0x82;
		h[n++] = len >> 8;
	} else if (len > 127) {
		h[n++] = 0x81;
	}
	h[n++] = len & 0xff;
	if (len > 65535 || o->overflow || n + len > o->cap - o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->p + o->len, h, n);
	memcpy(o->p + o->len + n, v, len);
	o->len += n + len;
}

static const u8 oid_ta_rsa_sha256[] = { 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02,
					0x02, 0x02, 0x01, 0x02 };
static const u8 oid_ta_ecdsa_sha256[] = { 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02,
					  0x02, 0x02, 0x02, 0x03 };

struct curve_params {
	const u8 *p, *a, *b, *g, *n;
	size_t flen, glen, nlen;
};

#define CURVE(t) { ec_##t##_p, ec_##t##_a, ec_##t##_b, ec_##t##_g, ec_##t##_n, \
		   sizeof(ec_##t##_p), sizeof(ec_##t##_g), sizeof(ec_##t##_n) }

static const struct curve_params curves[] = {
	[SCHSM_CURVE_P256] = CURVE(P256),
	[SCHSM_CURVE_P384] = CURVE(P384),
	[SCHSM_CURVE_P521] = CURVE(P521),
	[SCHSM_CURVE_BP256R1] = CURVE(BP256R1),
	[SCHSM_CURVE_BP384R1] = CURVE(BP384R1),
};

/* public key template 7F49 of the request */
static void keygen_pubkey(struct tlv_out *o, const struct schsm_keygen *k)
{
	u8 buf[600];
	struct tlv_out t = { .p = buf, .cap = sizeof(buf) };

	if (k->type == SCHSM_KEY_RSA) {
		u32 e = k->rsa_exponent ?: 65537;
		u8 eb[4] = { e >> 24, e >> 16, e >> 8, e }, bits[2];
		unsigned int skip = 0;

		while (skip < 3 && !eb[skip])
			skip++;
		bits[0] = k->rsa_bits >> 8;
		bits[1] = k->rsa_bits & 0xff;
		tlv_put(&t, 0x06, oid_ta_rsa_sha256, sizeof(oid_ta_rsa_sha256));
		tlv_put(&t, 0x82, eb + skip, 4 - skip);
		tlv_put(&t, 0x02, bits, 2);
	} else {
		const struct curve_params *c = &curves[k->curve];
		static const u8 cofactor = 1;

		tlv_put(&t, 0x06, oid_ta_ecdsa_sha256,
			sizeof(oid_ta_ecdsa_sha256));
		tlv_put(&t, 0x81, c->p, c->flen);
		tlv_put(&t, 0x82, c->a, c->flen);
		tlv_put(&t, 0x83, c->b, c->flen);
		tlv_put(&t, 0x84, c->g, c->glen);
		tlv_put(&t, 0x85, c->n, c->nlen);
		tlv_put(&t, 0x87, &cofactor, 1);
	}
	if (t.overflow)
		o->overflow = true;
	else
		tlv_put(o, 0x7f49, buf, t.len);
}

/* NUL-terminated printable string in a fixed field */
int schsm_chr_field_len(const char *f, size_t size, size_t *len)
{
	const char *z = memchr(f, 0, size);

	if (!z)
		return -EINVAL;
	*len = z - f;
	if (!is_zero(z, size - *len) || !schsm_printable((const u8 *)f, *len))
		return -EINVAL;
	return 0;
}

int schsm_keygen_check(const struct schsm_keygen *k)
{
	size_t l;
	unsigned int i;

	if (k->flags & ~(SCHSM_KEYGEN_USE_COUNTER | SCHSM_KEYGEN_ALGORITHMS |
			 SCHSM_KEYGEN_DOMAIN) ||
	    !is_zero(k->pad0, sizeof(k->pad0)) ||
	    !is_zero(k->reserved, sizeof(k->reserved)) ||
	    k->request.reserved ||
	    schsm_chr_field_len(k->chr, sizeof(k->chr), &l) ||
	    schsm_chr_field_len(k->car, sizeof(k->car), &l))
		return -EINVAL;
	if (k->type == SCHSM_KEY_RSA) {
		if (k->curve || (k->rsa_bits != 1024 && k->rsa_bits != 1536 &&
				 k->rsa_bits != 2048 && k->rsa_bits != 3072 &&
				 k->rsa_bits != 4096))
			return -EINVAL;
		if (k->rsa_exponent &&
		    (k->rsa_exponent < 3 || !(k->rsa_exponent & 1)))
			return -EINVAL;
	} else if (k->type == SCHSM_KEY_EC) {
		if (k->rsa_bits || k->rsa_exponent || !k->curve ||
		    k->curve >= ARRAY_SIZE(curves))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (!(k->flags & SCHSM_KEYGEN_USE_COUNTER) ? k->use_counter :
	    !k->use_counter)
		return -EINVAL;
	if (k->flags & SCHSM_KEYGEN_ALGORITHMS) {
		if (!k->nalgorithms || k->nalgorithms > sizeof(k->algorithms) ||
		    !is_zero(k->algorithms + k->nalgorithms,
			     sizeof(k->algorithms) - k->nalgorithms))
			return -EINVAL;
		for (i = 0; i < k->nalgorithms; i++)
			if (!k->algorithms[i])
				return -EINVAL;
	} else if (k->nalgorithms || !is_zero(k->algorithms,
					       sizeof(k->algorithms))) {
		return -EINVAL;
	}
	if (!(k->flags & SCHSM_KEYGEN_DOMAIN) && k->key_domain)
		return -EINVAL;
	return 0;
}

/* CV request body of GENERATE ASYMMETRIC KEY PAIR (ops held: needs serial) */
int schsm_keygen_body(struct schsm_chip *chip, const struct schsm_keygen *k,
		      u8 *buf, size_t cap, size_t *len)
{
	struct tlv_out out = { .p = buf, .cap = cap }, *o = &out;
	struct schsm_card *card = schsm_chip_card(chip);
	static const u8 cpi;
	char chr[SCHSM_MAX_CHR + 8];
	size_t car_len, chr_len;
	u8 cnt[4];

	schsm_chr_field_len(k->car, sizeof(k->car), &car_len);
	schsm_chr_field_len(k->chr, sizeof(k->chr), &chr_len);
	if (chr_len) {
		memcpy(chr, k->chr, chr_len);
	} else {
		/*
		 * serial + 'K' + 4-digit key id: never the device CHR, whose
		 * sequence is 5 digits (schsmctl uses the same default)
		 */
		chr_len = scnprintf(chr, sizeof(chr), "%sK%04u", card->serial,
				    k->key_id);
		if (chr_len > SCHSM_MAX_CHR)
			return -ENAMETOOLONG;
	}
	tlv_put(o, 0x5f29, &cpi, 1);
	if (car_len)
		tlv_put(o, 0x42, k->car, car_len);
	keygen_pubkey(o, k);
	tlv_put(o, 0x5f20, chr, chr_len);
	if (k->flags & SCHSM_KEYGEN_USE_COUNTER) {
		cnt[0] = k->use_counter >> 24;
		cnt[1] = k->use_counter >> 16;
		cnt[2] = k->use_counter >> 8;
		cnt[3] = k->use_counter;
		tlv_put(o, 0x90, cnt, 4);
	}
	if (k->flags & SCHSM_KEYGEN_ALGORITHMS)
		tlv_put(o, 0x91, k->algorithms, k->nalgorithms);
	if (k->flags & SCHSM_KEYGEN_DOMAIN)
		tlv_put(o, 0x92, &k->key_domain, 1);
	*len = o->len;
	return o->overflow ? -EOVERFLOW : 0;
}

int schsm_keygen_pick_id(struct schsm_chip *chip, u8 *id)
{
	unsigned long *keys;
	unsigned int free;
	u16 sw;
	int ret;

	ret = schsm_card_key_list(chip, &keys, &sw);
	if (ret)
		return ret;
	if (sw != SCHSM_SW_OK)
		return -EIO;
	free = find_next_zero_bit(keys, 256, 1);
	if (free >= 256)
		return -ENOSPC;
	*id = free;
	return 0;
}
