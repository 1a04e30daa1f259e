// SPDX-License-Identifier: GPL-2.0
/*
 * tests/card/cardtest: the semantic ioctls of /dev/schsmN against the
 * emulated token, success and failure.  Expected values come from the
 * reference (status words), the kernel (errno) and OpenSSL (signatures,
 * decryption, KCV, ECDSA for public key authentication) - never from the
 * driver under test.  TAP output; the last line is "N passed, N failed".
 *
 * The token is re-initialized several times: run it on a throw-away token.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <linux/schsm.h>

#include "../common/tap.h"
#include "../common/token.h"

static int fd;
static const uint8_t so_pin[8] = { 0x35, 0x37, 0x36, 0x32, 0x31, 0x38, 0x38,
				   0x30 };
static const char user_pin[] = "648219";
static char tmpdir[256] = "/tmp";

static int xioctl(unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* openssl verifies a signature over the SHA-256 digest dg */
static bool ossl_verify(EVP_PKEY *pkey, const uint8_t *dg, const uint8_t *sig,
			size_t sig_len)
{
	return ossl_verify_md(pkey, EVP_sha256(), dg, 32, sig, sig_len);
}

/* ---- ioctl helpers ---------------------------------------------------- */

static int do_status(struct schsm_status *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	return xioctl(SCHSM_IOC_STATUS, s);
}

static int do_pin(unsigned long cmd, uint32_t ref, const void *old,
		  size_t old_len, const void *pin, size_t pin_len,
		  struct schsm_pin *p)
{
	memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	p->ref = ref;
	p->old = ubuf(old, old_len);
	p->pin = ubuf(pin, pin_len);
	return xioctl(cmd, p);
}

static int do_login(const char *pin, struct schsm_pin *p)
{
	return do_pin(SCHSM_IOC_LOGIN, SCHSM_PIN_REF_USER, NULL, 0, pin,
		      strlen(pin), p);
}

static void init_defaults(struct schsm_init *in)
{
	memset(in, 0, sizeof(*in));
	in->size = sizeof(*in);
	in->options = SCHSM_OPT_RESET_RETRY;
	in->retry_limit = 3;
	memcpy(in->so_pin, so_pin, sizeof(so_pin));
	in->user_pin = ubuf(user_pin, strlen(user_pin));
}

static int do_init(struct schsm_init *in)
{
	struct schsm_init copy = *in;
	int ret = xioctl(SCHSM_IOC_INITIALIZE, &copy);

	in->sw = copy.sw;
	return ret;
}

static int do_keygen(struct schsm_keygen *k, uint8_t type, uint16_t bits,
		     uint8_t *req, size_t cap)
{
	memset(k, 0, sizeof(*k));
	k->size = sizeof(*k);
	k->type = type;
	if (type == SCHSM_KEY_RSA)
		k->rsa_bits = bits;
	else
		k->curve = SCHSM_CURVE_P256;
	k->request = ubuf(req, cap);
	return xioctl(SCHSM_IOC_KEY_GENERATE, k);
}

static int do_crypt(unsigned long cmd, uint8_t key, uint8_t alg,
		    const void *in, size_t len, uint8_t *out, size_t cap,
		    struct schsm_crypt *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->key_id = key;
	c->algorithm = alg;
	c->input = ubuf(in, len);
	c->output = ubuf(out, cap);
	return xioctl(cmd, c);
}

static int do_file(unsigned long cmd, uint16_t fid, uint32_t off, void *data,
		   size_t len, struct schsm_file *f)
{
	memset(f, 0, sizeof(*f));
	f->size = sizeof(*f);
	f->fid = fid;
	f->offset = off;
	f->data = ubuf(data, len);
	return xioctl(cmd, f);
}

static int do_dkek(const uint8_t share[32], struct schsm_dkek_share *d)
{
	memset(d, 0, sizeof(*d));
	d->size = sizeof(*d);
	memcpy(d->share, share, 32);
	return xioctl(SCHSM_IOC_DKEK_IMPORT, d);
}

static bool key_listed(uint8_t id)
{
	struct schsm_key_list l = { .size = sizeof(l) };
	unsigned int i;

	if (xioctl(SCHSM_IOC_KEY_LIST, &l))
		return false;
	for (i = 0; i < l.count; i++)
		if (l.ids[i] == id)
			return true;
	return false;
}

static void sha256(const void *d, size_t n, uint8_t out[32])
{
	EVP_Digest(d, n, out, NULL, EVP_sha256(), NULL);
}

/* ---- ABI checks -------------------------------------------------------- */

static void test_abi(void)
{
	struct {
		struct schsm_status s;
		uint8_t tail[8];
	} big;
	struct schsm_status s;
	struct schsm_pin p;
	int ret;

	tap_ok(xioctl(_IOWR(SCHSM_IOC_MAGIC, 0x7f, struct schsm_status), &s) ==
	       -ENOTTY, "unknown ioctl number -> ENOTTY");
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s) - 8;
	tap_ok(xioctl(SCHSM_IOC_STATUS, &s) == -EINVAL,
	       "STATUS size smaller than version 0 -> EINVAL");
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	tap_ok(xioctl(SCHSM_IOC_STATUS, &big) == 0,
	       "STATUS larger size with zero tail accepted");
	big.tail[3] = 1;
	ret = xioctl(SCHSM_IOC_STATUS, &big);
	tap_ok(ret == -E2BIG, "STATUS larger size with non-zero tail -> E2BIG (%d)",
	       ret);
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.flags = 1;
	tap_ok(xioctl(SCHSM_IOC_STATUS, &s) == -EINVAL, "STATUS flags -> EINVAL");
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.reserved[2] = 1;
	tap_ok(xioctl(SCHSM_IOC_STATUS, &s) == -EINVAL,
	       "STATUS reserved -> EINVAL");
	tap_ok(ioctl(fd, SCHSM_IOC_STATUS, NULL) && errno == EFAULT,
	       "STATUS NULL argument -> EFAULT");

	ret = do_pin(SCHSM_IOC_LOGIN, SCHSM_PIN_REF_SO, NULL, 0, user_pin, 6, &p);
	tap_ok(ret == -EINVAL, "LOGIN with ref 88 -> EINVAL");
	ret = do_pin(SCHSM_IOC_LOGIN, SCHSM_PIN_REF_USER, NULL, 0, "12345", 5, &p);
	tap_ok(ret == -EINVAL, "LOGIN PIN of 5 bytes -> EINVAL");
	ret = do_pin(SCHSM_IOC_LOGIN, SCHSM_PIN_REF_USER, NULL, 0,
		     "12345678901234567", 17, &p);
	tap_ok(ret == -E2BIG, "LOGIN PIN of 17 bytes -> E2BIG");
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.ref = SCHSM_PIN_REF_USER;
	p.pin = ubuf(user_pin, 6);
	p.pin.reserved = 1;
	tap_ok(xioctl(SCHSM_IOC_LOGIN, &p) == -EINVAL,
	       "LOGIN buffer reserved -> EINVAL");
	p.pin.reserved = 0;
	p.pad0 = 1;
	tap_ok(xioctl(SCHSM_IOC_LOGIN, &p) == -EINVAL, "LOGIN pad -> EINVAL");
}

