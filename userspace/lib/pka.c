// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: PKA files (both OpenSC layouts) and the challenge digest. */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "pka.h"
#include "tlv.h"

/* 1.3.6.1.4.1.24991.4.3.1 */
static const uint8_t oid_pka[] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x81, 0xc3, 0x1f, 0x04, 0x03, 0x01 };

static int take(const uint8_t **p, size_t *left, struct tlv *t)
{
	if (!*left || tlv_parse(*p, *left, t))
		return -EBADMSG;
	*p += t->raw_len;
	*left -= t->raw_len;
	return 0;
}

static int parse_new(const uint8_t *p, size_t left, struct pka_file *f)
{
	struct tlv t, in;

	while (left) {
		if (take(&p, &left, &t) || tlv_parse(t.val, t.len, &in) || in.raw_len != t.len)
			return -EBADMSG;
		if (t.tag == 0x61 && in.tag == 0x7F21) {
			f->dica = in.raw;
			f->dica_len = in.raw_len;
		} else if (t.tag == 0x62 && in.tag == 0x7F21) {
			f->device = in.raw;
			f->device_len = in.raw_len;
		} else if (t.tag == 0x63 && in.tag == 0x67) {
			f->request = in.raw;
			f->request_len = in.raw_len;
		} else {
			return -EBADMSG;
		}
	}
	return f->dica && f->device && f->request ? 0 : -EBADMSG;
}

int pka_file_parse(const uint8_t *buf, size_t len, struct pka_file *f)
{
	struct tlv outer, a, b, c;
	const uint8_t *p;
	size_t left;

	memset(f, 0, sizeof(*f));
	if (tlv_parse(buf, len, &outer) || outer.tag != 0x30 || outer.raw_len != len)
		return -EBADMSG;
	p = outer.val;
	left = outer.len;
	if (take(&p, &left, &a))
		return -EBADMSG;
	if (a.tag == 0x06) {
		if (a.len != sizeof(oid_pka) || memcmp(a.val, oid_pka, sizeof(oid_pka)))
			return -EBADMSG;
		return parse_new(p, left, f);
	}
	if (a.tag != 0x67 || take(&p, &left, &b) || b.tag != 0x7F21 ||
	    take(&p, &left, &c) || c.tag != 0x7F21 || left)
		return -EBADMSG;
	f->request = a.raw;
	f->request_len = a.raw_len;
	f->device = b.raw;
	f->device_len = b.raw_len;
	f->dica = c.raw;
	f->dica_len = c.raw_len;
	return 0;
}

int pka_file_build(const struct pka_file *f, uint8_t **out, size_t *len)
{
	struct tlvb b;
	size_t mark;

	tlvb_init(&b);
	mark = tlvb_open(&b, 0x30);
	tlvb_raw(&b, f->request, f->request_len);
	tlvb_raw(&b, f->device, f->device_len);
	tlvb_raw(&b, f->dica, f->dica_len);
	tlvb_close(&b, mark);
	if (b.err) {
		tlvb_free(&b);
		return -EINVAL;
	}
	*out = tlvb_take(&b, len);
	return *out ? 0 : -ENOMEM;
}

int pka_digest(const char *device_chr, const uint8_t *chal, size_t len, uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n;
	int ok;

	ok = c && EVP_DigestInit_ex2(c, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(c, device_chr, strlen(device_chr)) &&
	     EVP_DigestUpdate(c, chal, len) && EVP_DigestFinal_ex(c, out, &n);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}
