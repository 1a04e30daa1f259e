// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: Shamir secret sharing of DKEK share passwords (OpenSSL BN). */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "shamir.h"
#include "util.h"

/* y = f(x) mod p, Horner's rule over coefficients c[0..t-1] */
static int poly_eval(BIGNUM *const *c, unsigned int t, const BIGNUM *x,
		     const BIGNUM *p, BIGNUM *y, BN_CTX *ctx)
{
	unsigned int i = t;

	if (!BN_copy(y, c[--i]))
		return -1;
	while (i--) {
		if (!BN_mod_mul(y, y, x, p, ctx) || !BN_mod_add(y, y, c[i], p, ctx))
			return -1;
	}
	return 0;
}

static int export_bn(const BIGNUM *v, uint8_t *out, size_t *len)
{
	int n = BN_num_bytes(v);

	if (n <= 0 || n > SHAMIR_MAX_BYTES)
		return -1;
	*len = (size_t)BN_bn2bin(v, out);
	return 0;
}

static int make_secret(uint8_t s[SHAMIR_SECRET_LEN])
{
	do {
		if (RAND_priv_bytes(s, SHAMIR_SECRET_LEN) != 1)
			return -1;
		s[0] &= 0x7f;
	} while (s[0] == 0);
	return 0;
}

int shamir_split(unsigned int t, unsigned int n, uint8_t secret[SHAMIR_SECRET_LEN],
		 struct shamir_set *out)
{
	BIGNUM *c[SHAMIR_MAX_SHARES] = { NULL };
	BIGNUM *p = NULL, *x = NULL, *y = NULL;
	BN_CTX *ctx = NULL;
	unsigned int i;
	int ret = -1;

	if (t < 2 || n < 3 || t > n || n > SHAMIR_MAX_SHARES)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	ctx = BN_CTX_secure_new();
	p = BN_new();
	x = BN_new();
	y = BN_secure_new();
	if (!ctx || !p || !x || !y || make_secret(secret))
		goto out;
	/* a 64-bit prime is > 2^63 > secret; safe prime as sc-hsm-tool uses */
	if (!BN_generate_prime_ex2(p, 64, 1, NULL, NULL, NULL, ctx))
		goto out;
	for (i = 0; i < t; i++) {
		c[i] = BN_secure_new();
		if (!c[i])
			goto out;
	}
	if (!BN_bin2bn(secret, SHAMIR_SECRET_LEN, c[0]))
		goto out;
	for (i = 1; i < t; i++)
		if (!BN_priv_rand_range(c[i], p))
			goto out;
	if (export_bn(p, out->prime, &out->prime_len))
		goto out;
	for (i = 0; i < n; i++) {
		if (!BN_set_word(x, i + 1) || poly_eval(c, t, x, p, y, ctx))
			goto out;
		out->share[i].id = i + 1;
		/* a zero share value would print as nothing; astronomically rare */
		if (BN_is_zero(y) || export_bn(y, out->share[i].value, &out->share[i].len))
			goto out;
	}
	out->n = n;
	ret = 0;
out:
	for (i = 0; i < SHAMIR_MAX_SHARES; i++)
		BN_clear_free(c[i]);
	BN_free(p);
	BN_free(x);
	BN_clear_free(y);
	BN_CTX_free(ctx);
	if (ret) {
		OPENSSL_cleanse(secret, SHAMIR_SECRET_LEN);
		shamir_clear(out);
	}
	return ret;
}

static int check_shares(const struct shamir_share *s, unsigned int k)
{
	unsigned int i, j;

	if (k < 2 || k > SHAMIR_MAX_SHARES)
		return -EINVAL;
	for (i = 0; i < k; i++) {
		if (!s[i].id || !s[i].len || s[i].len > SHAMIR_MAX_BYTES)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (s[i].id == s[j].id)
				return -EINVAL;
	}
	return 0;
}

