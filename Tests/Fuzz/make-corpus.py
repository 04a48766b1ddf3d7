#!/usr/bin/env python3
"""Writes the fuzz seed corpus for Tests/Fuzz/FuzzWire.swift into Tests/Fuzz/corpus/.

The seeds are written by hand from promo.proto (proto/promo/v1/promo.proto) with a tiny protobuf encoder,
so they need no generated code: a valid frame for every Request arm, response bodies, multi-frame streams,
and hostile shapes (truncated, oversized length prefixes, invalid UTF-8, embedded NUL, non-minimal and
sign-extended varints, unknown fields, two oneof arms). The fuzz entry treats an input both as a frame
stream and as one message body, so both kinds of seed are useful.

Usage: Tests/Fuzz/make-corpus.py   (rewrites the seed-*.bin files; crash reproducers, named
crash-*, are kept: add those by hand after fixing the bug they found).
"""

import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def varint(n):
    if n < 0:
        n += 1 << 64  # int64 and enums: sign-extended to 10 bytes
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(field, wire_type):
    return varint(field << 3 | wire_type)


def V(field, n):  # varint field (int64, uint64, uint32, enum, bool)
    return key(field, 0) + varint(n)


def S(field, value):  # string or bytes field
    data = value.encode() if isinstance(value, str) else value
    return key(field, 2) + varint(len(data)) + data


def M(field, *parts):  # sub-message
    return S(field, b"".join(parts))


def D(field, x):  # double
    return key(field, 1) + struct.pack("<d", x)


def frame(body):
    return struct.pack(">I", len(body)) + body


def request(request_id, arm, *parts):
    return V(1, request_id) + M(arm, *parts)


# Shared sub-messages (field numbers from promo.proto).
user = M(2, S(1, "user-1"), S(2, "vip"), S(2, "grün ✓"), V(3, -1_700_000_000_001), S(4, "DE"), V(5, 7),
         S(6, "203.0.113.9"), S(7, "device-42"))
reward = lambda field: M(field, V(1, 2), V(2, -12_345), S(3, "EUR"), V(4, 150), V(5, 2**63 - 1), V(6, 25),
                         S(7, "book-of-ra"))
eligibility = M(10, S(1, "vip"), S(1, "churned"), V(2, 1), V(3, 86_400_000), V(4, -2), S(5, "DE"), S(5, "AT"),
                V(6, 4))
stats = M(13, V(1, 11), V(2, 12), V(3, 2**64 - 1), V(4, 1))


def campaign(field):
    return M(field, S(1, "cmp-1"), S(2, "Summer ☀️"), V(3, 5), reward(4), V(5, -(2**63)), V(6, 1_800_000_000_000),
             V(7, 1), V(8, 2**64 - 2), V(9, 3), eligibility, S(11, "partner-x"), V(12, -7), stats)


code_info = lambda field: M(field, S(1, "ABC-123"), S(2, "cmp-3"), V(3, 1), V(4, 10), V(5, 9), S(6, "owner-7"),
                            S(7, "batch-3"), V(8, -1))
redemption = lambda field: M(field, S(1, "red-1"), S(2, "CODE-1"), S(3, "cmp-5"), S(4, "user-9"), reward(5),
                             V(6, 1_700_000_000_123), V(7, 1), S(8, "app"), V(9, -1), S(10, "fraud"))

