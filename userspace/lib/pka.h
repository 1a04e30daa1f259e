/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: n-of-m public key authentication files (OpenSC).
 *
 * Old layout, as sc-hsm-tool --export-for-pub-key-auth writes it:
 *   30 { 67 <authenticated request of the custodian key>, 7F21 <device CVC>,
 *        7F21 <DICA CVC> }
 * New layout (SCS3), accepted when reading:
 *   30 { 06 1.3.6.1.4.1.24991.4.3.1, 61 { DICA CVC }, 62 { device CVC },
 *        63 { 67 request } }
 */
#ifndef SCHSM_PKA_H
#define SCHSM_PKA_H

#include <stddef.h>
#include <stdint.h>

struct pka_file {
	const uint8_t *request;	/* 67 ... TLV */
	size_t request_len;
	const uint8_t *device;	/* 7F21 ... TLV */
	size_t device_len;
	const uint8_t *dica;	/* 7F21 ... TLV */
	size_t dica_len;
};

/* Views into buf; 0 or -EBADMSG. */
int pka_file_parse(const uint8_t *buf, size_t len, struct pka_file *f);
/* Old layout; *out malloc'd.  0 or -errno. */
int pka_file_build(const struct pka_file *f, uint8_t **out, size_t *len);

/* The message a custodian signs: SHA-256(device CHR || challenge). */
int pka_digest(const char *device_chr, const uint8_t *chal, size_t len, uint8_t out[32]);

#endif