/* ---- initialize ----------------------------------------------------------- */

static void test_initialize_args(void)
{
	struct schsm_init in;

	init_defaults(&in);
	in.retry_limit = 0;
	tap_ok(do_init(&in) == -EINVAL, "INITIALIZE retry limit 0 -> EINVAL");
	init_defaults(&in);
	in.retry_limit = 11;
	tap_ok(do_init(&in) == -EINVAL, "INITIALIZE retry limit 11 -> EINVAL");
	init_defaults(&in);
	in.user_pin.len = 5;
	tap_ok(do_init(&in) == -EINVAL, "INITIALIZE 5-byte user PIN -> EINVAL");
	init_defaults(&in);
	in.flags = SCHSM_INIT_NO_USER_PIN;
	in.user_pin = ubuf(NULL, 0);
	tap_ok(do_init(&in) == -EINVAL,
	       "INITIALIZE without user PIN and without PKA -> EINVAL");
	init_defaults(&in);
	in.flags = SCHSM_INIT_PKA;
	in.pka_total = 1;
	in.pka_required = 2;
	tap_ok(do_init(&in) == -EINVAL, "INITIALIZE PKA M > N -> EINVAL");
	init_defaults(&in);
	in.dkek_shares = 2;
	tap_ok(do_init(&in) == -EINVAL,
	       "INITIALIZE dkek_shares without the DKEK flag -> EINVAL");
	init_defaults(&in);
	in.flags = 1U << 7;
	tap_ok(do_init(&in) == -EINVAL, "INITIALIZE unknown flag -> EINVAL");
	init_defaults(&in);
	in.options = 0x4000;
	tap_ok(do_init(&in) == -EINVAL, "INITIALIZE unknown option -> EINVAL");
}

static bool init_token(uint32_t flags, uint16_t options, uint8_t shares,
		       uint8_t n, uint8_t m, const char *what)
{
	struct schsm_init in;
	int ret;

	init_defaults(&in);
	in.flags = flags;
	in.options = options;
	in.dkek_shares = shares;
	in.pka_total = n;
	in.pka_required = m;
	ret = do_init(&in);
	return tap_ok(!ret && in.sw == SCHSM_SW_OK,
		      "INITIALIZE %s (ret %d sw %04x)", what, ret, in.sw);
}

/* ---- PIN ------------------------------------------------------------------ */

