/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsm-emu: --timing real, the latencies of a real Nitrokey HSM 2
 * (device-facts.md §B) and its 116 kbit/s ISO 7816 card link.
 */
#ifndef EMU_TIMING_H
#define EMU_TIMING_H

#include <stddef.h>
#include <stdint.h>

#include "applet.h"

/* Card-link time for len bytes at 11 etu of 8.61 us each. */
unsigned int timing_link_ms(size_t len);

/*
 * How long the real token would take for this command and response,
 * compute plus link: applet_last_cost_ms() when the engine knows, else an
 * estimate from the instruction and the response size.
 */
unsigned int timing_cost_ms(const struct applet *a, const uint8_t *cmd,
			    size_t cmd_len, const uint8_t *rsp, size_t rsp_len);

uint64_t timing_now_ms(void);
void timing_sleep_ms(unsigned int ms);

#endif /* EMU_TIMING_H */
