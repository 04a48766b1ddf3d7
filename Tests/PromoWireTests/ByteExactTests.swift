import NIOCore
import Testing

@testable import PromoWire

// Every expected frame below is written out by hand from the protobuf wire format: a key is
// (field_number << 3) | wire_type as a varint (0 varint, 1 fixed64, 2 length-delimited); int64/uint64/uint32/
// enum/bool are plain varints (negative int64 and enums are sign-extended to 10 bytes); double is 8 bytes
// little-endian. The frame is a 4-byte big-endian length, then the body.

private func expectRequest(
    _ value: Request, isFrame frame: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let codec = WireCodec(frameBytesMax: 1 << 20)
    #expect(hex(try encodeFrame(value, codec: codec)) == hex(frame), "encode", sourceLocation: sourceLocation)
    let decoded = try codec.decodeRequest(try body(ofSingleFrame: frame, sourceLocation: sourceLocation))
    #expect(decoded == value, "decode", sourceLocation: sourceLocation)
}

private func expectResponse(
    _ value: Response, isFrame frame: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let codec = WireCodec(frameBytesMax: 1 << 20)
    #expect(hex(try encodeFrame(value, codec: codec)) == hex(frame), "encode", sourceLocation: sourceLocation)
    let decoded = try codec.decodeResponse(try body(ofSingleFrame: frame, sourceLocation: sourceLocation))
    #expect(decoded == value, "decode", sourceLocation: sourceLocation)
}

@Suite struct ByteExactTests {
    @Test func helloRequest() throws {
        try expectRequest(
            Request(requestId: 1, .hello(HelloRequest(apiKey: "k"))),
            isFrame: [
                0x00, 0x00, 0x00, 0x07,  // length 7
                0x08, 0x01,  // 1: request_id = 1
                0x52, 0x03,  // 10: hello, 3 bytes
                0x0a, 0x01, 0x6b,  //   1: api_key = "k"
            ])
    }

    @Test func validateRequestWithNestedUserAndRepeatedSegments() throws {
        let request = Request(
            requestId: 300,
            .validate(
                .with {
                    $0.code = "AB12"
                    $0.user = .with {
                        $0.userId = "u1"
                        $0.segments = ["vip", "new"]
                        $0.registeredAtMs = 1000
                        $0.country = "DE"
                        $0.vipLevel = 3
                        $0.ip = ""  // default: not on the wire
                        $0.deviceId = "d"
                    }
                    $0.depositMinor = -5
                    $0.currency = "EUR"
                    $0.reserveMs = 5000
                }))
        try expectRequest(
            request,
            isFrame: [
                0x00, 0x00, 0x00, 0x3a,  // length 58
                0x08, 0xac, 0x02,  // 1: request_id = 300
                0x5a, 0x35,  // 11: validate, 53 bytes
                0x0a, 0x04, 0x41, 0x42, 0x31, 0x32,  //   1: code = "AB12"
                0x12, 0x1a,  //   2: user, 26 bytes
                0x0a, 0x02, 0x75, 0x31,  //     1: user_id = "u1"
                0x12, 0x03, 0x76, 0x69, 0x70,  //     2: segments += "vip"
                0x12, 0x03, 0x6e, 0x65, 0x77,  //     2: segments += "new"
                0x18, 0xe8, 0x07,  //     3: registered_at_ms = 1000
                0x22, 0x02, 0x44, 0x45,  //     4: country = "DE"
                0x28, 0x03,  //     5: vip_level = 3
                0x3a, 0x01, 0x64,  //     7: device_id = "d"
                0x18, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,  //   3: deposit_minor = -5
                0x22, 0x03, 0x45, 0x55, 0x52,  //   4: currency = "EUR"
                0x28, 0x88, 0x27,  //   5: reserve_ms = 5000
            ])
    }