static void test_pins(void)
{
	struct schsm_status s;
	struct schsm_pin p;
	int ret;

	ret = do_status(&s);
	tap_ok(!ret && s.pin_state == SCHSM_PIN_NOT_VERIFIED &&
	       s.pin_tries_left == 3,
	       "STATUS after initialize: PIN not verified, 3 tries (state %u tries %u)",
	       s.pin_state, s.pin_tries_left);
	tap_ok(!ret && s.options == SCHSM_OPT_RESET_RETRY,
	       "STATUS options %#x as initialized", s.options);
	ret = do_login("000000", &p);
	tap_ok(!ret && p.sw == 0x63c2 && p.tries_left == 2,
	       "LOGIN wrong PIN -> sw 63C2, 2 tries left (sw %04x tries %u)",
	       p.sw, p.tries_left);
	ret = do_status(&s);
	tap_ok(!ret && s.pin_tries_left == 2 && !(s.login & SCHSM_LOGIN_PIN),
	       "STATUS: 2 tries, not logged in");
	ret = do_login(user_pin, &p);
	tap_ok(!ret && p.sw == SCHSM_SW_OK, "LOGIN right PIN -> 9000 (sw %04x)",
	       p.sw);
	ret = do_status(&s);
	tap_ok(!ret && s.pin_state == SCHSM_PIN_VERIFIED &&
	       (s.login & SCHSM_LOGIN_PIN) && (s.login & SCHSM_LOGIN_KEYS_USABLE),
	       "STATUS: PIN verified, keys usable (login %#x)", s.login);

	ret = do_pin(SCHSM_IOC_CHANGE_PIN, SCHSM_PIN_REF_USER, "999999", 6,
		     "123456", 6, &p);
	tap_ok(!ret && (p.sw & 0xfff0) == 0x63c0,
	       "CHANGE_PIN wrong old PIN -> 63Cx (sw %04x)", p.sw);
	ret = do_pin(SCHSM_IOC_CHANGE_PIN, SCHSM_PIN_REF_USER, user_pin, 6,
		     "1234567", 7, &p);
	tap_ok(!ret && p.sw == SCHSM_SW_OK, "CHANGE_PIN -> 9000 (sw %04x)",
	       p.sw);
	ret = do_login("1234567", &p);
	tap_ok(!ret && p.sw == SCHSM_SW_OK, "LOGIN with the new PIN -> 9000");
	ret = do_pin(SCHSM_IOC_CHANGE_PIN, SCHSM_PIN_REF_USER, "1234567", 7,
		     user_pin, 6, &p);
	tap_ok(!ret && p.sw == SCHSM_SW_OK, "CHANGE_PIN back -> 9000");
	ret = do_pin(SCHSM_IOC_CHANGE_PIN, SCHSM_PIN_REF_SO, so_pin, 8,
		     "1234567", 7, &p);
	tap_ok(ret == -EINVAL, "CHANGE_PIN SO with a 7-byte new SO-PIN -> EINVAL");
	ret = do_pin(SCHSM_IOC_CHANGE_PIN, 0x85, user_pin, 6, user_pin, 6, &p);
	tap_ok(ret == -EINVAL, "CHANGE_PIN unknown reference -> EINVAL");

	/* block: the driver never retries, each call costs exactly one try */
	do_login("000000", &p);
	tap_ok(p.sw == 0x63c2, "wrong PIN 1 -> 63C2 (sw %04x)", p.sw);
	do_login("000000", &p);
	tap_ok(p.sw == 0x63c1, "wrong PIN 2 -> 63C1 (sw %04x)", p.sw);
	do_login("000000", &p);
	tap_ok(p.sw == 0x6983 || p.sw == 0x63c0,
	       "wrong PIN 3 -> blocked (sw %04x)", p.sw);
	ret = do_login(user_pin, &p);
	tap_ok(!ret && p.sw == 0x6983 && p.tries_left == 0,
	       "LOGIN right PIN on a blocked PIN -> 6983 (sw %04x)", p.sw);
	ret = do_status(&s);
	tap_ok(!ret && s.pin_state == SCHSM_PIN_BLOCKED,
	       "STATUS: PIN blocked (state %u)", s.pin_state);
	ret = do_pin(SCHSM_IOC_UNBLOCK_PIN, SCHSM_PIN_REF_USER, "00000000", 8,
		     user_pin, 6, &p);
	tap_ok(!ret && (p.sw & 0xfff0) == 0x63c0,
	       "UNBLOCK_PIN wrong SO-PIN -> 63Cx (sw %04x)", p.sw);
	ret = do_pin(SCHSM_IOC_UNBLOCK_PIN, SCHSM_PIN_REF_USER, so_pin, 7,
		     user_pin, 6, &p);
	tap_ok(ret == -EINVAL, "UNBLOCK_PIN 7-byte SO-PIN -> EINVAL");
	ret = do_pin(SCHSM_IOC_UNBLOCK_PIN, SCHSM_PIN_REF_USER, so_pin, 8,
		     user_pin, 6, &p);
	tap_ok(!ret && p.sw == SCHSM_SW_OK,
	       "UNBLOCK_PIN with SO-PIN and new PIN -> 9000 (sw %04x)", p.sw);
	ret = do_login(user_pin, &p);
	tap_ok(!ret && p.sw == SCHSM_SW_OK, "LOGIN after unblock -> 9000");
	do_login("000000", &p);
	ret = do_pin(SCHSM_IOC_UNBLOCK_PIN, SCHSM_PIN_REF_USER, so_pin, 8, NULL,
		     0, &p);
	tap_ok(!ret && p.sw == SCHSM_SW_OK,
	       "UNBLOCK_PIN reset-only (no new PIN) -> 9000 (sw %04x)", p.sw);
	ret = do_status(&s);
	tap_ok(!ret && s.pin_tries_left == 3, "STATUS: tries back to 3 (%u)",
	       s.pin_tries_left);

	ret = do_login(user_pin, &p);
	tap_ok(!ret && xioctl(SCHSM_IOC_LOGOUT, NULL) == 0, "LOGOUT -> 0");
	ret = do_status(&s);
	tap_ok(!ret && s.pin_state == SCHSM_PIN_NOT_VERIFIED &&
	       !(s.login & SCHSM_LOGIN_PIN),
	       "STATUS after LOGOUT: not verified (state %u)", s.pin_state);
}

/* ---- DKEK ----------------------------------------------------------------- */

static bool write_file(const char *path, const void *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(d, 1, n, f) == n;

	if (f)
		ok = !fclose(f) && ok;
	return ok;
}

/* the KCV as the openssl command line computes it: sha256 of the DKEK */
static bool openssl_kcv(const uint8_t dkek[32], uint8_t kcv[8])
{
	char path[300], cmd[400];
	uint8_t out[32];
	FILE *p;
	bool ok;

	snprintf(path, sizeof(path), "%s/dkek.bin", tmpdir);
	if (!write_file(path, dkek, 32))
		return false;
	snprintf(cmd, sizeof(cmd), "openssl dgst -sha256 -binary %s", path);
	p = popen(cmd, "r");
	if (!p)
		return false;
	ok = fread(out, 1, 32, p) == 32;
	ok = pclose(p) == 0 && ok;
	unlink(path);
	memcpy(kcv, out, 8);
	return ok;
}

static uint8_t dkek[32];

static void test_dkek(void)
{
	struct schsm_dkek_share d;
	uint8_t s1[32], s2[32], kcv[8];
	unsigned int i;
	int ret;

	RAND_bytes(s1, 32);
	RAND_bytes(s2, 32);
	ret = do_dkek(s1, &d);
	tap_ok(!ret && d.sw == SCHSM_SW_OK && d.total == 2 && d.outstanding == 1,
	       "DKEK_IMPORT share 1 -> 9000, 2 total, 1 outstanding (sw %04x %u/%u)",
	       d.sw, d.total, d.outstanding);
	tap_ok(!memcmp(d.share, (uint8_t[32]){ 0 }, 32),
	       "DKEK_IMPORT zeroes the share in the caller's struct");
	ret = do_dkek(s2, &d);
	for (i = 0; i < 32; i++)
		dkek[i] = s1[i] ^ s2[i];
	tap_ok(!ret && d.sw == SCHSM_SW_OK && d.outstanding == 0,
	       "DKEK_IMPORT share 2 -> 9000, none outstanding");
	tap_ok(openssl_kcv(dkek, kcv) && !memcmp(kcv, d.kcv, 8),
	       "KCV = first 8 bytes of `openssl dgst -sha256` of the XORed shares");
	{
		struct schsm_status s;

		ret = do_status(&s);
		tap_ok(!ret && s.dkek_present && s.dkek_total == 2 &&
		       !s.dkek_outstanding && !memcmp(s.kcv, kcv, 8),
		       "STATUS shows the DKEK and its KCV");
	}
	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.pad0[1] = 1;
	tap_ok(xioctl(SCHSM_IOC_DKEK_IMPORT, &d) == -EINVAL,
	       "DKEK_IMPORT pad -> EINVAL");
	OPENSSL_cleanse(s1, sizeof(s1));
	OPENSSL_cleanse(s2, sizeof(s2));
}

