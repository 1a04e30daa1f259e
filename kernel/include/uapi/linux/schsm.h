/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * schsm - SmartCard-HSM / Nitrokey HSM driver: userspace ABI of /dev/schsmN.
 *
 * Rules (Documentation/driver-api/ioctl.rst, botching-up-ioctls.rst):
 *  - every argument struct starts with __u32 size (the caller's sizeof) and
 *    __u32 flags; the kernel accepts a size from SCHSM_SIZE_VER0 of the
 *    struct up to any larger value whose extra bytes are zero
 *    (copy_struct_from_user semantics), so structs may grow at the end;
 *  - flags and every field named reserved or pad must be zero (-EINVAL);
 *  - pointers are __u64 (u64_to_user_ptr in the kernel, (uintptr_t) here);
 *  - structs are naturally aligned, explicitly padded, multiples of 8 bytes,
 *    so 32-bit callers use the same layout (compat_ptr_ioctl);
 *  - unknown commands return -ENOTTY.
 *
 * Buffers: struct schsm_buf describes a user buffer.  For input, len is the
 * number of bytes to read.  For output, len is the capacity on entry and the
 * number of bytes written on return; if the result does not fit, the call
 * fails with -EMSGSIZE, len is set to the size needed and nothing is copied
 * (the card operation has happened: size output buffers with the maxima
 * below).
 *
 * Card status words never travel as errno.  Calls that talk to the card
 * return 0 when the card answered, whatever it answered, and store the
 * status word in sw; errno is for transport, argument and permission
 * failures (-ENODEV after unplug, -EIO/-EPROTO for a broken exchange,
 * -ETIMEDOUT, -EINTR/-ERESTARTSYS, -EINVAL, -EPERM, -EACCES, -EMSGSIZE).
 * Operations report card refusals as follows: sw 0x9000 success; 0x63Cx
 * wrong PIN, x tries left; 0x6983 blocked; 0x6984 transport PIN / use
 * counter exhausted; 0x6982 not authenticated; 0x6A88 / 0x6A82 not found.
 *
 * Session: the driver SELECTs the applet once after power-on or reset and
 * never again on its own.  Logging in (PIN or n-of-m public key
 * authentication) is state of the token, shared by every user of the device
 * and by keys in the kernel keyring, until SCHSM_IOC_LOGOUT, card removal,
 * unplug or reset.
 *
 * Privileges: access to /dev/schsmN is governed by its mode (udev rule);
 * SCHSM_IOC_TRANSMIT additionally needs CAP_SYS_ADMIN.
 *
 * ioctl type 0xD5 (unused in Documentation/userspace-api/ioctl/ioctl-number.rst).
 */
#ifndef _UAPI_LINUX_SCHSM_H
#define _UAPI_LINUX_SCHSM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SCHSM_IOC_MAGIC		0xD5
#define SCHSM_ABI_VERSION	1

/* Limits */
#define SCHSM_MAX_APDU		65544	/* extended command/response incl. header, Le, SW */
#define SCHSM_MAX_ATR		33
#define SCHSM_MAX_PIN		16	/* user PIN 6..16 bytes */
#define SCHSM_SO_PIN_LEN	8	/* SO-PIN: 8 binary bytes */
#define SCHSM_DKEK_SHARE_LEN	32
#define SCHSM_KCV_LEN		8
#define SCHSM_MAX_CHR		32	/* CV certificate holder reference */
#define SCHSM_MAX_KEYS		255	/* key references 1..255 (0 = device key) */
#define SCHSM_MAX_SIG		1024	/* signature / decipher output (RSA-4096 = 512) */
#define SCHSM_MAX_NAME		64	/* logon key name for unseal */

/* Status words (sw fields) */
#define SCHSM_SW_OK		0x9000

/* A user buffer */
struct schsm_buf {
	__u64 ptr;
	__u32 len;
	__u32 reserved;
};

/* ---------------------------------------------------------------------- */
/* GET_INFO: identity of the reader and token, no card I/O                 */

/* exchange level the driver uses with this reader */
#define SCHSM_LEVEL_TPDU_T1	1	/* driver speaks ISO 7816-3 T=1 */
#define SCHSM_LEVEL_APDU_SHORT	2
#define SCHSM_LEVEL_APDU_EXT	3	/* short + extended APDU level, CCID chaining */

/* slot_state bits */
#define SCHSM_SLOT_PRESENT	(1U << 0)	/* card inserted */
#define SCHSM_SLOT_POWERED	(1U << 1)	/* ATR received */
#define SCHSM_SLOT_SELECTED	(1U << 2)	/* applet selected */

struct schsm_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;	/* out: SCHSM_ABI_VERSION */
	__u16 vendor_id;	/* USB idVendor */
	__u16 product_id;	/* USB idProduct */
	__u16 bcd_device;
	__u8 level;		/* SCHSM_LEVEL_* */
	__u8 atr_len;
	__u32 slot_state;	/* SCHSM_SLOT_* */
	__u32 features;		/* CCID dwFeatures */
	__u32 max_ccid_msg;	/* CCID dwMaxCCIDMessageLength */
	__u32 max_ifsd;		/* CCID dwMaxIFSD */
	__u32 ifsc;		/* T=1 IFSC in use (0 at APDU level) */
	__u32 max_apdu;		/* largest command APDU the driver sends */
	__u8 atr[SCHSM_MAX_ATR];
	__u8 applet_major;
	__u8 applet_minor;
	__u8 applet_type;	/* FCP tag 85: 00 JCOP applet, 01 demo, ... */
	__u16 options;		/* configuration options from FCP tag 85 */
	__u8 pad0[6];
	char manufacturer[32];	/* USB strings, NUL-terminated */
	char product[48];
	char usb_serial[32];
	char device_chr[SCHSM_MAX_CHR];	/* CHR of the device certificate (EF 2F02) */
	char serial[SCHSM_MAX_CHR];	/* device CHR minus its 5-digit sequence */
	__u64 reserved[4];
};

