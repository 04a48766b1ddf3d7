import NIOCore
import Testing

@testable import PromoWire

/// Seeded, so a failure reproduces exactly: change the seed to explore, never to make a failure go away.
@Suite struct RandomizedTests {
    private static func randomBytes(_ rng: inout SplitMix64) -> [UInt8] {
        // Mostly short inputs (where the interesting key/length bytes are), some long ones.
        let length = Bool.random(using: &rng) ? Int.random(in: 0...16, using: &rng) : Int.random(in: 0...4096, using: &rng)
        return (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    @Test func randomBytesNeverCrashDecodeRequest() throws {
        var rng = SplitMix64(seed: 0x5EED_0001)
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let baseline = codec.arenaBytesReserved
        var outcomes: [WireError.Code?: Int] = [:]
        for _ in 0..<2_000 {
            let input = Self.randomBytes(&rng)
            let outcome = wireErrorCode { try codec.decodeRequest(ByteBuffer(bytes: input)) }
            outcomes[outcome, default: 0] += 1
            #expect(outcome == nil || outcome == .malformedMessage || outcome == .invalidUTF8, "input \(hex(input))")
        }
        #expect(outcomes.values.reduce(0, +) == 2_000)
        #expect((outcomes[.malformedMessage] ?? 0) > 1_000, "random bytes are mostly not a Request")
        #expect(codec.arenaBytesReserved == baseline)
        // The codec is still fine afterwards.
        #expect(
            try codec.decodeRequest(ByteBuffer(bytes: [0x08, 0x01, 0x52, 0x03, 0x0a, 0x01, 0x6b]))
                == Request(requestId: 1, .hello(HelloRequest(apiKey: "k"))))
    }

    @Test func randomBytesNeverCrashDecodeResponse() {
        var rng = SplitMix64(seed: 0x5EED_0002)
        let codec = WireCodec(frameBytesMax: 1 << 20)
        for _ in 0..<2_000 {
            let input = Self.randomBytes(&rng)
            let outcome = wireErrorCode { try codec.decodeResponse(ByteBuffer(bytes: input)) }
            #expect(outcome == nil || outcome == .malformedMessage || outcome == .invalidUTF8, "input \(hex(input))")
        }
    }

    /// Mutating valid messages reaches much deeper into the parser than random bytes do.
    private static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: position)
            case 3 where !bytes.isEmpty: bytes.remove(at: position)
            case 4: bytes = Array(bytes.prefix(position))
            default:
                // Splice in a piece of itself (duplicated fields, nested lengths that no longer match).
                if !bytes.isEmpty {
                    let start = Int.random(in: 0..<bytes.count, using: &rng)
                    let end = Int.random(in: start...bytes.count, using: &rng)
                    bytes.insert(contentsOf: bytes[start..<end], at: position)
                }
            }
        }
        return bytes
    }

    @Test func mutatedRequestsDecodeOrFailCleanly() throws {
        var rng = SplitMix64(seed: 0x5EED_0003)
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let seeds = try Samples.calls.map { Array(try encodeFrame(Request(requestId: 300, $0), codec: codec).dropFirst(4)) }
        var decodedCount = 0
        for _ in 0..<4_000 {
            let input = Self.mutate(seeds[Int.random(in: 0..<seeds.count, using: &rng)], &rng)
            let request: Request
            do {
                request = try codec.decodeRequest(ByteBuffer(bytes: input))
            } catch {
                #expect(error.code == .malformedMessage || error.code == .invalidUTF8, "input \(hex(input))")
                continue
            }
            decodedCount += 1
            // Whatever decodes must re-encode to something that decodes to the same value.
            let again = try codec.decodeRequest(try body(ofSingleFrame: try encodeFrame(request, codec: codec)))
            #expect(again == request, "input \(hex(input))")
        }
        #expect(decodedCount > 100, "the mutations should not all be rejected")
    }

    @Test func mutatedResponsesDecodeOrFailCleanly() throws {
        var rng = SplitMix64(seed: 0x5EED_0004)
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let seeds = try Samples.results.map { Array(try encodeFrame(Response(requestId: 300, $0), codec: codec).dropFirst(4)) }
        var decodedCount = 0
        for _ in 0..<4_000 {
            let input = Self.mutate(seeds[Int.random(in: 0..<seeds.count, using: &rng)], &rng)
            let response: Response
            do {
                response = try codec.decodeResponse(ByteBuffer(bytes: input))
            } catch {
                #expect(error.code == .malformedMessage || error.code == .invalidUTF8, "input \(hex(input))")
                continue
            }
            decodedCount += 1
            // Compare bytes, not values: a mutated double may be NaN, which is not == to itself.
            let once = try encodeFrame(response, codec: codec)
            let again = try encodeFrame(try codec.decodeResponse(try body(ofSingleFrame: once)), codec: codec)
            #expect(once == again, "input \(hex(input))")
        }
        #expect(decodedCount > 100)
    }

    @Test func randomChunkingOfAFrameStream() throws {
        // A stream of valid frames cut at random points always yields the same frames, in order.
        var rng = SplitMix64(seed: 0x5EED_0005)
        let codec = WireCodec(frameBytesMax: 1 << 20)
        var stream = ByteBuffer()
        var expected: [Request] = []
        for index in 0..<200 {
            let request = Request(requestId: UInt64(index), Samples.calls[index % Samples.calls.count])
            try codec.encode(request, into: &stream)
            expected.append(request)
        }
        let all = bytes(stream)
        let frames = FrameDecoder(frameBytesMax: 1 << 20)
        for _ in 0..<20 {
            var buffer = ByteBuffer()
            var decoded: [Request] = []
            var offset = 0
            while offset < all.count {
                let chunk = min(all.count - offset, Int.random(in: 1...300, using: &rng))
                buffer.writeBytes(all[offset..<offset + chunk])
                offset += chunk
                while let body = try frames.nextFrame(from: &buffer) { decoded.append(try codec.decodeRequest(body)) }
            }
            #expect(decoded == expected)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func randomStreamsNeverOverconsume() {
        // Arbitrary bytes: each step either yields a frame no larger than the maximum, waits without consuming,
        // or rejects the length; it never consumes part of a frame.
        var rng = SplitMix64(seed: 0x5EED_0006)
        let frames = FrameDecoder(frameBytesMax: 300)
        for _ in 0..<500 {
            var buffer = ByteBuffer()
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let body = (0..<Int.random(in: 0...320, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                // Mostly well-formed lengths, sometimes random ones.
                let length = Int.random(in: 0..<4, using: &rng) == 0 ? UInt32.random(in: 0...1000, using: &rng) : UInt32(body.count)
                buffer.writeInteger(length, endianness: .big)
                buffer.writeBytes(body)
            }
            var steps = 0
            while steps < 100 {
                steps += 1
                let before = buffer.readableBytes
                let announced = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self)
                do {
                    guard let frame = try frames.nextFrame(from: &buffer) else {
                        #expect(buffer.readableBytes == before)
                        break
                    }
                    #expect(frame.readableBytes <= 300)
                    #expect(UInt32(frame.readableBytes) == announced)
                    #expect(buffer.readableBytes == before - 4 - frame.readableBytes)
                } catch {
                    #expect(error.code == .frameTooLarge)
                    #expect((announced ?? 0) > 300)
                    #expect(buffer.readableBytes == before)
                    break
                }
            }
        }
    }
}
