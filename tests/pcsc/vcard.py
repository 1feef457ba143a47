#!/usr/bin/env python3
"""A virtual smart card for vsmartcard's vpcd reader driver.

Presents a given ATR to pcscd through vpcd and stays "inserted" until it is
killed (the card is removed when the connection closes). Only ever connects
to 127.0.0.1.

vpcd protocol: every message is a 2-byte big-endian length + payload. A
1-byte payload is a control code (0 power off, 1 power on, 2 reset, 4 get
ATR: answer with the ATR); a longer one is an APDU, answered here with
6D 00 (instruction not supported), or 90 00 to SELECT so that probing
middleware does not spin.

usage: vcard.py --atr "3B D5 18 00 ..." [--port 35963] [--ready-file F]
"""
import argparse
import signal
import socket
import struct
import sys
import time

POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4
HOST = "127.0.0.1"


def parse_atr(text):
    parts = text.split()
    if not parts or len(parts) > 33:
        raise ValueError("an ATR has 1 to 33 bytes")
    out = bytearray()
    for p in parts:
        if len(p) != 2:
            raise ValueError("bad ATR byte %r" % p)
        out.append(int(p, 16))
    return bytes(out)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def send_msg(sock, payload):
    sock.sendall(struct.pack(">H", len(payload)) + payload)


def answer_apdu(apdu):
    # SELECT (INS A4): pretend success; anything else: INS not supported.
    if len(apdu) >= 4 and apdu[1] == 0xA4:
        return b"\x90\x00"
    return b"\x6d\x00"


def connect(port, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection((HOST, port), timeout=2)
        except OSError:
            # pcscd may still be loading the vpcd driver.
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--atr", required=True, help='hex bytes, e.g. "3B D5 18 00"')
    ap.add_argument("--port", type=int, default=35963)
    ap.add_argument("--ready-file", help="created once the ATR was handed out")
    ap.add_argument("--connect-timeout", type=float, default=5.0)
    args = ap.parse_args()
    try:
        atr = parse_atr(args.atr)
    except ValueError as e:
        ap.error(str(e))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sock = connect(args.port, args.connect_timeout)
    except OSError as e:
        print("vcard: cannot reach vpcd on %s:%d: %s" % (HOST, args.port, e),
              file=sys.stderr)
        return 1
    sock.settimeout(None)
    ready_written = False
    with sock:
        while True:
            head = recv_exact(sock, 2)
            if head is None:
                return 0
            (n,) = struct.unpack(">H", head)
            payload = recv_exact(sock, n) if n else b""
            if payload is None:
                return 0
            if len(payload) == 1:
                code = payload[0]
                if code == GET_ATR:
                    send_msg(sock, atr)
                    if args.ready_file and not ready_written:
                        open(args.ready_file, "w").close()
                        ready_written = True
                # power off/on and reset need no answer
            elif payload:
                send_msg(sock, answer_apdu(payload))


if __name__ == "__main__":
    sys.exit(main())