/* ---- keys ------------------------------------------------------------------ */

static const uint8_t di_sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
				     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
				     0x01, 0x05, 0x00, 0x04, 0x20 };
static uint8_t rsa_id, ec_id;
static EVP_PKEY *rsa_pub, *ec_pub;
static uint8_t msg[] = "schsm card layer test message";

static bool sign_and_verify(uint8_t key, EVP_PKEY *pub, bool rsa,
			    const char *what)
{
	uint8_t dg[32], in[64], sig[1024];
	struct schsm_crypt c;
	size_t n = 0;
	int ret;

	sha256(msg, sizeof(msg), dg);
	if (rsa) {
		memcpy(in, di_sha256, sizeof(di_sha256));
		memcpy(in + sizeof(di_sha256), dg, 32);
		n = sizeof(di_sha256) + 32;
	} else {
		memcpy(in, dg, 32);
		n = 32;
	}
	ret = do_crypt(SCHSM_IOC_SIGN, key, rsa ? SCHSM_ALG_RSA_PKCS1_DI :
		       SCHSM_ALG_ECDSA, in, n, sig, sizeof(sig), &c);
	return tap_ok(!ret && c.sw == SCHSM_SW_OK && pub &&
		      ossl_verify(pub, dg, sig, c.output.len),
		      "%s: SIGN verified by openssl (ret %d sw %04x len %u)",
		      what, ret, c.sw, c.output.len);
}

static void test_keygen_args(void)
{
	struct schsm_keygen k;
	uint8_t req[64];

	memset(&k, 0, sizeof(k));
	k.size = sizeof(k);
	k.type = SCHSM_KEY_RSA;
	k.rsa_bits = 1000;
	k.request = ubuf(req, sizeof(req));
	tap_ok(xioctl(SCHSM_IOC_KEY_GENERATE, &k) == -EINVAL,
	       "KEY_GENERATE RSA-1000 -> EINVAL");
	k.rsa_bits = 2048;
	k.type = 3;
	tap_ok(xioctl(SCHSM_IOC_KEY_GENERATE, &k) == -EINVAL,
	       "KEY_GENERATE key type 3 -> EINVAL");
	k.type = SCHSM_KEY_EC;
	k.rsa_bits = 0;
	k.curve = 9;
	tap_ok(xioctl(SCHSM_IOC_KEY_GENERATE, &k) == -EINVAL,
	       "KEY_GENERATE curve 9 -> EINVAL");
	k.curve = SCHSM_CURVE_P256;
	k.flags = SCHSM_KEYGEN_USE_COUNTER;
	tap_ok(xioctl(SCHSM_IOC_KEY_GENERATE, &k) == -EINVAL,
	       "KEY_GENERATE use-counter flag with counter 0 -> EINVAL");
	k.flags = 0;
	memset(k.chr, 'A', sizeof(k.chr));
	tap_ok(xioctl(SCHSM_IOC_KEY_GENERATE, &k) == -EINVAL,
	       "KEY_GENERATE CHR without NUL -> EINVAL");
	memset(k.chr, 0, sizeof(k.chr));
	k.nalgorithms = 1;
	tap_ok(xioctl(SCHSM_IOC_KEY_GENERATE, &k) == -EINVAL,
	       "KEY_GENERATE algorithms without the flag -> EINVAL");
}

