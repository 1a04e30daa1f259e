// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of schsmctl's file-format library (lib/dkek.c,
 * lib/shamir.c, lib/util.c).  Expected values come from OpenSSL itself
 * (EVP_BytesToKey, EVP_Digest) or from algebra checked with OpenSSL BN, never
 * from the code under test.  TAP output; last line "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "dkek.h"
#include "shamir.h"
#include "util.h"

static int npass, nfail, ntest;

static void ok(int cond, const char *name)
{
	ntest++;
	if (cond) {
		npass++;
		printf("ok %d - %s\n", ntest, name);
	} else {
		nfail++;
		printf("not ok %d - %s\n", ntest, name);
	}
}

/* the judge: OpenSSL's own EVP_BytesToKey */
static void test_kdf_against_openssl(unsigned long rounds, const char *pwd)
{
	uint8_t salt[8], k1[32], iv1[16], k2[EVP_MAX_KEY_LENGTH], iv2[EVP_MAX_IV_LENGTH];
	char name[128];
	int r;

	RAND_bytes(salt, sizeof(salt));
	r = dkek_kdf((const uint8_t *)pwd, strlen(pwd), salt, rounds, k1, iv1);
	EVP_BytesToKey(EVP_aes_256_cbc(), EVP_md5(), salt, (const uint8_t *)pwd,
		       (int)strlen(pwd), (int)rounds, k2, iv2);
	snprintf(name, sizeof(name), "KDF equals EVP_BytesToKey, %lu rounds, %zu-byte password",
		 rounds, strlen(pwd));
	ok(r == 0 && !memcmp(k1, k2, 32) && !memcmp(iv1, iv2, 16), name);
}

/* a share sealed by us opens with plain EVP AES-256-CBC + PKCS#7 */
static void test_seal_decrypts_with_evp(void)
{
	uint8_t share[32], salt[8], file[64], key[32], iv[16], out[64];
	const char *pwd = "correct horse";
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, r;

	RAND_bytes(share, sizeof(share));
	RAND_bytes(salt, sizeof(salt));
	r = dkek_share_seal(share, (const uint8_t *)pwd, strlen(pwd), salt, file);
	EVP_BytesToKey(EVP_aes_256_cbc(), EVP_md5(), salt, (const uint8_t *)pwd,
		       (int)strlen(pwd), (int)DKEK_KDF_ROUNDS, key, iv);
	EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), NULL, key, iv);
	EVP_DecryptUpdate(c, out, &l1, file + 16, 48);
	EVP_DecryptFinal_ex(c, out + l1, &l2);
	EVP_CIPHER_CTX_free(c);
	ok(r == 0 && !memcmp(file, "Salted__", 8) && !memcmp(file + 8, salt, 8),
	   "share file header: Salted__ and the salt");
	ok(l1 + l2 == 32 && !memcmp(out, share, 32),
	   "share file deciphers with EVP_BytesToKey + AES-256-CBC/PKCS#7");

	{
		uint8_t got[32];

		ok(dkek_share_open(file, 64, (const uint8_t *)pwd, strlen(pwd), got) == 0 &&
		   !memcmp(got, share, 32), "share file opens with the right password");
		ok(dkek_share_open(file, 64, (const uint8_t *)"correct horsE", 13, got) == -EKEYREJECTED,
		   "wrong password rejected (-EKEYREJECTED)");
		ok(dkek_share_open(file, 63, (const uint8_t *)pwd, strlen(pwd), got) == -EBADMSG,
		   "truncated share file rejected (-EBADMSG)");
		file[0] = 'X';
		ok(dkek_share_open(file, 64, (const uint8_t *)pwd, strlen(pwd), got) == -EBADMSG,
		   "share file without the magic rejected (-EBADMSG)");
	}
}

static void test_kcv(void)
{
	uint8_t d[32], kcv[8], h[32];
	unsigned int l;

	RAND_bytes(d, sizeof(d));
	EVP_Digest(d, 32, h, &l, EVP_sha256(), NULL);
	ok(dkek_kcv(d, kcv) == 0 && !memcmp(kcv, h, 8), "KCV is SHA-256(DKEK)[0..7]");
}

/* f(0) recomputed with OpenSSL BN straight from the definition */
static int bn_interpolate(const struct shamir_set *s, const unsigned int *idx,
			  unsigned int k, uint8_t *out, size_t *len)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p = BN_bin2bn(s->prime, (int)s->prime_len, NULL);
	BIGNUM *acc = BN_new(), *term = BN_new(), *t = BN_new();
	unsigned int i, j;

	BN_zero(acc);
	for (i = 0; i < k; i++) {
		const struct shamir_share *si = &s->share[idx[i]];

		BN_bin2bn(si->value, (int)si->len, term);
		for (j = 0; j < k; j++) {
			const struct shamir_share *sj = &s->share[idx[j]];
			BIGNUM *num = BN_new(), *den = BN_new();

			if (j == i) {
				BN_free(num);
				BN_free(den);
				continue;
			}
			BN_set_word(num, sj->id);
			BN_set_word(den, sj->id);
			BN_sub_word(den, si->id);	/* may go negative */
			BN_nnmod(den, den, p, ctx);
			BN_mod_inverse(den, den, p, ctx);
			BN_mod_mul(t, num, den, p, ctx);
			BN_mod_mul(term, term, t, p, ctx);
			BN_free(num);
			BN_free(den);
		}
		BN_mod_add(acc, acc, term, p, ctx);
	}
	*len = (size_t)BN_bn2bin(acc, out);
	BN_free(p);
	BN_free(acc);
	BN_free(term);
	BN_free(t);
	BN_CTX_free(ctx);
	return 0;
}

