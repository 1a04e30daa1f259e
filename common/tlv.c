// SPDX-License-Identifier: GPL-2.0
/* BER-TLV parsing and building; see tlv.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tlv.h"

int tlv_parse(const uint8_t *buf, size_t len, struct tlv *t)
{
	size_t pos = 0, vlen;
	unsigned int tag;

	if (len < 2)
		return -EBADMSG;
	tag = buf[pos++];
	if ((tag & 0x1f) == 0x1f) {
		/* Two-byte tags only: a third byte would have bit 8 set here. */
		if (buf[pos] & 0x80)
			return -EBADMSG;
		tag = (tag << 8) | buf[pos++];
	}
	if (tag == 0 || tag == 0xff)
		return -EBADMSG;
	if (pos >= len)
		return -EBADMSG;
	vlen = buf[pos++];
	if (vlen == 0x81) {
		if (pos + 1 > len)
			return -EBADMSG;
		vlen = buf[pos++];
	} else if (vlen == 0x82) {
		if (pos + 2 > len)
			return -EBADMSG;
		vlen = ((size_t)buf[pos] << 8) | buf[pos + 1];
		pos += 2;
	} else if (vlen > 0x7f) {
		return -EBADMSG;
	}
	if (vlen > len - pos)
		return -EBADMSG;
	t->tag = tag;
	t->val = buf + pos;
	t->len = vlen;
	t->raw = buf;
	t->raw_len = pos + vlen;
	return 0;
}

int tlv_find(const uint8_t *buf, size_t len, unsigned int tag, struct tlv *t)
{
	struct tlv cur;
	size_t pos = 0;

	while (pos < len) {
		if (tlv_parse(buf + pos, len - pos, &cur))
			return -EBADMSG;
		if (cur.tag == tag) {
			*t = cur;
			return 0;
		}
		pos += cur.raw_len;
	}
	return -ENOENT;
}

int tlv_check_seq(const uint8_t *buf, size_t len)
{
	struct tlv cur;
	size_t pos = 0;

	while (pos < len) {
		if (tlv_parse(buf + pos, len - pos, &cur))
			return -EBADMSG;
		pos += cur.raw_len;
	}
	return 0;
}

size_t tlv_header_len(unsigned int tag, size_t len)
{
	size_t n = tag > 0xff ? 2 : 1;

	if (len < 0x80)
		return n + 1;
	if (len < 0x100)
		return n + 2;
	return n + 3;
}

void tlvb_init(struct tlvb *b)
{
	memset(b, 0, sizeof(*b));
}

void tlvb_free(struct tlvb *b)
{
	if (b->p) {
		OPENSSL_cleanse(b->p, b->cap);
		free(b->p);
	}
	tlvb_init(b);
}

uint8_t *tlvb_take(struct tlvb *b, size_t *len)
{
	uint8_t *p;

	if (b->err) {
		tlvb_free(b);
		return NULL;
	}
	p = b->p;
	*len = b->len;
	if (!p)
		p = calloc(1, 1);	/* empty but valid */
	tlvb_init(b);
	return p;
}

/* Make room for n more bytes; wipes the old block when moving it. */
static int tlvb_reserve(struct tlvb *b, size_t n)
{
	size_t need, cap;
	uint8_t *np;

	if (b->err)
		return b->err;
	if (n > SIZE_MAX - b->len || b->len + n > (16u << 20)) {
		b->err = -EOVERFLOW;
		return b->err;
	}
	need = b->len + n;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	np = malloc(cap);
	if (!np) {
		b->err = -ENOMEM;
		return b->err;
	}
	if (b->p) {
		memcpy(np, b->p, b->len);
		OPENSSL_cleanse(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = cap;
	return 0;
}

void tlvb_raw(struct tlvb *b, const void *data, size_t len)
{
	if (!len || tlvb_reserve(b, len))
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

void tlvb_u8(struct tlvb *b, uint8_t v)
{
	tlvb_raw(b, &v, 1);
}

void tlvb_u16(struct tlvb *b, unsigned int v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	tlvb_raw(b, x, 2);
}

void tlvb_u32(struct tlvb *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	tlvb_raw(b, x, 4);
}

static void tlvb_header(struct tlvb *b, unsigned int tag, size_t len)
{
	if (tag > 0xff)
		tlvb_u8(b, (uint8_t)(tag >> 8));
	tlvb_u8(b, (uint8_t)tag);
	if (len < 0x80) {
		tlvb_u8(b, (uint8_t)len);
	} else if (len < 0x100) {
		tlvb_u8(b, 0x81);
		tlvb_u8(b, (uint8_t)len);
	} else {
		tlvb_u8(b, 0x82);
		tlvb_u16(b, (unsigned int)len);
	}
}

void tlvb_put(struct tlvb *b, unsigned int tag, const void *val, size_t len)
{
	if (len > TLV_MAX_LEN) {
		if (!b->err)
			b->err = -EOVERFLOW;
		return;
	}
	tlvb_header(b, tag, len);
	tlvb_raw(b, val, len);
}

size_t tlvb_open(struct tlvb *b, unsigned int tag)
{
	size_t mark;

	if (tag > 0xff)
		tlvb_u8(b, (uint8_t)(tag >> 8));
	tlvb_u8(b, (uint8_t)tag);
	mark = b->len;
	tlvb_u8(b, 0);		/* length placeholder, widened on close */
	return mark;
}

void tlvb_close(struct tlvb *b, size_t mark)
{
	size_t clen, extra;

	if (b->err)
		return;
	if (mark >= b->len) {
		b->err = -EINVAL;
		return;
	}
	clen = b->len - mark - 1;
	if (clen > TLV_MAX_LEN) {
		b->err = -EOVERFLOW;
		return;
	}
	extra = clen < 0x80 ? 0 : clen < 0x100 ? 1 : 2;
	if (extra) {
		if (tlvb_reserve(b, extra))
			return;
		memmove(b->p + mark + 1 + extra, b->p + mark + 1, clen);
		b->len += extra;
	}
	if (extra == 0) {
		b->p[mark] = (uint8_t)clen;
	} else if (extra == 1) {
		b->p[mark] = 0x81;
		b->p[mark + 1] = (uint8_t)clen;
	} else {
		b->p[mark] = 0x82;
		b->p[mark + 1] = (uint8_t)(clen >> 8);
		b->p[mark + 2] = (uint8_t)clen;
	}
}
