/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP for the C suites (tests/card, tests/keyring): "ok N - name",
 * "# diagnostics", and tap_done() prints the last line "N passed, N failed"
 * (", N skipped").  Header-only, so a suite stays one cc command.
 */
#ifndef SCHSM_TEST_TAP_H
#define SCHSM_TEST_TAP_H

#include <stdarg.h>
#include <stdio.h>

/*
 * Weak, not static: a suite built from several files shares one count
 * (the linker merges the weak definitions into one object).
 */
__attribute__((weak)) unsigned int tap_n, tap_pass, tap_fail, tap_skip;

__attribute__((format(printf, 2, 3)))
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (cond)
		tap_pass++;
	else
		tap_fail++;
	return cond;
}

__attribute__((format(printf, 1, 2)))
static inline void tap_skip_one(const char *fmt, ...)
{
	va_list ap;

	printf("ok %u - # SKIP ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_skip++;
}

__attribute__((format(printf, 1, 2)))
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline int tap_done(void)
{
	if (tap_skip)
		printf("%u passed, %u failed, %u skipped\n", tap_pass, tap_fail,
		       tap_skip);
	else
		printf("%u passed, %u failed\n", tap_pass, tap_fail);
	return tap_fail ? 1 : 0;
}

#endif