static void test_keys(void)
{
	static uint8_t req[8192];
	uint8_t out[1024], block[512], secret[32];
	struct schsm_keygen k;
	struct schsm_crypt c;
	struct schsm_pin p;
	size_t elen = sizeof(out);
	EVP_PKEY_CTX *ctx;
	int ret, i;

	do_login(user_pin, &p);
	test_keygen_args();

	ret = do_keygen(&k, SCHSM_KEY_RSA, 2048, req, sizeof(req));
	tap_ok(!ret && k.sw == SCHSM_SW_OK && k.key_id && req[0] == 0x67,
	       "KEY_GENERATE RSA-2048 -> 9000, key %u, CV request (ret %d sw %04x)",
	       k.key_id, ret, k.sw);
	rsa_id = k.key_id;
	rsa_pub = pkey_from_request(req, k.request.len, true);
	tap_ok(rsa_pub && EVP_PKEY_get_bits(rsa_pub) == 2048,
	       "openssl reads an RSA-2048 public key from the request");
	sign_and_verify(rsa_id, rsa_pub, true, "RSA-2048 PKCS#1 DigestInfo");

	/* SHA-256 on the card (alg 33): the message goes in */
	ret = do_crypt(SCHSM_IOC_SIGN, rsa_id, SCHSM_ALG_RSA_PKCS1_SHA256, msg,
		       sizeof(msg), out, sizeof(out), &c);
	{
		uint8_t dg[32];

		sha256(msg, sizeof(msg), dg);
		tap_ok(!ret && c.sw == SCHSM_SW_OK &&
		       ossl_verify(rsa_pub, dg, out, c.output.len),
		       "RSA SIGN alg 33 (hash on card) verified by openssl (sw %04x)",
		       c.sw);
	}
	/* -EMSGSIZE: the size needed comes back, nothing is copied */
	memset(out, 0xa5, sizeof(out));
	ret = do_crypt(SCHSM_IOC_SIGN, rsa_id, SCHSM_ALG_RSA_PKCS1_SHA256, msg,
		       sizeof(msg), out, 10, &c);
	tap_ok(ret == -EMSGSIZE && c.output.len == 256 && out[0] == 0xa5,
	       "SIGN into 10 bytes -> EMSGSIZE, len 256 needed (ret %d len %u)",
	       ret, c.output.len);

	/* DECIPHER: openssl encrypts, the card returns the padded block */
	RAND_bytes(secret, sizeof(secret));
	ctx = EVP_PKEY_CTX_new(rsa_pub, NULL);
	ret = ctx && EVP_PKEY_encrypt_init(ctx) > 0 &&
	      EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	      EVP_PKEY_encrypt(ctx, out, &elen, secret, sizeof(secret)) > 0;
	EVP_PKEY_CTX_free(ctx);
	tap_ok(ret, "openssl RSA PKCS#1 encryption to the token key");
	ret = do_crypt(SCHSM_IOC_DECIPHER, rsa_id, SCHSM_ALG_RSA_DECRYPT_RAW,
		       out, elen, block, sizeof(block), &c);
	i = 2;
	while (!ret && i < (int)c.output.len && block[i])
		i++;
	tap_ok(!ret && c.sw == SCHSM_SW_OK && c.output.len == 256 &&
	       block[0] == 0 && block[1] == 2 &&
	       c.output.len - i - 1 == sizeof(secret) &&
	       !memcmp(block + i + 1, secret, sizeof(secret)),
	       "DECIPHER 21 returns the PKCS#1 block holding openssl's plaintext (sw %04x)",
	       c.sw);
	OPENSSL_cleanse(block, sizeof(block));

	ret = do_keygen(&k, SCHSM_KEY_EC, 0, req, sizeof(req));
	tap_ok(!ret && k.sw == SCHSM_SW_OK && k.key_id && k.key_id != rsa_id,
	       "KEY_GENERATE EC P-256 -> 9000, key %u (sw %04x)", k.key_id,
	       k.sw);
	ec_id = k.key_id;
	ec_pub = pkey_from_request(req, k.request.len, false);
	tap_ok(ec_pub != NULL, "openssl reads a P-256 point from the request");
	sign_and_verify(ec_id, ec_pub, false, "ECDSA P-256 alg 70");
	tap_ok(key_listed(rsa_id) && key_listed(ec_id),
	       "KEY_LIST holds both new keys");

	/* request buffer too small: EMSGSIZE, the key exists all the same */
	ret = do_keygen(&k, SCHSM_KEY_EC, 0, req, 16);
	tap_ok(ret == -EMSGSIZE && k.request.len > 16,
	       "KEY_GENERATE into 16 bytes -> EMSGSIZE, len %u needed",
	       k.request.len);
	if (ret == -EMSGSIZE) {
		struct schsm_file f;

		ret = do_file(SCHSM_IOC_FILE_DELETE, 0xcc00 | k.key_id, 0, NULL,
			      0, &f);
		tap_ok(!ret && f.sw == SCHSM_SW_OK && !key_listed(k.key_id),
		       "FILE_DELETE CC%02X removes the key (sw %04x)",
		       k.key_id, f.sw);
	}

	ret = do_crypt(SCHSM_IOC_SIGN, rsa_id, SCHSM_ALG_RSA_DECRYPT_RAW, msg,
		       sizeof(msg), out, sizeof(out), &c);
	tap_ok(ret == -EINVAL, "SIGN with a decipher algorithm -> EINVAL");
	ret = do_crypt(SCHSM_IOC_DECIPHER, rsa_id, SCHSM_ALG_RSA_PKCS1_DI, msg,
		       sizeof(msg), out, sizeof(out), &c);
	tap_ok(ret == -EINVAL, "DECIPHER with a sign algorithm -> EINVAL");
	ret = do_crypt(SCHSM_IOC_SIGN, rsa_id, SCHSM_ALG_RSA_PKCS1_DI, msg, 0,
		       out, sizeof(out), &c);
	tap_ok(ret == -EINVAL, "SIGN with empty input -> EINVAL");
	ret = do_crypt(SCHSM_IOC_SIGN, 200, SCHSM_ALG_RSA_PKCS1_SHA256, msg,
		       sizeof(msg), out, sizeof(out), &c);
	tap_ok(!ret && c.sw != SCHSM_SW_OK,
	       "SIGN with a missing key: the card's refusal in sw (%04x)", c.sw);

	tap_ok(xioctl(SCHSM_IOC_LOGOUT, NULL) == 0, "LOGOUT");
	ret = do_crypt(SCHSM_IOC_SIGN, rsa_id, SCHSM_ALG_RSA_PKCS1_SHA256, msg,
		       sizeof(msg), out, sizeof(out), &c);
	tap_ok(!ret && c.sw == 0x6982,
	       "SIGN after LOGOUT -> sw 6982 (sw %04x)", c.sw);
	do_login(user_pin, &p);
	sign_and_verify(rsa_id, rsa_pub, true, "after login again");
}

/* ---- wrap / unwrap ----------------------------------------------------------- */

static uint8_t cust_req[4096], cust_d[32];
static size_t cust_req_len;
static bool cust_ok;

/* the private scalar of an EC blob, decrypted with openssl (Kenc) */
static bool blob_ec_private(const uint8_t *b, size_t len, uint8_t d[32])
{
	uint8_t kin[36], kenc[32], plain[1024];
	size_t pos = 9, i, n;
	EVP_CIPHER_CTX *cx;
	int l1 = 0, l2 = 0;
	bool ok = false;

	for (i = 0; i < 4; i++) {
		if (pos + 2 > len)
			return false;
		pos += 2 + ((b[pos] << 8) | b[pos + 1]);
	}
	if (pos + 16 > len || (len - pos - 16) % 16 ||
	    len - pos - 16 > sizeof(plain))
		return false;
	memcpy(kin, dkek, 32);
	memcpy(kin + 32, "\0\0\0\1", 4);
	sha256(kin, sizeof(kin), kenc);
	cx = EVP_CIPHER_CTX_new();
	if (cx && EVP_DecryptInit_ex(cx, EVP_aes_256_cbc(), NULL, kenc,
				     (uint8_t[16]){ 0 }) &&
	    EVP_CIPHER_CTX_set_padding(cx, 0) &&
	    EVP_DecryptUpdate(cx, plain, &l1, b + pos, (int)(len - pos - 16)) &&
	    EVP_DecryptFinal_ex(cx, plain + l1, &l2)) {
		/* 8 random, 2 size, then a b p n G d Q, each 2+len */
		n = 10;
		for (i = 0; i < 5 && n + 2 <= (size_t)l1; i++)
			n += 2 + ((plain[n] << 8) | plain[n + 1]);
		if (n + 2 <= (size_t)l1) {
			size_t dl = (plain[n] << 8) | plain[n + 1];

			if (dl <= 32 && n + 2 + dl <= (size_t)l1) {
				memset(d, 0, 32);
				memcpy(d + 32 - dl, plain + n + 2, dl);
				ok = true;
			}
		}
	}
	EVP_CIPHER_CTX_free(cx);
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(kenc, sizeof(kenc));
	return ok;
}

