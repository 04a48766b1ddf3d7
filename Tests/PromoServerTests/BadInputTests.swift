import NIOCore
import PromoClient
import PromoServer
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Hostile and malformed input over real TCP: oversized strings in every RPC, invalid UTF-8, extreme counts,
// unknown enum values, missing sub-messages, an empty oneof, a Response sent as a Request, random frame
// bodies and a request dribbled in one byte at a time. Each case asserts the exact status, that the same
// connection keeps serving, and that a fresh client is still served afterwards.

/// 300 KB: well inside the 1 MiB frame, far beyond every documented field limit.
private let huge = String(repeating: "A", count: 300_000)
private func bytes(_ count: Int, _ character: Character = "a") -> String { String(repeating: character, count: count) }

/// One hostile call and the exact answer it must get.
private struct Probe {
    let label: String
    let call: Request.Call
    let status: StatusCode
    /// For OK answers: what the result must look like.
    var check: (@Sendable (Response.Result?) -> Bool)? = nil
}

private func verdict(_ expected: Verdict) -> @Sendable (Response.Result?) -> Bool {
    { result in
        switch result {
        case .validate(let answer): answer.verdict == expected
        case .redeem(let answer): answer.verdict == expected
        default: false
        }
    }
}

/// Sends every probe on `client`, checks its status (and result), then proves the connection still serves.
private func run(_ probes: [Probe], on client: PromoClient) async throws {
    for probe in probes {
        let response = try await client.send(probe.call)
        #expect(response.status.code == probe.status, "\(probe.label): \(response.status.code) \(response.status.message.prefix(200))")
        if response.status.code == .ok {
            if let check = probe.check { #expect(check(response.result), "\(probe.label): \(String(describing: response.result).prefix(300))") }
        } else {
            #expect(response.result == nil, "\(probe.label): a refusal carries no result")
            #expect(!response.status.message.isEmpty, "\(probe.label): a refusal says why")
        }
        let alive = try await client.send(.listApiKeys(ListApiKeysRequest()))
        #expect(alive.status.code == .ok, "\(probe.label): the connection must keep serving")
    }
}

/// A fresh connection is served: hello plus a read.
private func expectServesAFreshClient(_ server: TestServer) async throws {
    let fresh = try await server.session()
    #expect(try await fresh.hello(apiKey: adminKey).role == "admin")
    #expect(try await fresh.send(.listCampaigns(ListCampaignsRequest())).status.code == .ok)
    await fresh.close()
}

/// Protobuf by hand, for bytes the Swift codec would never produce.
private enum Proto {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            out.append(byte)
        } while value != 0
        return out
    }
    static func field(_ number: UInt64, varint value: UInt64) -> [UInt8] { varint(number << 3) + varint(value) }
    static func field(_ number: UInt64, bytes value: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(UInt64(value.count)) + value
    }
    static func frame(_ body: [UInt8]) -> [UInt8] {
        let n = UInt32(body.count)
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + body
    }
}

@Suite("Bad input over TCP: every refusal is exact and the server keeps serving", .serverCleanup)
struct TCPBadInputTests {
    // MARK: Oversized strings

