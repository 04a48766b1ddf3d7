import NIOCore
import Testing

@testable import PromoWire

@Suite struct BadInputTests {
    let codec = WireCodec(frameBytesMax: 1 << 20)

    private func decodeRequest(_ body: [UInt8]) throws(WireError) -> Request {
        try codec.decodeRequest(ByteBuffer(bytes: body))
    }

    private func decodeResponse(_ body: [UInt8]) throws(WireError) -> Response {
        try codec.decodeResponse(ByteBuffer(bytes: body))
    }

    // MARK: - Malformed protobuf

    @Test(arguments: [
        [0x07],  // field 0, wire type 7
        [0x0b, 0x00],  // wire type 3 (start group) is not proto3
        [0x0f],  // wire type 7
        [0x08],  // a varint key with no value
        [0x08, 0x80],  // a varint that never ends
        [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],  // 11-byte varint
        [0x80],  // a key that never ends
        [0x0a, 0x05, 0x61],  // a length-delimited field announcing 5 bytes, holding 1
        [0x52, 0xff, 0xff, 0xff, 0xff, 0x0f],  // hello announcing 4 GiB
        [0x09, 0x01, 0x02],  // a fixed64 with 2 of its 8 bytes
        [0x0d, 0x01],  // a fixed32 with 1 of its 4 bytes
        [0x52, 0x02, 0x0a, 0x05],  // hello whose api_key overruns hello
        [0x08, 0x01, 0x52, 0x03, 0x0a, 0x01],  // a valid hello frame cut one byte short
        [0x52, 0x02, 0x08, 0x01],  // hello { api_key as a varint }: wire type does not match the string field
        [0x0a, 0x00],  // request_id (uint64) sent length-delimited
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        [0x00, 0x00, 0x00, 0x00],
    ] as [[UInt8]])
    func garbageIsMalformedNotACrash(_ body: [UInt8]) {
        #expect(wireErrorCode { try decodeRequest(body) } == .malformedMessage)
        #expect(wireErrorCode { try decodeResponse(body) } == .malformedMessage)
    }

    @Test func everyTruncationOfAValidMessageIsHandled() throws {
        // Cutting a message anywhere either leaves a shorter valid message (at a field boundary) or is malformed.
        let full = Array(try encodeFrame(Request(requestId: 99, Samples.calls[1]), codec: codec).dropFirst(4))
        var malformed = 0
        for length in 0..<full.count {
            switch wireErrorCode({ try decodeRequest(Array(full.prefix(length))) }) {
            case nil: continue
            case .malformedMessage: malformed += 1
            case let other: Issue.record("cut at \(length): unexpected \(String(describing: other))")
            }
        }
        #expect(malformed > full.count / 2, "most cuts land inside a field")
        // A cut inside the validate sub-message is always malformed: it announces more bytes than remain.
        #expect(wireErrorCode { try decodeRequest(Array(full.prefix(full.count - 1))) } == .malformedMessage)
    }