static void test_shamir(unsigned int t, unsigned int n)
{
	uint8_t secret[8], got[64], judge[64];
	struct shamir_share pick[SHAMIR_MAX_SHARES];
	struct shamir_set s;
	unsigned int idx[SHAMIR_MAX_SHARES], mask, i, k, bad = 0, tried = 0;
	char name[128];
	size_t len, jlen;
	BIGNUM *p;
	int prime_ok;

	ok(shamir_split(t, n, secret, &s) == 0, "shamir_split succeeds");
	p = BN_bin2bn(s.prime, (int)s.prime_len, NULL);
	prime_ok = BN_num_bits(p) == 64 && BN_check_prime(p, NULL, NULL) == 1;
	BN_rshift1(p, p);
	prime_ok = prime_ok && BN_check_prime(p, NULL, NULL) == 1;	/* safe prime */
	BN_free(p);
	snprintf(name, sizeof(name), "%u-of-%u: the prime is a 64-bit safe prime", t, n);
	ok(prime_ok, name);
	ok(!(secret[0] & 0x80) && secret[0] != 0, "secret: top bit clear, first byte non-zero");
	for (mask = 1; mask < (1u << n); mask++) {
		k = (unsigned int)__builtin_popcount(mask);
		if (k < t)
			continue;
		for (i = 0, k = 0; i < n; i++)
			if (mask & (1u << i)) {
				idx[k] = i;
				pick[k++] = s.share[i];
			}
		tried++;
		bn_interpolate(&s, idx, k, judge, &jlen);
		if (shamir_combine(s.prime, s.prime_len, pick, k, got, &len) ||
		    len != 8 || memcmp(got, secret, 8) || jlen != 8 || memcmp(judge, secret, 8))
			bad++;
	}
	snprintf(name, sizeof(name), "%u-of-%u: all %u subsets of >= %u shares recover the secret",
		 t, n, tried, t);
	ok(bad == 0, name);
	/* t-1 shares: a different number (except with probability 1/p) */
	for (i = 0; i + 1 < t; i++)
		pick[i] = s.share[i];
	if (t - 1 >= 2) {
		ok(shamir_combine(s.prime, s.prime_len, pick, t - 1, got, &len) != 0 ||
		   len != 8 || memcmp(got, secret, 8), "fewer shares than the threshold do not recover it");
	}
	pick[0] = s.share[0];
	pick[1] = s.share[0];
	ok(shamir_combine(s.prime, s.prime_len, pick, 2, got, &len) == -EINVAL,
	   "duplicate share IDs rejected");
	pick[1] = s.share[1];
	memset(pick[1].value, 0xff, sizeof(pick[1].value));
	pick[1].len = 9;
	ok(shamir_combine(s.prime, s.prime_len, pick, 2, got, &len) == -EINVAL,
	   "share value >= prime rejected");
	shamir_clear(&s);
}

static void test_parsers(void)
{
	uint8_t v[64];
	size_t len = 0;
	unsigned int id = 0;

	ok(shamir_parse_value("Prime       : f5:56:46:01", v, &len) == 0 && len == 4 &&
	   v[0] == 0xf5 && v[3] == 0x01, "prime line as sc-hsm-tool prints it");
	ok(shamir_parse_value("ab:cd:ef", v, &len) == 0 && len == 3 && v[0] == 0xab,
	   "bare value starting with hex letters");
	ok(shamir_parse_value("Share value : 99:64:0", v, &len) == -EINVAL,
	   "odd number of hex digits rejected");
	ok(shamir_parse_id("Share ID    : 3", &id) == 0 && id == 3, "share ID line");
	ok(shamir_parse_id("0", &id) == -EINVAL && shamir_parse_id("256", &id) == -EINVAL,
	   "share ID out of 1..255 rejected");
	ok(hex_decode("0g", v, sizeof(v)) < 0 && hex_decode("0102", v, 1) < 0,
	   "hex_decode: bad digit and overflow rejected");
}

int main(int argc, char **argv)
{
	int full = argc > 1 && !strcmp(argv[1], "--full-kdf");

	test_kdf_against_openssl(1, "a");
	test_kdf_against_openssl(2, "secret123");
	test_kdf_against_openssl(1000, "a password longer than one MD5 block, to be sure........");
	if (full)
		test_kdf_against_openssl(DKEK_KDF_ROUNDS, "secret123");
	test_seal_decrypts_with_evp();
	test_kcv();
	test_shamir(2, 3);
	test_shamir(3, 5);
	test_shamir(5, 9);
	test_parsers();
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