    @Test func oversizedStringsInValidateAndRedeemAreRefused() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("BIG")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 100 }, code: code)
        let player = user(Unique.user())

        func validate(_ configure: (inout ValidateRequest) -> Void) -> Request.Call {
            var request = ValidateRequest.with { $0.code = code; $0.user = player }
            configure(&request)
            return .validate(request)
        }
        func redeem(_ configure: (inout RedeemRequest) -> Void) -> Request.Call {
            var request = RedeemRequest.with { $0.code = code; $0.user = player; $0.idempotencyKey = Unique.key() }
            configure(&request)
            return .redeem(request)
        }
        // A malformed code of an acceptable length is simply not found; an over-long one is refused.
        let malformed256 = bytes(256, "Z")  // 256 bytes as typed, but 256 > 64 canonical characters
        let probes: [Probe] = [
            Probe(label: "validate code 300 KB", call: validate { $0.code = huge }, status: .invalidArgument),
            Probe(label: "validate code 257 B", call: validate { $0.code = bytes(257, "Z") }, status: .invalidArgument),
            Probe(label: "validate code 256 B malformed", call: validate { $0.code = malformed256 }, status: .ok,
                check: verdict(.codeNotFound)),
            Probe(label: "validate code with symbols", call: validate { $0.code = "SUMMER!50" }, status: .ok,
                check: verdict(.codeNotFound)),
            Probe(label: "validate user_id 300 KB", call: validate { $0.user = user(huge) }, status: .invalidArgument),
            Probe(label: "validate user_id 129 B", call: validate { $0.user = user(bytes(129)) }, status: .invalidArgument),
            Probe(label: "validate user_id 128 B", call: validate { $0.user = user(bytes(128)) }, status: .ok,
                check: verdict(.ok)),
            Probe(label: "validate segment 300 KB", call: validate { $0.user = user("u1") { $0.segments = [huge] } },
                status: .invalidArgument),
            Probe(label: "validate segment 65 B", call: validate { $0.user = user("u1") { $0.segments = [bytes(65)] } },
                status: .invalidArgument),
            Probe(label: "validate country 300 KB", call: validate { $0.user = user("u1") { $0.country = huge } },
                status: .invalidArgument),
            Probe(label: "validate ip 300 KB", call: validate { $0.user = user("u1") { $0.ip = huge } }, status: .invalidArgument),
            Probe(label: "validate ip 65 B", call: validate { $0.user = user("u1") { $0.ip = bytes(65) } }, status: .invalidArgument),
            Probe(label: "validate device_id 129 B", call: validate { $0.user = user("u1") { $0.deviceId = bytes(129) } },
                status: .invalidArgument),
            Probe(label: "validate device_id 300 KB", call: validate { $0.user = user("u1") { $0.deviceId = huge } },
                status: .invalidArgument),
            Probe(label: "validate currency 300 KB", call: validate { $0.depositMinor = 100; $0.currency = huge },
                status: .invalidArgument),

            Probe(label: "redeem code 300 KB", call: redeem { $0.code = huge }, status: .invalidArgument),
            Probe(label: "redeem code 257 B", call: redeem { $0.code = bytes(257, "Z") }, status: .invalidArgument),
            Probe(label: "redeem code 256 B malformed", call: redeem { $0.code = malformed256 }, status: .ok,
                check: verdict(.codeNotFound)),
            Probe(label: "redeem user_id 300 KB", call: redeem { $0.user = user(huge) }, status: .invalidArgument),
            Probe(label: "redeem user_id 129 B", call: redeem { $0.user = user(bytes(129)) }, status: .invalidArgument),
            Probe(label: "redeem idempotency_key 300 KB", call: redeem { $0.idempotencyKey = huge }, status: .invalidArgument),
            Probe(label: "redeem idempotency_key 129 B", call: redeem { $0.idempotencyKey = bytes(129) }, status: .invalidArgument),
            Probe(label: "redeem source 300 KB", call: redeem { $0.source = huge }, status: .invalidArgument),
            Probe(label: "redeem source 129 B", call: redeem { $0.source = bytes(129) }, status: .invalidArgument),
            Probe(label: "redeem reservation_id 300 KB", call: redeem { $0.reservationId = huge }, status: .invalidArgument),
            Probe(label: "redeem reservation_id 129 B", call: redeem { $0.reservationId = bytes(129) }, status: .invalidArgument),
            Probe(label: "redeem currency 300 KB", call: redeem { $0.depositMinor = 100; $0.currency = huge },
                status: .invalidArgument),
            Probe(label: "redeem segment 300 KB", call: redeem { $0.user = user("u2") { $0.segments = [huge] } },
                status: .invalidArgument),
            Probe(label: "redeem device_id 300 KB", call: redeem { $0.user = user("u2") { $0.deviceId = huge } },
                status: .invalidArgument),
            Probe(label: "reward_history user_id 300 KB", call: .rewardHistory(.with { $0.userId = huge }), status: .invalidArgument),
            Probe(label: "reward_history user_id 129 B", call: .rewardHistory(.with { $0.userId = bytes(129) }),
                status: .invalidArgument),
            Probe(label: "reward_history page_token 300 KB",
                call: .rewardHistory(.with { $0.userId = "u1"; $0.pageToken = huge }), status: .invalidArgument),
            Probe(label: "reward_history page_token 257 B well-formed",
                call: .rewardHistory(.with { $0.userId = "u1"; $0.pageToken = "1~" + bytes(255) }), status: .invalidArgument),
        ]
        try await run(probes, on: admin)
        // Nothing was consumed by any refusal (the malformed-code redeem matched nothing).
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 0)
        await admin.close()
        try await expectServesAFreshClient(server)
    }

    @Test func oversizedStringsInBackOfficeCallsAreRefused() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("OFFICE")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: code)
        let redemption = try await admin.redeem(code: code, user: user(Unique.user()))
        #expect(redemption.verdict == .ok)

        func create(code: String = "", _ configure: (inout Campaign) -> Void) -> Request.Call {
            .createCampaign(.with { $0.campaign = bonusCampaign("Campaign", configure); $0.code = code })
        }
        func update(_ mask: [String], _ configure: (inout Campaign) -> Void) -> Request.Call {
            .updateCampaign(.with {
                $0.campaignId = campaign.id
                $0.campaign = .with(configure)
                $0.updateMask = mask
            })
        }
        func generate(_ configure: (inout GenerateRequest) -> Void) -> Request.Call {
            var request = GenerateRequest.with { $0.campaignId = campaign.id; $0.count = 1 }
            configure(&request)
            return .generate(request)
        }
        func export(_ configure: (inout ExportCodesRequest) -> Void) -> Request.Call {
            var request = ExportCodesRequest.with { $0.campaignId = campaign.id }
            configure(&request)
            return .exportCodes(request)
        }
        let emptyExport: @Sendable (Response.Result?) -> Bool = { result in
            if case .exportCodes(let page) = result { return page.codes.isEmpty && page.nextPageToken.isEmpty }
            return false
        }
        let probes: [Probe] = [
            // create_campaign
            Probe(label: "create name 300 KB", call: create { $0.name = huge }, status: .invalidArgument),
            Probe(label: "create name 201 B", call: create { $0.name = bytes(201) }, status: .invalidArgument),
            Probe(label: "create source 300 KB", call: create { $0.source = huge }, status: .invalidArgument),
            Probe(label: "create source 129 B", call: create { $0.source = bytes(129) }, status: .invalidArgument),
            Probe(label: "create code 300 KB", call: create(code: huge) { _ in }, status: .invalidArgument),
            Probe(label: "create code 257 B", call: create(code: bytes(257, "Q")) { _ in }, status: .invalidArgument),
            Probe(label: "create code 65 canonical chars", call: create(code: bytes(65, "Q")) { _ in }, status: .invalidArgument),
            Probe(label: "create reward currency 300 KB", call: create { $0.reward?.currency = huge }, status: .invalidArgument),
            Probe(label: "create free-spins game_id 300 KB",
                call: create { $0.reward = .with { $0.kind = .freeSpins; $0.freeSpins = 10; $0.gameId = huge } },
                status: .invalidArgument),
            Probe(label: "create free-spins game_id 129 B",
                call: create { $0.reward = .with { $0.kind = .freeSpins; $0.freeSpins = 10; $0.gameId = bytes(129) } },
                status: .invalidArgument),
            Probe(label: "create eligibility segment 300 KB", call: create { $0.eligibility = .with { $0.segments = [huge] } },
                status: .invalidArgument),
            Probe(label: "create eligibility segment 65 B", call: create { $0.eligibility = .with { $0.segments = [bytes(65)] } },
                status: .invalidArgument),
            Probe(label: "create eligibility country 300 KB", call: create { $0.eligibility = .with { $0.countries = [huge] } },
                status: .invalidArgument),
            // update_campaign
            Probe(label: "update name 300 KB", call: update(["name"]) { $0.name = huge }, status: .invalidArgument),
            Probe(label: "update name 201 B", call: update(["name"]) { $0.name = bytes(201) }, status: .invalidArgument),
            Probe(label: "update source 129 B", call: update(["source"]) { $0.source = bytes(129) }, status: .invalidArgument),
            Probe(label: "update mask entry 300 KB", call: update([huge]) { $0.name = "x" }, status: .invalidArgument),
            Probe(label: "update campaign_id 300 KB",
                call: .updateCampaign(.with { $0.campaignId = huge; $0.campaign = .with { $0.name = "x" }; $0.updateMask = ["name"] }),
                status: .notFound),
            // reads by id
            Probe(label: "get_campaign campaign_id 300 KB", call: .getCampaign(.with { $0.campaignId = huge }), status: .notFound),
            Probe(label: "report campaign_id 300 KB", call: .report(.with { $0.campaignId = huge }), status: .notFound),
            Probe(label: "list_campaigns page_token 300 KB", call: .listCampaigns(.with { $0.pageToken = huge }),
                status: .invalidArgument),
            // generate
            Probe(label: "generate campaign_id 300 KB", call: generate { $0.campaignId = huge }, status: .notFound),
            Probe(label: "generate pattern 300 KB", call: generate { $0.pattern = huge }, status: .invalidArgument),
            Probe(label: "generate prefix 300 KB", call: generate { $0.prefix = huge }, status: .invalidArgument),
            Probe(label: "generate suffix 300 KB", call: generate { $0.suffix = huge }, status: .invalidArgument),
            Probe(label: "generate owner_id 300 KB", call: generate { $0.ownerId = huge }, status: .invalidArgument),
            Probe(label: "generate owner_id 129 B", call: generate { $0.ownerId = bytes(129) }, status: .invalidArgument),
            Probe(label: "generate idempotency_key 300 KB", call: generate { $0.idempotencyKey = huge }, status: .invalidArgument),
            Probe(label: "generate idempotency_key 129 B", call: generate { $0.idempotencyKey = bytes(129) }, status: .invalidArgument),
            // import_codes: not all-or-nothing, so a bad entry is a rejection in an OK answer
            Probe(label: "import campaign_id 300 KB",
                call: .importCodes(.with { $0.campaignId = huge; $0.codes = [importing(Unique.code("IMP"))] }), status: .notFound),
            Probe(label: "import code 300 KB",
                call: .importCodes(.with { $0.campaignId = campaign.id; $0.codes = [importing(huge)] }), status: .ok,
                check: { result in
                    if case .importCodes(let answer) = result {
                        return answer.imported == 0 && answer.rejected.count == 1 && answer.rejected[0].index == 0
                            && answer.batchId.isEmpty
                    }
                    return false
                }),
            Probe(label: "import owner_id 129 B",
                call: .importCodes(.with {
                    $0.campaignId = campaign.id
                    $0.codes = [importing(Unique.code("IMP"), owner: bytes(129)), importing(Unique.code("IMP"))]
                }), status: .ok,
                check: { result in
                    if case .importCodes(let answer) = result {
                        return answer.imported == 1 && answer.rejected.map(\.index) == [0]
                    }
                    return false
                }),
            // export_codes
            Probe(label: "export campaign_id 300 KB", call: export { $0.campaignId = huge }, status: .notFound),
            Probe(label: "export batch_id 300 KB", call: export { $0.batchId = huge }, status: .ok, check: emptyExport),
            Probe(label: "export owner_id 300 KB", call: export { $0.ownerId = huge }, status: .ok, check: emptyExport),
            Probe(label: "export page_token 300 KB", call: export { $0.pageToken = huge }, status: .invalidArgument),
            // codes and redemptions
            Probe(label: "set_code_status code 300 KB", call: .setCodeStatus(.with { $0.code = huge }), status: .invalidArgument),
            Probe(label: "set_code_status code 257 B", call: .setCodeStatus(.with { $0.code = bytes(257, "Q") }),
                status: .invalidArgument),
            Probe(label: "void reason 300 KB",
                call: .voidRedemption(.with { $0.redemptionId = redemption.redemptionId; $0.reason = huge }), status: .invalidArgument),
            Probe(label: "void reason 501 B",
                call: .voidRedemption(.with { $0.redemptionId = redemption.redemptionId; $0.reason = bytes(501) }),
                status: .invalidArgument),
            Probe(label: "void redemption_id 300 KB", call: .voidRedemption(.with { $0.redemptionId = huge; $0.reason = "r" }),
                status: .notFound),
            // API keys
            Probe(label: "create_api_key name 300 KB", call: .createApiKey(.with { $0.name = huge; $0.role = "analyst" }),
                status: .invalidArgument),
            Probe(label: "create_api_key name 201 B", call: .createApiKey(.with { $0.name = bytes(201); $0.role = "analyst" }),
                status: .invalidArgument),
            Probe(label: "create_api_key role 300 KB", call: .createApiKey(.with { $0.name = "k"; $0.role = huge }),
                status: .invalidArgument),
            Probe(label: "revoke_api_key key_id 300 KB", call: .revokeApiKey(.with { $0.keyId = huge }), status: .notFound),
            // Operations
            Probe(label: "backup name 300 KB", call: .backup(.with { $0.name = huge }), status: .invalidArgument),
            Probe(label: "backup name 129 B", call: .backup(.with { $0.name = bytes(129) }), status: .invalidArgument),
            Probe(label: "fetch_backup name 300 KB", call: .fetchBackup(.with { $0.name = huge }), status: .invalidArgument),
            Probe(label: "audit_log actor 300 KB", call: .auditLog(.with { $0.actorKeyId = huge }), status: .invalidArgument),
            Probe(label: "audit_log target 257 B", call: .auditLog(.with { $0.target = bytes(257) }), status: .invalidArgument),
            Probe(label: "audit_log page_token 300 KB", call: .auditLog(.with { $0.pageToken = huge }),
                status: .invalidArgument),
        ]
        try await run(probes, on: admin)

        // None of it changed the campaign, the code, the redemption or the keys.
        let after = try await admin.getCampaign(campaign.id)
        #expect(after.name == campaign.name)
        #expect(after.source == campaign.source)
        #expect(after.stats?.redemptions == 1)
        guard case .listApiKeys(let keys) = try await admin.call(.listApiKeys(ListApiKeysRequest())) else {
            Issue.record("list_api_keys")
            return
        }
        #expect(keys.keys.count == 1, "no refused create_api_key may leave a key behind")
        await admin.close()
        try await expectServesAFreshClient(server)
    }

    @Test func oversizedHelloFieldsAreRefusedWithoutClosingTheConnection() async throws {
        let server = try await TestServer.start { $0.helloAttemptsMax = 3 }
        let raw = try await server.raw()
        try await raw.write([
            Request(requestId: 1, .hello(HelloRequest(apiKey: huge))),
            Request(requestId: 2, .hello(HelloRequest(apiKey: String(adminKey + bytes(257 - adminKey.utf8.count))))),
            Request(requestId: 3, .hello(.with { $0.apiKey = adminKey; $0.clientName = huge })),
            Request(requestId: 4, .listApiKeys(ListApiKeysRequest())),
        ])
        let answers = try await raw.readResponses(4)
        #expect(answers.map(\.requestId) == [1, 2, 3, 4])
        #expect(answers.map(\.status.code) == [.unauthenticated, .unauthenticated, .ok, .ok])
        if case .hello(let hello) = answers[2].result { #expect(hello.role == "admin") } else { Issue.record("hello result") }
        #expect(!raw.isClosed)
        await raw.close()
        try await expectServesAFreshClient(server)
    }

    // MARK: Invalid UTF-8

    @Test func invalidUTF8IsRefusedWithRequestIdZeroAndTheConnectionSurvives() async throws {
        let server = try await TestServer.start()
        let raw = try await server.raw()
        let bad: [UInt8] = [0x41, 0xFF, 0xFE, 0x42]

        // hello { api_key = "A\xFF\xFEB" } as request 5, before authenticating.
        let hello = Proto.field(1, varint: 5) + Proto.field(10, bytes: Proto.field(1, bytes: bad))
        try await raw.write(Proto.frame(hello))
        let refusedHello = try await raw.readResponse()
        #expect(refusedHello.requestId == 0)
        #expect(refusedHello.status.code == .invalidArgument)
        #expect(refusedHello.result == nil)

        // The connection still works: a real hello.
        try await raw.write([Request(requestId: 6, .hello(HelloRequest(apiKey: adminKey)))])
        let helloed = try await raw.readResponse()
        #expect(helloed.requestId == 6 && helloed.status.code == .ok)

        // validate with a bad code, with a bad user id nested in user, and redeem with a bad idempotency key.
        let goodUser = Proto.field(1, bytes: Array("player-1".utf8))
        let frames: [[UInt8]] = [
            Proto.field(1, varint: 7) + Proto.field(11, bytes: Proto.field(1, bytes: bad) + Proto.field(2, bytes: goodUser)),
            Proto.field(1, varint: 8) + Proto.field(11, bytes: Proto.field(1, bytes: Array("CODE1".utf8))
                + Proto.field(2, bytes: Proto.field(1, bytes: bad))),
            Proto.field(1, varint: 9) + Proto.field(12, bytes: Proto.field(1, bytes: Array("CODE1".utf8))
                + Proto.field(2, bytes: goodUser) + Proto.field(3, bytes: bad)),
            Proto.field(1, varint: 10) + Proto.field(15, bytes: Proto.field(1, bytes: Proto.field(2, bytes: bad))),
            // A lone continuation byte and a truncated 3-byte sequence.
            Proto.field(1, varint: 11) + Proto.field(23, bytes: Proto.field(1, bytes: [0x80])),
            Proto.field(1, varint: 12) + Proto.field(23, bytes: Proto.field(1, bytes: [0x61, 0xE2, 0x82])),
        ]
        for (index, body) in frames.enumerated() {
            try await raw.write(Proto.frame(body))
            let refusal = try await raw.readResponse()
            #expect(refusal.requestId == 0, "frame \(index)")
            #expect(refusal.status.code == .invalidArgument, "frame \(index): \(refusal.status.code)")
            // Still authenticated and serving on the same connection.
            try await raw.write([Request(requestId: 100 + UInt64(index), .listApiKeys(ListApiKeysRequest()))])
            let alive = try await raw.readResponse()
            #expect(alive.requestId == 100 + UInt64(index) && alive.status.code == .ok, "frame \(index)")
        }
        // Valid multi-byte UTF-8 is fine: a user id in Greek is answered with a verdict.
        let greek = Proto.field(1, varint: 200) + Proto.field(11, bytes: Proto.field(1, bytes: Array("NOSUCHCODE".utf8))
            + Proto.field(2, bytes: Proto.field(1, bytes: Array("παίκτης".utf8))))
        try await raw.write(Proto.frame(greek))
        let answered = try await raw.readResponse()
        #expect(answered.requestId == 200 && answered.status.code == .ok)
        if case .validate(let validate) = answered.result { #expect(validate.verdict == .codeNotFound) } else { Issue.record("validate result") }
        #expect(!raw.isClosed)
        await raw.close()
        try await expectServesAFreshClient(server)
    }

    // MARK: Counts, enums, missing sub-messages, empty oneof

    @Test func zeroAndHugeCountsGetExactAnswers() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("COUNT")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: code)
        let imported = try await admin.importCodes(campaign.id, (0..<3).map { _ in importing(Unique.code("CNT")) })
        #expect(imported.imported == 3)

        let listed: @Sendable (Response.Result?) -> Bool = { result in
            if case .listCampaigns(let list) = result { return list.campaigns.count == 1 && list.nextPageToken.isEmpty }
            return false
        }
        let exported: @Sendable (Response.Result?) -> Bool = { result in
            if case .exportCodes(let page) = result { return page.codes.count == 4 && page.nextPageToken.isEmpty }
            return false
        }
        let history: @Sendable (Response.Result?) -> Bool = { result in
            if case .rewardHistory(let page) = result { return page.redemptions.isEmpty && page.nextPageToken.isEmpty }
            return false
        }
        let probes: [Probe] = [
            Probe(label: "generate count 0", call: .generate(.with { $0.campaignId = campaign.id; $0.count = 0 }),
                status: .invalidArgument),
            Probe(label: "generate count UInt32.max", call: .generate(.with { $0.campaignId = campaign.id; $0.count = .max }),
                status: .invalidArgument),
            Probe(label: "generate count 1,000,001", call: .generate(.with { $0.campaignId = campaign.id; $0.count = 1_000_001 }),
                status: .invalidArgument),
            Probe(label: "personal generate count UInt32.max",
                call: .generate(.with { $0.campaignId = campaign.id; $0.count = .max; $0.ownerId = "aff-1" }), status: .invalidArgument),
            Probe(label: "list page_size 0", call: .listCampaigns(.with { $0.pageSize = 0 }), status: .ok, check: listed),
            Probe(label: "list page_size UInt32.max", call: .listCampaigns(.with { $0.pageSize = .max }), status: .ok, check: listed),
            Probe(label: "export page_size 0", call: .exportCodes(.with { $0.campaignId = campaign.id; $0.pageSize = 0 }),
                status: .ok, check: exported),
            Probe(label: "export page_size UInt32.max",
                call: .exportCodes(.with { $0.campaignId = campaign.id; $0.pageSize = .max }), status: .ok, check: exported),
            Probe(label: "history page_size 0", call: .rewardHistory(.with { $0.userId = "nobody"; $0.pageSize = 0 }),
                status: .ok, check: history),
            Probe(label: "history page_size UInt32.max", call: .rewardHistory(.with { $0.userId = "nobody"; $0.pageSize = .max }),
                status: .ok, check: history),
            Probe(label: "validate reserve_ms UInt32.max",
                call: .validate(.with { $0.code = code; $0.user = user("u"); $0.reserveMs = .max }), status: .invalidArgument),
            Probe(label: "validate reserve_ms 900,001",
                call: .validate(.with { $0.code = code; $0.user = user("u"); $0.reserveMs = 900_001 }), status: .invalidArgument),
            Probe(label: "report top UInt32.max", call: .report(.with { $0.campaignId = campaign.id; $0.top = .max }), status: .ok),
            // "A range that starts in the future is empty, not upside down" (ReportQueries): an empty report.
            Probe(label: "report from_ms Int64.max", call: .report(.with { $0.campaignId = campaign.id; $0.fromMs = .max }),
                status: .ok, check: { result in
                    if case .report(let report) = result {
                        return report.fromMs == report.toMs && report.redemptions == 0 && report.timeline.isEmpty
                    }
                    return false
                }),
            Probe(label: "report negative from_ms", call: .report(.with { $0.campaignId = campaign.id; $0.fromMs = -1 }),
                status: .invalidArgument),
        ]
        try await run(probes, on: admin)
        // Limits are stored as signed 64-bit integers: above Int64.max is refused, not clamped.
        let tooLarge = try await admin.send(.createCampaign(.with {
            $0.campaign = bonusCampaign { $0.maxRedemptions = .max }
            $0.code = Unique.code("TOOBIG")
        }))
        #expect(tooLarge.status.code == .invalidArgument)
        let tooLargeCode = try await admin.send(.createCampaign(.with {
            $0.campaign = bonusCampaign()
            $0.code = Unique.code("TOOBIG")
            $0.codeMaxUses = .max
        }))
        #expect(tooLargeCode.status.code == .invalidArgument)
        // The largest limits that can be stored: accepted, read back unchanged, and a redeem works against them.
        let largest = UInt64(Int64.max)
        let hugeCode = Unique.code("HUGE")
        let hugeCampaign = try await admin.createCampaign(
            bonusCampaign { $0.maxRedemptions = largest; $0.maxPerUser = .max }, code: hugeCode, codeMaxUses: largest)
        #expect(try await admin.redeem(code: hugeCode, user: user(Unique.user())).verdict == .ok)
        let fetched = try await admin.getCampaign(hugeCampaign.id)
        #expect(fetched.maxPerUser == .max)
        #expect(fetched.maxRedemptions == hugeCampaign.maxRedemptions, "create answered \(hugeCampaign.maxRedemptions), get \(fetched.maxRedemptions)")
        let hugeInfo = try #require(try await admin.exportAll(campaignId: hugeCampaign.id).codes.first)
        #expect(hugeInfo.maxUses == largest, "code max_uses read back as \(hugeInfo.maxUses)")
        #expect(hugeInfo.uses == 1)
        #expect(fetched.stats?.redemptions == 1)
        let hugeValidate = try await admin.validate(code: hugeCode, user: user(Unique.user()))
        #expect(hugeValidate.verdict == .ok && !hugeValidate.unlimited, "remaining \(hugeValidate.remaining)")

        // No reservation and no codes were made by the refusals.
        let after = try await admin.validate(code: code, user: user(Unique.user()))
        #expect(after.verdict == .ok && after.unlimited)
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.count == 4)
        await admin.close()
        try await expectServesAFreshClient(server)
    }

    @Test func unknownEnumValuesAreInvalidArgument() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign(), code: Unique.code("ENUM"))
        let probes: [Probe] = [
            Probe(label: "campaign kind 99",
                call: .createCampaign(.with { $0.campaign = bonusCampaign { $0.kind = CampaignKind(rawValue: 99) } }),
                status: .invalidArgument),
            Probe(label: "campaign kind 0 (unspecified)",
                call: .createCampaign(.with { $0.campaign = bonusCampaign { $0.kind = .unspecified } }), status: .invalidArgument),
            Probe(label: "campaign kind -1",
                call: .createCampaign(.with { $0.campaign = bonusCampaign { $0.kind = CampaignKind(rawValue: -1) } }),
                status: .invalidArgument),
            Probe(label: "reward kind 99",
                call: .createCampaign(.with { $0.campaign = bonusCampaign { $0.reward?.kind = RewardKind(rawValue: 99) } }),
                status: .invalidArgument),
            Probe(label: "reward kind 0",
                call: .createCampaign(.with { $0.campaign = bonusCampaign { $0.reward?.kind = .unspecified } }),
                status: .invalidArgument),
            Probe(label: "update reward kind 99",
                call: .updateCampaign(.with {
                    $0.campaignId = campaign.id
                    $0.campaign = .with { $0.reward = .with { $0.kind = RewardKind(rawValue: 99); $0.amountMinor = 1; $0.currency = "EUR" } }
                    $0.updateMask = ["reward"]
                }), status: .invalidArgument),
            Probe(label: "export usage 99",
                call: .exportCodes(.with { $0.campaignId = campaign.id; $0.usage = CodeUsage(rawValue: 99) }), status: .invalidArgument),
            Probe(label: "report bucket 99",
                call: .report(.with { $0.campaignId = campaign.id; $0.bucket = BucketWidth(rawValue: 99) }), status: .invalidArgument),
        ]
        try await run(probes, on: admin)
        #expect(try await admin.listCampaigns().campaigns.count == 1, "no refused create_campaign may leave a campaign behind")
        #expect(try await admin.getCampaign(campaign.id).reward == campaign.reward)
        await admin.close()
        try await expectServesAFreshClient(server)
    }

    @Test func missingSubMessagesAreInvalidArgument() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("MISSING")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: code)
        let probes: [Probe] = [
            Probe(label: "create_campaign without campaign", call: .createCampaign(.with { $0.code = Unique.code("M") }),
                status: .invalidArgument),
            Probe(label: "campaign without reward",
                call: .createCampaign(.with { $0.campaign = bonusCampaign { $0.reward = nil } }), status: .invalidArgument),
            Probe(label: "update with mask reward but no reward",
                call: .updateCampaign(.with { $0.campaignId = campaign.id; $0.campaign = Campaign(); $0.updateMask = ["reward"] }),
                status: .invalidArgument),
            Probe(label: "update with an empty mask",
                call: .updateCampaign(.with { $0.campaignId = campaign.id; $0.campaign = .with { $0.name = "x" } }),
                status: .invalidArgument),
            Probe(label: "validate without user", call: .validate(.with { $0.code = code }), status: .invalidArgument),
            Probe(label: "validate with an empty user", call: .validate(.with { $0.code = code; $0.user = UserContext() }),
                status: .invalidArgument),
            Probe(label: "validate without code", call: .validate(.with { $0.user = user("u") }), status: .invalidArgument),
            Probe(label: "redeem without user", call: .redeem(.with { $0.code = code; $0.idempotencyKey = Unique.key() }),
                status: .invalidArgument),
            Probe(label: "redeem without code", call: .redeem(.with { $0.user = user("u") }), status: .invalidArgument),
            Probe(label: "void without reason", call: .voidRedemption(.with { $0.redemptionId = "rdm_x" }), status: .invalidArgument),
            Probe(label: "void without id", call: .voidRedemption(.with { $0.reason = "r" }), status: .invalidArgument),
            Probe(label: "reward_history without user_id", call: .rewardHistory(RewardHistoryRequest()), status: .invalidArgument),
            Probe(label: "report without campaign_id", call: .report(ReportRequest()), status: .invalidArgument),
            Probe(label: "generate without campaign_id", call: .generate(.with { $0.count = 1 }), status: .invalidArgument),
            Probe(label: "export without campaign_id", call: .exportCodes(ExportCodesRequest()), status: .invalidArgument),
            Probe(label: "import without codes", call: .importCodes(.with { $0.campaignId = campaign.id }), status: .invalidArgument),
            Probe(label: "set_code_status without code", call: .setCodeStatus(SetCodeStatusRequest()), status: .invalidArgument),
            Probe(label: "create_api_key without name", call: .createApiKey(.with { $0.role = "analyst" }), status: .invalidArgument),
        ]
        try await run(probes, on: admin)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 0)
        await admin.close()
        try await expectServesAFreshClient(server)
    }

    @Test func anEmptyOneofIsInvalidArgumentWithTheRequestsId() async throws {
        let server = try await TestServer.start()
        let raw = try await server.raw()
        // Before hello, and after it: the empty call is refused either way, with the request's own id.
        var empty = Request()
        empty.requestId = 41
        try await raw.write([empty])
        let before = try await raw.readResponse()
        #expect(before.requestId == 41 && before.status.code == .invalidArgument && before.result == nil)

        try await raw.write([Request(requestId: 42, .hello(HelloRequest(apiKey: adminKey)))])
        #expect(try await raw.readResponse().status.code == .ok)
        empty.requestId = UInt64.max
        // By hand too: request_id only, plus an unknown field 99 that must be ignored.
        let byHand = Proto.field(1, varint: 43) + Proto.field(99, bytes: Array("ignored".utf8))
        try await raw.write([empty])
        try await raw.write(Proto.frame(byHand))
        try await raw.write([Request(requestId: 44, .listApiKeys(ListApiKeysRequest()))])
        let answers = try await raw.readResponses(3)
        #expect(answers.map(\.requestId) == [.max, 43, 44])
        #expect(answers.map(\.status.code) == [.invalidArgument, .invalidArgument, .ok])
        #expect(!raw.isClosed)
        await raw.close()
        try await expectServesAFreshClient(server)
    }

    // MARK: Wrong message type, random frames, dribbled bytes

    @Test func aResponseSentAsARequestIsAnsweredNotACrash() async throws {
        let server = try await TestServer.start()
        let raw = try await server.raw()
        let codec = WireCodec(frameBytesMax: 1 << 20)
        func frame(_ response: Response) throws -> [UInt8] {
            var buffer = ByteBuffer()
            try codec.encode(response, into: &buffer)
            return buffer.readBytes(length: buffer.readableBytes)!
        }
        // A HelloResponse has the HelloRequest's shape (two strings), so it reads as a hello with the key
        // "promo-service/0.1": a wrong key, answered with the response's id.
        let asHello = try frame(Response(requestId: 3, .hello(.with { $0.serverVersion = "promo-service/0.1"; $0.role = "admin" })))
        try await raw.write(asHello)
        let helloAnswer = try await raw.readResponse()
        #expect(helloAnswer.requestId == 3 && helloAnswer.status.code == .unauthenticated)

        try await raw.write([Request(requestId: 4, .hello(HelloRequest(apiKey: adminKey)))])
        #expect(try await raw.readResponse().status.code == .ok)

        // A status-only Response: field 2 is unknown to Request, and no call arm is set.
        let statusOnly = try frame(Response(requestId: 5, status: Status(.notFound, "not here")))
        try await raw.write(statusOnly)
        let statusAnswer = try await raw.readResponse()
        #expect(statusAnswer.requestId == 5 && statusAnswer.status.code == .invalidArgument)

        // A ValidateResponse whose field 1 is a varint where ValidateRequest.code is a string: a wire-type
        // mismatch, so the frame is unreadable.
        let asValidate = try frame(Response(requestId: 6, .validate(.with { $0.verdict = .ok; $0.campaignId = "cmp_1"; $0.remaining = 3 })))
        try await raw.write(asValidate)
        let validateAnswer = try await raw.readResponse()
        #expect(validateAnswer.requestId == 0 && validateAnswer.status.code == .invalidArgument)

        // A ListApiKeysResponse with keys reads as a ListApiKeysRequest (fields ignored): an answer, OK.
        let asList = try frame(Response(requestId: 7, .listApiKeys(.with { $0.keys = [.with { $0.keyId = "k"; $0.name = "n" }] })))
        try await raw.write(asList)
        let listAnswer = try await raw.readResponse()
        #expect(listAnswer.requestId == 7 && listAnswer.status.code == .ok)
        if case .listApiKeys(let keys) = listAnswer.result { #expect(keys.keys.count == 1) } else { Issue.record("list result") }

        #expect(!raw.isClosed)
        await raw.close()
        try await expectServesAFreshClient(server)
    }

    @Test func randomFrameBodiesAreEachAnsweredExactly() async throws {
        // Failed hellos must not close the connection here: random bytes can read as a hello. Nor may the
        // 300 frames before any good hello (preHelloFramesMax has its own tests in HostileClientTests).
        let server = try await TestServer.start {
            $0.helloAttemptsMax = 1_000_000
            $0.preHelloFramesMax = 1_000_000
        }
        let raw = try await server.raw()
        let local = WireCodec(frameBytesMax: 1 << 20)
        var generator = SplitMix64(state: 0xBAD_1A9E7)
        var expected: [(id: UInt64, status: StatusCode, label: String)] = []
        var stream: [UInt8] = []
        var decodable = 0
        for index in 0..<300 {
            let length = index % 10 == 0 ? 0 : Int.random(in: 1...(index % 3 == 0 ? 3_000 : 40), using: &generator)
            var body = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Every fourth body starts like a request (id then a call arm) so that the parser goes deeper.
            if index % 4 == 1 {
                let arm = UInt64.random(in: 10...30, using: &generator)
                body = Proto.field(1, varint: UInt64(index) + 1) + Proto.field(arm, bytes: body)
            }
            let expectation: (UInt64, StatusCode)
            if let request = try? local.decodeRequest(ByteBuffer(bytes: body)) {
                decodable += 1
                // Not authenticated: a call is UNAUTHENTICATED (a hello too, its key being garbage); no call
                // is INVALID_ARGUMENT. Both carry the request's id.
                expectation = (request.requestId, request.call == nil ? .invalidArgument : .unauthenticated)
            } else {
                expectation = (0, .invalidArgument)
            }
            expected.append((expectation.0, expectation.1, "frame \(index) (\(length) bytes)"))
            stream += Proto.frame(body)
        }
        // All 300 frames in a few big writes: answers come back in order (none of them reaches the store).
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + 8_192)
            try await raw.write(Array(stream[offset..<end]))
            offset = end
        }
        let answers = try await raw.readResponses(expected.count)
        for (answer, expectation) in zip(answers, expected) {
            #expect(answer.requestId == expectation.id, "\(expectation.label)")
            #expect(answer.status.code == expectation.status, "\(expectation.label): \(answer.status.code) \(answer.status.message)")
        }
        #expect(decodable > 20 && decodable < 280, "the mix should hold both decodable and undecodable frames (\(decodable))")
        try await raw.write([Request(requestId: 9_999, .hello(HelloRequest(apiKey: adminKey)))])
        let hello = try await raw.readResponse()
        #expect(hello.requestId == 9_999 && hello.status.code == .ok)
        await raw.close()
        try await expectServesAFreshClient(server)
    }

    @Test func aRequestDribbledOneByteAtATimeIsAnswered() async throws {
        // About reassembly, not the slowloris guard: a loaded machine may take seconds to dribble one frame.
        let server = try await TestServer.start { $0.frameReadTimeoutMs = 120_000 }
        let raw = try await server.raw()
        let codec = WireCodec(frameBytesMax: 1 << 20)
        func frame(_ request: Request) throws -> [UInt8] {
            var buffer = ByteBuffer()
            try codec.encode(request, into: &buffer)
            return buffer.readBytes(length: buffer.readableBytes)!
        }
        let code = Unique.code("DRIP")
        let frames = [
            try frame(Request(requestId: 1, .hello(HelloRequest(apiKey: adminKey)))),
            try frame(Request(requestId: 2, .createCampaign(.with { $0.campaign = bonusCampaign(); $0.code = code }))),
            try frame(Request(requestId: 3, .validate(.with { $0.code = code.lowercased(); $0.user = user("dripper") }))),
        ]
        for (index, bytes) in frames.enumerated() {
            // The four length bytes one by one, then the body one byte per write.
            for byte in bytes {
                try await raw.write([byte])
                try await Task.sleep(for: .microseconds(300))
            }
            let answer = try await raw.readResponse()
            #expect(answer.requestId == UInt64(index + 1))
            #expect(answer.status.code == .ok, "request \(index + 1): \(answer.status.message)")
            switch (index, answer.result) {
            case (0, .hello(let hello)): #expect(hello.role == "admin")
            case (1, .createCampaign(let created)): #expect(created.campaign?.name == "Campaign")
            case (2, .validate(let validate)): #expect(validate.verdict == .ok && validate.unlimited)
            default: Issue.record("request \(index + 1) answered with \(String(describing: answer.result))")
            }
        }
        // Two frames glued together and cut at an odd place are both answered.
        let glued = try frame(Request(requestId: 10, .listApiKeys(ListApiKeysRequest())))
            + frame(Request(requestId: 11, .validate(.with { $0.code = code; $0.user = user("dripper") })))
        try await raw.write(Array(glued[..<3]))
        try await Task.sleep(for: .milliseconds(5))
        try await raw.write(Array(glued[3..<(glued.count - 2)]))
        try await Task.sleep(for: .milliseconds(5))
        try await raw.write(Array(glued[(glued.count - 2)...]))
        let pair = try await raw.readResponses(2)
        #expect(Set(pair.map(\.requestId)) == [10, 11])
        #expect(pair.allSatisfy { $0.status.code == .ok })
        await raw.close()
        try await expectServesAFreshClient(server)
    }

    @Test func afterABarrageOfEverythingAFreshClientIsServed() async throws {
        let server = try await TestServer.start { $0.frameBytesMax = 1 << 20 }
        var generator = SplitMix64(state: 0xF00D)
        // Several connections abused at once: oversized prefix, garbage, invalid UTF-8, huge strings.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                let seed = UInt64.random(in: 0...UInt64.max, using: &generator)
                group.addTask {
                    var random = SplitMix64(state: seed)
                    let raw = try await server.raw()
                    switch index % 4 {
                    case 0:
                        try await raw.write([0x00, 0x10, 0x00, 0x01])  // 1 MiB + 1 announced
                        let refusal = try await raw.readResponse()
                        #expect(refusal.requestId == 0 && refusal.status.code == .invalidArgument)
                        #expect(await raw.waitUntilClosed())
                    case 1:
                        let body = (0..<512).map { _ in UInt8.random(in: 0...255, using: &random) }
                        try await raw.write(Proto.frame([0xFF] + body))  // field 31, wire type 7: never valid
                        let refusal = try await raw.readResponse()
                        #expect(refusal.requestId == 0 && refusal.status.code == .invalidArgument)
                    case 2:
                        let hello = Proto.field(1, varint: 1) + Proto.field(10, bytes: Proto.field(1, bytes: [0xC0, 0xAF]))
                        try await raw.write(Proto.frame(hello))
                        let refusal = try await raw.readResponse()
                        #expect(refusal.requestId == 0 && refusal.status.code == .invalidArgument)
                    default:
                        try await raw.write([
                            Request(requestId: 1, .hello(HelloRequest(apiKey: adminKey))),
                            Request(requestId: 2, .validate(.with { $0.code = huge; $0.user = user("u") })),
                        ])
                        let answers = try await raw.readResponses(2)
                        #expect(answers.map(\.status.code) == [.ok, .invalidArgument])
                    }
                    await raw.close()
                }
            }
            try await group.waitForAll()
        }
        try await expectServesAFreshClient(server)
        let admin = try await server.session()
        let code = Unique.code("AFTER")
        _ = try await admin.createCampaign(bonusCampaign(), code: code)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        await admin.close()
    }
}

