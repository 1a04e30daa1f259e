// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu front-end: FunctionFS USB CCID gadget.
 * Placeholder so the emulator links; the gadget follows.
 */
#include <stdio.h>

#include "frontend.h"

int gadget_run(struct applet *a, const struct emu_opts *o)
{
	(void)a;
	fprintf(stderr, "schsm-emu: --gadget %s: not available in this build\n",
		o->gadget ? o->gadget : "nitrokey");
	return 2;
}
