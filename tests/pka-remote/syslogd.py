#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A syslog socket for tests/pka-remote: bind an AF_UNIX datagram socket
(what glibc's syslog() sends to as /dev/log) and append each message, as
received (RFC 3164 framing: "<PRI>TIMESTAMP TAG[PID]: MSG"), as one line
to OUT.  Runs until killed.

usage: syslogd.py SOCKET OUT
"""
import os
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    with open(out, "a") as f:
        while True:
            msg = s.recv(65536).decode("utf-8", "backslashreplace")
            f.write(msg.rstrip("\0\n").replace("\n", "\\n") + "\n")
            f.flush()


if __name__ == "__main__":
    main()
