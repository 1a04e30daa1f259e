/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsm internal interfaces between the layers.  One operation goes down:
 * keys.c / chardev.c -> card.c -> apdu.c -> t1.c or ccid chaining ->
 * ccid.c -> usb.c.  See Documentation/ and the lock order in usb.c.
 *
 * This header is owned by the transport core; the card layer (card.h) uses
 * only what is declared here.
 */
#ifndef SCHSM_H
#define SCHSM_H

#include <linux/types.h>
#include "card.h"

struct schsm_chip;		/* defined in chip.h (transport core) */

/*
 * Operations gate, the tpm_try_get_ops() pattern: takes a device reference,
 * ops_sem for reading (fails with -ENODEV once the device is gone) and the
 * chip's I/O mutex (interruptible: -ERESTARTSYS).  Everything that talks to
 * the card runs between these two calls.
 */
int schsm_try_get_ops(struct schsm_chip *chip);
void schsm_put_ops(struct schsm_chip *chip);

/*
 * One APDU exchange (short or extended, as encoded by the caller).  On
 * success returns 0 with rsp[0..*rsp_len) = response data || SW1 SW2
 * (*rsp_len >= 2).  timeout_ms 0 = default for the INS.  Must be called
 * with the ops held.  Card status words are never turned into errno here.
 */
int schsm_transceive(struct schsm_chip *chip, const u8 *apdu, size_t len,
		     u8 *rsp, size_t cap, size_t *rsp_len,
		     unsigned int timeout_ms);

/* The card layer's state embedded in the chip. */
struct schsm_card *schsm_chip_card(struct schsm_chip *chip);

/* struct device of the chip, for dev_* logging. */
struct device *schsm_chip_dev(struct schsm_chip *chip);

/*
 * Find a present chip by token serial (schsm_card.serial).  Returns a chip
 * with a device reference (drop with schsm_chip_put()), or NULL.
 */
struct schsm_chip *schsm_chip_find_by_serial(const char *serial);
void schsm_chip_get(struct schsm_chip *chip);
void schsm_chip_put(struct schsm_chip *chip);

/*
 * Fetch an ioctl argument struct per the uapi rules: the caller's size
 * (first __u32) must be at least ksize, extra bytes must be zero.  Returns
 * 0, -EFAULT, -EINVAL (too small) or -E2BIG (non-zero tail).  Checking
 * flags/reserved/pad is the caller's job.
 */
int schsm_copy_struct_from_user(void *karg, size_t ksize,
				const void __user *uarg);

#endif /* SCHSM_H */
