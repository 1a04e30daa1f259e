/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsm-emu: the SmartCard-HSM applet engine, as seen by the front-ends.
 * Front-ends (vpcd.c, vscard.c, gadget.c with t1_card.c) move APDUs; the
 * engine (applet.c and its command files) owns every byte of card state.
 */
#ifndef EMU_APPLET_H
#define EMU_APPLET_H

#include <stddef.h>
#include <stdint.h>

struct applet;

/*
 * Load the token from state_path, or create a factory-fresh one (new device
 * key and CVC chain) when the file does not exist.  NULL on error (message
 * already printed).
 */
struct applet *applet_open(const char *state_path);
void applet_close(struct applet *a);

/* Power cycle / card reset: volatile state dropped, as on a real replug. */
void applet_reset(struct applet *a);

/* The ATR the token presents (Nitrokey HSM 2 / JCOP 3 form). */
const uint8_t *applet_atr(const struct applet *a, size_t *len);

/* Card serial (device CHR minus its last 5 characters), for USB iSerial. */
const char *applet_serial(const struct applet *a);

/*
 * Process one command APDU (short or extended).  Writes response data
 * followed by SW1 SW2 to rsp and returns the total length (>= 2).  Never
 * fails: malformed input gets the status word a card would give.  cap must
 * be at least APPLET_MAX_RESPONSE.
 */
#define APPLET_MAX_COMMAND	(65536 + 9)
#define APPLET_MAX_RESPONSE	(65536 + 2)
size_t applet_process(struct applet *a, const uint8_t *cmd, size_t len,
		      uint8_t *rsp, size_t cap);

/*
 * For --timing real: how long the real token would have computed on the
 * last command, in milliseconds (0 when fast).  Set by applet_process().
 */
unsigned int applet_last_cost_ms(const struct applet *a);

#endif /* EMU_APPLET_H */
