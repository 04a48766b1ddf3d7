import NIOCore
import PromoWire

/// A call encoded once, sent many times: the bytes of a `Request`'s call arm (the whole `Request` without its
/// id, which protobuf lets a frame put first or last). A frame is then the length, the id field and these
/// bytes, as the minimal C client `scripts/lib/loadc.c` builds them; nothing is packed per call.
struct CallTemplate: Sendable {
    let kind: CallKind
    let arm: [UInt8]
    /// Where a decimal number of `numberDigits` digits sits in `arm` (a user id's tail), rewritten per call
    /// as the call number modulo 10^`numberDigits`; nil: the arm goes out as it is.
    let numberAt: Int?
    let numberDigits: Int

    /// Digits of the rewritten number: 100,000 distinct users for validate, as before.
    static let userDigits = 5

    /// `call` encoded once. With `numbered`, `call` must carry `numbered` (a string of `userDigits` zeros at
    /// the end of a field), whose digits are then rewritten per call.
    init(kind: CallKind, call: Request.Call, numbered: String? = nil) throws {
        let codec = WireCodec(frameBytesMax: 1 << 20)
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        try codec.encode(Request(requestId: 0, call), into: &buffer)
        buffer.moveReaderIndex(forwardBy: FrameDecoder.lengthBytes)
        let arm = Array(buffer.readableBytesView)
        self.kind = kind
        self.arm = arm
        self.numberDigits = Self.userDigits
        if let numbered {
            let needle = Array(numbered.utf8)
            guard let start = Self.firstIndex(of: needle, in: arm) else {
                preconditionFailure("the numbered field is not in the encoded call")
            }
            numberAt = start + needle.count - Self.userDigits
        } else {
            numberAt = nil
        }
    }

    /// Appends the frame of call number `n` with request id `id`.
    func append(id: UInt64, n: UInt64, to buffer: inout ByteBuffer) {
        let body = 1 + VarInt.length(id) + arm.count
        buffer.reserveCapacity(minimumWritableBytes: FrameDecoder.lengthBytes + body)
        buffer.writeInteger(UInt32(body), endianness: .big)
        buffer.writeInteger(UInt8(0x08))  // field 1 (request_id), varint
        VarInt.write(id, to: &buffer)
        let armStart = buffer.writerIndex
        buffer.writeBytes(arm)
        guard let numberAt else { return }
        var value = n
        var index = armStart + numberAt + numberDigits - 1
        for _ in 0..<numberDigits {
            buffer.setInteger(UInt8(ascii: "0") + UInt8(value % 10), at: index)
            value /= 10
            index -= 1
        }
    }

    /// A user id whose last `userDigits` characters are the number, zero-padded.
    static func numberedUser(prefix: String, _ n: UInt64) -> String {
        let digits = String(n % 100_000)
        return prefix + String(repeating: "0", count: userDigits - digits.count) + digits
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

enum VarInt {
    static func length(_ value: UInt64) -> Int {
        var value = value
        var length = 1
        while value >= 0x80 {
            value >>= 7
            length += 1
        }
        return length
    }

    static func write(_ value: UInt64, to buffer: inout ByteBuffer) {
        var value = value
        while value >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        buffer.writeInteger(UInt8(value))
    }
}

/// The three things the load tester needs from an answer, read straight from its protobuf bytes without
/// unpacking it: the request id, the status code and, for validate and redeem, the verdict.
struct AnswerScan: Equatable {
    var requestId: UInt64 = 0
    /// A missing status is protobuf's default: OK.
    var status: Int32 = 0
    /// nil when the answer has no validate or redeem result.
    var verdict: Int32?

    static let statusField: UInt64 = 2
    static let validateField: UInt64 = 11
    static let redeemField: UInt64 = 12

    /// nil when the bytes are not a well-formed message.
    static func scan(_ frame: ByteBuffer) -> AnswerScan? {
        frame.withUnsafeReadableBytes { bytes in
            var answer = AnswerScan()
            var reader = Reader(bytes: bytes, at: 0, end: bytes.count)
            while reader.at < reader.end {
                guard let tag = reader.varint() else { return nil }
                let field = tag >> 3
                switch tag & 7 {
                case 0:
                    guard let value = reader.varint() else { return nil }
                    if field == 1 { answer.requestId = value }
                case 1:
                    guard reader.skip(8) else { return nil }
                case 5:
                    guard reader.skip(4) else { return nil }
                case 2:
                    guard let length = reader.varint(), length <= UInt64(reader.end - reader.at) else { return nil }
                    let inner = Reader(bytes: bytes, at: reader.at, end: reader.at + Int(length))
                    switch field {
                    case statusField:
                        guard let code = inner.firstVarint(field: 1) else { return nil }
                        answer.status = Int32(truncatingIfNeeded: code)
                    case validateField, redeemField:
                        guard let verdict = inner.firstVarint(field: 1) else { return nil }
                        answer.verdict = Int32(truncatingIfNeeded: verdict)
                    default: break
                    }
                    reader.at += Int(length)
                default:
                    return nil
                }
            }
            return answer
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var at: Int
        let end: Int

        mutating func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while at < end, shift < 64 {
                let byte = bytes[at]
                at += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
            return nil
        }

        mutating func skip(_ count: Int) -> Bool {
            guard end - at >= count else { return false }
            at += count
            return true
        }

        /// The first varint field `field` of this message; 0 (the default) when absent; nil when malformed.
        func firstVarint(field wanted: UInt64) -> UInt64? {
            var reader = self
            while reader.at < reader.end {
                guard let tag = reader.varint() else { return nil }
                switch tag & 7 {
                case 0:
                    guard let value = reader.varint() else { return nil }
                    if tag >> 3 == wanted { return value }
                case 1:
                    guard reader.skip(8) else { return nil }
                case 5:
                    guard reader.skip(4) else { return nil }
                case 2:
                    guard let length = reader.varint(), length <= UInt64(reader.end - reader.at) else { return nil }
                    reader.at += Int(length)
                default:
                    return nil
                }
            }
            return 0
        }
    }
}
