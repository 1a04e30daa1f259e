// SPDX-License-Identifier: GPL-2.0
/*
 * SCHSM_IOC_UNSEAL: the token deciphers a volume key; the plaintext goes
 * straight into a "logon" key (no ->read, so it never returns to
 * userspace) that dm-crypt can name as :<len>:logon:schsm:<name>.
 */
#define pr_fmt(fmt) "schsm: " fmt

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <keys/user-type.h>
#include "include/uapi/linux/schsm.h"
#include "schsm.h"
#include "card_priv.h"

/* without branches on the values: all ones if a == b, else 0 */
static unsigned int ct_eq(unsigned int a, unsigned int b)
{
	unsigned int x = a ^ b;

	return ((x | -x) >> (sizeof(x) * 8 - 1)) - 1;
}

/*
 * EME-PKCS1-v1_5: 00 02 PS(>= 8 nonzero) 00 M.  The scan touches every
 * byte and branches only on the final verdict, so the position of the
 * separator does not show in the timing (Bleichenbacher).
 */
int schsm_pkcs1_unpad_type2(const u8 *block, size_t len)
{
	unsigned int good, looking = ~0U, sep = 0, z, i;

	if (len < 11 || len > SCHSM_MAX_SIG)
		return -EBADMSG;
	good = ct_eq(block[0], 0) & ct_eq(block[1], 2);
	for (i = 2; i < len; i++) {
		z = ct_eq(block[i], 0);
		sep |= i & looking & z;
		looking &= ~z;
	}
	good &= ~looking;
	/* PS at least 8 bytes: separator at index >= 10 */
	good &= ~(0U - ((sep - 10) >> (sizeof(sep) * 8 - 1)));
	if (!good)
		return -EBADMSG;
	return sep + 1;
}

static int unseal_name_check(const char *name, size_t size, size_t *len)
{
	const char *z = memchr(name, 0, size);
	size_t i;

	if (!z || z == name || memchr_inv(z, 0, size - (z - name)))
		return -EINVAL;
	*len = z - name;
	for (i = 0; i < *len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return -EINVAL;
	}
	return 0;
}

/* the card's answer: plaintext block; create the logon key from it */
static int unseal_to_key(key_ref_t keyring, const char *name, const u8 *block,
			 size_t len, s32 *serial)
{
	char desc[sizeof("schsm:") + SCHSM_MAX_NAME];
	key_ref_t kref;
	int off;

	off = schsm_pkcs1_unpad_type2(block, len);
	if (off < 0)
		return off;
	if ((size_t)off >= len)
		return -EBADMSG;	/* empty volume key */
	snprintf(desc, sizeof(desc), "schsm:%s", name);
	kref = key_create_or_update(keyring, "logon", desc, block + off,
				    len - off,
				    KEY_POS_VIEW | KEY_POS_SEARCH |
				    KEY_POS_LINK | KEY_POS_SETATTR |
				    KEY_USR_VIEW,
				    KEY_ALLOC_IN_QUOTA);
	if (IS_ERR(kref))
		return PTR_ERR(kref);
	*serial = key_ref_to_ptr(kref)->serial;
	key_ref_put(kref);
	return 0;
}

int schsm_unseal(struct schsm_chip *chip, struct schsm_unseal *req)
{
	size_t name_len, out_len = 0;
	key_ref_t keyring;
	u8 *crypt, *plain;
	int ret;

	if (req->flags || req->pad0 ||
	    memchr_inv(req->reserved, 0, sizeof(req->reserved)) ||
	    req->cryptogram.reserved ||
	    req->algorithm != SCHSM_ALG_RSA_DECRYPT_RAW ||
	    unseal_name_check(req->name, sizeof(req->name), &name_len))
		return -EINVAL;
	if (req->cryptogram.len < 11 || req->cryptogram.len > SCHSM_MAX_SIG)
		return -EINVAL;
	req->sw = 0;
	req->key_serial = 0;

	/* the caller must be allowed to write to the keyring */
	keyring = lookup_user_key(req->keyring, KEY_LOOKUP_CREATE,
				  KEY_NEED_WRITE);
	if (IS_ERR(keyring))
		return PTR_ERR(keyring);
	crypt = memdup_user(u64_to_user_ptr(req->cryptogram.ptr),
			    req->cryptogram.len);
	if (IS_ERR(crypt)) {
		ret = PTR_ERR(crypt);
		goto out_keyring;
	}
	plain = kmalloc(SCHSM_MAX_SIG, GFP_KERNEL);
	if (!plain) {
		ret = -ENOMEM;
		goto out_crypt;
	}
	ret = schsm_try_get_ops(chip);
	if (ret)
		goto out_plain;
	if (schsm_card_ready(chip))
		ret = schsm_card_decipher(chip, req->key_id, req->algorithm,
					  crypt, req->cryptogram.len, plain,
					  SCHSM_MAX_SIG, &out_len, &req->sw);
	else
		ret = -ENXIO;
	schsm_put_ops(chip);
	if (!ret && req->sw == SCHSM_SW_OK)
		ret = unseal_to_key(keyring, req->name, plain, out_len,
				    &req->key_serial);
out_plain:
	kfree_sensitive(plain);
out_crypt:
	kfree(crypt);
out_keyring:
	key_ref_put(keyring);
	return ret;
}
