import PromoWire
import Testing

@testable import PromoConsole

/// The generated proto3 JSON mapping, byte for byte: 64-bit integers, enums, bytes, repeated and nested
/// messages, defaults left out, both name forms and both number forms accepted, bad input named.
@Suite("Console proto3 JSON mapping")
struct ConsoleJSONTests {
    private func text(_ message: some ProtoJSONMessage) -> String { String(decoding: message.jsonBytes(), as: UTF8.self) }

    @Test func aCampaignEncodesByteForByte() {
        let campaign = Campaign.with {
            $0.id = "cmp_1"
            $0.name = "Spring \"bonus\"\n"
            $0.kind = .deposit
            $0.reward = Reward.with { $0.kind = .depositMatch; $0.percent = 100; $0.capMinor = 9_007_199_254_740_993; $0.currency = "EUR" }
            $0.startsAtMs = -5
            $0.maxRedemptions = UInt64.max
            $0.maxPerUser = 3
            $0.eligibility = Eligibility.with { $0.segments = ["vip", "new"]; $0.countries = [] }
            $0.stats = CampaignStats()  // present but empty: {}
            $0.active = false  // default: left out
        }
        #expect(
            text(campaign)
                == #"{"id":"cmp_1","name":"Spring \"bonus\"\n","kind":"CAMPAIGN_KIND_DEPOSIT","reward":{"kind":"REWARD_KIND_DEPOSIT_MATCH","currency":"EUR","percent":100,"capMinor":"9007199254740993"},"startsAtMs":"-5","maxRedemptions":"18446744073709551615","maxPerUser":3,"eligibility":{"segments":["vip","new"]},"stats":{}}"#
        )
        #expect(text(Campaign()) == "{}")
    }

    @Test func bytesDoublesRepeatedMessagesAndUnknownEnumValues() {
        #expect(text(FetchBackupResponse.with { $0.data = [0, 1, 2, 250, 251, 255, 7]; $0.sizeBytes = 7 })
            == #"{"data":"AAEC+vv/Bw==","sizeBytes":"7"}"#)
        let report = ReportResponse.with {
            $0.redemptionRate = 0.25
            $0.failuresByVerdict = [Count("CODE_NOT_FOUND", 2), Count("", 0)]
            $0.bucket = BucketWidth(rawValue: 42)  // unknown to this build: the number
        }
        #expect(text(report) == #"{"redemptionRate":0.25,"failuresByVerdict":[{"key":"CODE_NOT_FOUND","count":"2"},{}],"bucket":42}"#)
        #expect(text(ReportResponse.with { $0.rewardCostRatio = .nan }) == #"{"rewardCostRatio":"NaN"}"#)
        #expect(text(ReportResponse.with { $0.redemptionRate = 1 }) == #"{"redemptionRate":1}"#)
    }

    @Test func decodingAcceptsBothNamesBothNumberFormsAndEnumNumbers() throws {
        let request = try CreateCampaignRequest(jsonBytes: Array("""
            {"campaign": {"name": "n", "kind": 2, "starts_at_ms": 1700000000000, "expiresAtMs": "1800000000000",
              "maxRedemptions": 1e3, "max_per_user": "4", "reward": {"kind": "REWARD_KIND_BONUS", "amountMinor": -1},
              "eligibility": {"segments": ["a", "b"], "min_vip_level": 2}, "source": null},
             "code_max_uses": "18446744073709551615"}
            """.utf8))
        let campaign = try #require(request.campaign)
        #expect(campaign.kind == .deposit)
        #expect(campaign.startsAtMs == 1_700_000_000_000)
        #expect(campaign.expiresAtMs == 1_800_000_000_000)
        #expect(campaign.maxRedemptions == 1_000)
        #expect(campaign.maxPerUser == 4)
        #expect(campaign.reward?.kind == .bonus)
        #expect(campaign.reward?.amountMinor == -1)
        #expect(campaign.eligibility?.segments == ["a", "b"])
        #expect(campaign.eligibility?.minVipLevel == 2)
        #expect(campaign.source == "")
        #expect(request.codeMaxUses == UInt64.max)
        let chunk = try FetchBackupResponse(jsonBytes: Array(#"{"data": "AAEC-vv_Bw"}"#.utf8))  // URL-safe, no padding
        #expect(chunk.data == [0, 1, 2, 250, 251, 255, 7])
    }

    @Test func everyMessageRoundTrips() throws {
        let original = ReportResponse.with {
            $0.campaignId = "cmp"
            $0.codesIssued = 12
            $0.timeline = [Bucket.with { $0.startMs = 3_600_000; $0.redemptions = 2 }]
            $0.suspicious = [Suspicion.with { $0.kind = "ip"; $0.key = "10.0.0.1"; $0.share = 0.5 }]
            $0.rewardTotals = [Money.with { $0.currency = "EUR"; $0.amountMinor = Int64.min }]
            $0.bucket = .day
        }
        #expect(try ReportResponse(jsonBytes: original.jsonBytes()) == original)
        let history = RewardHistoryResponse.with {
            $0.redemptions = [RedemptionInfo.with { $0.redemptionId = "r"; $0.reward = Reward.with { $0.freeSpins = 10 }; $0.voided = true }]
            $0.nextPageToken = "t"
        }
        #expect(try RewardHistoryResponse(jsonBytes: history.jsonBytes()) == history)
    }

    @Test(arguments: [
        (#"{"campaign": {"reward": {"amountMinor": true}}}"#, #"field "campaign.reward.amountMinor": expected an integer"#),
        (#"{"campaign": {"name": 5}}"#, #"field "campaign.name": expected a string, got the number 5"#),
        (#"{"campaign": {"kind": "CAMPAIGN_KIND_NOPE"}}"#, #"unknown CampaignKind value "CAMPAIGN_KIND_NOPE""#),
        (#"{"campaign": {"maxPerUser": 4294967296}}"#, #"4294967296 is out of range for UInt32"#),
        (#"{"campaign": {"maxPerUser": 1.5}}"#, #"field "campaign.maxPerUser": expected an integer"#),
        (#"{"campaign": {"eligibility": {"segments": "vip"}}}"#, #"field "campaign.eligibility.segments": expected an array"#),
        (#"{"campaign": {"eligibility": {"segments": ["a", 1]}}}"#, #"field "campaign.eligibility.segments[1]": expected a string"#),
        (#"{"campaign": {"bogus": 1}}"#, #"unknown field "bogus" in campaign (Campaign)"#),
        (#"{"bogus": 1}"#, #"unknown field "bogus" in CreateCampaignRequest"#),
        (#"{"campaign": []}"#, #"field "campaign": expected an object (Campaign), got an array"#),
        (#"[]"#, #"the body must be a JSON object (CreateCampaignRequest), got an array"#),
        (#"{"code": "a", "code": "b"}"#, #"key "code" appears twice"#),
        (#"{"code": "a",}"#, "malformed JSON at byte"),
        (#"{"code": "a"} x"#, "unexpected data after the JSON value"),
        (#"{"code": "\ud800"}"#, "lone surrogate"),
    ])
    func badInputIsRefusedNamingTheField(json: String, message: String) {
        #expect {
            _ = try CreateCampaignRequest(jsonBytes: Array(json.utf8))
        } throws: { error in
            (error as? JSONError)?.message.contains(message) == true
        }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(Array(deep.utf8)) }
        #expect(throws: JSONError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }  // not UTF-8
    }

    @Test func base64RoundTripsEveryLength() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.decode("A") == nil)
        #expect(Base64.decode("AA=A") == nil)
        #expect(Base64.decode("!!!!") == nil)
    }
}
