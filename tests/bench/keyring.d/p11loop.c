// SPDX-License-Identifier: GPL-2.0
/*
 * p11loop MODULE MSGFILE N SIGFILE — one long-lived PKCS#11 session (the
 * module dlopen'ed, C_Login once with the PIN from $PIN) signs MSGFILE N
 * times with CKM_SHA256_RSA_PKCS and the token's first RSA private key;
 * prints each C_SignInit + C_Sign pair's wall time in microseconds, one a
 * line, and writes the last signature to SIGFILE.
 */
#define _GNU_SOURCE	/* explicit_bzero */
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MSG		4096
#define MAX_SIG		1024
#define MAX_RUNS	100000
#define MAX_SLOTS	16

static CK_FUNCTION_LIST_PTR p11;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int fail(const char *what, CK_RV rv)
{
	fprintf(stderr, "p11loop: %s: CKR 0x%lx\n", what, (unsigned long)rv);
	return 1;
}

static int load(const char *path)
{
	CK_C_GetFunctionList get;
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		fprintf(stderr, "p11loop: %s\n", dlerror());
		return 1;
	}
	get = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
	if (!get || get(&p11) != CKR_OK) {
		fprintf(stderr, "p11loop: %s: no C_GetFunctionList\n", path);
		return 1;
	}
	return 0;
}

static int open_session(CK_SESSION_HANDLE *s)
{
	CK_SLOT_ID slots[MAX_SLOTS];
	CK_ULONG n = MAX_SLOTS;
	const char *pin = getenv("PIN");
	char buf[64];
	size_t len;
	CK_RV rv;

	if (!pin || (len = strlen(pin)) >= sizeof(buf)) {
		fprintf(stderr, "p11loop: $PIN not set\n");
		return 1;
	}
	rv = p11->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK || n == 0)
		return fail("C_GetSlotList (no token?)", rv);
	rv = p11->C_OpenSession(slots[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
	if (rv != CKR_OK)
		return fail("C_OpenSession", rv);
	memcpy(buf, pin, len);
	rv = p11->C_Login(*s, CKU_USER, (CK_UTF8CHAR_PTR)buf, len);
	explicit_bzero(buf, sizeof(buf));
	return rv == CKR_OK ? 0 : fail("C_Login", rv);
}

static int find_rsa_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *key)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = CKK_RSA;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
	};
	CK_ULONG found = 0;
	CK_RV rv;

	rv = p11->C_FindObjectsInit(s, tmpl, 2);
	if (rv != CKR_OK)
		return fail("C_FindObjectsInit", rv);
	rv = p11->C_FindObjects(s, key, 1, &found);
	p11->C_FindObjectsFinal(s);
	if (rv != CKR_OK || found != 1)
		return fail("C_FindObjects (no RSA private key?)", rv);
	return 0;
}

static long read_file(const char *path, unsigned char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n < cap ? (long)n : -1;
}

int main(int argc, char **argv)
{
	CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	unsigned char msg[MAX_MSG], sig[MAX_SIG];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_ULONG siglen = 0;
	long runs, i, msglen;
	char *end;
	CK_RV rv;
	FILE *out;

	if (argc != 5) {
		fprintf(stderr, "usage: p11loop MODULE MSGFILE N SIGFILE\n");
		return 2;
	}
	runs = strtol(argv[3], &end, 10);
	if (*end || runs < 1 || runs > MAX_RUNS)
		return 2;
	msglen = read_file(argv[2], msg, sizeof(msg));
	if (msglen < 0) {
		fprintf(stderr, "p11loop: %s: unreadable or too long\n", argv[2]);
		return 1;
	}
	if (load(argv[1]))
		return 1;
	rv = p11->C_Initialize(NULL);
	if (rv != CKR_OK)
		return fail("C_Initialize", rv);
	if (open_session(&s) || find_rsa_key(s, &key))
		return 1;
	for (i = 0; i < runs; i++) {
		long long t0 = now_us();

		siglen = sizeof(sig);
		rv = p11->C_SignInit(s, &mech, key);
		if (rv == CKR_OK)
			rv = p11->C_Sign(s, msg, (CK_ULONG)msglen, sig, &siglen);
		if (rv != CKR_OK)
			return fail("C_SignInit/C_Sign", rv);
		printf("%lld\n", now_us() - t0);
	}
	p11->C_Logout(s);
	p11->C_CloseSession(s);
	p11->C_Finalize(NULL);
	out = fopen(argv[4], "wb");
	if (!out || fwrite(sig, 1, siglen, out) != siglen || fclose(out)) {
		fprintf(stderr, "p11loop: cannot write %s\n", argv[4]);
		return 1;
	}
	return 0;
}