    @Test func errorsCarryAMessage() {
        do {
            _ = try decodeRequest([0x0a, 0x05, 0x61])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .malformedMessage)
            #expect(!error.message.isEmpty)
            #expect(error.description == error.message)
        }
    }

    // MARK: - UTF-8

    @Test(arguments: [
        [0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80],  // invalid byte, bad continuation, cut, surrogate
        [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0x61, 0x80, 0x62],  // overlong, > U+10FFFF, lone continuation
    ] as [[UInt8]])
    func invalidUTF8InAStringFieldIsRejected(_ bad: [UInt8]) {
        // Top-level string in a request arm: hello { api_key = bad }.
        let hello: [UInt8] = [0x52, UInt8(bad.count + 2), 0x0a, UInt8(bad.count)] + bad
        #expect(wireErrorCode { try decodeRequest(hello) } == .invalidUTF8)

        // A repeated string inside a nested message: validate { user { segments = ["ok", bad] } }.
        let user: [UInt8] = [0x12, 0x02, 0x6f, 0x6b, 0x12, UInt8(bad.count)] + bad
        let validate: [UInt8] = [0x12, UInt8(user.count)] + user
        #expect(wireErrorCode { try decodeRequest([0x5a, UInt8(validate.count)] + validate) } == .invalidUTF8)

        // Response side: status { message = bad }.
        let status: [UInt8] = [0x12, UInt8(bad.count)] + bad
        #expect(wireErrorCode { try decodeResponse([0x12, UInt8(status.count)] + status) } == .invalidUTF8)
    }

    @Test func invalidUTF8DeepInARepeatedMessage() {
        // list_api_keys response { keys { campaign_ids = [0xff] } }
        let key: [UInt8] = [0x22, 0x01, 0xff]
        let list: [UInt8] = [0x0a, UInt8(key.count)] + key
        #expect(wireErrorCode { try decodeResponse([0xd2, 0x01, UInt8(list.count)] + list) } == .invalidUTF8)
    }

    @Test func validMultiByteUTF8IsAccepted() throws {
        // hello { api_key = "é✓🎰" } written as raw UTF-8 bytes.
        let text: [UInt8] = [0xc3, 0xa9, 0xe2, 0x9c, 0x93, 0xf0, 0x9f, 0x8e, 0xb0]
        let body: [UInt8] = [0x52, UInt8(text.count + 2), 0x0a, UInt8(text.count)] + text
        #expect(try decodeRequest(body) == Request(requestId: 0, .hello(HelloRequest(apiKey: "é✓🎰"))))
    }

    // MARK: - Unknown fields, empty oneof, wrong message type

    @Test func unknownFieldsAreIgnoredEverywhere() throws {
        let unknownVarint: [UInt8] = [0x98, 0x06, 0x2a]  // field 99, varint 42
        let unknownBytes: [UInt8] = [0x9a, 0x06, 0x03, 0x61, 0x62, 0x63]  // field 99, "abc"
        let unknownFixed64: [UInt8] = [0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8]  // field 99, fixed64
        let unknownFixed32: [UInt8] = [0x9d, 0x06, 1, 2, 3, 4]  // field 99, fixed32
        let unknownBigNumber: [UInt8] = [0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01]  // field 2^29-1, varint 1
        let hello: [UInt8] = unknownFixed32 + [0x0a, 0x01, 0x6b] + unknownBytes + unknownVarint
        let body: [UInt8] =
            unknownVarint + [0x08, 0x01] + unknownBytes + [0x52, UInt8(hello.count)] + hello + unknownFixed64
            + unknownFixed32 + unknownBigNumber
        #expect(try decodeRequest(body) == Request(requestId: 1, .hello(HelloRequest(apiKey: "k"))))

        // Same on the response side, including inside status.
        let status: [UInt8] = [0x08, 0x05] + unknownBytes
        let response: [UInt8] = [0x08, 0x02, 0x12, UInt8(status.count)] + status + unknownVarint
        #expect(try decodeResponse(response) == Response(requestId: 2, status: Status(.notFound)))
    }

    @Test func reservedArmNumbersBeyondTheKnownOnesAreIgnored() throws {
        // A newer client's arm 99 (unknown here) decodes as "no call", not as an error.
        #expect(try decodeRequest([0x08, 0x05, 0x9a, 0x06, 0x02, 0x08, 0x01]) == Request.with { $0.requestId = 5 })
    }

    @Test func emptyOneofDecodesAsNilCall() throws {
        let request = try decodeRequest([0x08, 0x05])
        #expect(request.requestId == 5)
        #expect(request.call == nil)
        let empty = try decodeRequest([])
        #expect(empty == Request())
        #expect(empty.call == nil)
        let response = try decodeResponse([0x08, 0x05])
        #expect(response == Response(requestId: 5, status: .ok))
        #expect(response.result == nil)
    }

    @Test func lastOneofArmWins() throws {
        // hello { "k" } then validate {}: protobuf keeps the last member of a oneof seen on the wire.
        let request = try decodeRequest([0x52, 0x03, 0x0a, 0x01, 0x6b, 0x5a, 0x00])
        #expect(request.call == .validate(ValidateRequest()))
    }

    @Test func lastScalarWins() throws {
        #expect(try decodeRequest([0x08, 0x01, 0x08, 0x02]).requestId == 2)
    }

    @Test func responseSentAsRequestDoesNotCrash() throws {
        // Field numbers are shared between the envelopes: a HelloResponse reads as a HelloRequest with the same
        // strings, and Response.status (field 2) is unknown to Request and skipped.
        let hello = try encodeFrame(
            Response(requestId: 7, status: Status(.unauthenticated, "x"), .hello(.with { $0.serverVersion = "1.0"; $0.role = "admin" })),
            codec: codec)
        #expect(
            try codec.decodeRequest(try body(ofSingleFrame: hello))
                == Request(requestId: 7, .hello(HelloRequest(apiKey: "1.0", clientName: "admin"))))

        // A ValidateResponse's verdict (varint field 1) collides with ValidateRequest.code (string field 1).
        let validate = try encodeFrame(Response(requestId: 7, .validate(.with { $0.verdict = .ok })), codec: codec)
        #expect(wireErrorCode { try codec.decodeRequest(try body(ofSingleFrame: validate)) } == .malformedMessage)

        // Every arm, with all fields set: whatever happens, it is a value or a WireError, never a crash.
        for result in Samples.results {
            let frame = try encodeFrame(Response(requestId: 1, status: Status(.internal, "e"), result), codec: codec)
            let outcome = wireErrorCode { try codec.decodeRequest(try body(ofSingleFrame: frame)) }
            #expect(outcome == nil || outcome == .malformedMessage || outcome == .invalidUTF8)
        }
        // And the other way round.
        for call in Samples.calls {
            let frame = try encodeFrame(Request(requestId: 1, call), codec: codec)
            let outcome = wireErrorCode { try codec.decodeResponse(try body(ofSingleFrame: frame)) }
            #expect(outcome == nil || outcome == .malformedMessage || outcome == .invalidUTF8)
        }
    }

    // MARK: - Open enums

    @Test func unknownEnumValuesSurviveDecoding() throws {
        // Hand-written: validate { verdict = 999 } and export_codes { usage = 300 }, reward { kind = 12 }.
        let response = try decodeResponse([0x08, 0x01, 0x5a, 0x07, 0x08, 0xe7, 0x07, 0x1a, 0x02, 0x08, 0x0c])
        guard case .validate(let validate) = try #require(response.result) else {
            Issue.record("expected validate, got \(String(describing: response.result))")
            return
        }
        #expect(validate.verdict.rawValue == 999)
        #expect(!validate.verdict.isKnown)
        #expect(validate.verdict.description == "999")
        #expect(validate.reward?.kind == RewardKind(rawValue: 12))
        #expect(validate.reward?.kind.isKnown == false)

        let request = try decodeRequest([0xa2, 0x01, 0x03, 0x30, 0xac, 0x02])
        #expect(request.call == .exportCodes(.with { $0.usage = CodeUsage(rawValue: 300) }))

        // Negative enum numbers (10-byte varints) too.
        let status = try decodeResponse([0x12, 0x0b, 0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        #expect(status.status.code.rawValue == -2)
        #expect(!status.status.code.isKnown)
    }

    @Test func unknownEnumValuesRoundTrip() throws {
        let response = Response(
            requestId: 1, status: Status(StatusCode(rawValue: 1_000_000)),
            .redeem(.with { $0.verdict = Verdict(rawValue: 999); $0.reward = .with { $0.kind = RewardKind(rawValue: -7) } }))
        let back = try codec.decodeResponse(try body(ofSingleFrame: try encodeFrame(response, codec: codec)))
        #expect(back == response)
        guard case .redeem(let redeem) = back.result else {
            Issue.record("expected redeem")
            return
        }
        #expect(redeem.verdict.rawValue == 999)
        #expect(!redeem.verdict.isKnown)
        #expect(redeem.reward?.kind.rawValue == -7)
        #expect(back.status.code.rawValue == 1_000_000)
        #expect(!back.status.code.isKnown)

        for campaignKind in [CampaignKind(rawValue: 8), CampaignKind(rawValue: Int32.max)] {
            let request = Request(requestId: 2, .createCampaign(.with { $0.campaign = .with { $0.kind = campaignKind } }))
            #expect(try codec.decodeRequest(try body(ofSingleFrame: try encodeFrame(request, codec: codec))) == request)
        }
    }

    @Test func knownEnumNamesMatchTheProto() {
        #expect(Verdict.ok.isKnown && Verdict.ok.description == "OK")
        #expect(Verdict.reservationExpired.rawValue == 14)
        #expect(StatusCode.unauthenticated.rawValue == 16 && StatusCode.unauthenticated.description == "UNAUTHENTICATED")
        #expect(StatusCode(rawValue: 1).isKnown == false)  // CANCELLED is not in promo.proto
        #expect(RewardKind.loyaltyPoints.rawValue == 4)
        #expect(CampaignKind.other.rawValue == 7)
        #expect(CodeUsage.unused.rawValue == 2)
        #expect(Verdict.names.count == 18 && StatusCode.names.count == 11 && RewardKind.names.count == 5)
        #expect(CampaignKind.names.count == 8 && CodeUsage.names.count == 3)
    }

    // MARK: - Encode limits

    @Test func encodeAboveTheFrameMaximumThrowsAndWritesNothing() throws {
        let small = WireCodec(frameBytesMax: 16)
        var buffer = ByteBuffer(bytes: [0x01, 0x02])
        // body = 08 01 52 0f 0a 0d + 13 bytes = 19 > 16
        let tooLarge = Request(requestId: 1, .hello(HelloRequest(apiKey: String(repeating: "k", count: 13))))
        #expect(wireErrorCode { try small.encode(tooLarge, into: &buffer) } == .messageTooLarge)
        #expect(bytes(buffer) == [0x01, 0x02], "nothing appended")

        let response = Response(requestId: 1, status: Status(.internal, String(repeating: "e", count: 100)))
        #expect(wireErrorCode { try small.encode(response, into: &buffer) } == .messageTooLarge)
        #expect(bytes(buffer) == [0x01, 0x02])

        // The codec stays usable afterwards.
        try small.encode(Request(requestId: 1, .hello(HelloRequest(apiKey: "k"))), into: &buffer)
        #expect(bytes(buffer) == [0x01, 0x02, 0x00, 0x00, 0x00, 0x07, 0x08, 0x01, 0x52, 0x03, 0x0a, 0x01, 0x6b])
    }

    @Test func encodeOfExactlyTheFrameMaximumSucceeds() throws {
        // body = 08 01 52 10 0a 0e + 14 bytes = 20 bytes
        let request = Request(requestId: 1, .hello(HelloRequest(apiKey: String(repeating: "k", count: 14))))
        var buffer = ByteBuffer()
        try WireCodec(frameBytesMax: 20).encode(request, into: &buffer)
        #expect(buffer.readableBytes == 24)
        #expect(bytes(buffer).prefix(4) == [0x00, 0x00, 0x00, 0x14])
        #expect(wireErrorCode { try WireCodec(frameBytesMax: 19).encode(request, into: &buffer) } == .messageTooLarge)
        #expect(buffer.readableBytes == 24)
    }

    @Test func encodeLimitMatchesTheDecoderLimit() throws {
        // Whatever the encoder accepts, a FrameDecoder with the same maximum accepts too.
        let limit = 1000
        let codec = WireCodec(frameBytesMax: limit)
        let frames = FrameDecoder(frameBytesMax: limit)
        // body = 08 01, 8a 01 (field 17), 2-byte length, 0a, 2-byte length, id: id length + 9 bytes.
        for (length, fits) in [(989, true), (990, true), (991, true), (992, false), (993, false)] {
            var buffer = ByteBuffer()
            let request = Request(requestId: 1, .getCampaign(.with { $0.campaignId = String(repeating: "c", count: length) }))
            if fits {
                try codec.encode(request, into: &buffer)
                let body = try #require(try frames.nextFrame(from: &buffer))
                #expect(body.readableBytes == length + 9)
                #expect(try codec.decodeRequest(body) == request)
            } else {
                #expect(wireErrorCode { try codec.encode(request, into: &buffer) } == .messageTooLarge)
                #expect(buffer.readableBytes == 0)
            }
        }
    }

    // MARK: - Strings with NUL

    @Test func embeddedNULIsRefusedRatherThanTruncated() throws {
        // protobuf-c keeps strings as NUL-terminated `char *`, so U+0000 inside a string cannot survive the C
        // struct: encoding refuses it instead of sending "a" for "a\0b".
        let request = Request(requestId: 1, .hello(HelloRequest(apiKey: "a\u{0}b")))
        var buffer = ByteBuffer()
        #expect { try codec.encode(request, into: &buffer) } throws: { ($0 as? WireError)?.code == .embeddedNUL }
        // The codec is usable afterwards: the flag is reset with the arena.
        try codec.encode(Request(requestId: 2, .hello(HelloRequest(apiKey: "ab"))), into: &buffer)
        #expect(try codec.decodeRequest(try body(ofSingleFrame: bytes(buffer))).requestId == 2)
    }

    @Test func embeddedNULOnTheWireIsNotSilentlyTruncated() throws {
        // hello { api_key = "a\0b" } from a peer in another language.
        withKnownIssue("protobuf-c truncates strings at NUL when unpacking") {
            if let request = try? decodeRequest([0x52, 0x05, 0x0a, 0x03, 0x61, 0x00, 0x62]) {
                #expect(request == Request(requestId: 0, .hello(HelloRequest(apiKey: "a\u{0}b"))))
            }
        }
    }
}