/* ---------------------------------------------------------------------- */
/* TRANSMIT: one raw APDU (CAP_SYS_ADMIN; administration and tests)         */

struct schsm_transmit {
	__u32 size;
	__u32 flags;
	struct schsm_buf command;	/* in: APDU, short or extended */
	struct schsm_buf response;	/* out: data || SW1 SW2 */
	__u32 timeout_ms;		/* 0: the driver's default for the INS */
	__u32 reserved;
};

/* ---------------------------------------------------------------------- */
/* STATUS: PIN, SO-PIN, DKEK and public key authentication state            */

/* pin_state values, per PIN */
#define SCHSM_PIN_UNKNOWN	0
#define SCHSM_PIN_NOT_SET	1	/* 6A88: PIN not initialised */
#define SCHSM_PIN_VERIFIED	2	/* 9000 */
#define SCHSM_PIN_NOT_VERIFIED	3	/* 63Cx: tries_left valid */
#define SCHSM_PIN_BLOCKED	4	/* 6983 */
#define SCHSM_PIN_TRANSPORT	5	/* 6984: must be changed before use */

/* login bits */
#define SCHSM_LOGIN_PIN		(1U << 0)	/* user PIN verified in this session */
#define SCHSM_LOGIN_PKA		(1U << 1)	/* M of N public keys authenticated */
#define SCHSM_LOGIN_KEYS_USABLE	(1U << 2)	/* the token's policy is met */

