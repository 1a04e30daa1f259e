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
	void *priv;		/* card layer's own state (card.c) */
};

int schsm_card_init(struct schsm_chip *chip);
void schsm_card_destroy(struct schsm_chip *chip);
int schsm_card_open_session(struct schsm_chip *chip);
void schsm_card_drop_session(struct schsm_chip *chip);
long schsm_card_ioctl(struct schsm_chip *chip, struct file *file,
		      unsigned int cmd, void __user *arg);

#endif /* SCHSM_CARD_H */
