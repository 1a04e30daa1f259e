// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: transparent EFs and the object list.  FIDs are two bytes; the
 * high byte says what the object is (CC key, C4 PrKD, CE certificate, CD
 * PIN-protected data, …; see smartcard-hsm-interface.md §3.1).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "emu.h"

struct emu_file *files_find(struct applet *a, uint16_t fid)
{
	size_t i;

	for (i = 0; i < a->nfiles; i++)
		if (a->files[i].fid == fid)
			return &a->files[i];
	return NULL;
}

size_t files_usage(const struct applet *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->nfiles; i++)
		n += a->files[i].len;
	return n;
}

/* Replace or create EF fid with a copy of data. */
int files_put(struct applet *a, uint16_t fid, const uint8_t *data, size_t len)
{
	struct emu_file *f = files_find(a, fid), *nf;
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return -1;
	if (len)
		memcpy(copy, data, len);
	if (!f) {
		nf = realloc(a->files, (a->nfiles + 1) * sizeof(*nf));
		if (!nf) {
			free(copy);
			return -1;
		}
		a->files = nf;
		f = &a->files[a->nfiles++];
		f->fid = fid;
	} else {
		OPENSSL_cleanse(f->data, f->len);
		free(f->data);
	}
	f->data = copy;
	f->len = len;
	return 0;
}

void files_delete(struct applet *a, uint16_t fid)
{
	struct emu_file *f = files_find(a, fid);
	size_t idx;

	if (!f)
		return;
	idx = (size_t)(f - a->files);
	OPENSSL_cleanse(f->data, f->len);
	free(f->data);
	memmove(f, f + 1, (a->nfiles - idx - 1) * sizeof(*f));
	a->nfiles--;
}

static bool fid_is_key(uint16_t fid)
{
	return (fid >> 8) == PREFIX_KEY;
}

static bool key_exists(const struct applet *a, uint16_t fid)
{
	return fid_is_key(fid) && ((fid & 0xff) == 0 || a->keys[fid & 0xff]);
}

static void put_fcp(struct tlvb *out, uint16_t fid, size_t size)
{
	uint8_t sz[2] = { (uint8_t)(size >> 8), (uint8_t)size };
	uint8_t id[2] = { (uint8_t)(fid >> 8), (uint8_t)fid };
	uint8_t desc = 0x01;
	size_t mark = tlvb_open(out, 0x62);

	tlvb_put(out, 0x80, sz, 2);
	tlvb_put(out, 0x82, &desc, 1);
	tlvb_put(out, 0x83, id, 2);
	tlvb_close(out, mark);
}

/* SELECT by FID (P1 00 or 02); reached through the SELECT dispatcher. */
uint16_t cmd_select_ef(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct emu_file *f;
	uint16_t fid;

	if (c->p1 != 0x00 && c->p1 != 0x02)
		return SW_WRONG_P1P2;
	if (c->p2 != 0x00 && c->p2 != 0x04 && c->p2 != 0x0C)
		return SW_WRONG_P1P2;
	if (c->lc != 2)
		return SW_WRONG_DATA;
	fid = (uint16_t)(c->data[0] << 8 | c->data[1]);
	f = files_find(a, fid);
	if (!f && !key_exists(a, fid))
		return SW_FILE_NOT_FOUND;
	a->ef_selected = true;
	a->current_ef = fid;
	if (c->p2 != 0x0C)
		put_fcp(out, fid, f ? f->len : 0);
	return SW_OK;
}

/* The EF addressed by P1P2, or the current one for 0000. */
static uint16_t target_fid(struct applet *a, const struct apdu *c,
			   uint16_t *fid)
{
	if (c->p1 == 0 && c->p2 == 0) {
		if (!a->ef_selected)
			return SW_NO_CURRENT_EF;
		*fid = a->current_ef;
		return 0;
	}
	*fid = (uint16_t)(c->p1 << 8 | c->p2);
	return 0;
}

/* Offset from a 54 data object of one or two bytes. */
static uint16_t parse_offset(const struct tlv *t, size_t *off)
{
	if (t->len == 1)
		*off = t->val[0];
	else if (t->len == 2)
		*off = (size_t)t->val[0] << 8 | t->val[1];
	else
		return SW_WRONG_DATA;
	return 0;
}

