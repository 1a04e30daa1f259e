/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsmctl library: where PINs, SO-PINs and passwords come from.
 *
 * A secret source ("spec") is never the secret itself:
 *   NULL or "prompt"  no-echo prompt on /dev/tty
 *   env:VAR           the value of environment variable VAR
 *   fd:N              one line read from file descriptor N
 *   file:PATH         the first line of PATH
 * A trailing newline (and CR) is removed.  Callers wipe the buffer with
 * OPENSSL_cleanse when done.
 */
#ifndef SCHSM_PIN_H
#define SCHSM_PIN_H

#include <stddef.h>
#include <stdint.h>

#define SECRET_MAX 256	/* longest secret any source may deliver */

/*
 * Read one secret into buf (cap bytes, NUL-terminated, so at most cap-1).
 * Returns its length, -EINVAL for a bad spec, -E2BIG when too long,
 * -ENODATA when empty, or another -errno.
 */
int secret_read(const char *spec, const char *prompt, char *buf, size_t cap);

/* As secret_read, but a tty prompt asks twice and both must match (-EBADMSG). */
int secret_read_new(const char *spec, const char *prompt, char *buf, size_t cap);

/* 0 if SPEC is a secret source secret_read takes, else -EINVAL (checked before card I/O). */
int secret_spec_check(const char *spec);

/*
 * Several lines from one source (share texts): prompt (tty; echo off when
 * secret), fd:N or file:PATH.  secret_stream_open returns a handle >= 0, or
 * STREAM_TTY, or -EINVAL; secret_stream_line reads one line like secret_read.
 */
#define STREAM_TTY (-2)
int secret_stream_open(const char *spec);
int secret_stream_line(int handle, const char *prompt, int secret, char *buf, size_t cap);
void secret_stream_close(const char *spec, int handle);

/* SO-PIN: 16 hex digits -> 8 bytes.  Returns 0 or -EINVAL. */
int so_pin_parse(const char *text, uint8_t out[8]);

#endif