static int do_wrap(unsigned long cmd, uint8_t key, void *blob, size_t len,
		   struct schsm_wrap *w)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->key_id = key;
	w->blob = ubuf(blob, len);
	return xioctl(cmd, w);
}

static void test_wrap(void)
{
	static uint8_t blob[8192];
	uint8_t kcv[8], out[64];
	struct schsm_keygen k;
	struct schsm_wrap w;
	struct schsm_file f;
	struct schsm_crypt c;
	size_t blen;
	int ret;

	ret = do_wrap(SCHSM_IOC_KEY_WRAP, rsa_id, blob, sizeof(blob), &w);
	blen = w.blob.len;
	tap_ok(!ret && w.sw == SCHSM_SW_OK && blen > 100,
	       "KEY_WRAP RSA key -> 9000, %zu-byte blob (ret %d sw %04x)", blen,
	       ret, w.sw);
	tap_ok(openssl_kcv(dkek, kcv) && !memcmp(blob, kcv, 8),
	       "blob starts with the DKEK's KCV");
	ret = do_wrap(SCHSM_IOC_KEY_WRAP, rsa_id, out, 8, &w);
	tap_ok(ret == -EMSGSIZE && w.blob.len == blen,
	       "KEY_WRAP into 8 bytes -> EMSGSIZE with the size needed");
	ret = do_file(SCHSM_IOC_FILE_DELETE, 0xcc00 | rsa_id, 0, NULL, 0, &f);
	tap_ok(!ret && f.sw == SCHSM_SW_OK && !key_listed(rsa_id),
	       "FILE_DELETE the RSA key");
	ret = do_crypt(SCHSM_IOC_SIGN, rsa_id, SCHSM_ALG_RSA_PKCS1_SHA256, msg,
		       sizeof(msg), out, sizeof(out), &c);
	tap_ok(!ret && c.sw != SCHSM_SW_OK, "SIGN with the deleted key refused");
	ret = do_wrap(SCHSM_IOC_KEY_UNWRAP, rsa_id, blob, blen, &w);
	tap_ok(!ret && w.sw == SCHSM_SW_OK && key_listed(rsa_id),
	       "KEY_UNWRAP restores the key (sw %04x)", w.sw);
	sign_and_verify(rsa_id, rsa_pub, true, "unwrapped key, original public key");
	blob[blen - 1] ^= 1;
	ret = do_wrap(SCHSM_IOC_KEY_UNWRAP, 77, blob, blen, &w);
	tap_ok(!ret && w.sw != SCHSM_SW_OK && !key_listed(77),
	       "KEY_UNWRAP of a corrupted blob refused, no key made (sw %04x)",
	       w.sw);
	ret = do_wrap(SCHSM_IOC_KEY_UNWRAP, 77, blob, 0, &w);
	tap_ok(ret == -EINVAL, "KEY_UNWRAP empty blob -> EINVAL");

	/* a custodian key for the PKA tests: made here, private part via
	 * the DKEK blob, so that openssl can sign with it later */
	ret = do_keygen(&k, SCHSM_KEY_EC, 0, cust_req, sizeof(cust_req));
	cust_req_len = k.request.len;
	if (!ret && k.sw == SCHSM_SW_OK) {
		ret = do_wrap(SCHSM_IOC_KEY_WRAP, k.key_id, blob, sizeof(blob),
			      &w);
		cust_ok = !ret && w.sw == SCHSM_SW_OK &&
			  blob_ec_private(blob, w.blob.len, cust_d);
	}
	tap_ok(cust_ok, "custodian key generated and its private part recovered");
}

/* ---- files ------------------------------------------------------------------- */

