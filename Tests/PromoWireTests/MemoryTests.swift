import NIOCore
import Testing

@testable import PromoWire

@Suite struct MemoryTests {
    private static func hugeGenerateResponse() -> Response {
        // 20,000 codes of 50 bytes: about 1 MB of repeated strings, hundreds of arena chunks' worth.
        let codes = (0..<20_000).map { index -> String in
            let digits = String(index)
            return String(repeating: "C", count: 50 - digits.count) + digits
        }
        return Response(requestId: 1, .generate(.with { $0.batchId = "huge"; $0.generated = 20_000; $0.codes = codes }))
    }

    @Test func manySmallDecodesKeepOneChunk() throws {
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let baseline = codec.arenaBytesReserved
        #expect(baseline > 0)
        let requests = try Samples.calls.map { try body(ofSingleFrame: try encodeFrame(Request(requestId: 1, $0))) }
        let responses = try Samples.results.map { try body(ofSingleFrame: try encodeFrame(Response(requestId: 1, $0))) }
        var peak = 0
        for round in 0..<300 {
            for body in requests { _ = try codec.decodeRequest(body) }
            for body in responses { _ = try codec.decodeResponse(body) }
            peak = max(peak, codec.arenaBytesReserved)
            if round % 50 == 0 {
                var out = ByteBuffer()
                for call in Samples.calls { try codec.encode(Request(requestId: 2, call), into: &out) }
                peak = max(peak, codec.arenaBytesReserved)
            }
        }
        #expect(peak == baseline)
    }

    @Test func hugeMessageThenSmallOnesReturnsToBaseline() throws {
        let codec = WireCodec(frameBytesMax: 4 << 20)
        let baseline = codec.arenaBytesReserved
        let huge = Self.hugeGenerateResponse()

        var out = ByteBuffer()
        try codec.encode(huge, into: &out)
        #expect(out.readableBytes > 1_000_000)
        #expect(codec.arenaBytesReserved == baseline, "encode released the chunks it needed")

        let hugeBody = try #require(try FrameDecoder(frameBytesMax: 4 << 20).nextFrame(from: &out))
        #expect(try codec.decodeResponse(hugeBody) == huge)
        #expect(codec.arenaBytesReserved == baseline, "decode released the chunks it needed")

        let small = try body(ofSingleFrame: try encodeFrame(Request(requestId: 3, .hello(HelloRequest(apiKey: "k")))))
        for _ in 0..<1_000 {
            #expect(try codec.decodeRequest(small) == Request(requestId: 3, .hello(HelloRequest(apiKey: "k"))))
        }
        #expect(codec.arenaBytesReserved == baseline)
    }

    @Test func oneHugeStringThenSmallOnes() throws {
        // A single allocation larger than a chunk takes the oversized-chunk path.
        let codec = WireCodec(frameBytesMax: 4 << 20)
        let baseline = codec.arenaBytesReserved
        let request = Request(requestId: 1, .hello(HelloRequest(apiKey: String(repeating: "z", count: 1_000_000))))
        let body = try body(ofSingleFrame: try encodeFrame(request, codec: codec))
        #expect(codec.arenaBytesReserved == baseline)
        for _ in 0..<3 {
            #expect(try codec.decodeRequest(body) == request)
            #expect(codec.arenaBytesReserved == baseline)
        }
    }

    @Test func failedDecodesReleaseTheArenaToo() throws {
        let codec = WireCodec(frameBytesMax: 4 << 20)
        let baseline = codec.arenaBytesReserved
        let frame = try encodeFrame(Self.hugeGenerateResponse(), codec: codec)
        // Cut the last byte: protobuf-c has allocated most of the message before it finds the end missing.
        let truncated = ByteBuffer(bytes: frame.dropFirst(4).dropLast())
        #expect(wireErrorCode { try codec.decodeResponse(truncated) } == .malformedMessage)
        #expect(codec.arenaBytesReserved == baseline)

        // Invalid UTF-8 in the very last code: every string before it has been unpacked into the arena.
        var badUTF8 = Array(frame.dropFirst(4))
        badUTF8[badUTF8.count - 1] = 0xff
        #expect(wireErrorCode { try codec.decodeResponse(ByteBuffer(bytes: badUTF8)) } == .invalidUTF8)
        #expect(codec.arenaBytesReserved == baseline)
    }

    // MARK: - The arena itself

    @Test func arenaGrowsWhileInUseAndShrinksOnReset() {
        let arena = Arena(chunkBytes: 1024)
        #expect(arena.bytesReserved == 1024)
        var blocks: [(UnsafeMutableRawPointer, Int)] = []
        for index in 0..<200 {
            let size = index % 7 == 0 ? 3000 : 1 + index % 100  // some allocations larger than a chunk
            let pointer = arena.allocate(byteCount: size)
            #expect(Int(bitPattern: pointer) % 16 == 0, "16-byte aligned")
            pointer.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: index), count: size)
            blocks.append((pointer, size))
        }
        #expect(arena.bytesReserved > 10 * 1024)
        // No allocation overlapped another: each still holds its own pattern.
        for (index, (pointer, size)) in blocks.enumerated() {
            let view = UnsafeRawBufferPointer(start: pointer, count: size)
            #expect(view.allSatisfy { $0 == UInt8(truncatingIfNeeded: index) }, "block \(index)")
        }
        arena.reset()
        #expect(arena.bytesReserved == 1024)

        // Reset keeps working over many cycles, including cycles that start with an oversized block.
        for cycle in 0..<50 {
            _ = arena.allocate(byteCount: cycle % 2 == 0 ? 5000 : 10)
            for _ in 0..<20 { _ = arena.allocate(byteCount: 100) }
            arena.reset()
            #expect(arena.bytesReserved == 1024)
        }
    }

    @Test func arenaCStrings() throws {
        let arena = Arena(chunkBytes: 256)
        let empty = arena.cString("")
        #expect(empty?.pointee == 0)
        #expect(arena.cString("") == empty, "empty strings share one static")
        let text = "grün ✓"
        let pointer = arena.cString(text)
        #expect(pointer.map { String(cString: $0) } == text)
        let (count, array) = arena.cStrings(["a", "", "bc"])
        #expect(count == 3)
        let array3 = try #require(array)
        #expect((0..<count).map { index in array3[index].map { String(cString: $0) } } == ["a", "", "bc"])
        #expect(arena.cStrings([]).0 == 0)
        #expect(arena.cStrings([]).1 == nil)
    }
}
