/* SPDX-License-Identifier: GPL-2.0 */
/* schsmctl: what cmd_pka.c and cmd_pka_remote.c share. */
#ifndef SCHSMCTL_PKA_CMD_H
#define SCHSMCTL_PKA_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"

#define PKA_PLAIN_SIG_MAX	(2 * 66)	/* P-521 r||s */

/* cmd_pka.c: sign SHA-256(device CHR || challenge) with token key id. */
int pka_token_sign(struct schsm_dev *dev, unsigned int id, const char *device_chr,
		   const uint8_t *chal, size_t chal_len, uint8_t plain[PKA_PLAIN_SIG_MAX],
		   size_t *plain_len, char key_chr[SCHSM_MAX_CHR + 1]);

/* cmd_pka_remote.c */
struct pka_approve_remote {
	const char *connect;		/* ADDR:PORT of pka serve */
	const char *root;		/* root CVC file, or NULL */
	const char *device;		/* expected device CHR, or NULL */
	const char *server_cert;	/* pinned TLS certificate (PEM), or NULL */
	unsigned int key_id;
	int yes;			/* no confirmation prompt */
};

int pka_approve_connect(const struct pka_approve_remote *r);
int cmd_pka_serve(int argc, char **argv);

#endif
