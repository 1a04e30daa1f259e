// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: DKEK share files and their 10,000,000-round MD5 KDF. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "dkek.h"

static const uint8_t magic[8] = "Salted__";

/*
 * One MD5 block of EVP_BytesToKey: D = MD5(prev || pwd || salt), then
 * D = MD5(D) rounds-1 times.  The inner loop restores a pristine context
 * by copy instead of re-initialising through the provider table.
 */
static int kdf_block(EVP_MD_CTX *ctx, const EVP_MD_CTX *fresh,
		     const uint8_t *prev, const uint8_t *pwd, size_t pwdlen,
		     const uint8_t *salt, unsigned long rounds, uint8_t d[16])
{
	unsigned int len;
	unsigned long i;

	if (!EVP_MD_CTX_copy_ex(ctx, fresh) ||
	    (prev && !EVP_DigestUpdate(ctx, prev, 16)) ||
	    !EVP_DigestUpdate(ctx, pwd, pwdlen) ||
	    !EVP_DigestUpdate(ctx, salt, DKEK_SALT_LEN) ||
	    !EVP_DigestFinal_ex(ctx, d, &len))
		return -1;
	for (i = 1; i < rounds; i++) {
		if (!EVP_MD_CTX_copy_ex(ctx, fresh) ||
		    !EVP_DigestUpdate(ctx, d, 16) ||
		    !EVP_DigestFinal_ex(ctx, d, &len))
			return -1;
	}
	return 0;
}

int dkek_kdf(const uint8_t *pwd, size_t pwdlen, const uint8_t salt[DKEK_SALT_LEN],
	     unsigned long rounds, uint8_t key[32], uint8_t iv[16])
{
	EVP_MD_CTX *ctx = NULL, *fresh = NULL;
	EVP_MD *md;
	uint8_t d[3][16];
	int ret = -1;

	if (!rounds)
		return -1;
	md = EVP_MD_fetch(NULL, "MD5", NULL);
	ctx = EVP_MD_CTX_new();
	fresh = EVP_MD_CTX_new();
	if (!md || !ctx || !fresh || !EVP_DigestInit_ex2(fresh, md, NULL))
		goto out;
	if (kdf_block(ctx, fresh, NULL, pwd, pwdlen, salt, rounds, d[0]) ||
	    kdf_block(ctx, fresh, d[0], pwd, pwdlen, salt, rounds, d[1]) ||
	    kdf_block(ctx, fresh, d[1], pwd, pwdlen, salt, rounds, d[2]))
		goto out;
	memcpy(key, d[0], 16);
	memcpy(key + 16, d[1], 16);
	memcpy(iv, d[2], 16);
	ret = 0;
out:
	OPENSSL_cleanse(d, sizeof(d));
	EVP_MD_CTX_free(ctx);	/* EVP_MD_CTX_free cleanses the state */
	EVP_MD_CTX_free(fresh);
	EVP_MD_free(md);
	return ret;
}

static int aes_cbc(int enc, const uint8_t key[32], const uint8_t iv[16],
		   const uint8_t *in, uint8_t *out, size_t len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl, ok;

	if (!c)
		return -1;
	/* padding is handled by the callers: the format fixes it */
	ok = EVP_CipherInit_ex2(c, EVP_aes_256_cbc(), key, iv, enc, NULL) &&
	     EVP_CIPHER_CTX_set_padding(c, 0) &&
	     EVP_CipherUpdate(c, out, &outl, in, (int)len) && (size_t)outl == len;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

int dkek_share_seal(const uint8_t share[DKEK_SHARE_LEN], const uint8_t *pwd,
		    size_t pwdlen, const uint8_t salt[DKEK_SALT_LEN],
		    uint8_t file[DKEK_FILE_LEN])
{
	uint8_t key[32], iv[16], plain[48];
	int ret;

	memcpy(plain, share, DKEK_SHARE_LEN);
	memset(plain + DKEK_SHARE_LEN, 0x10, 16);	/* one full PKCS#7 block */
	ret = dkek_kdf(pwd, pwdlen, salt, DKEK_KDF_ROUNDS, key, iv);
	if (!ret)
		ret = aes_cbc(1, key, iv, plain, file + 16, sizeof(plain));
	if (!ret) {
		memcpy(file, magic, sizeof(magic));
		memcpy(file + 8, salt, DKEK_SALT_LEN);
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(iv, sizeof(iv));
	OPENSSL_cleanse(plain, sizeof(plain));
	return ret;
}

int dkek_share_check(const uint8_t *file, size_t len)
{
	if (len != DKEK_FILE_LEN || memcmp(file, magic, sizeof(magic)))
		return -EBADMSG;
	return 0;
}

int dkek_share_open(const uint8_t *file, size_t len, const uint8_t *pwd,
		    size_t pwdlen, uint8_t share[DKEK_SHARE_LEN])
{
	static const uint8_t pad[16] = {
		16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	};
	uint8_t key[32], iv[16], plain[48];
	int ret;

	if (dkek_share_check(file, len))
		return -EBADMSG;
	ret = dkek_kdf(pwd, pwdlen, file + 8, DKEK_KDF_ROUNDS, key, iv);
	if (!ret)
		ret = aes_cbc(0, key, iv, file + 16, plain, sizeof(plain));
	/* a wrong key passes a one-byte PKCS#7 check 1 time in 256: check all 16 */
	if (!ret && CRYPTO_memcmp(plain + DKEK_SHARE_LEN, pad, sizeof(pad)))
		ret = -EKEYREJECTED;
	if (!ret)
		memcpy(share, plain, DKEK_SHARE_LEN);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(iv, sizeof(iv));
	OPENSSL_cleanse(plain, sizeof(plain));
	return ret;
}

int dkek_kcv(const uint8_t dkek[DKEK_SHARE_LEN], uint8_t kcv[DKEK_KCV_LEN])
{
	uint8_t h[32];
	unsigned int len;

	if (!EVP_Digest(dkek, DKEK_SHARE_LEN, h, &len, EVP_sha256(), NULL))
		return -1;
	memcpy(kcv, h, DKEK_KCV_LEN);
	OPENSSL_cleanse(h, sizeof(h));
	return 0;
}
