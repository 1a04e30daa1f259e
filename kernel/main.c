// SPDX-License-Identifier: GPL-2.0
/*
 * schsm: SmartCard-HSM / Nitrokey HSM driver.  Module entry points and
 * parameters; registration order: char device region and class, the
 * asymmetric key parser for token keys, then the USB driver (whose probe
 * creates /dev/schsmN).  Exit runs in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include "chip.h"

bool schsm_qemu_ccid;
module_param_named(qemu_ccid, schsm_qemu_ccid, bool, 0444);
MODULE_PARM_DESC(qemu_ccid,
		 "Bind QEMU's emulated usb-ccid reader (08e6:4433) as an APDU-level reader (default: no)");

#ifdef DEBUG
#include "selftest/codec.c"
#else
static inline bool schsm_selftest(void)
{
	return true;
}
#endif

static int __init schsm_init(void)
{
	int rc;

	if (!schsm_selftest())
		return -ENOTRECOVERABLE;
	rc = schsm_chardev_init();
	if (rc)
		return rc;
	rc = schsm_keys_register();
	if (rc)
		goto out_chardev;
	rc = schsm_usb_register();
	if (rc)
		goto out_keys;
	return 0;

out_keys:
	schsm_keys_unregister();
out_chardev:
	schsm_chardev_exit();
	return rc;
}

static void __exit schsm_exit(void)
{
	schsm_usb_unregister();
	schsm_keys_unregister();
	schsm_chardev_exit();
}

module_init(schsm_init);
module_exit(schsm_exit);

MODULE_DESCRIPTION("SmartCard-HSM / Nitrokey HSM USB CCID driver");
MODULE_AUTHOR("schsm developers");
MODULE_LICENSE("GPL");
