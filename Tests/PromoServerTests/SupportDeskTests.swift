import PromoClient
import PromoServer
import PromoWire
import Testing

// Issue 17 over TCP: get_code, and validate with `explain` (every rule with a detail naming the numbers), as
// a support agent's analyst key sees them.

extension PromoClient {
    /// A validate with `explain`, answered OK.
    func explain(
        code: String, user: UserContext, depositMinor: Int64 = 0, currency: String = ""
    ) async throws -> ValidateResponse {
        try await validate(.with {
            $0.code = code
            $0.user = user
            $0.depositMinor = depositMinor
            $0.currency = currency
            $0.explain = true
        })
    }

    func getCode(_ code: String) async throws -> GetCodeResponse {
        let result = try await call(.getCode(.with { $0.code = code }))
        guard case .getCode(let answer) = result else { throw UnexpectedAnswer("get_code answered \(result)") }
        return answer
    }
}

extension ValidateResponse {
    var failedRules: [String] { checks.filter { !$0.passed }.map(\.rule) }

    func detail(_ rule: String) -> String { checks.first { $0.rule == rule }?.detail ?? "<no \(rule) check>" }
}

/// 2020-09-13 12:26:40 UTC and 2023-11-14 22:13:20 UTC: fixed instants, so details can be compared exactly.
private let september2020Ms: Int64 = 1_600_000_000_000
private let november2023Ms: Int64 = 1_700_000_000_000
/// 2100-01-01 00:00 UTC.
private let year2100Ms: Int64 = 4_102_444_800_000

/// Every rule of the precedence, in order, as validate's explain lists them for a code that exists.
private let everyRule = [
    "rate_limit", "user_blocked", "code_exists", "code_active", "campaign_active", "started", "not_expired", "campaign_limit",
    "code_limit", "user_limit", "segment", "new_user", "country", "vip_level", "min_deposit",
]

/// One rule failing on its own: how to set it up, and the detail the agent must see.
struct FailingRule: Sendable, CustomTestStringConvertible {
    let rule: String
    let verdict: Verdict
    let detail: String
    /// Creates what is needed with the admin session; returns the code and the player to explain.
    let setUp: @Sendable (PromoClient) async throws -> (code: String, player: UserContext, depositMinor: Int64)

    var testDescription: String { rule }

