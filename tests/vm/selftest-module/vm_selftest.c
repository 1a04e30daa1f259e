// SPDX-License-Identifier: GPL-2.0
/*
 * vm_selftest: a module that makes the kernel report a problem on purpose,
 * so tests/vm/selftest can check that the bench notices.  Test use only.
 *
 *   insmod vm_selftest.ko what=warn    WARN() once (panics with panic_on_warn)
 *   insmod vm_selftest.ko what=redzone write one byte past a kmalloc'ed
 *                                      object and free it (slub_debug=Z report)
 * The load then fails with -EAGAIN, so nothing stays behind.
 *   insmod vm_selftest.ko what=none    just load (module-signature tests)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *what = "warn";
module_param(what, charp, 0444);
MODULE_PARM_DESC(what, "warn | redzone | none");

static noinline void vm_selftest_redzone(void)
{
	/* A whole kmalloc-32 object: the redzone starts right after it. */
	size_t len = 32;
	volatile u8 *p = kmalloc(len, GFP_KERNEL);

	if (!p)
		return;
	p[len] = 0x5a;
	kfree((void *)p);
}

static int __init vm_selftest_init(void)
{
	if (!strcmp(what, "warn"))
		WARN(1, "vm_selftest: deliberate warning\n");
	else if (!strcmp(what, "redzone"))
		vm_selftest_redzone();
	else if (!strcmp(what, "none"))
		return 0;
	else
		return -EINVAL;
	return -EAGAIN;
}
module_init(vm_selftest_init);

MODULE_DESCRIPTION("tests/vm self-test: provoke a kernel warning or a slub report");
MODULE_LICENSE("GPL");