uint16_t cmd_read_binary(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct emu_file *f;
	struct tlv t;
	size_t off = 0, n;
	uint16_t fid, sw;

	sw = target_fid(a, c, &fid);
	if (sw)
		return sw;
	if (c->lc) {
		if (tlv_check_seq(c->data, c->lc) ||
		    tlv_find(c->data, c->lc, 0x54, &t))
			return SW_WRONG_DATA;
		sw = parse_offset(&t, &off);
		if (sw)
			return sw;
	}
	if (fid_is_key(fid))
		return key_exists(a, fid) ? SW_SECURITY_STATUS : SW_FILE_NOT_FOUND;
	f = files_find(a, fid);
	if (!f)
		return SW_FILE_NOT_FOUND;
	if ((fid >> 8) == PREFIX_PRIVATE_DO && !applet_user_authenticated(a))
		return SW_SECURITY_STATUS;
	a->ef_selected = true;
	a->current_ef = fid;
	if (off > f->len)
		return SW_OFFSET;
	n = f->len - off;
	if (n > c->ne)
		n = c->ne;
	tlvb_raw(out, f->data + off, n);
	return n < c->ne && c->has_le ? SW_EOF : SW_OK;
}

/* UPDATE BINARY (odd INS D7): 54 offset, 53 data; creates the EF. */
uint16_t cmd_update_binary(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	struct emu_file *f;
	struct tlv toff, tdata;
	size_t off, end, old_len;
	uint8_t *buf;
	uint16_t fid, sw;

	(void)out;
	sw = target_fid(a, c, &fid);
	if (sw)
		return sw;
	if (tlv_check_seq(c->data, c->lc) ||
	    tlv_find(c->data, c->lc, 0x54, &toff) ||
	    tlv_find(c->data, c->lc, 0x53, &tdata))
		return SW_WRONG_DATA;
	sw = parse_offset(&toff, &off);
	if (sw)
		return sw;
	if (!applet_user_authenticated(a))
		return SW_SECURITY_STATUS;
	if (fid_is_key(fid) || fid == FID_DEVICE_CERTS || fid == 0x3F00)
		return SW_CONDITIONS;
	f = files_find(a, fid);
	old_len = f ? f->len : 0;
	if (off > old_len)
		return SW_OFFSET;
	end = off + tdata.len;
	if (end > EF_MAX_SIZE)
		return SW_NO_SPACE;
	if (end > old_len && files_usage(a) + (end - old_len) > STORE_MAX_BYTES)
		return SW_NO_SPACE;
	buf = calloc(1, end > old_len ? end : old_len ? old_len : 1);
	if (!buf)
		return SW_MEMORY_FAILURE;
	if (f)
		memcpy(buf, f->data, old_len);
	memcpy(buf + off, tdata.val, tdata.len);
	if (files_put(a, fid, buf, end > old_len ? end : old_len)) {
		free(buf);
		return SW_MEMORY_FAILURE;
	}
	free(buf);
	a->ef_selected = true;
	a->current_ef = fid;
	a->dirty = true;
	return SW_OK;
}

uint16_t cmd_delete_file(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	uint16_t fid;

	(void)out;
	if (c->p1 != 0x02 || c->p2 != 0x00)
		return SW_WRONG_P1P2;
	if (c->lc != 2)
		return SW_WRONG_DATA;
	fid = (uint16_t)(c->data[0] << 8 | c->data[1]);
	if (!applet_user_authenticated(a))
		return SW_SECURITY_STATUS;
	if (fid == (PREFIX_KEY << 8) || fid == FID_DEVICE_CERTS)
		return SW_CONDITIONS;
	if (fid_is_key(fid)) {
		if (!a->keys[fid & 0xff])
			return SW_FILE_NOT_FOUND;
		key_free(a->keys[fid & 0xff]);
		a->keys[fid & 0xff] = NULL;
	} else {
		if (!files_find(a, fid))
			return SW_FILE_NOT_FOUND;
		files_delete(a, fid);
	}
	if (a->ef_selected && a->current_ef == fid)
		a->ef_selected = false;
	a->dirty = true;
	return SW_OK;
}

/* ENUMERATE OBJECTS: every key (CC00 first) and every EF. */
uint16_t cmd_enumerate(struct applet *a, const struct apdu *c, struct tlvb *out)
{
	size_t i;

	if (c->p1 || c->p2)
		return SW_WRONG_P1P2;
	if (c->lc)
		return SW_WRONG_LENGTH;
	tlvb_u16(out, PREFIX_KEY << 8);
	for (i = 1; i < 256; i++)
		if (a->keys[i])
			tlvb_u16(out, (PREFIX_KEY << 8) | (unsigned int)i);
	for (i = 0; i < a->nfiles; i++)
		tlvb_u16(out, a->files[i].fid);
	return SW_OK;
}
