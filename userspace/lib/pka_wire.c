// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: remote n-of-m message codecs (see pka_wire.h). */
#include <errno.h>
#include <string.h>

#include "pka_wire.h"

/* A bounded writer: once an append does not fit, err stays set. */
struct wbuf {
	uint8_t *p;
	size_t cap, len;
	int err;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = -EMSGSIZE;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put16(struct wbuf *w, size_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 2);
}

static void frame_open(struct wbuf *w, uint8_t *out, size_t cap, uint8_t type)
{
	w->p = out;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
	put8(w, type);
	put16(w, 0);	/* patched by frame_close */
}

static int frame_close(struct wbuf *w)
{
	size_t plen;

	if (w->err)
		return w->err;
	plen = w->len - PKA_WIRE_HDR;
	if (plen > PKA_WIRE_MAX)
		return -EMSGSIZE;
	w->p[1] = (uint8_t)(plen >> 8);
	w->p[2] = (uint8_t)plen;
	return (int)w->len;
}

/* A bounded reader over a hostile payload. */
struct rbuf {
	const uint8_t *p;
	size_t left;
	int err;
};

static const uint8_t *take(struct rbuf *r, size_t n)
{
	const uint8_t *at = r->p;

	if (r->err || n > r->left) {
		r->err = -EBADMSG;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return at;
}

static uint8_t get8(struct rbuf *r)
{
	const uint8_t *b = take(r, 1);

	return b ? b[0] : 0;
}

static size_t get16(struct rbuf *r)
{
	const uint8_t *b = take(r, 2);

	return b ? ((size_t)b[0] << 8) | b[1] : 0;
}

static int done(const struct rbuf *r)
{
	return r->err || r->left ? -EBADMSG : 0;
}

int pka_frame_header(const uint8_t hdr[PKA_WIRE_HDR], uint8_t *type, size_t *len)
{
	*type = hdr[0];
	*len = ((size_t)hdr[1] << 8) | hdr[2];
	return *len > PKA_WIRE_MAX ? -EBADMSG : 0;
}

int pka_hello_encode(const struct pka_hello *h, uint8_t *out, size_t cap)
{
	struct wbuf w;

	if (h->chal_len < PKA_WIRE_CHAL_MIN || h->chal_len > PKA_WIRE_CHAL_MAX ||
	    !h->chain_len || h->chain_len > PKA_WIRE_MAX)
		return -EINVAL;
	frame_open(&w, out, cap, PKA_MSG_HELLO);
	put8(&w, PKA_WIRE_VERSION);
	put8(&w, (uint8_t)h->chal_len);
	put(&w, h->chal, h->chal_len);
	put16(&w, h->chain_len);
	put(&w, h->chain, h->chain_len);
	put8(&w, h->required);
	put8(&w, h->authenticated);
	return frame_close(&w);
}

int pka_hello_decode(const uint8_t *p, size_t len, struct pka_hello *h)
{
	struct rbuf r = { p, len, 0 };
	const uint8_t *chal;

	memset(h, 0, sizeof(*h));
	if (get8(&r) != PKA_WIRE_VERSION)
		return -EBADMSG;
	h->chal_len = get8(&r);
	if (h->chal_len < PKA_WIRE_CHAL_MIN || h->chal_len > PKA_WIRE_CHAL_MAX)
		return -EBADMSG;
	chal = take(&r, h->chal_len);
	if (chal)
		memcpy(h->chal, chal, h->chal_len);
	h->chain_len = get16(&r);
	h->chain = take(&r, h->chain_len);
	h->required = get8(&r);
	h->authenticated = get8(&r);
	if (done(&r) || !h->chain_len)
		return -EBADMSG;
	return 0;
}

static int printable_chr(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return n > 0;
}

int pka_approval_encode(const struct pka_approval *a, uint8_t *out, size_t cap)
{
	size_t n = strnlen(a->chr, sizeof(a->chr));
	struct wbuf w;

	if (n > PKA_WIRE_CHR_MAX || !printable_chr((const uint8_t *)a->chr, n) ||
	    a->sig_len < PKA_WIRE_SIG_MIN || a->sig_len > PKA_WIRE_SIG_MAX || a->sig_len % 2)
		return -EINVAL;
	frame_open(&w, out, cap, PKA_MSG_APPROVAL);
	put8(&w, PKA_WIRE_VERSION);
	put8(&w, (uint8_t)n);
	put(&w, a->chr, n);
	put8(&w, (uint8_t)a->sig_len);
	put(&w, a->sig, a->sig_len);
	return frame_close(&w);
}

int pka_approval_decode(const uint8_t *p, size_t len, struct pka_approval *a)
{
	struct rbuf r = { p, len, 0 };
	const uint8_t *chr, *sig;
	size_t n;

	memset(a, 0, sizeof(*a));
	if (get8(&r) != PKA_WIRE_VERSION)
		return -EBADMSG;
	n = get8(&r);
	chr = take(&r, n);
	a->sig_len = get8(&r);
	sig = take(&r, a->sig_len);
	if (done(&r) || n > PKA_WIRE_CHR_MAX || !printable_chr(chr, n) ||
	    a->sig_len < PKA_WIRE_SIG_MIN || a->sig_len > PKA_WIRE_SIG_MAX || a->sig_len % 2)
		return -EBADMSG;
	memcpy(a->chr, chr, n);
	a->chr[n] = '\0';
	memcpy(a->sig, sig, a->sig_len);
	return 0;
}

int pka_result_encode(const struct pka_result *res, uint8_t *out, size_t cap)
{
	struct wbuf w;

	frame_open(&w, out, cap, PKA_MSG_RESULT);
	put8(&w, res->status);
	put8(&w, res->authenticated);
	put8(&w, res->required);
	return frame_close(&w);
}

int pka_result_decode(const uint8_t *p, size_t len, struct pka_result *res)
{
	struct rbuf r = { p, len, 0 };

	res->status = get8(&r);
	res->authenticated = get8(&r);
	res->required = get8(&r);
	if (done(&r) || res->status > PKA_ST_PROTOCOL)
		return -EBADMSG;
	return 0;
}

const char *pka_status_text(uint8_t status)
{
	switch (status) {
	case PKA_ST_ACCEPTED: return "accepted";
	case PKA_ST_REPLAY: return "refused: this key already approved this challenge (replay)";
	case PKA_ST_UNREGISTERED: return "refused: the key is not registered on the HSM";
	case PKA_ST_REFUSED: return "refused: the signature does not verify (wrong key or stale challenge)";
	case PKA_ST_ERROR: return "refused: the HSM failed";
	case PKA_ST_PROTOCOL: return "refused: malformed approval";
	}
	return "unknown status";
}