    @Test func responseWithStatusOKAndValidateResult() throws {
        let response = Response(
            requestId: 7, status: .ok,
            .validate(
                .with {
                    $0.verdict = .ok
                    $0.campaignId = "c"
                    $0.reward = .with {
                        $0.kind = .bonus
                        $0.amountMinor = 500
                        $0.currency = "EUR"
                    }
                    $0.remaining = 3
                }))
        let frame: [UInt8] = [
            0x00, 0x00, 0x00, 0x19,  // length 25
            0x08, 0x07,  // 1: request_id = 7
            0x12, 0x00,  // 2: status, empty (code OK, no message)
            0x5a, 0x13,  // 11: validate, 19 bytes
            0x08, 0x01,  //   1: verdict = VERDICT_OK
            0x12, 0x01, 0x63,  //   2: campaign_id = "c"
            0x1a, 0x0a,  //   3: reward, 10 bytes
            0x08, 0x01,  //     1: kind = REWARD_KIND_BONUS
            0x10, 0xf4, 0x03,  //     2: amount_minor = 500
            0x1a, 0x03, 0x45, 0x55, 0x52,  //     3: currency = "EUR"
            0x20, 0x03,  //   4: remaining = 3
        ]
        try expectResponse(response, isFrame: frame)

        // A peer that omits the (all-default) status entirely means the same thing.
        var withoutStatus = Array(frame.dropFirst(4))
        withoutStatus.removeSubrange(2..<4)
        #expect(try WireCodec(frameBytesMax: 1 << 20).decodeResponse(ByteBuffer(bytes: withoutStatus)) == response)
    }

    @Test func responseWithErrorStatusAndNoResult() throws {
        try expectResponse(
            Response(requestId: 0, status: Status(.invalidArgument, "bad")),
            isFrame: [
                0x00, 0x00, 0x00, 0x09,  // length 9; request_id 0 is the default, so absent
                0x12, 0x07,  // 2: status, 7 bytes
                0x08, 0x03,  //   1: code = INVALID_ARGUMENT
                0x12, 0x03, 0x62, 0x61, 0x64,  //   2: message = "bad"
            ])
        try expectResponse(
            Response(requestId: 42, status: Status(.unauthenticated)),
            isFrame: [
                0x00, 0x00, 0x00, 0x06,
                0x08, 0x2a,  // 1: request_id = 42
                0x12, 0x02, 0x08, 0x10,  // 2: status { code = UNAUTHENTICATED (16) }
            ])
    }

    @Test func verdictAndBoolInRedeemResponse() throws {
        try expectResponse(
            Response(requestId: 5, .redeem(.with { $0.verdict = .userLimitReached; $0.replayed = true })),
            isFrame: [
                0x00, 0x00, 0x00, 0x0a,
                0x08, 0x05,  // 1: request_id = 5
                0x12, 0x00,  // 2: status OK
                0x62, 0x04,  // 12: redeem, 4 bytes
                0x08, 0x08,  //   1: verdict = USER_LIMIT_REACHED (8)
                0x28, 0x01,  //   5: replayed = true
            ])
    }

    @Test func codeUsageEnumInExportCodesRequest() throws {
        try expectRequest(
            Request(requestId: 2, .exportCodes(.with { $0.campaignId = "c"; $0.usage = .unused })),
            isFrame: [
                0x00, 0x00, 0x00, 0x0a,
                0x08, 0x02,  // 1: request_id = 2
                0xa2, 0x01, 0x05,  // 20: export_codes (key is a 2-byte varint), 5 bytes
                0x0a, 0x01, 0x63,  //   1: campaign_id = "c"
                0x30, 0x02,  //   6: usage = CODE_USAGE_UNUSED
            ])
    }

    @Test func campaignAndRewardKindEnums() throws {
        let request = Request(
            requestId: 3,
            .createCampaign(
                .with {
                    $0.campaign = .with {
                        $0.kind = .affiliate
                        $0.reward = .with { $0.kind = .freeSpins; $0.freeSpins = 10 }
                    }
                }))
        try expectRequest(
            request,
            isFrame: [
                0x00, 0x00, 0x00, 0x0e,
                0x08, 0x03,  // 1: request_id = 3
                0x7a, 0x0a,  // 15: create_campaign, 10 bytes
                0x0a, 0x08,  //   1: campaign, 8 bytes
                0x18, 0x05,  //     3: kind = CAMPAIGN_KIND_AFFILIATE
                0x22, 0x04,  //     4: reward, 4 bytes
                0x08, 0x03,  //       1: kind = REWARD_KIND_FREE_SPINS
                0x30, 0x0a,  //       6: free_spins = 10
            ])
    }