# One valid request body per arm of `oneof call`.
requests = {
    "hello": request(1, 10, S(1, "pk_live_123"), S(2, "slots-eu-1")),
    "validate": request(300, 11, S(1, "SUMMER-24"), user, V(3, -5_000), S(4, "USD"), V(5, 30_000)),
    "redeem": request(2, 12, S(1, "SUMMER-25"), user, S(3, "idem-1"), V(4, -(2**63)), S(5, "GBP"), S(6, "mobile"),
                      S(7, "res-1")),
    "generate": request(3, 13, S(1, "cmp-7"), V(2, 10_000), S(3, "??-####"), S(4, "PRE"), S(5, "SUF"),
                        V(6, 2**64 - 1), S(7, "aff-3"), S(8, "idem-2")),
    "report": request(4, 14, S(1, "cmp-8"), V(2, -(2**63)), V(3, -1), V(4, 2), V(5, 10)),
    "create-campaign": request(5, 15, campaign(1), S(2, "SHARED"), V(3, 2**64 - 1)),
    "update-campaign": request(6, 16, S(1, "cmp-9"), campaign(2), S(3, "name"), S(3, "active"), S(3, "reward")),
    "get-campaign": request(7, 17, S(1, "cmp-10")),
    "list-campaigns": request(8, 18, S(1, "page-2"), V(2, 2**32 - 1), V(3, 1)),
    "import-codes": request(9, 19, S(1, "cmp-11"), M(2, S(1, "IMP-1"), V(2, 1), S(3, "o-1")),
                            M(2, S(1, "IMP-2"), V(2, 2**64 - 1), S(3, "o-2"))),
    "export-codes": request(10, 20, S(1, "cmp-12"), S(2, "batch-9"), S(3, "tok"), V(4, 500), S(5, "o-3"), V(6, 1)),
    "set-code-status": request(11, 21, S(1, "OFF-1"), V(2, 1)),
    "void-redemption": request(12, 22, S(1, "red-3"), S(2, "chargeback")),
    "reward-history": request(13, 23, S(1, "user-11"), S(2, "p-3"), V(3, 50)),
    "create-api-key": request(14, 24, S(1, "partner"), S(2, "issuer"), S(3, "cmp-1"), S(3, "cmp-2"), S(3, "")),
    "revoke-api-key": request(15, 25, S(1, "key-9")),
    "list-api-keys": request(16, 26),
    "check": request(17, 27),
    "backup": request(18, 28, S(1, "nightly-2026-12-02.sqlite")),
    "fetch-backup": request(19, 29, S(1, "nightly.sqlite"), V(2, 2**64 - 4), V(3, 262_144)),
    "audit-log": request(20, 30, S(1, "key-3"), S(2, "void_redemption"), S(3, "red-9"), V(4, -5), V(5, 2**63 - 1),
                         S(6, "p-4"), V(7, 2**32 - 1)),
}

# Response bodies (the entry also runs decodeResponse over the raw input).
status_ok = M(2, V(1, 0))
responses = {
    "hello": V(1, 1) + status_ok + M(10, S(1, "1.2.3"), S(2, "manager")),
    "error": V(1, 2) + M(2, V(1, 3), S(2, "bad code")),
    "unknown-status": V(1, 3) + M(2, V(1, 99), S(2, "from the future")),
    "validate": V(1, 4) + M(11, V(1, 10), S(2, "cmp-20"), reward(3), V(4, 2**64 - 1), S(5, "res-2"), V(6, -42),
                            V(7, 1)),
    "redeem": V(1, 5) + M(12, V(1, 1), S(2, "red-4"), reward(3), S(4, "cmp-21"), V(5, 1)),
    "generate": V(1, 6) + M(13, S(1, "batch-10"), V(2, 3), S(3, "AAA-111"), S(3, "BBB-222"), S(3, "CCC-333")),
    "report": V(1, 7) + M(14, S(1, "cmp-22"), V(2, 1000), V(3, 250), V(4, 260), V(5, 10), V(6, 240), D(7, 0.25),
                          V(8, -9_999_999_999), M(9, S(1, "EXPIRED"), V(2, 4)), M(10, S(1, "web"), V(2, 100)),
                          M(11, S(1, "aff-1"), V(2, 7)), M(12, V(1, -86_400_000), V(2, 7), V(3, 6)),
                          M(13, S(1, "EUR"), V(2, 5)), V(14, 3), V(15, -4),
                          M(16, S(1, "10.0.0.1"), V(2, 1), V(3, 2)), M(17, S(1, "dev"), V(2, 3), V(3, 4)),
                          M(18, S(1, "u"), V(2, 5), V(3, 6)),
                          M(19, S(1, "ip"), S(2, "10.0.0.9"), V(3, 1), V(4, 9), D(5, float("nan")), S(6, "burst")),
                          V(20, 3_600_000), V(21, 7_200_000), V(22, 1)),
    "list-campaigns": V(1, 8) + M(18, campaign(1), campaign(1), S(2, "next-1")),
    "import-codes": V(1, 9) + M(19, S(1, "batch-11"), V(2, 98), M(3, V(1, 3), S(2, "DUP-1"), S(3, "duplicate"))),
    "export-codes": V(1, 10) + M(20, code_info(1), code_info(1), S(2, "next-2")),
    "void-redemption": V(1, 11) + M(22, redemption(1)),
    "reward-history": V(1, 12) + M(23, redemption(1), redemption(1), S(2, "next-3")),
    "create-api-key": V(1, 13) + M(24, S(1, "key-10"), S(2, "pk_secret_shown_once")),
    "list-api-keys": V(1, 14) + M(26, M(1, S(1, "key-1"), S(2, "shop"), S(3, "issuer"), S(4, "cmp-1"), V(5, -9),
                                         V(6, 1))),
    "check": V(1, 15) + M(27, V(1, 0), S(2, "codes.uses: 1 row(s) disagree"), V(3, -11)),
    "backup": V(1, 16) + status_ok + M(28, S(1, "promo-20261202T040000000Z.sqlite"), S(2, "/var/backups/p.sqlite"),
                                       V(3, 2**64 - 1), V(4, 1234), S(5, "ab" * 32), V(6, -17), V(7, 2**63 - 1)),
    "fetch-backup": V(1, 17) + status_ok + M(29, S(1, bytes(range(256)) + b"\x00\x00\x07"), V(2, 9_999)),
    "audit-log": V(1, 18) + status_ok + M(30, M(1, V(1, 41), V(2, 1_700_000_000_999), S(3, "key-4"),
                                                S(4, "update_campaign"), S(5, "cmp-30"), S(6, "active,name")),
                                          S(2, "next-4")),
}

