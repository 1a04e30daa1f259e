// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl library: seal a volume key to a token's RSA key (software
 * encryption with the public key) and unseal it through the driver.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "seal.h"

int seal_pubkey_fingerprint(EVP_PKEY *pub, uint8_t out[32])
{
	unsigned char *der = NULL;
	int n, ok;

	n = i2d_PUBKEY(pub, &der);
	if (n <= 0)
		return -EINVAL;
	ok = EVP_Digest(der, (size_t)n, out, NULL, EVP_sha256(), NULL);
	OPENSSL_free(der);
	return ok ? 0 : -EPROTO;
}

static int rsa_encrypt(EVP_PKEY *pub, const uint8_t *in, size_t inlen,
		       uint8_t *out, size_t *outlen)
{
	EVP_PKEY_CTX *ctx;
	int ok = 0;

	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	if (!ctx)
		return -ENOMEM;
	if (EVP_PKEY_encrypt_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0)
		ok = EVP_PKEY_encrypt(ctx, out, outlen, in, inlen) > 0;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -EPROTO;
}

int seal_new_key(EVP_PKEY *pub, uint8_t key_id, const char *serial,
		 unsigned int key_len, struct sealed_key *out)
{
	uint8_t vk[SEAL_MAX_KEY];
	size_t clen;
	int bytes, err;

	if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA)
		return -EOPNOTSUPP;
	bytes = EVP_PKEY_get_size(pub);
	/* PKCS#1 v1.5 type 2 needs 11 bytes of padding */
	if (key_len < SEAL_MIN_KEY || key_len > SEAL_MAX_KEY || !key_id ||
	    bytes <= 0 || bytes > SEAL_MAX_CRYPTOGRAM || (unsigned int)bytes < key_len + 11)
		return -EINVAL;
	if (serial && strlen(serial) >= sizeof(out->serial))
		return -ENAMETOOLONG;

	memset(out, 0, sizeof(*out));
	out->version = SEAL_VERSION;
	out->algorithm = SEAL_ALG_RSA_PKCS1;
	out->key_id = key_id;
	out->key_len = (uint8_t)key_len;
	if (serial)
		strcpy(out->serial, serial);
	err = seal_pubkey_fingerprint(pub, out->pub_sha256);
	if (err)
		return err;

	if (RAND_priv_bytes(vk, (int)key_len) != 1)
		return -EIO;
	clen = sizeof(out->cryptogram);
	err = rsa_encrypt(pub, vk, key_len, out->cryptogram, &clen);
	OPENSSL_cleanse(vk, sizeof(vk));
	if (err)
		return err;
	if (clen != (size_t)bytes)
		return -EPROTO;
	out->cryptogram_len = (uint16_t)clen;
	return 0;
}

int seal_encode(const struct sealed_key *s, uint8_t *buf, size_t cap, size_t *len)
{
	size_t total = SEAL_HDR_LEN + (size_t)s->cryptogram_len;

	if (s->cryptogram_len > SEAL_MAX_CRYPTOGRAM)
		return -EINVAL;
	if (cap < total)
		return -EMSGSIZE;
	memset(buf, 0, SEAL_HDR_LEN);
	memcpy(buf, SEAL_MAGIC, 8);
	buf[8] = s->version;
	buf[9] = s->algorithm;
	buf[10] = s->key_id;
	buf[11] = s->key_len;
	memcpy(buf + 12, s->pub_sha256, 32);
	memcpy(buf + 44, s->serial, strnlen(s->serial, 32));
	buf[78] = (uint8_t)(s->cryptogram_len >> 8);
	buf[79] = (uint8_t)s->cryptogram_len;
	memcpy(buf + SEAL_HDR_LEN, s->cryptogram, s->cryptogram_len);
	*len = total;
	return 0;
}

static int serial_valid(const uint8_t *p)
{
	size_t n = strnlen((const char *)p, 32), i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return 0;
	for (; i < 32; i++)	/* NUL padding only */
		if (p[i])
			return 0;
	return 1;
}

int seal_decode(const uint8_t *buf, size_t len, struct sealed_key *s)
{
	size_t clen;

	if (len < SEAL_HDR_LEN || memcmp(buf, SEAL_MAGIC, 8))
		return -EBADMSG;
	if (buf[8] != SEAL_VERSION)
		return -EPROTONOSUPPORT;
	clen = (size_t)buf[78] << 8 | buf[79];
	if (buf[9] != SEAL_ALG_RSA_PKCS1 || !buf[10] ||
	    buf[11] < SEAL_MIN_KEY || buf[11] > SEAL_MAX_KEY ||
	    buf[76] || buf[77] || !serial_valid(buf + 44) ||
	    clen < 64 || clen > SEAL_MAX_CRYPTOGRAM || len != SEAL_HDR_LEN + clen)
		return -EBADMSG;

	memset(s, 0, sizeof(*s));
	s->version = buf[8];
	s->algorithm = buf[9];
	s->key_id = buf[10];
	s->key_len = buf[11];
	memcpy(s->pub_sha256, buf + 12, 32);
	memcpy(s->serial, buf + 44, 32);
	s->cryptogram_len = (uint16_t)clen;
	memcpy(s->cryptogram, buf + SEAL_HDR_LEN, clen);
	return 0;
}

int seal_name_valid(const char *name)
{
	size_t n = strlen(name), i;

	if (!n || n >= SCHSM_MAX_NAME)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int seal_unseal(struct schsm_dev *dev, const struct sealed_key *s,
		const char *name, int32_t keyring, int32_t *serial, uint16_t *sw)
{
	struct schsm_unseal u;
	int err;

	if (!seal_name_valid(name) || s->algorithm != SEAL_ALG_RSA_PKCS1)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	u.key_id = s->key_id;
	u.algorithm = SCHSM_ALG_RSA_DECRYPT_RAW;
	u.keyring = keyring;
	u.cryptogram.ptr = (uintptr_t)s->cryptogram;
	u.cryptogram.len = s->cryptogram_len;
	strcpy(u.name, name);
	err = schsm_unseal(dev, &u);
	if (err)
		return err;
	*sw = u.sw;
	*serial = u.key_serial;
	return 0;
}
