/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: threshold password shares as sc-hsm-tool makes them.
 *
 * The password of a DKEK share file is an 8-byte secret s < 2^63.  It is
 * shared with f(x) = s + a1 x + ... + a(t-1) x^(t-1) mod p over a random
 * 64-bit safe prime p; share i is (i, f(i)) for i = 1..n.  Custodians see
 *   Prime       : f5:56:...   (minimal big-endian bytes, lowercase hex)
 *   Share ID    : 3           (decimal; sc-hsm-tool reads it back as hex,
 *                              so n <= 9 keeps both tools in agreement)
 *   Share value : 99:64:...
 * The password recovered by Lagrange interpolation at 0 is the minimal
 * big-endian encoding of s.
 */
#ifndef SCHSM_SHAMIR_H
#define SCHSM_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#define SHAMIR_MAX_SHARES	9
#define SHAMIR_MAX_BYTES	64	/* prime and values, as sc-hsm-tool's buffers */
#define SHAMIR_SECRET_LEN	8

struct shamir_share {
	unsigned int id;
	uint8_t value[SHAMIR_MAX_BYTES];
	size_t len;
};

struct shamir_set {
	uint8_t prime[SHAMIR_MAX_BYTES];
	size_t prime_len;
	unsigned int n;
	struct shamir_share share[SHAMIR_MAX_SHARES];
};

/*
 * Make a fresh secret (8 bytes, top bit clear, first byte non-zero so its
 * minimal encoding is always 8 bytes) and split it t-of-n.
 * Returns 0, -EINVAL for bad t/n, -1 for an OpenSSL failure.
 */
int shamir_split(unsigned int t, unsigned int n, uint8_t secret[SHAMIR_SECRET_LEN],
		 struct shamir_set *out);

/*
 * Recover the secret from k shares (ids distinct, 1 <= id < p, values < p).
 * secret gets the minimal big-endian bytes; *len their count.
 * Returns 0, -EINVAL for inconsistent input, -1 for an OpenSSL failure.
 */
int shamir_combine(const uint8_t *prime, size_t prime_len,
		   const struct shamir_share *shares, unsigned int k,
		   uint8_t secret[SHAMIR_MAX_BYTES], size_t *len);

/* Wipe a share set. */
void shamir_clear(struct shamir_set *set);



/*
 * Parse one line a custodian typed or pasted: either the bare value or the
 * line as printed ("Prime       : f5:56:..", "Share ID    : 3").
 * Values: hex with optional ':' separators.  IDs: decimal 1..255.
 * Return 0 or -EINVAL.
 */
int shamir_parse_value(const char *line, uint8_t out[SHAMIR_MAX_BYTES], size_t *len);
int shamir_parse_id(const char *line, unsigned int *id);
#endif
