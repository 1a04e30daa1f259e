// SPDX-License-Identifier: GPL-2.0
/*
 * schsm card layer: the SmartCard-HSM session the driver owns.
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "schsm.h"

int schsm_card_init(struct schsm_chip *chip)
{
	struct schsm_card *card = schsm_chip_card(chip);

	memset(card, 0, sizeof(*card));
	return 0;
}

void schsm_card_destroy(struct schsm_chip *chip)
{
	struct schsm_card *card = schsm_chip_card(chip);

	kfree_sensitive(card->priv);
	card->priv = NULL;
}

int schsm_card_open_session(struct schsm_chip *chip)
{
	schsm_chip_card(chip)->selected = false;
	return 0;
}

void schsm_card_drop_session(struct schsm_chip *chip)
{
	schsm_chip_card(chip)->selected = false;
}

long schsm_card_ioctl(struct schsm_chip *chip, struct file *file,
		      unsigned int cmd, void __user *arg)
{
	return -ENOTTY;
}