/* secret = sum_i y_i * prod_{j!=i} x_j / (x_j - x_i)  mod p */
int shamir_combine(const uint8_t *prime, size_t prime_len,
		   const struct shamir_share *shares, unsigned int k,
		   uint8_t secret[SHAMIR_MAX_BYTES], size_t *len)
{
	BIGNUM *p, *s, *num, *den, *t, *xi, *xj, *y;
	BN_CTX *ctx;
	unsigned int i, j;
	int ret = check_shares(shares, k);

	if (ret)
		return ret;
	if (!prime_len || prime_len > SHAMIR_MAX_BYTES)
		return -EINVAL;
	ret = -1;
	ctx = BN_CTX_secure_new();
	if (!ctx)
		return -1;
	BN_CTX_start(ctx);
	p = BN_CTX_get(ctx);
	s = BN_CTX_get(ctx);
	num = BN_CTX_get(ctx);
	den = BN_CTX_get(ctx);
	t = BN_CTX_get(ctx);
	xi = BN_CTX_get(ctx);
	xj = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	if (!y || !BN_bin2bn(prime, (int)prime_len, p) || BN_is_zero(p))
		goto out;
	ret = -EINVAL;
	if (BN_cmp(p, BN_value_one()) <= 0)	/* p must exceed every id */
		goto out;
	BN_zero(s);
	for (i = 0; i < k; i++) {
		if (!BN_set_word(xi, shares[i].id) ||
		    !BN_bin2bn(shares[i].value, (int)shares[i].len, y))
			goto err_ssl;
		if (BN_cmp(xi, p) >= 0 || BN_cmp(y, p) >= 0)
			goto out;
		BN_one(num);
		BN_one(den);
		for (j = 0; j < k; j++) {
			if (j == i)
				continue;
			if (!BN_set_word(xj, shares[j].id) ||
			    !BN_mod_mul(num, num, xj, p, ctx) ||
			    !BN_mod_sub(t, xj, xi, p, ctx) ||
			    !BN_mod_mul(den, den, t, p, ctx))
				goto err_ssl;
		}
		/* p prime and ids distinct below p: den is invertible */
		if (!BN_mod_inverse(den, den, p, ctx))
			goto out;
		if (!BN_mod_mul(t, num, den, p, ctx) ||
		    !BN_mod_mul(t, t, y, p, ctx) ||
		    !BN_mod_add(s, s, t, p, ctx))
			goto err_ssl;
	}
	if (BN_is_zero(s) || BN_num_bytes(s) > SHAMIR_MAX_BYTES)
		goto out;
	*len = (size_t)BN_bn2bin(s, secret);
	ret = 0;
	goto out;
err_ssl:
	ret = -1;
out:
	BN_CTX_end(ctx);	/* secure context: its BIGNUMs are cleared */
	BN_CTX_free(ctx);
	return ret;
}

void shamir_clear(struct shamir_set *set)
{
	OPENSSL_cleanse(set, sizeof(*set));
}

/* Skip "Label :" as sc-hsm-tool prints it; the label is letters and blanks. */
static const char *skip_label(const char *line)
{
	const char *p = line;
	int label = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
		return p;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == ' ') {
		if (!isxdigit((unsigned char)*p) && *p != ' ')
			label = 1;
		p++;
	}
	/* "ab:cd:.." is a value: a label has a letter that is no hex digit */
	if (*p != ':' || !label)
		return line;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int shamir_parse_value(const char *line, uint8_t out[SHAMIR_MAX_BYTES], size_t *len)
{
	int n = hex_decode(skip_label(line), out, SHAMIR_MAX_BYTES);

	if (n <= 0)
		return -EINVAL;
	*len = (size_t)n;
	return 0;
}

int shamir_parse_id(const char *line, unsigned int *id)
{
	char buf[16];
	const char *p = skip_label(line);
	size_t n = strcspn(p, " \t\r\n");

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return parse_uint(buf, 1, 255, id) ? -EINVAL : 0;
}