struct schsm_status {
	__u32 size;
	__u32 flags;
	__u8 pin_state;		/* user PIN (ref 81), SCHSM_PIN_* */
	__u8 pin_tries_left;
	__u8 so_pin_state;	/* SO-PIN (ref 88) */
	__u8 so_pin_tries_left;
	__u32 login;		/* SCHSM_LOGIN_* */
	/* DKEK of key domain 0 (80 52 00 00) */
	__u8 dkek_present;	/* 0: DKEK disabled/unknown */
	__u8 dkek_total;	/* shares configured */
	__u8 dkek_outstanding;	/* shares still to import */
	__u8 pad0;
	__u8 kcv[SCHSM_KCV_LEN];	/* SHA-256(DKEK)[0..7] */
	/* public key authentication (80 54 00 00) */
	__u8 pka_present;	/* 0: not configured */
	__u8 pka_total;		/* N */
	__u8 pka_missing;	/* keys still to register */
	__u8 pka_required;	/* M */
	__u8 pka_authenticated;
	__u8 pad1[3];
	__u16 options;
	__u16 pad2;
	__u32 nkeys;		/* number of private keys (CCxx, xx != 0) */
	__u32 pad3;
	__u64 reserved[4];
};

/* ---------------------------------------------------------------------- */
/* PIN operations                                                           */

#define SCHSM_PIN_REF_USER	0x81
#define SCHSM_PIN_REF_SO	0x88

/*
 * LOGIN: VERIFY pin (ref must be SCHSM_PIN_REF_USER).
 * CHANGE_PIN: CHANGE REFERENCE DATA ref, old = current, pin = new.
 * UNBLOCK_PIN: RESET RETRY COUNTER with old = SO-PIN; pin = new user PIN, or
 *   len 0 to only reset the counter (P1 01).
 * On return sw holds the card's answer and tries_left the count from 63Cx
 * (0xff when the card did not say).  The driver never retries VERIFY.
 */
struct schsm_pin {
	__u32 size;
	__u32 flags;
	__u32 ref;		/* SCHSM_PIN_REF_* */
	__u16 sw;		/* out */
	__u8 tries_left;	/* out */
	__u8 pad0;
	struct schsm_buf old;	/* current PIN / SO-PIN */
	struct schsm_buf pin;	/* PIN to verify, or the new one */
	__u64 reserved[2];
};

/* ---------------------------------------------------------------------- */
/* INITIALIZE DEVICE                                                        */

/* options (tag 80) */
#define SCHSM_OPT_RESET_RETRY	0x0001
#define SCHSM_OPT_TRANSPORT_PIN	0x0002
#define SCHSM_OPT_SESSION_PIN	0x0004
#define SCHSM_OPT_REPLACE_PKA	0x0008
#define SCHSM_OPT_COMBINED_AUTH	0x0010	/* PKA quorum and PIN both needed */
#define SCHSM_OPT_RRC_RESET_ONLY 0x0020

/* flags */
#define SCHSM_INIT_DKEK		(1U << 0)	/* send tag 92 with dkek_shares */
#define SCHSM_INIT_PKA		(1U << 1)	/* send tag 93 with pka_total/pka_required */
#define SCHSM_INIT_NO_USER_PIN	(1U << 2)	/* omit tag 81 (PKA-only) */

struct schsm_init {
	__u32 size;
	__u32 flags;		/* SCHSM_INIT_* */
	__u16 options;		/* SCHSM_OPT_* */
	__u8 retry_limit;	/* user PIN retry counter, 1..10 */
	__u8 dkek_shares;	/* with SCHSM_INIT_DKEK; 0 = random DKEK */
	__u8 pka_total;		/* N */
	__u8 pka_required;	/* M */
	__u16 sw;		/* out */
	__u8 so_pin[SCHSM_SO_PIN_LEN];	/* initialization code (current one on re-init) */
	struct schsm_buf user_pin;
	__u64 reserved[2];
};

/* ---------------------------------------------------------------------- */
/* DKEK share import (80 52 00 00); the updated state is returned           */

struct schsm_dkek_share {
	__u32 size;
	__u32 flags;
	__u8 share[SCHSM_DKEK_SHARE_LEN];	/* zeroed by the kernel after use */
	__u16 sw;		/* out */
	__u8 total;		/* out */
	__u8 outstanding;	/* out */
	__u8 kcv[SCHSM_KCV_LEN];	/* out */
	__u8 pad0[4];
	__u64 reserved[2];
};

