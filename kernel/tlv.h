/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounded BER-TLV reader for card answers, CV certificates and requests.
 * Pure: (buffer, length) in, result or -errno out; no allocation, no locks,
 * so tests/unit can compile tlv.c in userspace.
 */
#ifndef SCHSM_TLV_H
#define SCHSM_TLV_H

#include <linux/types.h>

struct schsm_tlv {
	u32 tag;		/* tag bytes as a big-endian number, e.g. 0x7F21 */
	const u8 *val;
	size_t len;
	size_t hdr_len;		/* tag + length bytes */
};

/*
 * Read the TLV at buf[*pos..len); advance *pos past it.  Tags up to 3 bytes,
 * definite lengths up to 3 length bytes.  -ENODATA at the end of the buffer,
 * -EBADMSG if the TLV is malformed or runs past len.
 */
int schsm_tlv_next(const u8 *buf, size_t len, size_t *pos,
		   struct schsm_tlv *out);

/* First TLV with @tag among the TLVs of buf[0..len) (one level). */
int schsm_tlv_find(const u8 *buf, size_t len, u32 tag,
		   struct schsm_tlv *out);

/* Follow a path of nested tags, e.g. {0x67, 0x7F21, 0x7F4E}. */
int schsm_tlv_path(const u8 *buf, size_t len, const u32 *path,
		   unsigned int depth, struct schsm_tlv *out);

/* Public key of a CV certificate body (7F49 content) or X.509 SPKI. */
struct schsm_pubkey_ref {
	u8 type;		/* SCHSM_KEY_RSA / SCHSM_KEY_EC */
	const u8 *n, *e;	/* RSA: big-endian, leading zeros stripped */
	size_t n_len, e_len;
	const u8 *point;	/* EC: 04 || X || Y */
	size_t point_len;
};

/*
 * Public key in the content of EF CExx: an authenticated CV request
 * (67 { 7F21 { 7F4E { .. 7F49 .. } } }), a CV certificate (7F21 ..) or an
 * X.509 certificate (30 ..).  Pointers refer into buf.
 */
int schsm_tlv_pubkey(const u8 *buf, size_t len, struct schsm_pubkey_ref *pk);

/* Strip leading zero bytes of a big-endian integer (at least one byte kept). */
void schsm_tlv_strip_zeros(const u8 **p, size_t *len);

#endif /* SCHSM_TLV_H */
