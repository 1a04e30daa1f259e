#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A scripted custodian for tests/pka-remote: speaks the remote n-of-m
protocol (Documentation/custodians.md) from Python's own TLS and framing,
so the test can send what `pka approve --connect` never would.

usage: peer.py HOST PORT MODE [ARGS]
Peers that hold a connection open (each prints "connected ADDR:PORT", its own
end, once connected, then "closed by server" when the server closes it):
  silent                      TCP only, never a byte
  stall                       the first half of a TLS ClientHello, then nothing
  mute                        the TLS handshake and the HELLO, then nothing
  hold N                      N silent connections until killed
Custodians (print "status N authenticated A required R" from the RESULT):
  capture PKA CTL DEV ID OUT  sign the server's challenge with token DEV key ID
                              (CTL pka approve --challenge, file mode), send it
                              as the key of PKA, save the APPROVAL frame to OUT
  resend FRAME                send a saved APPROVAL frame byte for byte
  garbage PKA                 the key of PKA with a random 64-byte r||s
  trailing PKA                a well-formed approval plus one byte inside the frame
  wrongtype                   a RESULT frame where an APPROVAL belongs
"""
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time


def tlv_walk(b):
    i = 0
    while i < len(b):
        tag = b[i]
        i += 1
        if tag & 0x1F == 0x1F:
            tag = (tag << 8) | b[i]
            i += 1
        n = b[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[i:i + k], "big")
            i += k
        yield tag, b[i:i + n]
        i += n


def find(b, want):
    for tag, val in tlv_walk(b):
        if tag == want:
            return val
        if tag in (0x30, 0x63, 0x67, 0x7F21, 0x7F4E):
            r = find(val, want)
            if r is not None:
                return r
    return None


def key_chr(pka):
    """The custodian key's CHR: 5F20 of the request's inner certificate body."""
    return find(open(pka, "rb").read(), 0x5F20)


def frame(typ, payload):
    return struct.pack(">BH", typ, len(payload)) + payload


def approval(chr_, sig):
    return frame(2, bytes([1, len(chr_)]) + chr_ + bytes([len(sig)]) + sig)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("server closed")
        buf += chunk
    return buf


def recv_frame(s):
    typ, n = struct.unpack(">BH", recv_exact(s, 3))
    return typ, recv_exact(s, n)


def device_chr(chain):
    """CHR of the first CVC in EF 2F02 (the device certificate)."""
    return find(chain, 0x5F20)


def client_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


def say(what):
    print(what, flush=True)


def connected(s):
    say("connected %s:%d" % s.getsockname()[:2])


def wait_closed(s):
    """Block until the server closes the connection (or resets it)."""
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        say("timed out waiting for the server")
        sys.exit(1)
    except (OSError, ssl.SSLError):
        pass
    say("closed by server")


def client_hello_half():
    """The first half of a real TLS 1.3 ClientHello (Python's own)."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = client_ctx().wrap_bio(inc, out)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    return hello[:len(hello) // 2]


def hold(host, port, n):
    say("waiting")
    socks = []
    for _ in range(n):
        socks.append(socket.create_connection((host, port), timeout=300))
        connected(socks[-1])
    signal.pause()    # until killed: the kernel closes them all


def connect_when_listening(host, port, wait=300):
    """TCP to the server, retried until it listens (started before it)."""
    say("waiting")
    end = time.monotonic() + wait
    while True:
        try:
            return socket.create_connection((host, port), timeout=300)
        except ConnectionRefusedError:
            if time.monotonic() > end:
                raise
            time.sleep(0.05)


def idle_peer(host, port, mode):
    with connect_when_listening(host, port) as raw:
        if mode == "stall":
            raw.sendall(client_hello_half())
        if mode == "mute":
            with client_ctx().wrap_socket(raw) as s:
                typ, _ = recv_frame(s)
                assert typ == 1, "not a HELLO"
                connected(s)
                wait_closed(s)
            return
        connected(raw)
        wait_closed(raw)


def main():
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    args = sys.argv[4:]
    if mode == "hold":
        hold(host, port, int(args[0]))
        return
    if mode in ("silent", "stall", "mute"):
        idle_peer(host, port, mode)
        return
    with socket.create_connection((host, port), timeout=120) as raw:
        with client_ctx().wrap_socket(raw) as s:
            typ, hello = recv_frame(s)
            assert typ == 1 and hello[0] == 1, "not a HELLO"
            clen = hello[1]
            chal = hello[2:2 + clen]
            (chain_len,) = struct.unpack(">H", hello[2 + clen:4 + clen])
            chain = hello[4 + clen:4 + clen + chain_len]
            if mode == "capture":
                pka, ctl, dev, kid, out = args
                with tempfile.TemporaryDirectory() as d:
                    cf, sf = os.path.join(d, "chal"), os.path.join(d, "sig")
                    with open(cf, "w") as f:
                        f.write(device_chr(chain).decode() + "\n" + chal.hex() + "\n")
                    subprocess.run([ctl, "-d", dev, "pka", "approve", "--challenge", cf,
                                    "--key", kid, "--out", sf], check=True,
                                   stdout=subprocess.DEVNULL)
                    msg = approval(key_chr(pka), open(sf, "rb").read())
                with open(out, "wb") as f:
                    f.write(msg)
            elif mode == "resend":
                msg = open(args[0], "rb").read()
            elif mode == "garbage":
                msg = approval(key_chr(args[0]), os.urandom(64))
            elif mode == "trailing":
                good = approval(key_chr(args[0]), os.urandom(64))[3:] + b"\0"
                msg = frame(2, good)
            elif mode == "wrongtype":
                msg = frame(3, b"\0\0\0")
            else:
                sys.exit("unknown mode " + mode)
            s.sendall(msg)
            typ, res = recv_frame(s)
            assert typ == 3 and len(res) == 3, "not a RESULT"
            print("status %d authenticated %d required %d" % tuple(res))


if __name__ == "__main__":
    main()
