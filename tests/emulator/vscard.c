// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu front-end: QEMU ccid-card-passthru (VSCard protocol).
 * Placeholder so the emulator links; the protocol follows.
 */
#include <stdio.h>

#include "frontend.h"

int vscard_run(struct applet *a, const struct emu_opts *o)
{
	(void)a;
	fprintf(stderr, "schsm-emu: --vscard %s: not available in this build\n",
		o->vscard);
	return 2;
}
