/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: the remote n-of-m protocol's messages (pure codecs, no
 * I/O).  Spec: Documentation/custodians.md, "Remote activation protocol".
 *
 * Every message travels in one frame inside TLS 1.3:
 *   type (1) | length (2, big endian) | payload (length <= PKA_WIRE_MAX)
 *
 *   HELLO    server -> custodian: version | chal_len | challenge |
 *            chain_len (2) | EF 2F02 (device CVC || DICA CVC) |
 *            required | authenticated
 *   APPROVAL custodian -> server: version | chr_len | key CHR | sig_len | r||s
 *   RESULT   server -> custodian: status | authenticated | required
 *
 * Decoders treat every byte as hostile: each length is checked against
 * what is left, and trailing bytes are an error.
 */
#ifndef SCHSM_PKA_WIRE_H
#define SCHSM_PKA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define PKA_WIRE_VERSION	1
#define PKA_WIRE_HDR		3
#define PKA_WIRE_MAX		4096	/* hard payload limit, both directions */
#define PKA_WIRE_CHAL_MIN	8
#define PKA_WIRE_CHAL_MAX	32
#define PKA_WIRE_CHR_MAX	32	/* SCHSM_MAX_CHR - 1 characters */
#define PKA_WIRE_SIG_MIN	32
#define PKA_WIRE_SIG_MAX	132	/* P-521 r||s */

enum pka_wire_type {
	PKA_MSG_HELLO = 1,
	PKA_MSG_APPROVAL = 2,
	PKA_MSG_RESULT = 3,
};

enum pka_wire_status {
	PKA_ST_ACCEPTED = 0,
	PKA_ST_REPLAY = 1,		/* this key already authenticated this challenge */
	PKA_ST_UNREGISTERED = 2,	/* the token does not know the key */
	PKA_ST_REFUSED = 3,		/* signature does not verify for that key */
	PKA_ST_ERROR = 4,		/* the token or server failed */
	PKA_ST_PROTOCOL = 5,		/* malformed approval */
};

struct pka_hello {
	uint8_t chal[PKA_WIRE_CHAL_MAX];
	size_t chal_len;
	const uint8_t *chain;	/* view into the decoded payload */
	size_t chain_len;
	uint8_t required;
	uint8_t authenticated;
};

struct pka_approval {
	char chr[PKA_WIRE_CHR_MAX + 1];
	uint8_t sig[PKA_WIRE_SIG_MAX];
	size_t sig_len;
};

struct pka_result {
	uint8_t status;		/* enum pka_wire_status */
	uint8_t authenticated;
	uint8_t required;
};

/*
 * Encoders write a whole frame (header included) into out[cap] and return
 * its length, or -EMSGSIZE / -EINVAL.
 */
int pka_hello_encode(const struct pka_hello *h, uint8_t *out, size_t cap);
int pka_approval_encode(const struct pka_approval *a, uint8_t *out, size_t cap);
int pka_result_encode(const struct pka_result *r, uint8_t *out, size_t cap);

/* Decoders take a payload (no header); 0 or -EBADMSG. */
int pka_hello_decode(const uint8_t *p, size_t len, struct pka_hello *h);
int pka_approval_decode(const uint8_t *p, size_t len, struct pka_approval *a);
int pka_result_decode(const uint8_t *p, size_t len, struct pka_result *r);

/* The frame header: type and payload length; 0 or -EBADMSG (over the max). */
int pka_frame_header(const uint8_t hdr[PKA_WIRE_HDR], uint8_t *type, size_t *len);

const char *pka_status_text(uint8_t status);

#endif