static void test_files(void)
{
	static uint8_t data[1500], back[4096];
	struct schsm_enum e;
	struct schsm_file f;
	unsigned int i;
	bool found;
	int ret;

	RAND_bytes(data, sizeof(data));
	ret = do_file(SCHSM_IOC_FILE_WRITE, 0xcf01, 0, data, sizeof(data), &f);
	tap_ok(!ret && f.sw == SCHSM_SW_OK,
	       "FILE_WRITE 1500 bytes to CF01 (chunked) -> 9000 (ret %d sw %04x)",
	       ret, f.sw);
	ret = do_file(SCHSM_IOC_FILE_READ, 0xcf01, 0, back, sizeof(back), &f);
	tap_ok(!ret && f.sw == SCHSM_SW_OK && f.data.len == sizeof(data) &&
	       !memcmp(back, data, sizeof(data)),
	       "FILE_READ CF01 returns the same 1500 bytes (len %u)", f.data.len);
	ret = do_file(SCHSM_IOC_FILE_READ, 0xcf01, 1000, back, sizeof(back), &f);
	tap_ok(!ret && f.data.len == 500 && !memcmp(back, data + 1000, 500),
	       "FILE_READ from offset 1000 returns the last 500 bytes");
	ret = do_file(SCHSM_IOC_FILE_READ, 0xcf01, 1500, back, sizeof(back), &f);
	tap_ok(!ret && f.data.len == 0,
	       "FILE_READ at the end of the file: empty (sw %04x len %u)", f.sw,
	       f.data.len);
	ret = do_file(SCHSM_IOC_FILE_READ, 0xcf01, 0, back, 100, &f);
	tap_ok(ret == -EMSGSIZE && f.data.len == sizeof(data),
	       "FILE_READ into 100 bytes -> EMSGSIZE, len 1500 needed");
	ret = do_file(SCHSM_IOC_FILE_WRITE, 0xcf01, 200, data, 10, &f);
	ret = ret ?: do_file(SCHSM_IOC_FILE_READ, 0xcf01, 200, back,
			     sizeof(back), &f);
	tap_ok(!ret && f.data.len == 1300 && !memcmp(back, data, 10) &&
	       !memcmp(back + 10, data + 210, 1290),
	       "FILE_WRITE at an offset updates in place");
	ret = do_file(SCHSM_IOC_FILE_READ, 0x2f02, 0, back, sizeof(back), &f);
	tap_ok(!ret && f.sw == SCHSM_SW_OK && back[0] == 0x7f && back[1] == 0x21,
	       "FILE_READ 2F02 returns the device CVC");

	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.fids = ubuf(back, sizeof(back));
	ret = xioctl(SCHSM_IOC_ENUM_OBJECTS, &e);
	found = false;
	for (i = 0; !ret && i + 1 < e.fids.len; i += 2)
		found |= back[i] == 0xcf && back[i + 1] == 0x01;
	tap_ok(!ret && e.sw == SCHSM_SW_OK && found && !(e.fids.len & 1),
	       "ENUM_OBJECTS lists CF01 (%u bytes)", e.fids.len);
	e.fids.len = 0;
	ret = xioctl(SCHSM_IOC_ENUM_OBJECTS, &e);
	tap_ok(ret == -EMSGSIZE && e.fids.len > 0,
	       "ENUM_OBJECTS into 0 bytes -> EMSGSIZE");

	ret = do_file(SCHSM_IOC_FILE_DELETE, 0xcf01, 0, NULL, 0, &f);
	tap_ok(!ret && f.sw == SCHSM_SW_OK, "FILE_DELETE CF01 -> 9000");
	ret = do_file(SCHSM_IOC_FILE_READ, 0xcf01, 0, back, sizeof(back), &f);
	tap_ok(!ret && f.sw == 0x6a82,
	       "FILE_READ of the deleted file -> sw 6A82 (%04x)", f.sw);
	ret = do_file(SCHSM_IOC_FILE_WRITE, 0xcf02, 0x10000, data, 1, &f);
	tap_ok(ret == -EINVAL, "FILE_WRITE offset 0x10000 -> EINVAL");
	ret = do_file(SCHSM_IOC_FILE_WRITE, 0xcf02, 0xfff0, data, 17, &f);
	tap_ok(ret == -E2BIG, "FILE_WRITE past 64 KiB -> E2BIG");
	ret = do_file(SCHSM_IOC_FILE_DELETE, 0xcf02, 0, data, 1, &f);
	tap_ok(ret == -EINVAL, "FILE_DELETE with a data buffer -> EINVAL");
}

/* ---- public key authentication --------------------------------------------- */

/* ECDSA by openssl with the custodian's private scalar: plain r || s */
static bool custodian_sign(const uint8_t *dg, uint8_t rs[64])
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = NULL, *sctx = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *key = NULL;
	uint8_t der[80];
	const uint8_t *p = der;
	size_t dlen = sizeof(der);
	ECDSA_SIG *sig = NULL;
	struct tlv pk, pt;
	BIGNUM *d;
	bool ok = false;

	d = BN_bin2bn(cust_d, 32, NULL);
	if (!bld || !d ||
	    !request_pubkey_tpl(cust_req, cust_req_len, &pk, NULL) ||
	    !tlv_find(pk.v, pk.len, 0x86, &pt))
		goto out;
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					"prime256v1", 0);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt.v,
					 pt.len);
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) <= 0)
		goto out;
	sctx = EVP_PKEY_CTX_new(key, NULL);
	if (!sctx || EVP_PKEY_sign_init(sctx) <= 0 ||
	    EVP_PKEY_sign(sctx, der, &dlen, dg, 32) <= 0)
		goto out;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	if (sig) {
		ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32) == 32 &&
		     BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32) == 32;
	}
out:
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(sctx);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return ok;
}

static int do_challenge(uint8_t *chal, size_t len, struct schsm_pka_challenge *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->challenge = ubuf(chal, len);
	return xioctl(SCHSM_IOC_PKA_CHALLENGE, c);
}

static int do_pka_auth(const struct tlv *chr, const uint8_t *rs, size_t len,
		       struct schsm_pka_auth *a)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	memcpy(a->chr, chr->v, chr->len < 32 ? chr->len : 31);
	a->signature = ubuf(rs, len);
	return xioctl(SCHSM_IOC_PKA_AUTH, a);
}