/* ---------------------------------------------------------------------- */
/* Keys                                                                     */

/* key types */
#define SCHSM_KEY_RSA		1
#define SCHSM_KEY_EC		2

/* EC curves */
#define SCHSM_CURVE_P256	1
#define SCHSM_CURVE_P384	2
#define SCHSM_CURVE_P521	3
#define SCHSM_CURVE_BP256R1	4
#define SCHSM_CURVE_BP384R1	5

/* KEY_LIST: the private key references (CCxx, excluding the device key) */
struct schsm_key_list {
	__u32 size;
	__u32 flags;
	__u32 count;		/* out */
	__u32 pad0;
	__u8 ids[SCHSM_MAX_KEYS + 1];	/* out: ids[0..count-1] */
	__u64 reserved[2];
};

/* KEY_GENERATE flags */
#define SCHSM_KEYGEN_USE_COUNTER (1U << 0)	/* send tag 90 */
#define SCHSM_KEYGEN_ALGORITHMS	(1U << 1)	/* send tag 91 */
#define SCHSM_KEYGEN_DOMAIN	(1U << 2)	/* send tag 92 */

struct schsm_keygen {
	__u32 size;
	__u32 flags;		/* SCHSM_KEYGEN_* */
	__u8 key_id;		/* in: 0 = lowest free; out: the id used */
	__u8 type;		/* SCHSM_KEY_* */
	__u8 curve;		/* SCHSM_CURVE_* for EC */
	__u8 key_domain;
	__u16 rsa_bits;		/* 1024, 2048, 3072, 4096 */
	__u16 sw;		/* out */
	__u32 rsa_exponent;	/* 0 = 65537 */
	__u32 use_counter;
	__u8 algorithms[16];	/* SCHSM_ALG_* */
	__u8 nalgorithms;
	__u8 pad0[7];
	char chr[SCHSM_MAX_CHR];	/* inner CHR of the request; "" = serial "K" 4-digit id */
	char car[SCHSM_MAX_CHR];	/* inner CAR; "" = omitted */
	struct schsm_buf request;	/* out: authenticated CV request (tag 67) */
	__u64 reserved[2];
};

/* algorithm identifiers (P2 of SIGN/DECIPHER, entries of tag 91) */
#define SCHSM_ALG_RSA_RAW		0x20
#define SCHSM_ALG_RSA_DECRYPT_RAW	0x21
#define SCHSM_ALG_RSA_PKCS1_DI		0x30	/* DigestInfo in */
#define SCHSM_ALG_RSA_PKCS1_SHA1	0x31
#define SCHSM_ALG_RSA_PKCS1_SHA256	0x33
#define SCHSM_ALG_RSA_PKCS1_SHA384	0x34
#define SCHSM_ALG_RSA_PKCS1_SHA512	0x35
#define SCHSM_ALG_RSA_PSS		0x40
#define SCHSM_ALG_RSA_PSS_SHA256	0x43
#define SCHSM_ALG_ECDSA			0x70	/* hash in */
#define SCHSM_ALG_ECDSA_SHA1		0x71
#define SCHSM_ALG_ECDSA_SHA224		0x72
#define SCHSM_ALG_ECDSA_SHA256		0x73
#define SCHSM_ALG_ECDSA_SHA384		0x74
#define SCHSM_ALG_ECDSA_SHA512		0x75
#define SCHSM_ALG_ECDH			0x80
#define SCHSM_ALG_WRAP			0x92
#define SCHSM_ALG_UNWRAP		0x93

/* SIGN (80 68) and DECIPHER / ECDH (80 62) */
struct schsm_crypt {
	__u32 size;
	__u32 flags;
	__u8 key_id;
	__u8 algorithm;		/* SCHSM_ALG_* */
	__u16 sw;		/* out */
	__u32 pad0;
	struct schsm_buf input;
	struct schsm_buf output;	/* ECDSA: DER as the card returns it */
	__u64 reserved[2];
};

