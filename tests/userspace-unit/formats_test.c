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

#include <openssl/asn1.h>

#include "dkek.h"
#include "pka.h"
#include "prkd.h"
#include "shamir.h"
#include "tlv.h"
#include "util.h"
#include "wrapfile.h"

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

/* a TLV of tag with len bytes of filler, appended to b */
static void put_tlv(struct tlvb *b, unsigned int tag, size_t len, uint8_t fill)
{
	uint8_t v[600];

	memset(v, fill, len);
	tlvb_put(b, tag, v, len);
}

static void test_wrapfile(void)
{
	struct tlvb prkd, cert;
	struct wrapfile w = { 0 }, r;
	uint8_t blob[300], *out = NULL;
	const unsigned char *p;
	long olen;
	int tag, xclass, bad = 0, ret;
	size_t len = 0, i;

	memset(blob, 0x5a, sizeof(blob));
	tlvb_init(&prkd);
	tlvb_init(&cert);
	put_tlv(&prkd, 0xA0, 40, 1);
	put_tlv(&cert, 0x67, 500, 2);
	w.blob = blob;
	w.blob_len = sizeof(blob);
	w.prkd = prkd.p;
	w.prkd_len = prkd.len;
	w.cert = cert.p;
	w.cert_len = cert.len;
	ok(wrapfile_build(&w, &out, &len) == 0, "wrapfile_build");
	/* the judge: OpenSSL's DER reader sees SEQUENCE { OCTET STRING blob, ... } */
	p = out;
	ret = ASN1_get_object(&p, &olen, &tag, &xclass, (long)len);
	ok(!(ret & 0x80) && tag == V_ASN1_SEQUENCE && (size_t)(p - out) + (size_t)olen == len,
	   "wrapped-key file: outer SEQUENCE spans the file (OpenSSL)");
	ret = ASN1_get_object(&p, &olen, &tag, &xclass, (long)(len - (size_t)(p - out)));
	ok(!(ret & 0x80) && tag == V_ASN1_OCTET_STRING && olen == (long)sizeof(blob) &&
	   !memcmp(p, blob, sizeof(blob)), "wrapped-key file: first the blob as OCTET STRING (OpenSSL)");
	ok(wrapfile_parse(out, len, &r) == 0 && r.blob_len == sizeof(blob) &&
	   r.prkd_len == prkd.len && r.cert_len == cert.len && !memcmp(r.cert, cert.p, cert.len),
	   "wrapped-key file parses back into blob, description, certificate");
	for (i = 0; i < len; i++)
		if (wrapfile_parse(out, i, &r) != -EBADMSG)
			bad++;
	ok(bad == 0, "every truncation of a wrapped-key file is rejected");
	out = realloc(out, len + 1);
	out[len] = 0;
	ok(wrapfile_parse(out, len + 1, &r) == -EBADMSG, "trailing byte after the file rejected");
	out[0] = 0x31;
	ok(wrapfile_parse(out, len, &r) == -EBADMSG, "outer tag other than SEQUENCE rejected");
	free(out);
	/* a lone CV certificate is a certificate, not a description */
	w.prkd = NULL;
	w.prkd_len = 0;
	ok(wrapfile_build(&w, &out, &len) == 0 && wrapfile_parse(out, len, &r) == 0 &&
	   !r.prkd && r.cert_len == cert.len, "blob + lone CV request: read as the certificate");
	free(out);
	tlvb_free(&prkd);
	tlvb_free(&cert);
}

static void test_pka_file(void)
{
	static const uint8_t oid[] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x81, 0xc3, 0x1f, 0x04, 0x03, 0x01 };
	struct tlvb req, dev, dica, nw;
	struct pka_file f, r;
	uint8_t *out = NULL;
	size_t len = 0, i, mark, m2;
	int bad = 0;

	tlvb_init(&req);
	tlvb_init(&dev);
	tlvb_init(&dica);
	tlvb_init(&nw);
	put_tlv(&req, 0x67, 300, 3);
	put_tlv(&dev, 0x7F21, 200, 4);
	put_tlv(&dica, 0x7F21, 210, 5);
	f = (struct pka_file){ req.p, req.len, dev.p, dev.len, dica.p, dica.len };
	ok(pka_file_build(&f, &out, &len) == 0 && pka_file_parse(out, len, &r) == 0 &&
	   r.request_len == req.len && r.device_len == dev.len && r.dica_len == dica.len &&
	   !memcmp(r.dica, dica.p, dica.len), "PKA file (old layout) builds and parses back");
	for (i = 0; i < len; i++)
		if (pka_file_parse(out, i, &r) != -EBADMSG)
			bad++;
	ok(bad == 0, "every truncation of a PKA file is rejected");
	free(out);
	/* SCS3 layout: OID, 61 DICA, 62 device, 63 request */
	mark = tlvb_open(&nw, 0x30);
	tlvb_put(&nw, 0x06, oid, sizeof(oid));
	m2 = tlvb_open(&nw, 0x61); tlvb_raw(&nw, dica.p, dica.len); tlvb_close(&nw, m2);
	m2 = tlvb_open(&nw, 0x62); tlvb_raw(&nw, dev.p, dev.len); tlvb_close(&nw, m2);
	m2 = tlvb_open(&nw, 0x63); tlvb_raw(&nw, req.p, req.len); tlvb_close(&nw, m2);
	tlvb_close(&nw, mark);
	ok(pka_file_parse(nw.p, nw.len, &r) == 0 && r.dica_len == dica.len &&
	   !memcmp(r.device, dev.p, dev.len) && r.request_len == req.len,
	   "PKA file (SCS3 layout: 61 DICA, 62 device, 63 request) parses");
	nw.p[6] ^= 1;	/* inside the OID */
	ok(pka_file_parse(nw.p, nw.len, &r) == -EBADMSG, "PKA file with another OID rejected");
	tlvb_free(&req);
	tlvb_free(&dev);
	tlvb_free(&dica);
	tlvb_free(&nw);
}

/* Known answer: the EF C401 OpenSC 0.23 wrote for pkcs11-tool --keypairgen
 * --key-type rsa:2048 --id 10 --label sct-rsa (key reference 1). */
static void test_prkd(void)
{
	static const char opensc[] =
		"302a30100c077363742d727361030206c0040101300a04011003020470020101"
		"a10a30083002040002020800";
	uint8_t want[64], *out = NULL, id = 0x10;
	size_t len = 0;
	int n = hex_decode(opensc, want, sizeof(want));

	ok(prkd_encode(0, "sct-rsa", &id, 1, 1, 2048, &out, &len) == 0 && (size_t)n == len &&
	   !memcmp(out, want, len), "RSA key description byte-identical to OpenSC's");
	free(out);
	out = NULL;
	ok(prkd_encode(1, "ec", &id, 1, 3, 256, &out, &len) == 0 && out[0] == 0xA0 &&
	   wrapfile_first_tlv(out, len) == len, "EC key description: one [0] TLV");
	free(out);
	ok(prkd_encode(0, "", &id, 1, 1, 2048, &out, &len) == -EINVAL, "empty label rejected");
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
	test_wrapfile();
	test_pka_file();
	test_prkd();
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
