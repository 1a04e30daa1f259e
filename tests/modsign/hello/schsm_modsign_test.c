// SPDX-License-Identifier: GPL-2.0
/* A module that does nothing: the payload of the module-signing tests. */
#include <linux/module.h>

static int __init schsm_modsign_test_init(void)
{
	return 0;
}

static void __exit schsm_modsign_test_exit(void)
{
}

module_init(schsm_modsign_test_init);
module_exit(schsm_modsign_test_exit);
MODULE_DESCRIPTION("schsm module-signing test payload");
MODULE_LICENSE("GPL");
