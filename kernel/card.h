/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SmartCard-HSM card layer: the session the driver owns on the token
 * (applet selected once, login and PKA state, cached key list and public
 * keys) and the semantic operations behind the ioctls and the keyring.
 *
 * Contract with the transport core (schsm.h):
 *  - every function here that talks to the card is called with the chip's
 *    operations held (schsm_try_get_ops() succeeded): one caller at a time,
 *    device present;
 *  - schsm_card_open_session() runs after every power-on/ATR (probe, card
 *    insertion, post_reset); schsm_card_drop_session() when the card is
 *    removed, reset or unplugged.  Nothing else ever SELECTs the applet
 *    except an explicit SCHSM_IOC_LOGOUT.
 */
#ifndef SCHSM_CARD_H
#define SCHSM_CARD_H

#include <linux/types.h>

struct schsm_chip;
struct file;
struct schsm_unseal;

#define SCHSM_CHR_MAX	32	/* matches SCHSM_MAX_CHR in the uapi header */

/* protected by the chip's operations lock (schsm_try_get_ops) */
struct schsm_card {
	bool selected;		/* applet SELECTed in this power cycle */
	u8 applet_major;
	u8 applet_minor;
	u8 applet_type;
	u16 options;		/* FCP tag 85 */
	char device_chr[SCHSM_CHR_MAX + 1];	/* CHR of the device CVC (EF 2F02) */
	char serial[SCHSM_CHR_MAX + 1];		/* device CHR minus 5 chars */
	/*
	 * Set by the transport core before schsm_card_open_session(): the
	 * largest command APDU it sends and the largest response (data + SW)
	 * the reader delivers, 0 when unknown (the card layer then assumes
	 * 1014 / 258 and chunks READ/UPDATE BINARY accordingly).
	 */
	u32 max_command;
	u32 max_response;
	void *priv;		/* card layer's own state (card.c) */
};

int schsm_card_init(struct schsm_chip *chip);
void schsm_card_destroy(struct schsm_chip *chip);
int schsm_card_open_session(struct schsm_chip *chip);
void schsm_card_drop_session(struct schsm_chip *chip);
long schsm_card_ioctl(struct schsm_chip *chip, struct file *file,
		      unsigned int cmd, void __user *arg);

/*
 * Keyring integration (keys.c): register/unregister the "schsm" asymmetric
 * key parser.  Called by the module's init/exit (main.c), after/before the
 * USB driver is registered.
 */
int schsm_keys_register(void);
void schsm_keys_unregister(void);

/* ---- card operations used by card_ioctl.c, keys.c and unseal.c ---- */
/* All of these are called with the chip's operations held. */

struct schsm_pubkey_ref;

/* SIGN (80 68) / DECIPHER (80 62): *sw out, response into out[0..*out_len) */
int schsm_card_sign(struct schsm_chip *chip, u8 key_id, u8 alg,
		    const u8 *in, size_t in_len, u8 *out, size_t cap,
		    size_t *out_len, u16 *sw);
int schsm_card_decipher(struct schsm_chip *chip, u8 key_id, u8 alg,
			const u8 *in, size_t in_len, u8 *out, size_t cap,
			size_t *out_len, u16 *sw);

/*
 * Public key of private key @key_id as the token reports it (EF CExx),
 * cached until the key set changes.  Returns a kmalloc'd copy of the CExx
 * content in *buf (caller kfree()s) with @pk pointing into it.
 * -ENOENT if the token has no such key.
 */
int schsm_card_read_pubkey(struct schsm_chip *chip, u8 key_id, u8 **buf,
			   struct schsm_pubkey_ref *pk);

/* Is the card session established (applet selected)? */
bool schsm_card_ready(struct schsm_chip *chip);

/* Map a card status word of SIGN/DECIPHER to errno for in-kernel users. */
int schsm_card_sw_to_errno(u16 sw);

/* PKCS#1 v1.5 type 2 unpadding (unseal.c): returns message offset or -EBADMSG */
int schsm_pkcs1_unpad_type2(const u8 *block, size_t len);

/* UNSEAL ioctl body (unseal.c), ops NOT held on entry */
int schsm_unseal(struct schsm_chip *chip, struct schsm_unseal *req);

#endif /* SCHSM_CARD_H */