/// A promo-server run as a child process, for input that may kill the process: a crash there must not take
/// the test runner (which hosts TestServer) down with it.
private final class ChildServer {
    let pid: pid_t
    let port: Int
    let directory: String

    static func start() async throws -> ChildServer {
        guard let executable = builtExecutable("promo-server") else { throw UnexpectedAnswer("promo-server is not built") }
        let directory = makeTemporaryDirectory()
        let outPath = directory + "/stdout"
        let argv = [executable, "--port", "0", "--metrics-port", "0", "--console-port", "0", "--data-dir", directory, "--log-level", "warning"]
        let pid = try spawnLogged(
            argv, environment: ["PROMO_ADMIN_KEY=\(adminKey)", "SWIFT_BACKTRACE=enable=no"], outputPath: outPath,
            errorPath: directory + "/stderr")
        let deadline = ContinuousClock.now + .milliseconds(2 * eventuallyMs)
        while ContinuousClock.now < deadline {
            if let text = try? readText(outPath), let range = text.range(of: "listening on 127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return ChildServer(pid: pid, port: port, directory: directory) }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        throw UnexpectedAnswer("promo-server did not say where it listens")
    }

    private init(pid: pid_t, port: Int, directory: String) {
        self.pid = pid
        self.port = port
        self.directory = directory
    }

    /// The wait status once the child has exited (reaped once, remembered after), nil while it runs.
    private var reaped: Int32?
    func exitStatus() -> Int32? {
        if let reaped { return reaped }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { reaped = status }
        return reaped
    }

    func stop() async {
        guard exitStatus() == nil else { return }
        kill(pid, SIGTERM)
        for _ in 0..<500 {
            if exitStatus() != nil { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        if waitpid(pid, &status, 0) == pid { reaped = status }
    }

    private static func readText(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw UnexpectedAnswer("open \(path)") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Defects the bad-input suite found (now fixed): each test states the correct behaviour.
@Suite("Bad input over TCP: defects found and fixed", .serverCleanup)
struct TCPBadInputKnownDefectTests {
    /// report { to_ms = Int64.max } on an existing campaign: ReportQueries.swift:86 computes
    /// `query.toMs + hourMs - 1`, which traps on overflow and kills the whole server process.
    @Test func aReportRangeEndingNearInt64MaxDoesNotKillTheServer() async throws {
        let child = try await ChildServer.start()
        let client = try await PromoClient.connect(host: "127.0.0.1", port: child.port)
        _ = try await client.hello(apiKey: adminKey)
        let campaign = try await client.createCampaign(bonusCampaign(), code: Unique.code("OVF"))
        // A range ending in the far future, but representable: answered.
        let far = try await client.send(.report(.with { $0.campaignId = campaign.id; $0.toMs = Int64.max - 3_600_000 }))
        #expect(far.status.code == .ok)

        let answer = try await client.send(.report(.with { $0.campaignId = campaign.id; $0.toMs = .max }))
        #expect(answer.status.code == .invalidArgument, "\(answer.status.code)")
        try await Task.sleep(for: .milliseconds(200))
        let exited = child.exitStatus()
        #expect(exited == nil, "promo-server exited with wait status \(exited ?? 0)")
        await client.close()
        await child.stop()
    }

    /// create_api_key does not check campaign_ids: an issuer key can be bound to a 300 KB "campaign id"
    /// (README: ids are at most 128 bytes). ApiKeyService.create checks only the count of campaign_ids.
    @Test func issuerKeyCampaignIdsAreLengthChecked() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign(), code: Unique.code("ISS"))
        let valid = try await admin.send(.createApiKey(.with { $0.name = "ok"; $0.role = "issuer"; $0.campaignIds = [campaign.id] }))
        #expect(valid.status.code == .ok)
        for (label, id) in [("300 KB", huge), ("129 B", bytes(129)), ("empty", "")] {
            let answer = try await admin.send(.createApiKey(.with { $0.name = "k"; $0.role = "issuer"; $0.campaignIds = [id] }))
            #expect(answer.status.code == .invalidArgument, "campaign id \(label): \(answer.status.code)")
        }
        #expect(try await admin.send(.listApiKeys(ListApiKeysRequest())).status.code == .ok)
        await admin.close()
    }

    /// Refusals echo the hostile id into Status.message unbounded ("campaign <id> does not exist",
    /// "update_mask: unknown field(s) <…>"). With an id just under the frame maximum the refusal no longer
    /// fits a frame, and ConnectionHandler.encode replaces NOT_FOUND with RESOURCE_EXHAUSTED.
    @Test func refusalsDoNotEchoUnboundedInput() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign(), code: Unique.code("ECHO"))
        let nearlyAFrame = bytes(1_048_555)  // the request fits 1 MiB, "campaign <id> does not exist" does not
        let answer = try await admin.send(.getCampaign(.with { $0.campaignId = nearlyAFrame }))
        #expect(answer.status.code == .notFound, "\(answer.status.code): \(answer.status.message.prefix(120))")
        let calls: [(String, Request.Call)] = [
            ("get_campaign", .getCampaign(.with { $0.campaignId = huge })),
            ("report", .report(.with { $0.campaignId = huge })),
            ("export_codes", .exportCodes(.with { $0.campaignId = huge })),
            ("void_redemption", .voidRedemption(.with { $0.redemptionId = huge; $0.reason = "r" })),
            ("revoke_api_key", .revokeApiKey(.with { $0.keyId = huge })),
            ("update_mask", .updateCampaign(.with { $0.campaignId = campaign.id; $0.campaign = Campaign(); $0.updateMask = [huge] })),
        ]
        for (label, call) in calls {
            let refusal = try await admin.send(call)
            #expect(refusal.status.code != .ok && refusal.status.code != .internal, "\(label)")
            #expect(refusal.status.message.utf8.count <= 512, "\(label): \(refusal.status.message.utf8.count) bytes")
        }
        #expect(try await admin.getCampaign(campaign.id).id == campaign.id)
        await admin.close()
    }
}