/* WRAP KEY (80 72) / UNWRAP KEY (80 74): blob format of the card */
struct schsm_wrap {
	__u32 size;
	__u32 flags;
	__u8 key_id;
	__u8 pad0;
	__u16 sw;		/* out */
	__u32 pad1;
	struct schsm_buf blob;	/* WRAP: out; UNWRAP: in */
	__u64 reserved[2];
};

/* ---------------------------------------------------------------------- */
/* Elementary files: READ BINARY (B1), UPDATE BINARY (D7), DELETE FILE (E4) */

struct schsm_file {
	__u32 size;
	__u32 flags;
	__u16 fid;		/* e.g. 0x2F02, 0xCE01, 0xC401; 0xCCxx only for DELETE */
	__u16 sw;		/* out */
	__u32 offset;
	struct schsm_buf data;	/* READ: out (whole file from offset); WRITE: in */
	__u64 reserved[2];
};

/* ENUMERATE OBJECTS: every FID on the token, big-endian pairs */
struct schsm_enum {
	__u32 size;
	__u32 flags;
	__u16 sw;		/* out */
	__u16 pad0;
	__u32 pad1;
	struct schsm_buf fids;	/* out */
	__u64 reserved[2];
};

/* ---------------------------------------------------------------------- */
/* n-of-m public key authentication                                        */

/*
 * PKA_REGISTER: for the DICA and device CVCs (skipped when the card knows
 * them already): MSE SET 81 B6 (CAR), PSO VERIFY CERTIFICATE; then
 * MSE SET 81 B6 (outer CAR of the request), MANAGE PKA 80 54 00 00 with the
 * request.  Inputs are complete TLVs (7F21..., 67...).
 */
struct schsm_pka_register {
	__u32 size;
	__u32 flags;
	struct schsm_buf dica_cvc;
	struct schsm_buf device_cvc;
	struct schsm_buf request;
	__u16 sw;		/* out: of the step that failed, or 9000 */
	__u8 step;		/* out: 1 DICA, 2 device CVC, 3 register */
	__u8 pad0[5];
	__u64 reserved[2];
};

/*
 * PKA_CHALLENGE: GET CHALLENGE (resets the card's PKA state); the driver
 * remembers that a challenge is pending.  challenge: out, 8..256 bytes
 * (len on entry = the length to ask for).  The custodian signs
 * SHA-256(device CHR || challenge).
 */
struct schsm_pka_challenge {
	__u32 size;
	__u32 flags;
	__u16 sw;		/* out */
	__u16 pad0;
	__u32 pad1;
	struct schsm_buf challenge;
	__u64 reserved[2];
};

/* PKA_AUTHENTICATE: MSE SET 81 A4 (chr) + EXTERNAL AUTHENTICATE (r||s) */
struct schsm_pka_auth {
	__u32 size;
	__u32 flags;
	char chr[SCHSM_MAX_CHR];	/* the custodian key's CHR */
	struct schsm_buf signature;	/* plain r||s */
	__u16 sw;		/* out */
	__u8 authenticated;	/* out: count after this call */
	__u8 required;		/* out */
	__u32 pad0;
	__u64 reserved[2];
};

/* ---------------------------------------------------------------------- */
/* UNSEAL: decrypt a volume key on the token into a "logon" key             */

/*
 * The token deciphers cryptogram with key_id (RSA: DECIPHER 21 and the
 * driver removes PKCS#1 v1.5 type 2 padding); the plaintext becomes the
 * payload of a key of type "logon" described "schsm:<name>" linked into
 * keyring (a serial number, or KEY_SPEC_* like -3 for the session keyring).
 * The plaintext never reaches userspace.  key_serial is the new key's id.
 */