    static let all: [FailingRule] = [
        FailingRule(rule: "code_active", verdict: .codeInactive, detail: "is switched off") { admin in
            let code = Unique.code("OFF")
            _ = try await admin.createCampaign(bonusCampaign(), code: code)
            _ = try await admin.setCodeStatus(code, active: false)
            return (code, user(Unique.user()), 0)
        },
        FailingRule(rule: "campaign_active", verdict: .campaignInactive, detail: "(Paused) is switched off") { admin in
            let code = Unique.code("PAUSED")
            _ = try await admin.createCampaign(bonusCampaign("Paused") { $0.active = false }, code: code)
            return (code, user(Unique.user()), 0)
        },
        FailingRule(rule: "started", verdict: .notYetValid, detail: "not started yet: starts 2100-01-01 00:00 UTC") { admin in
            let code = Unique.code("SOON")
            _ = try await admin.createCampaign(bonusCampaign { $0.startsAtMs = year2100Ms }, code: code)
            return (code, user(Unique.user()), 0)
        },
        FailingRule(rule: "not_expired", verdict: .expired, detail: "expired 2023-11-14 22:13:20 UTC") { admin in
            let code = Unique.code("OLD")
            _ = try await admin.createCampaign(
                bonusCampaign { $0.startsAtMs = september2020Ms; $0.expiresAtMs = november2023Ms }, code: code)
            return (code, user(Unique.user()), 0)
        },
        FailingRule(rule: "campaign_limit", verdict: .limitReached, detail: "campaign limit: 2 of 2 used") { admin in
            let code = Unique.code("FULL")
            _ = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 2 }, code: code)
            for _ in 0..<2 { #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok) }
            return (code, user(Unique.user()), 0)
        },
        FailingRule(rule: "code_limit", verdict: .codeLimitReached, detail: "code limit: 1 of 1 used") { admin in
            let code = Unique.code("ONCE")
            _ = try await admin.createCampaign(bonusCampaign(), code: code, codeMaxUses: 1)
            #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
            return (code, user(Unique.user()), 0)
        },
        FailingRule(rule: "user_limit", verdict: .userLimitReached, detail: "player already redeemed 1 of 1") { admin in
            let code = Unique.code("MINE")
            _ = try await admin.createCampaign(bonusCampaign { $0.maxPerUser = 1 }, code: code)
            let player = user(Unique.user())
            #expect(try await admin.redeem(code: code, user: player).verdict == .ok)
            return (code, player, 0)
        },
        FailingRule(
            rule: "segment", verdict: .notEligible,
            detail: "segment: player is in [regular], campaign wants any of [vip]"
        ) { admin in
            let code = Unique.code("VIP")
            _ = try await admin.createCampaign(bonusCampaign { $0.eligibility = .with { $0.segments = ["vip"] } }, code: code)
            return (code, user(Unique.user()) { $0.segments = ["regular"] }, 0)
        },
        FailingRule(
            rule: "new_user", verdict: .notEligible,
            detail: "new users only: player registered 2020-09-13 12:26:40 UTC ("
        ) { admin in
            let code = Unique.code("WELCOME")
            _ = try await admin.createCampaign(
                bonusCampaign { $0.eligibility = .with { $0.newUsersOnly = true; $0.newUserWindowMs = 7 * dayMs } },
                code: code)
            return (code, user(Unique.user()) { $0.registeredAtMs = september2020Ms }, 0)
        },
        FailingRule(
            rule: "country", verdict: .notEligible, detail: "country: player is in DE, campaign wants any of [AT, CH]"
        ) { admin in
            let code = Unique.code("ALPS")
            _ = try await admin.createCampaign(
                bonusCampaign { $0.eligibility = .with { $0.countries = ["AT", "CH"] } }, code: code)
            return (code, user(Unique.user()) { $0.country = "DE" }, 0)
        },
        FailingRule(
            rule: "vip_level", verdict: .notEligible, detail: "VIP level: player is level 1, campaign wants 5 or higher"
        ) { admin in
            let code = Unique.code("HIGH")
            _ = try await admin.createCampaign(bonusCampaign { $0.eligibility = .with { $0.minVipLevel = 5 } }, code: code)
            return (code, user(Unique.user()) { $0.vipLevel = 1 }, 0)
        },
        FailingRule(rule: "min_deposit", verdict: .minDepositNotMet, detail: "deposit 5.00 EUR, minimum 10.00 EUR") { admin in
            let code = Unique.code("DEPOSIT")
            _ = try await admin.createCampaign(bonusCampaign { $0.eligibility = .with { $0.minDepositMinor = 1_000 } }, code: code)
            return (code, user(Unique.user()), 500)
        },
    ]
}

