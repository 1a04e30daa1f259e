// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal PC/SC client for the OpenSC suite: one card session, commands
 * from stdin, one answer line per command on stdout (flushed), so a shell
 * coprocess can interleave other tools between APDUs of one session.
 *
 *   usage: apdu-client "READER NAME" [exclusive]
 *   (exclusive: nobody else may connect, e.g. an OpenSC tool that would
 *   SELECT the applet and so end this session's authentication)
 *   stdin:  <hex APDU>   ->  "<SW> <hex data>"   (data may be empty)
 *           reset        ->  "ok"  (SCardReconnect, SCARD_RESET_CARD)
 *           unpower      ->  "ok"  (SCardReconnect, SCARD_UNPOWER_CARD)
 *   a PC/SC failure answers "ERR <text>".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>

#define MAX_APDU (65536 + 16)

static int hex2bin(const char *s, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = 0;

	while (*s) {
		unsigned int v;

		if (isspace((unsigned char)*s) || *s == ':') {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    sscanf(s, "%2x", &v) != 1 || n >= cap)
			return -1;
		out[n++] = (unsigned char)v;
		s += 2;
	}
	*len = n;
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char cmd[MAX_APDU], rsp[MAX_APDU];
	static char line[2 * MAX_APDU + 16];
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD proto;
	LONG rv;

	DWORD share = SCARD_SHARE_SHARED;

	if (argc == 3 && !strcmp(argv[2], "exclusive"))
		share = SCARD_SHARE_EXCLUSIVE;
	else if (argc != 2) {
		fprintf(stderr, "usage: %s READER [exclusive]\n", argv[0]);
		return 2;
	}
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv == SCARD_S_SUCCESS)
		rv = SCardConnect(ctx, argv[1], share,
				  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "apdu-client: %s\n", pcsc_stringify_error(rv));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ?
					      SCARD_PCI_T0 : SCARD_PCI_T1;
		DWORD rlen = sizeof(rsp);
		size_t len, i;

		line[strcspn(line, "\r\n")] = 0;
		if (!strcmp(line, "reset") || !strcmp(line, "unpower")) {
			rv = SCardReconnect(card, share,
					    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
					    line[0] == 'r' ? SCARD_RESET_CARD :
							     SCARD_UNPOWER_CARD, &proto);
			printf(rv == SCARD_S_SUCCESS ? "ok\n" : "ERR %s\n",
			       pcsc_stringify_error(rv));
			fflush(stdout);
			continue;
		}
		/* an empty APDU would hang Debian 12's vpcd (it sends nothing
		 * and waits for an answer), so it never leaves this client */
		if (hex2bin(line, cmd, sizeof(cmd), &len) || len == 0) {
			printf("ERR bad hex\n");
			fflush(stdout);
			continue;
		}
		rv = SCardTransmit(card, pci, cmd, (DWORD)len, NULL, rsp, &rlen);
		if (rv != SCARD_S_SUCCESS || rlen < 2) {
			printf("ERR %s\n", pcsc_stringify_error(rv));
		} else {
			printf("%02X%02X ", rsp[rlen - 2], rsp[rlen - 1]);
			for (i = 0; i + 2 < rlen; i++)
				printf("%02X", rsp[i]);
			printf("\n");
		}
		fflush(stdout);
	}
	SCardDisconnect(card, SCARD_LEAVE_CARD);
	SCardReleaseContext(ctx);
	return 0;
}
