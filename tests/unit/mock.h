/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scripted CCID reader for the codec tests: each step names the abData
 * the driver must send (exact bytes, from the ISO 7816-3 / CCID examples)
 * and what the reader answers.
 */
#ifndef SCHSM_UNIT_MOCK_H
#define SCHSM_UNIT_MOCK_H

#include <linux/types.h>
#include "ccid.h"

struct mock_step {
	const char *expect;	/* hex abData the driver must send; NULL: any */
	const char *reply;	/* hex abData of the DataBlock answer */
	int reply_rc;		/* nonzero: recv fails with this errno */
	u16 level;		/* expected wLevelParameter */
	u8 chain;		/* bChainParameter of the answer */
	u8 status;		/* bStatus of the answer */
	u8 error;		/* bError of the answer */
	const char *raw;	/* hex: the whole answer message, verbatim */
	int seq_delta;		/* answer with bSeq + seq_delta */
};

struct mock {
	const struct mock_step *steps;
	size_t n, pos;
	unsigned int sends;
	u8 seq;
	char err[256];
};

extern const struct ccid_port_ops mock_ops;

void mock_port(struct ccid_port *p, struct mock *m, u8 *buf, size_t size,
	       const struct mock_step *steps, size_t n);
size_t hex2bin(const char *hex, u8 *out, size_t cap);

#endif
