/// Random public ids: a type prefix for people reading logs, then 96 random bits from the system CSPRNG,
/// so ids cannot be guessed or enumerated.
enum Identifier {
    static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = UInt32(truncatingIfNeeded: generator.next() as UInt64)
        return prefix + "_" + hex(high, digits: 16) + hex(UInt64(low), digits: 8)
    }

    /// An id that sorts by creation time: the prefix, 48 bits of Unix milliseconds, then 64 random bits.
    /// For rows written on the hot path (redemptions, reservations): their primary-key index then grows at its
    /// right edge, so a batch of inserts dirties one or two index pages instead of one random page each (a
    /// random id cost about one extra 4 KiB WAL page per redemption). 64 random bits keep the ids unguessable;
    /// the time they reveal is the row's own creation time, which its owner sees anyway.
    static func makeTimeOrdered(_ prefix: String, nowMs: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        let random = generator.next() as UInt64
        return prefix + "_" + hex(UInt64(max(0, nowMs)) & 0xFFFF_FFFF_FFFF, digits: 12) + hex(random, digits: 16)
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: digits - text.count) + text
    }
}

/// Opaque page tokens: the sort key of the last row of a page, `<ms>~<id>`. Clients must treat them as
/// opaque; a token that does not parse is INVALID_ARGUMENT.
enum PageToken {
    static func encode(ms: Int64, id: String) -> String { "\(ms)~\(id)" }

    static func decode(_ token: String) throws(ServerError) -> (ms: Int64, id: String)? {
        guard !token.isEmpty else { return nil }
        let parts = token.split(separator: "~", maxSplits: 1)
        guard parts.count == 2, let ms = Int64(parts[0]), !parts[1].isEmpty, token.utf8.count <= 256 else {
            throw ServerError(.invalidArgument, "page_token is not one this server issued")
        }
        return (ms, String(parts[1]))
    }

    static func pageSize(_ requested: UInt32, _ configuration: ServerConfiguration) -> Int {
        requested == 0 ? configuration.pageSizeDefault : min(Int(requested), configuration.pageSizeMax)
    }
}

/// Bytes as lowercase hexadecimal: key material and file digests.
enum Hex {
    static func lowercase(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
