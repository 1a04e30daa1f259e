// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the card side of T=1 (tests/emulator/t1_card.c).
 *
 * Expected blocks are written out by hand from ISO/IEC 7816-3 §11: NAD,
 * PCB, LEN, INF, LRC = XOR of the preceding bytes.  Well-known byte strings
 * such as S(IFS request 254) = 00 C1 01 FE 3E are the ones every T=1 stack
 * (libccid's proto-t1.c, the Linux-less readers' firmware) puts on the wire.
 * TAP output; the last line is "N passed, N failed".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t1_card.h"

static int passed, failed;

static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", passed + failed + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (cond)
		passed++;
	else
		failed++;
}

static void dump(const char *what, const uint8_t *b, size_t n)
{
	size_t i;

	printf("# %s:", what);
	for (i = 0; i < n; i++)
		printf(" %02X", b[i]);
	printf("\n");
}

/* t->out equals the literal block exp. */
static int out_is(const struct t1_card *t, const uint8_t *exp, size_t n)
{
	if (t->out_len == n && !memcmp(t->out, exp, n))
		return 1;
	dump("got     ", t->out, t->out_len);
	dump("expected", exp, n);
	return 0;
}

#define BLOCK(...) ((const uint8_t[]){ __VA_ARGS__ }), \
	sizeof((const uint8_t[]){ __VA_ARGS__ })

static enum t1_action rx(struct t1_card *t, const uint8_t *b, size_t n)
{
	return t1_card_receive(t, b, n);
}

/* Build a host block with a correct LRC. */
static size_t host_block(uint8_t *b, uint8_t pcb, const uint8_t *inf,
			  size_t len)
{
	size_t i;

	b[0] = 0;
	b[1] = pcb;
	b[2] = (uint8_t)len;
	memcpy(b + 3, inf, len);
	b[3 + len] = 0;
	for (i = 0; i < 3 + len; i++)
		b[3 + len] ^= b[i];
	return 4 + len;
}

static void test_lrc(void)
{
	check(t1_lrc(BLOCK(0x00, 0xC1, 0x01, 0xFE)) == 0x3E,
	      "LRC of S(IFS req 254) is 3E");
	check(t1_lrc(BLOCK(0x00, 0x00, 0x00)) == 0x00, "LRC of empty I(0) is 00");
	check(t1_lrc(BLOCK(0x00, 0x40, 0x02, 0x90, 0x00)) == 0xD2,
	      "LRC of I(1) 90 00 is D2");
}

static void test_short_exchange(struct t1_card *t)
{
	t1_card_reset(t, 254, 254);
	check(rx(t, BLOCK(0x00, 0x00, 0x05, 0x00, 0x84, 0x00, 0x00, 0x08,
			  0x89)) == T1_COMMAND, "I(0) with GET CHALLENGE is a command");
	check(t->cmd_len == 5 && !memcmp(t->cmd, "\x00\x84\x00\x00\x08", 5),
	      "the command APDU is the I-block's INF");
	t1_card_respond(t, BLOCK(0x90, 0x00));
	check(out_is(t, BLOCK(0x00, 0x00, 0x02, 0x90, 0x00, 0x92)),
	      "response is I(0) 90 00 with LRC 92");
	check(rx(t, BLOCK(0x00, 0x40, 0x00, 0x40)) == T1_COMMAND,
	      "next host block I(1) is accepted");
	t1_card_respond(t, BLOCK(0x90, 0x00));
	check(out_is(t, BLOCK(0x00, 0x40, 0x02, 0x90, 0x00, 0xD2)),
	      "second response is I(1)");
}

static void test_bad_blocks(struct t1_card *t)
{
	t1_card_reset(t, 254, 254);
	check(rx(t, BLOCK(0x00, 0x00, 0x01, 0xAA, 0x00)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0x81, 0x00, 0x81)),
	      "bad LRC gets R(0) with EDC error: 00 81 00 81");
	check(rx(t, BLOCK(0x00, 0x00, 0x05, 0xAA, 0xAF)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0x82, 0x00, 0x82)),
	      "LEN beyond the block gets R(0) with other error");
	check(rx(t, BLOCK(0x21, 0x00, 0x00, 0x21)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0x82, 0x00, 0x82)),
	      "NAD other than 0 gets R(0) with other error");
	check(rx(t, BLOCK(0x00, 0x00)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0x82, 0x00, 0x82)),
	      "a 2-byte fragment gets R(0) with other error");
	check(rx(t, BLOCK(0x00, 0xC5, 0x00, 0xC5)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0x82, 0x00, 0x82)),
	      "unknown S-block gets R(0) with other error");
}

static void test_s_blocks(struct t1_card *t)
{
	t1_card_reset(t, 254, 32);
	check(rx(t, BLOCK(0x00, 0xC1, 0x01, 0xFE, 0x3E)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0xE1, 0x01, 0xFE, 0x1E)) && t->ifsd == 254,
	      "S(IFS req 254) answered by S(IFS resp 254): 00 E1 01 FE 1E");
	check(rx(t, BLOCK(0x00, 0xC1, 0x01, 0x00, 0xC0)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0x82, 0x00, 0x82)) && t->ifsd == 254,
	      "S(IFS req 0) refused, IFSD unchanged");
	check(rx(t, BLOCK(0x00, 0xC0, 0x00, 0xC0)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0xE0, 0x00, 0xE0)),
	      "S(RESYNCH req) answered by 00 E0 00 E0");
	check(rx(t, BLOCK(0x00, 0xC2, 0x00, 0xC2)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0xE2, 0x00, 0xE2)),
	      "S(ABORT req) answered by 00 E2 00 E2");
}

