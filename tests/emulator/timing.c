// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: --timing real.
 *
 * Figures from Nitrokey's FAQ (device-facts.md §B): RSA-2048 sign 0.6 s,
 * ECDSA P-256 sign 0.17 s, RSA-2048 key generation about 30 s with a wide
 * spread (random prime search), EC key generation 6 s, INITIALIZE up to
 * 30 s on a used device.  RSA cost grows with the cube of the key size.
 * The ISO 7816 link runs at 116 kbit/s: 11 etu of 8.61 us per byte.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* nanosleep, clock_gettime under -std=c11 */
#endif
#include <errno.h>
#include <openssl/rand.h>
#include <time.h>

#include "timing.h"

#define INS_INITIALIZE		0x50
#define INS_GENERATE_KEY	0x46
#define INS_SIGN		0x68
#define INS_DECIPHER		0x62
#define INS_WRAP		0x72
#define INS_UNWRAP		0x74

#define LINK_NS_PER_BYTE	94710u	/* 11 * 8.61 us */
#define T1_OVERHEAD_BYTES	8u	/* prologue + LRC, both directions */

unsigned int timing_link_ms(size_t len)
{
	unsigned long long ns = (unsigned long long)len * LINK_NS_PER_BYTE;

	return (unsigned int)((ns + 999999) / 1000000);
}

/* Uniform in [lo, hi] ms; the spread of prime search and flash GC. */
static unsigned int timing_spread(unsigned int lo, unsigned int hi)
{
	unsigned int r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return (lo + hi) / 2;
	return lo + r % (hi - lo + 1);
}

/* RSA private-key operation scaled from 600 ms at 2048 bits. */
static unsigned int timing_rsa_ms(size_t modulus_bytes)
{
	unsigned long long k = modulus_bytes ? modulus_bytes : 256;

	return (unsigned int)(600ull * k * k * k / (256ull * 256 * 256));
}

static unsigned int timing_compute_ms(const uint8_t *cmd, size_t cmd_len,
				      size_t rsp_data)
{
	uint8_t ins = cmd_len >= 4 ? cmd[1] : 0;

	switch (ins) {
	case INS_INITIALIZE:
		return timing_spread(5000, 30000);
	case INS_GENERATE_KEY:
		/* The response is the CV request: an RSA modulus dwarfs
		 * any EC point. */
		if (rsp_data > 400)
			return timing_spread(10000, 60000);
		return timing_spread(4000, 8000);
	case INS_SIGN:
	case INS_DECIPHER:
		/* RSA results are as long as the modulus, ECDSA ones
		 * (DER r,s) and ECDH points are not. */
		if (rsp_data >= 128 && rsp_data % 64 == 0)
			return timing_rsa_ms(rsp_data);
		return 170;
	case INS_WRAP:
	case INS_UNWRAP:
		return 300;
	default:
		return 0;
	}
}

unsigned int timing_cost_ms(const struct applet *a, const uint8_t *cmd,
			    size_t cmd_len, const uint8_t *rsp, size_t rsp_len)
{
	unsigned int compute = applet_last_cost_ms(a);
	size_t rsp_data = rsp_len >= 2 ? rsp_len - 2 : 0;
	int ok = rsp_len >= 2 && rsp[rsp_len - 2] == 0x90 &&
		 rsp[rsp_len - 1] == 0x00;

	/* A refused command costs the card nothing worth modelling. */
	if (!compute && ok)
		compute = timing_compute_ms(cmd, cmd_len, rsp_data);
	return compute + timing_link_ms(cmd_len + rsp_len + T1_OVERHEAD_BYTES);
}

uint64_t timing_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void timing_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