@Suite("Support desk: get_code and explained validates over TCP", .serverCleanup)
struct SupportDeskTests {
    /// Each rule failing alone: the verdict is its verdict, it is the only failing check, and its detail
    /// names the numbers. Every rule is listed, in precedence order.
    @Test(arguments: FailingRule.all)
    func eachRuleFailsWithADetailNamingItsNumbers(_ failing: FailingRule) async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        let (code, player, depositMinor) = try await failing.setUp(admin)
        let answer = try await analyst.explain(
            code: code, user: player, depositMinor: depositMinor, currency: depositMinor == 0 ? "" : "EUR")
        #expect(answer.verdict == failing.verdict)
        #expect(answer.checks.map(\.rule) == everyRule)
        #expect(answer.failedRules == [failing.rule])
        #expect(answer.detail(failing.rule).contains(failing.detail), "\(answer.detail(failing.rule))")
        // A game server gets the same verdict, without checks.
        let plain = try await admin.validate(code: code, user: player, depositMinor: depositMinor, currency: depositMinor == 0 ? "" : "EUR")
        #expect(plain.verdict == failing.verdict && plain.checks.isEmpty)
        await analyst.close()
        await admin.close()
    }

    @Test func anUnknownCodeFailsCodeExistsAndStopsThere() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let answer = try await admin.explain(code: Unique.code("GHOST"), user: user(Unique.user()))
        #expect(answer.verdict == .codeNotFound)
        #expect(answer.checks.map(\.rule) == ["rate_limit", "user_blocked", "code_exists"])
        #expect(answer.failedRules == ["code_exists"])
        #expect(answer.detail("code_exists") == "no such code (case, dashes, underscores and spaces do not matter)")
        await admin.close()
    }

    /// A locked-out player is explained, not refused: the agent sees RATE_LIMITED (what the game server gets)
    /// as the first failing check, and every other rule behind it.
    @Test func aLockedOutPlayerIsExplainedNotRefused() async throws {
        let server = try await TestServer.start { $0.rateLimitUserFailuresMax = 3 }
        let admin = try await server.session()
        let code = Unique.code("REAL")
        _ = try await admin.createCampaign(bonusCampaign { $0.maxPerUser = 1 }, code: code)
        let guesser = user(Unique.user())
        for _ in 0..<4 { _ = try await admin.validate(code: Unique.code("GUESS"), user: guesser) }
        #expect(try await admin.validate(code: code, user: guesser).verdict == .rateLimited)

        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        let answer = try await analyst.explain(code: code, user: guesser)
        #expect(answer.verdict == .rateLimited)
        #expect(answer.checks.map(\.rule) == everyRule)
        #expect(answer.failedRules == ["rate_limit"])
        #expect(answer.detail("rate_limit").contains("locked out"))
        #expect(answer.detail("code_exists").contains("exists"))
        await analyst.close()
        await admin.close()
    }

    @Test func threeFailingRulesAreAllListedAndTheVerdictIsTheFirst() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("TRIPLE")
        _ = try await admin.createCampaign(
            bonusCampaign("Triple") {
                $0.active = false
                $0.eligibility = .with { $0.segments = ["vip"]; $0.minDepositMinor = 1_000 }
            }, code: code)
        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        let player = user(Unique.user()) { $0.segments = ["regular"] }
        let answer = try await analyst.explain(code: code, user: player, depositMinor: 500, currency: "EUR")
        #expect(answer.verdict == .campaignInactive)
        #expect(answer.checks.map(\.rule) == everyRule)
        #expect(answer.failedRules == ["campaign_active", "segment", "min_deposit"])
        #expect(answer.detail("campaign_active").hasSuffix("(Triple) is switched off"))
        #expect(answer.detail("segment") == "segment: player is in [regular], campaign wants any of [vip]")
        #expect(answer.detail("min_deposit") == "deposit 5.00 EUR, minimum 10.00 EUR")
        await analyst.close()
        await admin.close()
    }

    @Test func onlyStaffMayExplain() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign(), code: Unique.code("ROLE"))
        let explain = Request.Call.validate(.with {
            $0.code = "ANY"
            $0.user = user(Unique.user())
            $0.explain = true
        })
        for key in [
            try await admin.createKey(role: "redeemer"),
            try await admin.createKey(role: "issuer", campaignIds: [campaign.id]),
        ] {
            let client = try await server.session(key: key)
            #expect(try await client.send(explain).status.code == .permissionDenied)
            await client.close()
        }
        for role in ["analyst", "manager"] {
            let client = try await server.session(key: try await admin.createKey(role: role))
            let response = try await client.send(explain)
            #expect(response.status.code == .ok, "\(role): \(response.status.message)")
            await client.close()
        }
        // An analyst explains but does not validate as a game server would.
        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        let plain = Request.Call.validate(.with { $0.code = "ANY"; $0.user = user(Unique.user()) })
        #expect(try await analyst.send(plain).status.code == .permissionDenied)
        await analyst.close()
        await admin.close()
    }

    /// An analyst explaining a thousand unknown codes for one player and IP locks nobody out, while a game
    /// server's few failed guesses for the same player do.
    @Test func aThousandExplainedUnknownCodesLockNobodyOut() async throws {
        let server = try await TestServer.start {
            $0.rateLimitUserFailuresMax = 5
            $0.rateLimitIpFailuresMax = 8
        }
        let admin = try await server.session()
        let real = Unique.code("REAL")
        _ = try await admin.createCampaign(bonusCampaign(), code: real)
        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        let player = user(Unique.user()) { $0.ip = "203.0.113.17" }

        var verdicts: [Verdict: Int] = [:]
        for batch in 0..<20 {
            let answers = try await withThrowingTaskGroup(of: ValidateResponse.self) { group in
                for index in 0..<50 {
                    group.addTask { try await analyst.explain(code: "UNKNOWN\(batch)X\(index)", user: player) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for answer in answers { verdicts[answer.verdict, default: 0] += 1 }
        }
        #expect(verdicts == [.codeNotFound: 1_000])

        // The player and their IP are not locked out: explained, and for a game server.
        let explained = try await analyst.explain(code: real, user: player)
        #expect(explained.verdict == .ok && explained.failedRules.isEmpty)
        let redeemer = try await server.session(key: try await admin.createKey(role: "redeemer"))
        #expect(try await redeemer.validate(code: real, user: player).verdict == .ok)
        let neighbour = user(Unique.user()) { $0.ip = "203.0.113.17" }
        #expect(try await redeemer.validate(code: real, user: neighbour).verdict == .ok)

        // The control: six failed guesses through a game server's key do lock the player out.
        for _ in 0..<6 { _ = try await redeemer.validate(code: Unique.code("GUESS"), user: player) }
        #expect(try await redeemer.validate(code: real, user: player).verdict == .rateLimited)
        await redeemer.close()
        await analyst.close()
        await admin.close()
    }

    /// Explaining holds nothing: with reserve_ms it is refused, and an explained OK on a one-use campaign
    /// leaves the use to whoever redeems next.
    @Test func anExplainHoldsNoReservation() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("LAST")
        _ = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 1 }, code: code)
        let withReserve = try await admin.send(.validate(.with {
            $0.code = code
            $0.user = user(Unique.user())
            $0.explain = true
            $0.reserveMs = 60_000
        }))
        #expect(withReserve.status.code == .invalidArgument)
        for _ in 0..<3 {
            let answer = try await admin.explain(code: code, user: user(Unique.user()))
            #expect(answer.verdict == .ok && answer.reservationId.isEmpty && answer.remaining == 1)
            #expect(answer.detail("campaign_limit") == "campaign limit: 0 of 1 used")
        }
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        let after = try await admin.explain(code: code, user: user(Unique.user()))
        #expect(after.verdict == .limitReached && after.detail("campaign_limit") == "campaign limit: 1 of 1 used")
        await admin.close()
    }

    @Test func getCodeShowsTheCodeAndItsCampaignWithStats() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign("Summer") { $0.maxRedemptions = 10 })
        let generated = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 1
            $0.pattern = "????-####"
            $0.maxUsesPerCode = 3
            $0.ownerId = "streamer-7"
        }
        let code = try #require(generated.codes.first)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)

        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        // Normalised like every code: lower case, no dash, spaces around.
        let typed = "  " + String(code.lowercased().filter { $0 != "-" }) + " "
        let answer = try await analyst.getCode(typed)
        let info = try #require(answer.code)
        #expect(info.code == code)
        #expect(info.campaignId == campaign.id && info.batchId == generated.batchId && info.ownerId == "streamer-7")
        #expect(info.active && info.maxUses == 3 && info.uses == 1)
        let shown = try #require(answer.campaign)
        #expect(shown.id == campaign.id && shown.name == "Summer" && shown.maxRedemptions == 10)
        #expect(shown.stats?.redemptions == 1 && shown.stats?.remaining == 9 && shown.stats?.uniqueUsers == 1)

        for unknown in [Unique.code("NOPE"), "!!!", "ä-ö"] {
            #expect(try await analyst.send(.getCode(.with { $0.code = unknown })).status.code == .notFound, "\(unknown)")
        }
        #expect(try await analyst.send(.getCode(GetCodeRequest())).status.code == .invalidArgument)
        let redeemer = try await server.session(key: try await admin.createKey(role: "redeemer"))
        #expect(try await redeemer.send(.getCode(.with { $0.code = code })).status.code == .permissionDenied)
        await redeemer.close()
        await analyst.close()
        await admin.close()
    }
}