static void test_host_chaining(struct t1_card *t)
{
	uint8_t b[T1_MAX_BLOCK], apdu[300];
	size_t i, n;

	for (i = 0; i < sizeof(apdu); i++)
		apdu[i] = (uint8_t)i;
	t1_card_reset(t, 254, 254);
	n = host_block(b, 0x20, apdu, 254);		/* I(0, M) */
	check(rx(t, b, n) == T1_SEND && out_is(t, BLOCK(0x00, 0x90, 0x00, 0x90)),
	      "chained I(0,M) acknowledged by R(1): 00 90 00 90");
	/* The host did not get our R(1) and sends I(0,M) again. */
	check(rx(t, b, n) == T1_SEND && out_is(t, BLOCK(0x00, 0x90, 0x00, 0x90)),
	      "a repeated I(0,M) gets the same R(1) and is not appended twice");
	n = host_block(b, 0x40, apdu + 254, 46);	/* I(1), last */
	check(rx(t, b, n) == T1_COMMAND && t->cmd_len == 300 &&
	      !memcmp(t->cmd, apdu, 300),
	      "I(1) ends the chain: the 300-byte command is reassembled");
	check(rx(t, BLOCK(0x00, 0xC3, 0x01, 0x01, 0xC3)) == T1_SEND,
	      "S(WTX request) from the host is refused");
}

static void test_card_chaining(struct t1_card *t)
{
	uint8_t rsp[300];
	size_t i;

	for (i = 0; i < sizeof(rsp); i++)
		rsp[i] = (uint8_t)i;
	t1_card_reset(t, 254, 254);
	rx(t, BLOCK(0x00, 0x00, 0x00, 0x00));
	t1_card_respond(t, rsp, sizeof(rsp));
	check(t->out_len == 258 && t->out[1] == 0x20 && t->out[2] == 254 &&
	      t->out[257] == t1_lrc(t->out, 257),
	      "a 300-byte response starts with I(0,M) of 254 bytes");
	check(rx(t, BLOCK(0x00, 0x82, 0x00, 0x82)) == T1_SEND &&
	      t->out_len == 258 && t->out[1] == 0x20,
	      "R(0) with error: I(0,M) is sent again");
	check(rx(t, BLOCK(0x00, 0x90, 0x00, 0x90)) == T1_SEND &&
	      t->out_len == 50 && t->out[1] == 0x40 && t->out[2] == 46 &&
	      !memcmp(t->out + 3, rsp + 254, 46),
	      "R(1) acknowledges: the last 46 bytes come in I(1)");
	check(rx(t, BLOCK(0x00, 0x90, 0x00, 0x90)) == T1_SEND &&
	      t->out_len == 50 && t->out[1] == 0x40,
	      "R(1) after the last block: I(1) is sent again");
	check(rx(t, BLOCK(0x00, 0x40, 0x00, 0x40)) == T1_COMMAND,
	      "the host's next I(1) starts a new command");
}

static void test_small_ifsd(struct t1_card *t)
{
	uint8_t rsp[40] = { 0 };

	t1_card_reset(t, 254, 32);
	rx(t, BLOCK(0x00, 0x00, 0x00, 0x00));
	t1_card_respond(t, rsp, sizeof(rsp));
	check(t->out_len == 36 && t->out[2] == 32 && t->out[1] == 0x20,
	      "without S(IFS) the card sends at most 32 bytes per block");
}

static void test_wtx(struct t1_card *t)
{
	t1_card_reset(t, 254, 254);
	rx(t, BLOCK(0x00, 0x00, 0x00, 0x00));
	t1_card_wtx(t, 2);
	check(out_is(t, BLOCK(0x00, 0xC3, 0x01, 0x02, 0xC0)),
	      "S(WTX req 2) is 00 C3 01 02 C0");
	check(rx(t, BLOCK(0x00, 0x82, 0x00, 0x82)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0xC3, 0x01, 0x02, 0xC0)),
	      "R-block after S(WTX req): the request is sent again");
	check(rx(t, BLOCK(0x00, 0xE3, 0x01, 0x02, 0xE0)) == T1_CONTINUE,
	      "S(WTX resp) lets the card go on computing");
	t1_card_respond(t, BLOCK(0x90, 0x00));
	check(out_is(t, BLOCK(0x00, 0x00, 0x02, 0x90, 0x00, 0x92)),
	      "then the response follows as I(0)");
	check(rx(t, BLOCK(0x00, 0xE3, 0x01, 0x02, 0xE0)) == T1_SEND &&
	      out_is(t, BLOCK(0x00, 0x92, 0x00, 0x92)),
	      "S(WTX resp) when nothing computes is refused: R(1) error");
}

int main(void)
{
	struct t1_card *t = calloc(1, sizeof(*t));

	if (!t)
		return 1;
	test_lrc();
	test_short_exchange(t);
	test_bad_blocks(t);
	test_s_blocks(t);
	test_host_chaining(t);
	test_card_chaining(t);
	test_small_ifsd(t);
	test_wtx(t);
	free(t);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