struct schsm_unseal {
	__u32 size;
	__u32 flags;
	__u8 key_id;
	__u8 algorithm;		/* SCHSM_ALG_RSA_DECRYPT_RAW */
	__u16 sw;		/* out */
	__s32 keyring;
	struct schsm_buf cryptogram;
	char name[SCHSM_MAX_NAME];	/* NUL-terminated, [A-Za-z0-9._-] */
	__s32 key_serial;	/* out */
	__u32 pad0;
	__u64 reserved[2];
};

/* ---------------------------------------------------------------------- */

#define SCHSM_IOC_GET_INFO	_IOWR(SCHSM_IOC_MAGIC, 0x00, struct schsm_info)
#define SCHSM_IOC_TRANSMIT	_IOWR(SCHSM_IOC_MAGIC, 0x01, struct schsm_transmit)
#define SCHSM_IOC_STATUS	_IOWR(SCHSM_IOC_MAGIC, 0x02, struct schsm_status)
#define SCHSM_IOC_LOGIN		_IOWR(SCHSM_IOC_MAGIC, 0x03, struct schsm_pin)
#define SCHSM_IOC_LOGOUT	_IO(SCHSM_IOC_MAGIC, 0x04)
#define SCHSM_IOC_CHANGE_PIN	_IOWR(SCHSM_IOC_MAGIC, 0x05, struct schsm_pin)
#define SCHSM_IOC_UNBLOCK_PIN	_IOWR(SCHSM_IOC_MAGIC, 0x06, struct schsm_pin)
#define SCHSM_IOC_INITIALIZE	_IOWR(SCHSM_IOC_MAGIC, 0x07, struct schsm_init)
#define SCHSM_IOC_DKEK_IMPORT	_IOWR(SCHSM_IOC_MAGIC, 0x08, struct schsm_dkek_share)
#define SCHSM_IOC_KEY_LIST	_IOWR(SCHSM_IOC_MAGIC, 0x09, struct schsm_key_list)
#define SCHSM_IOC_KEY_GENERATE	_IOWR(SCHSM_IOC_MAGIC, 0x0a, struct schsm_keygen)
#define SCHSM_IOC_SIGN		_IOWR(SCHSM_IOC_MAGIC, 0x0b, struct schsm_crypt)
#define SCHSM_IOC_DECIPHER	_IOWR(SCHSM_IOC_MAGIC, 0x0c, struct schsm_crypt)
#define SCHSM_IOC_KEY_WRAP	_IOWR(SCHSM_IOC_MAGIC, 0x0d, struct schsm_wrap)
#define SCHSM_IOC_KEY_UNWRAP	_IOWR(SCHSM_IOC_MAGIC, 0x0e, struct schsm_wrap)
#define SCHSM_IOC_FILE_READ	_IOWR(SCHSM_IOC_MAGIC, 0x0f, struct schsm_file)
#define SCHSM_IOC_FILE_WRITE	_IOWR(SCHSM_IOC_MAGIC, 0x10, struct schsm_file)
#define SCHSM_IOC_FILE_DELETE	_IOWR(SCHSM_IOC_MAGIC, 0x11, struct schsm_file)
#define SCHSM_IOC_ENUM_OBJECTS	_IOWR(SCHSM_IOC_MAGIC, 0x12, struct schsm_enum)
#define SCHSM_IOC_PKA_REGISTER	_IOWR(SCHSM_IOC_MAGIC, 0x13, struct schsm_pka_register)
#define SCHSM_IOC_PKA_CHALLENGE	_IOWR(SCHSM_IOC_MAGIC, 0x14, struct schsm_pka_challenge)
#define SCHSM_IOC_PKA_AUTH	_IOWR(SCHSM_IOC_MAGIC, 0x15, struct schsm_pka_auth)
#define SCHSM_IOC_UNSEAL	_IOWR(SCHSM_IOC_MAGIC, 0x16, struct schsm_unseal)

#endif /* _UAPI_LINUX_SCHSM_H */
