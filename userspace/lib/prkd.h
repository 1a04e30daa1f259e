/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: the PKCS#15 private key description (EF C4xx) that
 * OpenSC's SmartCard-HSM emulation reads for a key's label and ID, in the
 * shape OpenSC itself writes:
 *
 *   RSA: 30 { 30 { 0C label, 03 02 06 C0, 04 01 01 },
 *             30 { 04 id, 03 02 04 70, 02 01 keyref },
 *             A1 { 30 { 30 { 04 00 }, 02 modulus-bits } } }
 *   EC:  A0 { ... the same ..., usage sign+derive,
 *             A1 { 30 { 30 { 04 00 }, 02 field-bits } } }
 */
#ifndef SCHSM_PRKD_H
#define SCHSM_PRKD_H

#include <stddef.h>
#include <stdint.h>

#define PRKD_MAX_LABEL	64

/* *out malloc'd; 0, -EINVAL (label too long/empty) or -ENOMEM. */
int prkd_encode(int is_ec, const char *label, const uint8_t *id, size_t id_len,
		unsigned int key_ref, unsigned int bits, uint8_t **out, size_t *len);

#endif
