/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BER-TLV as used by ISO 7816 and the SmartCard-HSM: tags of one or two
 * bytes (two when the low five bits of the first byte are all set, e.g.
 * 7F21, 5F37), DER lengths of up to three bytes (82 xx xx), i.e. values up
 * to 65535 bytes.  Parsing is pure: (buffer, length) in, a view into the
 * same buffer out.  Building appends to a growable buffer (struct tlvb)
 * that latches the first error, so a caller checks once at the end.
 */
#ifndef SCHSM_COMMON_TLV_H
#define SCHSM_COMMON_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLV_MAX_LEN	65535u

struct tlv {
	unsigned int tag;	/* 0x5F37 for a two-byte tag */
	const uint8_t *val;	/* points into the parsed buffer */
	size_t len;		/* value length */
	const uint8_t *raw;	/* the whole TLV: tag, length, value */
	size_t raw_len;
};

/*
 * Parse the TLV at buf[0..len).  Returns 0 and fills *t, or -EBADMSG when
 * the header or the value does not fit in len (never reads past len).
 */
int tlv_parse(const uint8_t *buf, size_t len, struct tlv *t);

/*
 * Find the first TLV with tag in the sequence buf[0..len) (one level, no
 * recursion).  0 when found, -ENOENT when absent, -EBADMSG when the
 * sequence is malformed before the tag was found.
 */
int tlv_find(const uint8_t *buf, size_t len, unsigned int tag, struct tlv *t);

/*
 * Check that buf[0..len) is exactly a sequence of well-formed TLVs.
 * 0 or -EBADMSG.
 */
int tlv_check_seq(const uint8_t *buf, size_t len);

/* Growable output buffer; err latches -ENOMEM / -EOVERFLOW. */
struct tlvb {
	uint8_t *p;
	size_t len;
	size_t cap;
	int err;
};

void tlvb_init(struct tlvb *b);
/* Wipe (OPENSSL_cleanse) and free: buffers may hold key material. */
void tlvb_free(struct tlvb *b);
/* Hand the bytes over: returns p (caller frees), resets b. NULL on error. */
uint8_t *tlvb_take(struct tlvb *b, size_t *len);

void tlvb_raw(struct tlvb *b, const void *data, size_t len);
void tlvb_u8(struct tlvb *b, uint8_t v);
void tlvb_u16(struct tlvb *b, unsigned int v);	/* big-endian */
void tlvb_u32(struct tlvb *b, uint32_t v);	/* big-endian */
/* Append tag, DER length and value. */
void tlvb_put(struct tlvb *b, unsigned int tag, const void *val, size_t len);
/* Start a constructed TLV; returns a mark for tlvb_close(). */
size_t tlvb_open(struct tlvb *b, unsigned int tag);
/* Finish the TLV started at mark: writes its minimal DER length. */
void tlvb_close(struct tlvb *b, size_t mark);

/* Bytes the header of a TLV with this tag and value length takes. */
size_t tlv_header_len(unsigned int tag, size_t len);

#endif /* SCHSM_COMMON_TLV_H */
