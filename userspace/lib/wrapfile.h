/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: wrapped-key files as sc-hsm-tool --wrap-key writes them.
 *
 *   30 L { 04 L <key blob from WRAP KEY>,
 *          [first TLV of EF C4xx: PKCS#15 private key description],
 *          [first TLV of EF CExx: certificate, CV certificate or request] }
 *
 * Like sc-hsm-tool, the optional parts are told apart by position: the
 * first TLV after the blob is the description, the second the certificate
 * (except that a lone CV certificate/request, 7F21 or 67, is a certificate).
 */
#ifndef SCHSM_WRAPFILE_H
#define SCHSM_WRAPFILE_H

#include <stddef.h>
#include <stdint.h>

#define WRAPFILE_MAX	65535	/* three-byte DER length at most */

struct wrapfile {
	const uint8_t *blob;
	size_t blob_len;
	const uint8_t *prkd;	/* NULL when absent */
	size_t prkd_len;
	const uint8_t *cert;	/* NULL when absent */
	size_t cert_len;
};

/* Views into buf; 0 or -EBADMSG (anything malformed, truncated or extra). */
int wrapfile_parse(const uint8_t *buf, size_t len, struct wrapfile *w);

/* Length of the first TLV in buf (0 when buf does not start with one). */
size_t wrapfile_first_tlv(const uint8_t *buf, size_t len);

/* Encode; *out is malloc'd.  0, -EINVAL or -ENOMEM. */
int wrapfile_build(const struct wrapfile *w, uint8_t **out, size_t *len);

#endif
