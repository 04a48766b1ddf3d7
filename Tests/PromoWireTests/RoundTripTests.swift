import NIOCore
import Testing

@testable import PromoWire

@Suite struct RoundTripTests {
    @Test func samplesCoverEveryArm() {
        // Distinct field numbers 10...41: one sample per arm, none forgotten when an arm is added to the list.
        #expect(Samples.calls.map(\.fieldNumber) == Array(10...41))
        #expect(Samples.results.map(\.fieldNumber) == Array(10...41))
    }

    @Test(arguments: Samples.calls)
    func requestArmRoundTrips(_ call: Request.Call) throws {
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let request = Request(requestId: UInt64.max - UInt64(call.fieldNumber), call)
        let frame = try encodeFrame(request, codec: codec)
        let body = try body(ofSingleFrame: frame)

        // Swift → C → wire → C → Swift gives back the same value.
        #expect(try codec.decodeRequest(body) == request)

        // And the wire carries each property under promo.proto's field number, read by the test's own parser.
        let envelope = try ProtoFields(bytes(body))
        #expect(envelope.numbers == [1, call.fieldNumber])
        #expect(envelope.uint64(1) == request.requestId)
        let arm = try #require(try envelope.message(call.fieldNumber))
        try WireSchema.verify(call, arm, #_sourceLocation)
    }

    @Test(arguments: Samples.results)
    func responseArmRoundTrips(_ result: Response.Result) throws {
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let response = Response(requestId: UInt64(result.fieldNumber) << 40, status: .ok, result)
        let frame = try encodeFrame(response, codec: codec)
        let body = try body(ofSingleFrame: frame)

        #expect(try codec.decodeResponse(body) == response)

        let envelope = try ProtoFields(bytes(body))
        #expect(envelope.numbers.isSubset(of: [1, 2, result.fieldNumber]))
        #expect(envelope.uint64(1) == response.requestId)
        let arm = try #require(try envelope.message(result.fieldNumber))
        try WireSchema.verify(result, arm, #_sourceLocation)
    }

    @Test(arguments: [
        Status(.ok), Status(.invalidArgument, "frame too large"), Status(.unauthenticated, "hello first"),
        Status(.permissionDenied, "role analyst"), Status(.notFound, "no such campaign"),
        Status(.alreadyExists, "code exists"), Status(.failedPrecondition, "campaign inactive"),
        Status(.resourceExhausted, "slow down"), Status(.unimplemented, "?"), Status(.internal, "ünïcödé ✓"),
        Status(.unavailable, "shutting down"), Status(StatusCode(rawValue: 4242), "from the future"),
        Status(StatusCode(rawValue: Int32.min), "negative"),
    ])
    func statusRoundTrips(_ status: Status) throws {
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let response = Response(requestId: 77, status: status)
        let body = try body(ofSingleFrame: try encodeFrame(response, codec: codec))
        #expect(try codec.decodeResponse(body) == response)

        let envelope = try ProtoFields(bytes(body))
        let wireStatus = try #require(try envelope.message(2))
        WireSchema.verify(status, wireStatus, #_sourceLocation)
        #expect(!envelope.numbers.contains { $0 >= 10 }, "no result arm")
    }

    @Test func errorStatusAndResultTogetherRoundTrip() throws {
        // The codec does not police "result only with OK": that is the server's rule, and the wire allows both.
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let response = Response(requestId: 1, status: Status(.internal, "partial"), Samples.results[1])
        #expect(try codec.decodeResponse(try body(ofSingleFrame: try encodeFrame(response, codec: codec))) == response)
    }

    @Test func requestWithoutCallRoundTrips() throws {
        let codec = WireCodec(frameBytesMax: 1 << 20)
        var request = Request()
        request.requestId = 12_345
        let frame = try encodeFrame(request, codec: codec)
        #expect(frame == [0x00, 0x00, 0x00, 0x03, 0x08, 0xb9, 0x60])
        let decoded = try codec.decodeRequest(try body(ofSingleFrame: frame))
        #expect(decoded == request)
        #expect(decoded.call == nil)
    }

    @Test func emptyAndMissingSubMessagesStayDistinct() throws {
        // protobuf has presence for sub-messages: a missing `user` must not come back as an empty one.
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let missing = Request(requestId: 1, .validate(.with { $0.code = "A" }))
        let empty = Request(requestId: 1, .validate(.with { $0.code = "A"; $0.user = UserContext() }))
        let missingBack = try codec.decodeRequest(try body(ofSingleFrame: try encodeFrame(missing, codec: codec)))
        let emptyBack = try codec.decodeRequest(try body(ofSingleFrame: try encodeFrame(empty, codec: codec)))
        #expect(missingBack == missing)
        #expect(emptyBack == empty)
        #expect(missingBack != emptyBack)
    }

    @Test func unicodeAndLongStringsRoundTrip() throws {
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let long = String(repeating: "x", count: 70_000)  // larger than one 64 KiB arena chunk
        let request = Request(
            requestId: 1,
            .createApiKey(
                .with {
                    $0.name = "日本語 ✓ 🎰 ñ"
                    $0.role = long
                    $0.campaignIds = ["", "é", long, "\u{10FFFF}"]
                }))
        #expect(try codec.decodeRequest(try body(ofSingleFrame: try encodeFrame(request, codec: codec))) == request)
    }

    @Test func manyRequestsThroughOneCodecAndOneBuffer() throws {
        // One codec, one outbound buffer, every arm twice: frames are independent and the arena is reused.
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let requests = (Samples.calls + Samples.calls).enumerated().map { Request(requestId: UInt64($0), $1) }
        var buffer = ByteBuffer()
        for request in requests { try codec.encode(request, into: &buffer) }

        let frames = FrameDecoder(frameBytesMax: 1 << 20)
        var decoded: [Request] = []
        while let body = try frames.nextFrame(from: &buffer) { decoded.append(try codec.decodeRequest(body)) }
        #expect(decoded.count == requests.count)
        for (index, (back, sent)) in zip(decoded, requests).enumerated() { #expect(back == sent, "frame \(index)") }
        #expect(buffer.readableBytes == 0)
    }
}
