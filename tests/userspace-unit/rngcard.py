#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A vpcd test card that answers just enough of the SmartCard-HSM interface
for sc-hsm-tool's DKEK share create/import: SELECT, PIN status, GET
CHALLENGE (the tool's RNG) and IMPORT DKEK SHARE (80 52), which records
every imported 32-byte share (hex, one per line) to a log file so a test can
compare what sc-hsm-tool deciphered with what schsmctl deciphers.

usage: rngcard.py PORT SHARELOG [TOTAL]
Connects to vpcd on 127.0.0.1:PORT; runs until the socket closes."""
import hashlib
import os
import socket
import struct
import sys

ATR = bytes.fromhex("3bfe1800008131fe458031815448534d31738021408107fa")
AID = bytes.fromhex("e82b0601040181c31f0201")
FCP = bytes.fromhex("62078505000104ff0304")


def answer(apdu, st):
    cla, ins, p1, p2 = apdu[:4]
    body = apdu[4:]
    data = b""
    if len(body) > 1:
        lc = body[0]
        data = body[1:1 + lc]
    if ins == 0xA4 and p1 == 0x04:
        return (FCP + b"\x90\x00") if data == AID else b"\x6a\x82"
    if ins == 0xA4:
        return b"\x6a\x82"
    if ins == 0x20:
        return b"\x63\xc3" if p2 in (0x81, 0x88) else b"\x6a\x88"
    if ins == 0x84:
        n = body[0] if body else 0
        return os.urandom(n or 256) + b"\x90\x00"
    if cla == 0x80 and ins == 0x52:
        if len(data) == 32:
            if st["outstanding"] == 0:
                return b"\x69\x85"
            st["dkek"] = bytes(a ^ b for a, b in zip(st["dkek"], data))
            st["outstanding"] -= 1
            with open(st["log"], "a") as f:
                f.write(data.hex() + "\n")
        kcv = hashlib.sha256(st["dkek"]).digest()[:8]
        return bytes([st["total"], st["outstanding"]]) + kcv + b"\x90\x00"
    if cla == 0x80 and ins == 0x58:
        return b"\xcc\x00\x90\x00"
    if ins == 0xB0 or ins == 0xB1:
        return b"\x6a\x82"
    return b"\x6d\x00"


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def main():
    port, log = int(sys.argv[1]), sys.argv[2]
    total = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    st = {"total": total, "outstanding": total, "dkek": bytes(32), "log": log}
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            n = struct.unpack(">H", recv_exact(s, 2))[0]
            msg = recv_exact(s, n)
            if n == 1:
                if msg[0] == 4:
                    s.sendall(struct.pack(">H", len(ATR)) + ATR)
                continue
            r = answer(msg, st) if n >= 4 else b"\x67\x00"
            s.sendall(struct.pack(">H", len(r)) + r)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    except (EOFError, ConnectionError):
        pass


if __name__ == "__main__":
    main()
