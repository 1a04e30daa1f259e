/* SPDX-License-Identifier: GPL-2.0 */
/* glibc's <errno.h> reaches this header too: pass it on first. */
#include_next <linux/errno.h>
#include "../kshim.h"