    @Test func unknownAndNegativeEnumValuesOnTheWire() throws {
        try expectResponse(
            Response(requestId: 1, .validate(.with { $0.verdict = Verdict(rawValue: 999) })),
            isFrame: [
                0x00, 0x00, 0x00, 0x09,
                0x08, 0x01, 0x12, 0x00,
                0x5a, 0x03,  // 11: validate, 3 bytes
                0x08, 0xe7, 0x07,  //   1: verdict = 999
            ])
        // Enums are int32 on the wire: -1 is sign-extended to a 10-byte varint.
        try expectResponse(
            Response(requestId: 1, status: Status(StatusCode(rawValue: -1))),
            isFrame: [
                0x00, 0x00, 0x00, 0x0f,
                0x08, 0x01,
                0x12, 0x0b,  // 2: status, 11 bytes
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,  //   1: code = -1
            ])
    }

    @Test func doubleAndUInt64MaxInReportResponse() throws {
        try expectResponse(
            Response(
                requestId: 3,
                .report(.with { $0.campaignId = "c"; $0.codesIssued = .max; $0.redemptionRate = 0.5 })),
            isFrame: [
                0x00, 0x00, 0x00, 0x1d,  // length 29
                0x08, 0x03, 0x12, 0x00,
                0x72, 0x17,  // 14: report, 23 bytes
                0x0a, 0x01, 0x63,  //   1: campaign_id = "c"
                0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,  //   2: codes_issued = 2^64-1
                0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f,  //   7: redemption_rate = 0.5 (fixed64)
            ])
    }

    @Test func boolInSetCodeStatusRequest() throws {
        try expectRequest(
            Request(requestId: 4, .setCodeStatus(.with { $0.code = "X"; $0.active = true })),
            isFrame: [
                0x00, 0x00, 0x00, 0x0a,
                0x08, 0x04,
                0xaa, 0x01, 0x05,  // 21: set_code_status, 5 bytes
                0x0a, 0x01, 0x58,  //   1: code = "X"
                0x10, 0x01,  //   2: active = true
            ])
    }

    @Test func emptyMessageArmIsStillPresent() throws {
        try expectRequest(
            Request(requestId: 9, .listApiKeys(ListApiKeysRequest())),
            isFrame: [
                0x00, 0x00, 0x00, 0x05,
                0x08, 0x09,
                0xd2, 0x01, 0x00,  // 26: list_api_keys, 0 bytes
            ])
        try expectResponse(
            Response(requestId: 9, .revokeApiKey(RevokeApiKeyResponse())),
            isFrame: [
                0x00, 0x00, 0x00, 0x07,
                0x08, 0x09, 0x12, 0x00,
                0xca, 0x01, 0x00,  // 25: revoke_api_key, 0 bytes
            ])
    }

    @Test func allDefaultRequestIsAnEmptyFrame() throws {
        try expectRequest(Request(), isFrame: [0x00, 0x00, 0x00, 0x00])
    }

    @Test func encodeAppendsAfterExistingBytes() throws {
        let codec = WireCodec(frameBytesMax: 1 << 20)
        var buffer = ByteBuffer(bytes: [0xde, 0xad])
        try codec.encode(Request(requestId: 1, .hello(HelloRequest(apiKey: "k"))), into: &buffer)
        try codec.encode(Response(requestId: 42, status: Status(.unauthenticated)), into: &buffer)
        #expect(
            bytes(buffer) == [
                0xde, 0xad,
                0x00, 0x00, 0x00, 0x07, 0x08, 0x01, 0x52, 0x03, 0x0a, 0x01, 0x6b,
                0x00, 0x00, 0x00, 0x06, 0x08, 0x2a, 0x12, 0x02, 0x08, 0x10,
            ])
    }
}
