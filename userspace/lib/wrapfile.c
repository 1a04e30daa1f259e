// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: sc-hsm-tool wrapped-key files (parse and build). */
#include <errno.h>
#include <string.h>

#include "tlv.h"
#include "wrapfile.h"

size_t wrapfile_first_tlv(const uint8_t *buf, size_t len)
{
	struct tlv t;

	if (!len || tlv_parse(buf, len, &t))
		return 0;
	return t.raw_len;
}

int wrapfile_parse(const uint8_t *buf, size_t len, struct wrapfile *w)
{
	struct tlv outer, t;
	const uint8_t *p;
	size_t left;

	memset(w, 0, sizeof(*w));
	if (tlv_parse(buf, len, &outer) || outer.tag != 0x30 || outer.raw_len != len)
		return -EBADMSG;
	p = outer.val;
	left = outer.len;
	if (tlv_parse(p, left, &t) || t.tag != 0x04 || !t.len)
		return -EBADMSG;
	w->blob = t.val;
	w->blob_len = t.len;
	p += t.raw_len;
	left -= t.raw_len;
	if (left) {
		if (tlv_parse(p, left, &t))
			return -EBADMSG;
		w->prkd = t.raw;
		w->prkd_len = t.raw_len;
		p += t.raw_len;
		left -= t.raw_len;
	}
	if (left) {
		if (tlv_parse(p, left, &t))
			return -EBADMSG;
		w->cert = t.raw;
		w->cert_len = t.raw_len;
		left -= t.raw_len;
	}
	if (left)
		return -EBADMSG;
	/* a lone CV certificate or request cannot be a description */
	if (w->prkd && !w->cert && (w->prkd[0] == 0x67 || w->prkd[0] == 0x7f)) {
		w->cert = w->prkd;
		w->cert_len = w->prkd_len;
		w->prkd = NULL;
		w->prkd_len = 0;
	}
	return 0;
}

int wrapfile_build(const struct wrapfile *w, uint8_t **out, size_t *len)
{
	struct tlvb b;
	size_t mark;

	if (!w->blob || !w->blob_len)
		return -EINVAL;
	tlvb_init(&b);
	mark = tlvb_open(&b, 0x30);
	tlvb_put(&b, 0x04, w->blob, w->blob_len);
	if (w->prkd)
		tlvb_raw(&b, w->prkd, w->prkd_len);
	if (w->cert)
		tlvb_raw(&b, w->cert, w->cert_len);
	tlvb_close(&b, mark);
	if (b.err) {
		tlvb_free(&b);
		return -EINVAL;
	}
	*out = tlvb_take(&b, len);
	return *out ? 0 : -ENOMEM;
}
