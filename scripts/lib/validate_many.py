#!/usr/bin/env python3
"""Validates every code of a file once, pipelined on one connection: makes a server's validate view hold them.

Usage: validate_many.py HOST PORT API_KEY CODES_FILE [WINDOW]
  CODES_FILE  one code per line, or promoctl's CSV (the first column; a header line "code,..." is skipped)
  WINDOW      calls in flight at most (default 200, below the server's inFlightPerConnectionMax)
Prints one JSON object: calls, ok (verdict OK), seconds. No dependencies: frames are encoded by hand
(proto3: Request{request_id=1, hello=10{api_key=1}, validate=11{code=1, user=2{user_id=1}}}).
"""
import json
import socket
import struct
import sys
import time


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def frame(request_id, arm_number, arm):
    body = varint(1 << 3 | 0) + varint(request_id) + field(arm_number, arm)
    return struct.pack(">I", len(body)) + body


def read_varint(data, at):
    shift = value = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def fields(data):
    at = 0
    while at < len(data):
        key, at = read_varint(data, at)
        number, kind = key >> 3, key & 7
        if kind == 0:
            value, at = read_varint(data, at)
        elif kind == 2:
            length, at = read_varint(data, at)
            value, at = data[at:at + length], at + length
        elif kind == 1:
            value, at = data[at:at + 8], at + 8
        elif kind == 5:
            value, at = data[at:at + 4], at + 4
        else:
            raise ValueError("unknown wire type %d" % kind)
        yield number, value


def verdict_of(response):
    for number, value in fields(response):
        if number == 11:  # the validate arm
            for inner, verdict in fields(value):
                if inner == 1:
                    return verdict
            return 0
    return None


class Reader:
    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def next(self):
        while True:
            if len(self.buffer) >= 4:
                (length,) = struct.unpack(">I", self.buffer[:4])
                if len(self.buffer) >= 4 + length:
                    body, self.buffer = self.buffer[4:4 + length], self.buffer[4 + length:]
                    return body
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("server closed the connection")
            self.buffer += chunk


def main():
    host, port, key, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    window = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    codes = []
    for line in open(path):
        code = line.strip().split(",")[0]
        if code and code != "code":
            codes.append(code.encode())
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = Reader(sock)
    sock.sendall(frame(1, 10, field(1, key.encode())))
    reader.next()
    user = field(2, field(1, b"rss-probe"))
    started = time.monotonic()
    sent = answered = ok = 0
    while answered < len(codes):
        batch = bytearray()
        while sent < len(codes) and sent - answered < window:
            batch += frame(sent + 2, 11, field(1, codes[sent]) + user)
            sent += 1
        if batch:
            sock.sendall(batch)
        target = min(len(codes), answered + max(1, window // 2))
        while answered < target:
            if verdict_of(reader.next()) == 1:
                ok += 1
            answered += 1
    print(json.dumps({"calls": answered, "ok": ok, "seconds": round(time.monotonic() - started, 3)}))


if __name__ == "__main__":
    main()
