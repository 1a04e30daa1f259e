/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsm-emu front-ends: how the card is reached.  main.c parses the command
 * line into struct emu_opts and calls exactly one *_run().  Each returns the
 * process exit status (0 on orderly shutdown: SIGTERM/SIGINT).
 */
#ifndef EMU_FRONTEND_H
#define EMU_FRONTEND_H

#include "applet.h"

enum emu_timing { EMU_TIMING_FAST, EMU_TIMING_REAL };

struct emu_opts {
	const char *state;		/* --state FILE */
	const char *vpcd;		/* --vpcd HOST:PORT */
	const char *vscard;		/* --vscard PATH (UNIX socket) */
	const char *gadget;		/* --gadget MODEL: nitrokey | sc-hsm-ea | utrust */
	const char *udc;		/* --udc NAME (default: first in /sys/class/udc) */
	const char *ffs_dir;		/* --ffs-dir DIR (default: a private mount) */
	const char *control;		/* --control PATH: fault-injection socket */
	const char *faults;		/* --fault SPEC, see faults.c */
	const char *pidfile;		/* --pidfile FILE, written once serving */
	enum emu_timing timing;		/* --timing fast|real */
	int verbose;			/* -v: APDU trace on stderr */
};

int vpcd_run(struct applet *a, const struct emu_opts *o);
int vscard_run(struct applet *a, const struct emu_opts *o);
int gadget_run(struct applet *a, const struct emu_opts *o);

#endif /* EMU_FRONTEND_H */