static void test_pka(void)
{
	static uint8_t ef[4096];
	uint8_t chal[8], tbs[64 + 8], dg[32], rs[64];
	struct schsm_pka_register r;
	struct schsm_pka_challenge c;
	struct schsm_pka_auth a;
	struct schsm_status s;
	struct tlv dev, dica, b1, b2, dchr, pk, cchr;
	struct schsm_file f;
	int ret;

	if (!cust_ok) {
		tap_skip_one("public key authentication: no custodian key");
		return;
	}
	ret = do_file(SCHSM_IOC_FILE_READ, 0x2f02, 0, ef, sizeof(ef), &f);
	if (ret || f.sw != SCHSM_SW_OK || !tlv_read(ef, f.data.len, &dev) ||
	    !tlv_read(ef + dev.total, f.data.len - dev.total, &dica) ||
	    !tlv_find(dev.v, dev.len, 0x7f4e, &b1) ||
	    !tlv_find(b1.v, b1.len, 0x5f20, &dchr) ||
	    !request_pubkey_tpl(cust_req, cust_req_len, &pk, &cchr)) {
		tap_ok(0, "device certificate chain from EF 2F02");
		return;
	}
	(void)b2;
	if (!init_token(SCHSM_INIT_PKA, SCHSM_OPT_RESET_RETRY, 0, 1, 1,
			"with public key authentication 1 of 1"))
		return;
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.dica_cvc = ubuf(ef + dev.total, dica.total);
	r.device_cvc = ubuf(ef, dev.total);
	r.request = ubuf(cust_req, 5);
	tap_ok(xioctl(SCHSM_IOC_PKA_REGISTER, &r) == -EINVAL,
	       "PKA_REGISTER truncated request -> EINVAL (no APDU sent)");
	r.request = ubuf(cust_req, cust_req_len);
	ret = xioctl(SCHSM_IOC_PKA_REGISTER, &r);
	tap_ok(!ret && r.sw == SCHSM_SW_OK && r.step == 3,
	       "PKA_REGISTER custodian key -> 9000 at step 3 (ret %d sw %04x step %u)",
	       ret, r.sw, r.step);
	ret = do_status(&s);
	tap_ok(!ret && s.pka_present && s.pka_total == 1 && !s.pka_missing &&
	       s.pka_required == 1 && !s.pka_authenticated &&
	       !(s.login & SCHSM_LOGIN_KEYS_USABLE),
	       "STATUS: 1 of 1 registered, none authenticated (%u/%u/%u/%u)",
	       s.pka_total, s.pka_missing, s.pka_required, s.pka_authenticated);

	tap_ok(do_challenge(chal, 7, &c) == -EINVAL,
	       "PKA_CHALLENGE of 7 bytes -> EINVAL");
	/* a wrong signature on one challenge ... */
	ret = do_challenge(chal, sizeof(chal), &c);
	tap_ok(!ret && c.sw == SCHSM_SW_OK && c.challenge.len == 8,
	       "PKA_CHALLENGE 8 bytes -> 9000");
	memcpy(tbs, dchr.v, dchr.len);
	memcpy(tbs + dchr.len, chal, 8);
	sha256(tbs, dchr.len + 8, dg);
	dg[0] ^= 0xff;		/* signs something else */
	ret = custodian_sign(dg, rs);
	ret = do_pka_auth(&cchr, rs, 64, &a);
	tap_ok(!ret && a.sw != SCHSM_SW_OK && !a.authenticated,
	       "PKA_AUTH with a wrong signature refused (sw %04x)", a.sw);
	/* ... the right one on the next */
	ret = do_challenge(chal, sizeof(chal), &c);
	memcpy(tbs + dchr.len, chal, 8);
	sha256(tbs, dchr.len + 8, dg);
	tap_ok(!ret && custodian_sign(dg, rs),
	       "openssl signs SHA-256(device CHR || challenge) as the custodian");
	ret = do_pka_auth(&cchr, rs, 64, &a);
	tap_ok(!ret && a.sw == SCHSM_SW_OK && a.authenticated == 1 &&
	       a.required == 1,
	       "PKA_AUTH -> 9000, 1 of 1 authenticated (sw %04x %u/%u)", a.sw,
	       a.authenticated, a.required);
	ret = do_status(&s);
	tap_ok(!ret && (s.login & SCHSM_LOGIN_PKA) &&
	       (s.login & SCHSM_LOGIN_KEYS_USABLE) && !(s.login & SCHSM_LOGIN_PIN),
	       "STATUS: keys usable through PKA, no PIN (login %#x)", s.login);
	ret = do_pka_auth(&cchr, rs, 63, &a);
	tap_ok(ret == -EINVAL, "PKA_AUTH odd signature length -> EINVAL");
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.signature = ubuf(rs, 64);
	tap_ok(xioctl(SCHSM_IOC_PKA_AUTH, &a) == -EINVAL,
	       "PKA_AUTH empty CHR -> EINVAL");
	tap_ok(xioctl(SCHSM_IOC_LOGOUT, NULL) == 0, "LOGOUT");
	ret = do_status(&s);
	tap_ok(!ret && !(s.login & SCHSM_LOGIN_PKA) && !s.pka_authenticated,
	       "STATUS after LOGOUT: PKA authentication gone");
}

static void test_transport_pin(void)
{
	struct schsm_status s;
	struct schsm_pin p;
	int ret;

	if (!init_token(0, SCHSM_OPT_TRANSPORT_PIN | SCHSM_OPT_RESET_RETRY, 0,
			0, 0, "with a transport PIN"))
		return;
	ret = do_login(user_pin, &p);
	tap_ok(!ret && p.sw == 0x6984,
	       "LOGIN with the transport PIN -> 6984 (sw %04x)", p.sw);
	ret = do_status(&s);
	tap_ok(!ret && s.pin_state == SCHSM_PIN_TRANSPORT,
	       "STATUS: transport PIN (state %u)", s.pin_state);
	ret = do_pin(SCHSM_IOC_CHANGE_PIN, SCHSM_PIN_REF_USER, user_pin, 6,
		     "2468024", 7, &p);
	tap_ok(!ret && p.sw == SCHSM_SW_OK,
	       "CHANGE_PIN ends transport mode -> 9000 (sw %04x)", p.sw);
	ret = do_login("2468024", &p);
	tap_ok(!ret && p.sw == SCHSM_SW_OK, "LOGIN with the new PIN -> 9000");
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/schsm0";
	int opt;

	while ((opt = getopt(argc, argv, "d:t:")) != -1) {
		if (opt == 'd')
			dev = optarg;
		else if (opt == 't')
			snprintf(tmpdir, sizeof(tmpdir), "%s", optarg);
		else
			return 2;
	}
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		printf("1..0 # SKIP %s: %s\n", dev, strerror(errno));
		printf("0 passed, 0 failed, 1 skipped\n");
		return 4;
	}
	test_abi();
	test_initialize_args();
	if (init_token(SCHSM_INIT_DKEK, SCHSM_OPT_RESET_RETRY, 2, 0, 0,
		       "with 2 DKEK shares")) {
		test_pins();
		test_dkek();
		test_keys();
		test_wrap();
		test_files();
		test_pka();
		test_transport_pin();
	}
	EVP_PKEY_free(rsa_pub);
	EVP_PKEY_free(ec_pub);
	OPENSSL_cleanse(dkek, sizeof(dkek));
	OPENSSL_cleanse(cust_d, sizeof(cust_d));
	close(fd);
	printf("1..%u\n", tap_n);
	return tap_done();
}
