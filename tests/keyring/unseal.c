// SPDX-License-Identifier: GPL-2.0
/*
 * tests/keyring/unseal.c: UNSEAL (kernel/unseal.c) turns a cryptogram made
 * by openssl into a logon key schsm:NAME; dm-crypt judges the volume key
 * (a mapping keyed by the logon key and one keyed by the plaintext read the
 * same data), the kernel judges the errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "../common/tap.h"
#include "../common/token.h"
#include "keytest.h"

static int do_unseal(uint8_t key, uint8_t alg, const void *c, size_t len,
		     const char *name, struct schsm_unseal *u)
{
	memset(u, 0, sizeof(*u));
	u->size = sizeof(*u);
	u->key_id = key;
	u->algorithm = alg;
	u->keyring = KEY_SPEC_SESSION_KEYRING;
	u->cryptogram = ubuf(c, len);
	snprintf(u->name, sizeof(u->name), "%s", name);
	return xioctl(SCHSM_IOC_UNSEAL, u);
}

/* dm-crypt with the logon key, then with the secret as a raw key: same data */
static void test_dmcrypt(const uint8_t sec[32])
{
	char hex[65], loop[64] = "";
	FILE *p;
	int i;

	if (sh("command -v dmsetup >/dev/null && modprobe dm-crypt 2>/dev/null; "
	       "test -e /dev/mapper/control") != 0) {
		tap_skip_one("dm-crypt: no dmsetup or dm-crypt in this guest");
		return;
	}
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", sec[i]);
	sh("modprobe loop 2>/dev/null; rm -f /tmp/schsm-dm.img; "
	   "truncate -s 4M /tmp/schsm-dm.img");
	p = popen("losetup -f --show /tmp/schsm-dm.img 2>/dev/null || "
		  "{ modprobe brd rd_nr=1 rd_size=4096 && echo /dev/ram0; }", "r");
	if (p) {
		if (!fgets(loop, sizeof(loop), p))
			loop[0] = 0;
		pclose(p);
	}
	strtok(loop, "\n");
	if (!loop[0]) {
		tap_skip_one("dm-crypt: neither a loop device nor a ramdisk");
		return;
	}
	tap_ok(sh("dd if=/dev/urandom of=/tmp/schsm-plain bs=4096 count=1 2>/dev/null && "
		  "dmsetup create schsm-logon --table '0 8192 crypt aes-cbc-plain64 "
		  ":32:logon:schsm:vol1 0 %s 0' && dmsetup mknodes schsm-logon && "
		  "dd if=/tmp/schsm-plain of=/dev/mapper/schsm-logon bs=4096 count=1 "
		  "oflag=direct 2>/dev/null; r=$?; dmsetup remove schsm-logon; "
		  "exit $r", loop) == 0,
	       "dm-crypt mapping with :32:logon:schsm:vol1, data written");
	tap_ok(sh("dmsetup create schsm-raw --table '0 8192 crypt aes-cbc-plain64 "
		  "%s 0 %s 0' && dmsetup mknodes schsm-raw && "
		  "dd if=/dev/mapper/schsm-raw of=/tmp/schsm-back "
		  "bs=4096 count=1 iflag=direct 2>/dev/null; dmsetup remove schsm-raw; "
		  "cmp -s /tmp/schsm-plain /tmp/schsm-back", hex, loop) == 0,
	       "the same data reads back through a mapping keyed with the plaintext");
	sh("losetup -d %s 2>/dev/null; rm -f /tmp/schsm-dm.img /tmp/schsm-plain "
	   "/tmp/schsm-back", loop);
	OPENSSL_cleanse(hex, sizeof(hex));
}

void test_unseal(const struct tkey *k)
{
	uint8_t sec[32], enc[256], junk[256], buf[64];
	struct schsm_unseal u;
	size_t elen;
	key_serial_t found;
	int ret;

	elen = ossl_rsa_encrypt_random(k->pub, sec, sizeof(sec), enc, sizeof(enc));
	ret = do_unseal(k->id, SCHSM_ALG_RSA_DECRYPT_RAW, enc, elen, "vol1", &u);
	tap_ok(!ret && u.sw == SCHSM_SW_OK && u.key_serial > 0,
	       "UNSEAL openssl's cryptogram -> logon key %d (ret %d sw %04x)",
	       u.key_serial, ret, u.sw);
	found = keyctl_search(KEY_SPEC_SESSION_KEYRING, "logon", "schsm:vol1", 0);
	tap_ok(found == u.key_serial, "logon key schsm:vol1 in the session keyring");
	tap_ok(keyctl_read(u.key_serial, (char *)buf, sizeof(buf)) < 0 &&
	       errno == EOPNOTSUPP,
	       "the plaintext cannot be read back (logon: %s)", strerror(errno));
	test_dmcrypt(sec);

	tap_ok(do_unseal(k->id, SCHSM_ALG_RSA_DECRYPT_RAW, enc, elen, "a/b", &u) ==
	       -EINVAL, "UNSEAL name with '/' -> EINVAL");
	tap_ok(do_unseal(k->id, SCHSM_ALG_RSA_RAW, enc, elen, "v", &u) == -EINVAL,
	       "UNSEAL algorithm 20 -> EINVAL");
	tap_ok(do_unseal(k->id, SCHSM_ALG_RSA_DECRYPT_RAW, enc, 5, "v", &u) ==
	       -EINVAL, "UNSEAL 5-byte cryptogram -> EINVAL");
	RAND_bytes(junk, sizeof(junk));
	junk[0] = 0;
	ret = do_unseal(k->id, SCHSM_ALG_RSA_DECRYPT_RAW, junk, 256, "junk", &u);
	tap_ok(ret == -EBADMSG &&
	       keyctl_search(KEY_SPEC_SESSION_KEYRING, "logon", "schsm:junk", 0) < 0,
	       "UNSEAL of a cryptogram without PKCS#1 padding -> EBADMSG, no key (%d)",
	       ret);
	login(false);
	ret = do_unseal(k->id, SCHSM_ALG_RSA_DECRYPT_RAW, enc, elen, "vol2", &u);
	tap_ok(!ret && u.sw == 0x6982 && u.key_serial == 0,
	       "UNSEAL logged out -> sw 6982, no key (sw %04x)", u.sw);
	login(true);
	OPENSSL_cleanse(sec, sizeof(sec));
}

