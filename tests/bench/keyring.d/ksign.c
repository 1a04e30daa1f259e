// SPDX-License-Identifier: GPL-2.0
/*
 * ksign KEY DIGESTFILE N SIGFILE — N x keyctl_pkey_sign(KEY, "enc=pkcs1
 * hash=sha256") in one process; prints each call's wall time in
 * microseconds, one a line, and writes the last signature to SIGFILE (so
 * the caller can check that the timed calls really signed).  The buffer
 * size comes from keyctl_pkey_query(), once, outside the timed loop.
 */
#define _POSIX_C_SOURCE 200809L	/* clock_gettime */
#include <errno.h>
#include <keyutils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIGEST_LEN	32
#define MAX_SIG		1024
#define MAX_RUNS	100000

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int read_digest(const char *path, unsigned char *d)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	n = fread(d, 1, DIGEST_LEN + 1, f);
	fclose(f);
	return n == DIGEST_LEN ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned char digest[DIGEST_LEN], sig[MAX_SIG];
	struct keyctl_pkey_query q;
	long key, runs, i, len = 0;
	char *end;
	FILE *out;

	if (argc != 5) {
		fprintf(stderr, "usage: ksign KEY DIGESTFILE N SIGFILE\n");
		return 2;
	}
	key = strtol(argv[1], &end, 10);
	if (*end || key <= 0)
		return 2;
	runs = strtol(argv[3], &end, 10);
	if (*end || runs < 1 || runs > MAX_RUNS)
		return 2;
	if (read_digest(argv[2], digest)) {
		fprintf(stderr, "ksign: %s: not a %d-byte digest\n", argv[2], DIGEST_LEN);
		return 1;
	}
	/* The kernel refuses an output buffer larger than the signature. */
	if (keyctl_pkey_query((key_serial_t)key, "enc=pkcs1 hash=sha256", &q) < 0 ||
	    q.max_sig_size == 0 || q.max_sig_size > sizeof(sig)) {
		fprintf(stderr, "ksign: pkey_query: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < runs; i++) {
		long long t0 = now_us();

		len = keyctl_pkey_sign((key_serial_t)key, "enc=pkcs1 hash=sha256",
				       digest, sizeof(digest), sig, q.max_sig_size);
		if (len < 0) {
			fprintf(stderr, "ksign: pkey_sign: %s\n", strerror(errno));
			return 1;
		}
		printf("%lld\n", now_us() - t0);
	}
	out = fopen(argv[4], "wb");
	if (!out || fwrite(sig, 1, (size_t)len, out) != (size_t)len || fclose(out)) {
		fprintf(stderr, "ksign: cannot write %s\n", argv[4]);
		return 1;
	}
	return 0;
}
