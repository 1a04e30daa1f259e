/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Feature shims for the kernels schsm builds against (Debian 12's 6.1 and
 * 6.12).  The SCHSM_HAVE_* macros come from the probes in ../Kbuild, which
 * look at the target kernel's headers; no version numbers are compared.
 */
#ifndef SCHSM_COMPAT_H
#define SCHSM_COMPAT_H

#ifdef SCHSM_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* struct class's devnode() takes a const struct device * since 6.2 */
#ifdef SCHSM_HAVE_CONST_DEVNODE
#define SCHSM_DEVNODE_CONST const
#else
#define SCHSM_DEVNODE_CONST
#endif

#endif /* SCHSM_COMPAT_H */
