// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu's response chaining (ISO 7816-4 5.3.3): an answer longer than
 * Ne comes as Ne bytes + SW 61xx, GET RESPONSE (00 C0 00 00 Le) hands out
 * the rest, and any other command drops what was not fetched (6985 after).
 *
 * Driven through applet_process(), the engine every front-end calls.  The
 * judges are outside the chaining code: the same answer fetched whole with
 * an extended Le, the EF the card stored the key's request in (read with
 * READ BINARY, which never chains), and the BER-TLV lengths of the answers.
 * TAP: "ok N - name" lines, then "1..N".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"

static int n, failed;

static void ok(bool cond, const char *name)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, name);
}

static size_t unhex(const char *s, uint8_t *out)
{
	size_t len = 0;
	unsigned int v;

	while (s[0] && s[1] && sscanf(s, "%2x", &v) == 1) {
		out[len++] = (uint8_t)v;
		s += 2;
	}
	return len;
}

static uint8_t rsp[APPLET_MAX_RESPONSE];

/* One APDU given in hex; returns the SW, data in rsp[0..*len). */
static unsigned int xfer(struct applet *a, const char *hex, size_t *len)
{
	uint8_t cmd[600];
	size_t clen = unhex(hex, cmd), r;

	r = applet_process(a, cmd, clen, rsp, sizeof(rsp));
	*len = r - 2;
	return (unsigned int)rsp[r - 2] << 8 | rsp[r - 1];
}

/* Total length of the BER-TLV at p (tag of 1 or 2 bytes), 0 if malformed. */
static size_t tlv_total(const uint8_t *p, size_t avail)
{
	size_t h = (p[0] & 0x1f) == 0x1f ? 2 : 1, l;

	if (avail < h + 1)
		return 0;
	l = p[h];
	if (l == 0x81 && avail >= h + 2) {
		l = p[h + 1];
		h += 2;
	} else if (l == 0x82 && avail >= h + 3) {
		l = (size_t)p[h + 1] << 8 | p[h + 2];
		h += 3;
	} else if (l < 0x80) {
		h += 1;
	} else {
		return 0;
	}
	return h + l;
}

#define AID "0BE82B0601040181C31F0201"

static void test_select(struct applet *a)
{
	uint8_t whole[256], chained[256];
	size_t wlen, len, clen;
	unsigned int sw;

	sw = xfer(a, "00A40404" AID "00", &wlen);
	memcpy(whole, rsp, wlen);
	ok(sw == 0x9000 && wlen > 16 && tlv_total(whole, wlen) == wlen,
	   "SELECT, Le 00: the whole FCP (62 L ...) and 9000");

	sw = xfer(a, "00A40404" AID "10", &len);
	ok(len == 16 && sw == (0x6100 | (unsigned int)(wlen - 16)),
	   "SELECT, Le 10: 16 bytes and 61xx with the bytes left");
	memcpy(chained, rsp, len);
	clen = len;
	sw = xfer(a, "00C0000004", &len);
	ok(len == 4 && sw == (0x6100 | (unsigned int)(wlen - 20)),
	   "GET RESPONSE, Le 04: 4 bytes, 61xx counts down");
	memcpy(chained + clen, rsp, len);
	clen += len;
	sw = xfer(a, "00C0000000", &len);
	ok(sw == 0x9000 && clen + len == wlen,
	   "GET RESPONSE, Le 00: the rest and the command's 9000");
	memcpy(chained + clen, rsp, len);
	clen += len;
	ok(clen == wlen && !memcmp(chained, whole, wlen),
	   "the pieces are the FCP fetched whole");
	sw = xfer(a, "00C0000000", &len);
	ok(sw == 0x6985 && len == 0,
	   "GET RESPONSE after everything was fetched: 6985");

	xfer(a, "00A40404" AID "08", &len);
	sw = xfer(a, "0084000008", &len);
	ok(sw == 0x9000 && len == 8, "another command in between: answered");
	sw = xfer(a, "00C0000000", &len);
	ok(sw == 0x6985 && len == 0,
	   "GET RESPONSE after another command: 6985 (pending data dropped)");

	xfer(a, "00A40404" AID "08", &len);
	sw = xfer(a, "00C0010000", &len);
	ok(sw == 0x6A86, "GET RESPONSE with P1 != 0: 6A86");
	applet_reset(a);
	sw = xfer(a, "00C0000000", &len);
	ok(sw == 0x6985, "GET RESPONSE after a reset: 6985");
	xfer(a, "00A40404" AID "00", &len);
}

/* INITIALIZE (PIN 123456, SO-PIN 3537363231383739), VERIFY, RSA-2048 GAKP */
#define INIT "80500000198002000181063132333435368208353736323138373991010300"
#define VERIFY "0020008106313233343536"
#define GAKP_BODY "5F290100" "7F4915" "060A04007F00070202020102" \
		  "8203010001" "02020800" "5F200C" "5554434841494E3030303031"

static void test_keygen(struct applet *a)
{
	static uint8_t req[4096], ef[4096];
	size_t len, rlen = 0, elen = 0;
	unsigned int sw, rounds = 0;
	char cmd[600];

	ok(xfer(a, INIT, &len) == 0x9000, "INITIALIZE: 9000");
	ok(xfer(a, VERIFY, &len) == 0x9000, "VERIFY PIN: 9000");
	snprintf(cmd, sizeof(cmd), "00460100%02zX%s00",
		 strlen(GAKP_BODY) / 2, GAKP_BODY);
	sw = xfer(a, cmd, &len);
	if (len != 256 || (sw & 0xff00) != 0x6100)
		printf("# GENERATE: %zu bytes, SW %04X\n", len, sw);
	ok(len == 256 && (sw & 0xff00) == 0x6100,
	   "RSA-2048 key generation, short Le 00: 256 bytes and 61xx");
	memcpy(req, rsp, len);
	rlen = len;
	while ((sw & 0xff00) == 0x6100 && rounds++ < 64 &&
	       rlen + 256 <= sizeof(req)) {
		snprintf(cmd, sizeof(cmd), "00C00000%02X", sw & 0xff);
		sw = xfer(a, cmd, &len);
		memcpy(req + rlen, rsp, len);
		rlen += len;
	}
	ok(sw == 0x9000 && rlen > 256 && req[0] == 0x67 &&
	   tlv_total(req, rlen) == rlen,
	   "GET RESPONSE completes the CV request (67 L ..., 9000)");

	/* EF CE01 holds the request; READ BINARY of 200 bytes never chains */
	for (rounds = 0; rounds < 64 && elen + 200 <= sizeof(ef); rounds++) {
		snprintf(cmd, sizeof(cmd), "00B1CE01045402%04zXC8", elen);
		sw = xfer(a, cmd, &len);
		if (sw != 0x9000 && sw != 0x6282)
			break;
		memcpy(ef + elen, rsp, len);
		elen += len;
		if (len < 200)
			break;
	}
	ok(rlen > 256 && elen == rlen && !memcmp(ef, req, rlen),
	   "the request put together equals EF CE01 read in 200-byte pieces");
}

int main(void)
{
	char path[] = "/tmp/schsm-emu-chain.XXXXXX";
	struct applet *a;
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	unlink(path);		/* applet_open creates a fresh token */
	a = applet_open(path);
	ok(a != NULL, "fresh emulated token");
	if (a) {
		test_select(a);
		test_keygen(a);
		applet_close(a);
	}
	unlink(path);
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
