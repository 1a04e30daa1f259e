// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the remote n-of-m messages (userspace/lib/pka_wire.c)
 * against byte strings written from the protocol table in
 * Documentation/custodians.md, and hostile inputs: truncation, trailing
 * bytes, lengths past the limits.  TAP; last line "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pka_wire.h"

static int n, passed, failed;

static void ok(int cond, const char *name)
{
	n++;
	if (cond)
		passed++;
	else
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, name);
}

/* APPROVAL from the spec: version 1, CHR "UTCA00001", a 64-byte r||s of 0x11 */
static void test_approval(void)
{
	uint8_t want[3 + 1 + 1 + 9 + 1 + 64], frame[256], payload[256];
	struct pka_approval a = { 0 }, b;
	uint8_t type;
	size_t len;
	int r;

	want[0] = 2;
	want[1] = 0;
	want[2] = 1 + 1 + 9 + 1 + 64;
	want[3] = 1;
	want[4] = 9;
	memcpy(want + 5, "UTCA00001", 9);
	want[14] = 64;
	memset(want + 15, 0x11, 64);
	strcpy(a.chr, "UTCA00001");
	memset(a.sig, 0x11, 64);
	a.sig_len = 64;
	r = pka_approval_encode(&a, frame, sizeof(frame));
	ok(r == (int)sizeof(want) && !memcmp(frame, want, sizeof(want)), "approval encodes as the spec says");
	ok(!pka_frame_header(want, &type, &len) && type == PKA_MSG_APPROVAL && len == want[2],
	   "frame header: type and length");
	ok(!pka_approval_decode(want + 3, len, &b) && !strcmp(b.chr, "UTCA00001") && b.sig_len == 64 &&
	   b.sig[63] == 0x11, "approval decodes");
	ok(pka_approval_decode(want + 3, len - 1, &b) == -EBADMSG, "truncated approval refused");
	memcpy(payload, want + 3, len);
	payload[len] = 0;
	ok(pka_approval_decode(payload, len + 1, &b) == -EBADMSG, "trailing byte refused");
	memcpy(payload, want + 3, len);
	payload[1] = 200;	/* CHR length past the payload */
	ok(pka_approval_decode(payload, len, &b) == -EBADMSG, "CHR length past the end refused");
	memcpy(payload, want + 3, len);
	payload[5] = 0x0a;	/* a newline inside the CHR */
	ok(pka_approval_decode(payload, len, &b) == -EBADMSG, "non-printable CHR refused");
	memcpy(payload, want + 3, len);
	payload[0] = 2;
	ok(pka_approval_decode(payload, len, &b) == -EBADMSG, "unknown version refused");
	a.sig_len = 63;
	ok(pka_approval_encode(&a, frame, sizeof(frame)) == -EINVAL, "odd signature length not encoded");
	a.sig_len = 64;
	ok(pka_approval_encode(&a, frame, 20) == -EMSGSIZE, "encoder respects its buffer");
}

static void test_hello(void)
{
	static const uint8_t chain[5] = { 0x7f, 0x21, 0x01, 0x00, 0xaa };
	uint8_t frame[128], want[] = {
		1, 0, 1 + 1 + 8 + 2 + 5 + 2,
		1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 5, 0x7f, 0x21, 0x01, 0x00, 0xaa, 2, 0 };
	struct pka_hello h = { 0 }, g;
	int r;

	memcpy(h.chal, want + 5, 8);
	h.chal_len = 8;
	h.chain = chain;
	h.chain_len = sizeof(chain);
	h.required = 2;
	r = pka_hello_encode(&h, frame, sizeof(frame));
	ok(r == (int)sizeof(want) && !memcmp(frame, want, sizeof(want)), "hello encodes as the spec says");
	ok(!pka_hello_decode(want + 3, sizeof(want) - 3, &g) && g.chal_len == 8 && g.chain_len == 5 &&
	   g.chain[4] == 0xaa && g.required == 2 && !g.authenticated, "hello decodes");
	want[4] = 7;
	ok(pka_hello_decode(want + 3, sizeof(want) - 3, &g) == -EBADMSG, "challenge under 8 bytes refused");
	want[4] = 8;
	want[13] = 0x10;	/* chain length past the payload */
	ok(pka_hello_decode(want + 3, sizeof(want) - 3, &g) == -EBADMSG, "chain length past the end refused");
}

static void test_result_and_limits(void)
{
	uint8_t frame[8], hdr[3] = { 3, 0x10, 0x01 };
	struct pka_result r = { PKA_ST_REPLAY, 1, 2 }, q;
	uint8_t type;
	size_t len;

	ok(pka_result_encode(&r, frame, sizeof(frame)) == 6 && frame[0] == 3 && frame[2] == 3 &&
	   frame[3] == 1 && frame[4] == 1 && frame[5] == 2, "result encodes");
	ok(!pka_result_decode(frame + 3, 3, &q) && q.status == PKA_ST_REPLAY, "result decodes");
	frame[3] = 9;
	ok(pka_result_decode(frame + 3, 3, &q) == -EBADMSG, "unknown status refused");
	ok(pka_frame_header(hdr, &type, &len) == -EBADMSG, "frame of 4097 bytes refused");
	hdr[1] = 0x10;
	hdr[2] = 0x00;
	ok(!pka_frame_header(hdr, &type, &len) && len == PKA_WIRE_MAX, "frame of exactly 4096 accepted");
}

int main(void)
{
	test_approval();
	test_hello();
	test_result_and_limits();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