hello = frame(requests["hello"])
validate = frame(requests["validate"])
seeds = {}
for name, body in requests.items():
    seeds[f"request-{name}"] = frame(body)
for name, body in responses.items():
    seeds[f"response-{name}"] = body
seeds.update({
    # Streams of several frames, as a connection delivers them.
    "stream-hello-validate": hello + validate,
    "stream-hello-redeem-check": hello + frame(requests["redeem"]) + frame(requests["check"]),
    "stream-empty-frame": frame(b"") + hello,
    "stream-then-truncated": hello + validate[:20],
    "stream-response-frames": frame(responses["hello"]) + frame(responses["error"]),
    # Incomplete and oversized frames (the entry's frameBytesMax is 64 KiB).
    "truncated-body": validate[:30],
    "truncated-length": b"\x00\x00\x00",
    "length-only": struct.pack(">I", 58),
    "length-at-max": struct.pack(">I", 64 * 1024) + requests["hello"],
    "length-over-max": struct.pack(">I", 64 * 1024 + 1) + requests["hello"],
    "length-huge": b"\xff\xff\xff\xff" + requests["hello"],
    "frame-then-oversized": hello + b"\x7f\xff\xff\xff",
    # Odd but decodable, or cleanly rejected, bodies.
    "request-empty": frame(b""),
    "request-id-only": frame(V(1, 2**64 - 1)),
    "request-two-arms": frame(V(1, 1) + M(10, S(1, "k")) + M(17, S(1, "cmp-1"))),
    "request-unknown-fields": frame(request(1, 10, S(1, "k"), S(99, "x"), V(100, 5)) + D(200, 1.5) + V(4, 1)),
    "request-invalid-utf8": frame(request(1, 10, S(1, b"\xff\xfe\xc3"))),
    "request-embedded-nul": frame(request(1, 17, S(1, b"cmp\x00tail"))),
    "request-nonminimal-varint": frame(b"\x08\x81\x80\x80\x80\x00" + M(25, S(1, "key-9"))),
    "request-enum-5-byte-negative": frame(V(1, 1) + M(20, S(1, "c"), key(6, 0) + b"\xff\xff\xff\xff\x0f")),
    "request-enum-unknown": frame(request(1, 14, S(1, "c"), V(4, 77))),
    "request-wrong-wire-type": frame(V(1, 1) + key(10, 0) + varint(3)),
    "request-sub-length-overrun": frame(V(1, 1) + key(11, 2) + varint(200) + b"\x0a\x01x"),
    # A body on its own, without a length prefix.
    "body-hello": requests["hello"],
    "body-validate": requests["validate"],
})


def main():
    os.makedirs(CORPUS, exist_ok=True)
    for old in os.listdir(CORPUS):
        if old.startswith("seed-"):
            os.remove(os.path.join(CORPUS, old))
    for name, data in seeds.items():
        with open(os.path.join(CORPUS, f"seed-{name}.bin"), "wb") as out:
            out.write(data)
    print(f"wrote {len(seeds)} seeds to {CORPUS}")


if __name__ == "__main__":
    main()
