import NIOCore
import Testing

@testable import PromoWire

// MARK: - Bytes

/// The readable bytes of `buffer`, for comparing against hand-written hex literals.
func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]]) }.joined(separator: " ")
}

/// A 4-byte big-endian length prefix followed by `body`, built independently of `FrameDecoder`.
func framed(_ body: [UInt8]) -> [UInt8] {
    let n = UInt32(body.count)
    return [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + body
}

// MARK: - Codec helpers

/// Encodes one request and returns the whole frame's bytes.
func encodeFrame(_ request: Request, codec: WireCodec = WireCodec(frameBytesMax: 1 << 20)) throws -> [UInt8] {
    var buffer = ByteBuffer()
    try codec.encode(request, into: &buffer)
    return bytes(buffer)
}

/// Encodes one response and returns the whole frame's bytes.
func encodeFrame(_ response: Response, codec: WireCodec = WireCodec(frameBytesMax: 1 << 20)) throws -> [UInt8] {
    var buffer = ByteBuffer()
    try codec.encode(response, into: &buffer)
    return bytes(buffer)
}

/// Splits exactly one frame off `frame` with `FrameDecoder` and checks nothing is left over.
func body(ofSingleFrame frame: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> ByteBuffer {
    var buffer = ByteBuffer(bytes: frame)
    let decoder = FrameDecoder(frameBytesMax: 1 << 20)
    let body = try #require(try decoder.nextFrame(from: &buffer), sourceLocation: sourceLocation)
    #expect(buffer.readableBytes == 0, "bytes left after the frame", sourceLocation: sourceLocation)
    return body
}

/// The `WireError.Code` thrown by `body`, or nil when it returned normally. Any other error is a test failure.
func wireErrorCode<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T
) -> WireError.Code? {
    do {
        _ = try body()
        return nil
    } catch let error as WireError {
        return error.code
    } catch {
        Issue.record(error, "expected a WireError", sourceLocation: sourceLocation)
        return nil
    }
}

// MARK: - An independent protobuf wire reader

/// A minimal protobuf wire-format parser written from the encoding spec, independent of protobuf-c. It lets
/// tests check which field *number* each Swift property lands on, which a round trip alone cannot show
/// (a bridge that swaps two same-typed fields symmetrically still round-trips).
struct ProtoFields {
    enum Value: Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes([UInt8])
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var entries: [(number: Int, value: Value)] = []

    init(_ input: [UInt8]) throws {
        var index = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard index < input.count else { throw ParseError(description: "truncated varint") }
                guard shift < 64 else { throw ParseError(description: "varint too long") }
                let byte = input[index]
                index += 1
                result |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func take(_ count: Int) throws -> [UInt8] {
            guard count >= 0, input.count - index >= count else { throw ParseError(description: "truncated field") }
            defer { index += count }
            return Array(input[index..<index + count])
        }
        while index < input.count {
            let key = try varint()
            let number = Int(key >> 3)
            guard number > 0 else { throw ParseError(description: "field number 0") }
            switch key & 7 {
            case 0: entries.append((number, .varint(try varint())))
            case 1:
                let raw = try take(8)
                entries.append((number, .fixed64(raw.reversed().reduce(0) { $0 << 8 | UInt64($1) })))
            case 2:
                let length = try varint()
                guard length <= UInt64(input.count) else { throw ParseError(description: "length too large") }
                entries.append((number, .bytes(try take(Int(length)))))
            case 5:
                let raw = try take(4)
                entries.append((number, .fixed32(raw.reversed().reduce(0) { $0 << 8 | UInt32($1) })))
            default: throw ParseError(description: "unsupported wire type \(key & 7)")
            }
        }
    }

    var numbers: Set<Int> { Set(entries.map(\.number)) }

    private func all(_ number: Int) -> [Value] { entries.filter { $0.number == number }.map(\.value) }

    func uint64(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) -> UInt64 {
        guard let last = all(number).last else { return 0 }
        guard case .varint(let value) = last else {
            Issue.record("field \(number) is \(last), not a varint", sourceLocation: sourceLocation)
            return 0
        }
        return value
    }

    func int64(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) -> Int64 {
        Int64(bitPattern: uint64(number, sourceLocation: sourceLocation))
    }

    func uint32(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) -> UInt32 {
        let value = uint64(number, sourceLocation: sourceLocation)
        #expect(value <= UInt64(UInt32.max), "uint32 field \(number) out of range", sourceLocation: sourceLocation)
        return UInt32(truncatingIfNeeded: value)
    }

    /// Enums are int32 on the wire: negative values are sign-extended to 10 bytes.
    func enumeration(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) -> Int32 {
        Int32(truncatingIfNeeded: Int64(bitPattern: uint64(number, sourceLocation: sourceLocation)))
    }

    func bool(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        uint64(number, sourceLocation: sourceLocation) != 0
    }

    func double(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) -> Double {
        guard let last = all(number).last else { return 0 }
        guard case .fixed64(let bits) = last else {
            Issue.record("field \(number) is \(last), not fixed64", sourceLocation: sourceLocation)
            return 0
        }
        return Double(bitPattern: bits)
    }

    private func payloads(_ number: Int, _ sourceLocation: SourceLocation) -> [[UInt8]] {
        all(number).compactMap { value in
            guard case .bytes(let payload) = value else {
                Issue.record("field \(number) is \(value), not length-delimited", sourceLocation: sourceLocation)
                return nil
            }
            return payload
        }
    }

    /// A `bytes` field: the last occurrence, raw.
    func data(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8] {
        payloads(number, sourceLocation).last ?? []
    }

    func strings(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        payloads(number, sourceLocation).map { String(decoding: $0, as: UTF8.self) }
    }

    func string(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        strings(number, sourceLocation: sourceLocation).last ?? ""
    }

    func messages(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> [ProtoFields] {
        try payloads(number, sourceLocation).map { try ProtoFields($0) }
    }

    func message(_ number: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> ProtoFields? {
        try messages(number, sourceLocation: sourceLocation).last
    }
}

// MARK: - A seeded generator

/// SplitMix64: tiny, fast and good enough to make the randomized tests reproducible from a seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
