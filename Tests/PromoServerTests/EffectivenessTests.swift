import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

import struct PromoDomain.Campaign
import struct PromoDomain.Deposit
import struct PromoDomain.DomainLimits
import struct PromoDomain.UserContext
import struct PromoDomain.PromoCode
import struct PromoDomain.CodeText
import struct PromoDomain.RedeemCommand
import struct PromoDomain.RedemptionRequest

// Effectiveness end to end: the report's deposits, average deposit, cost ratio and repeat users, and
// compare_campaigns, over TCP against a real SQLite file. Redemptions over TCP carry the wall clock, so the
// history that crosses hour boundaries is written into the file first (by the store, with chosen times) and
// then read, voided further and checked over TCP.

extension PromoClient {
    func compareCampaigns(_ ids: [String], fromMs: Int64 = 0, toMs: Int64 = 0) async throws -> [CampaignComparison] {
        let result = try await call(.compareCampaigns(.with {
            $0.campaignIds = ids
            $0.fromMs = fromMs
            $0.toMs = toMs
        }))
        guard case .compareCampaigns(let answer) = result else { throw UnexpectedAnswer("compare_campaigns answered \(result)") }
        return answer.rows
    }

    func sendCompare(_ ids: [String]) async throws -> Status {
        try await send(.compareCampaigns(.with { $0.campaignIds = ids })).status
    }

    func checkAnswer() async throws -> CheckResponse {
        guard case .check(let answer) = try await call(.check(CheckRequest())) else { throw UnexpectedAnswer("check") }
        return answer
    }
}

private func money(_ list: [Money]) -> [String] { list.map { "\($0.currency) \($0.amountMinor)" } }

private func depositMatch(percent: UInt32, capMinor: Int64) -> Reward {
    Reward.with {
        $0.kind = .depositMatch
        $0.percent = percent
        $0.capMinor = capMinor
        $0.currency = "EUR"
    }
}

/// A fixed pseudo-random sequence, so that a failure names the same history every run.
private struct Sequence64 {
    var state: UInt64
    mutating func below(_ n: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
}

/// What was redeemed and voided, for counting by hand.
private struct History {
    var entries: [(id: String, user: String, atMs: Int64, voided: Bool, deposit: Int64, currency: String)] = []

    func standing(_ from: Int64, _ to: Int64) -> [(id: String, user: String, atMs: Int64, voided: Bool, deposit: Int64, currency: String)] {
        entries.filter { !$0.voided && $0.atMs >= from && $0.atMs < to }
    }

    func repeatUsers(_ from: Int64, _ to: Int64) -> UInt64 {
        let counts = Dictionary(grouping: standing(from, to), by: \.user).mapValues(\.count)
        return UInt64(counts.values.filter { $0 >= 2 }.count)
    }

    func uniqueUsers(_ from: Int64, _ to: Int64) -> UInt64 { UInt64(Set(standing(from, to).map(\.user)).count) }

    func deposits(_ from: Int64, _ to: Int64) -> [String] {
        let byCurrency = Dictionary(grouping: standing(from, to).filter { $0.deposit > 0 }, by: \.currency)
        return byCurrency.keys.sorted().map { currency in "\(currency) \(byCurrency[currency]!.reduce(0) { $0 + $1.deposit })" }
    }

    /// EUR deposits: total and count (the campaign's currency).
    func euro(_ from: Int64, _ to: Int64) -> (total: Int64, count: Int64) {
        let euros = standing(from, to).filter { $0.deposit > 0 && $0.currency == "EUR" }
        return (euros.reduce(0) { $0 + $1.deposit }, Int64(euros.count))
    }
}

@Suite("Effectiveness: deposits, cost ratio, repeat users and campaign comparison over TCP", .serverCleanup)
struct EffectivenessTests {
    @Test func depositTotalsPerCurrencyAveragesAndTheCostRatio() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("DEP")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.kind = .deposit }, code: code)
        // 500 EUR bonus each; deposits EUR 10,000 and 20,001, USD 5,000, and one redemption with none.
        for (deposit, currency) in [(10_000, "EUR"), (20_001, "EUR"), (5_000, "USD"), (0, "")] as [(Int64, String)] {
            let answer = try await admin.redeem(code: code, user: user(Unique.user()), depositMinor: deposit, currency: currency)
            #expect(answer.verdict == .ok)
        }
        let report = try await admin.report(campaign.id)
        #expect(money(report.depositTotals) == ["EUR 30001", "USD 5000"])
        #expect(report.depositTotalMinor == 30_001)
        #expect(report.averageDepositMinor == 15_000)  // two EUR deposits, rounded down
        #expect(report.rewardTotalMinor == 2_000)
        #expect(report.rewardCostRatio == 2_000.0 / 30_001.0)
        #expect(report.repeatUsers == 0)

        // A deposit match pays half the EUR deposit: rewards over deposits is exactly one half.
        let matchCode = Unique.code("MATCH")
        let match = try await admin.createCampaign(
            bonusCampaign { $0.kind = .deposit; $0.reward = depositMatch(percent: 50, capMinor: 1_000_000) }, code: matchCode)
        for deposit: Int64 in [4_000, 6_000, 10_000] {
            #expect(try await admin.redeem(code: matchCode, user: user(Unique.user()), depositMinor: deposit, currency: "EUR").verdict == .ok)
        }
        let matched = try await admin.report(match.id)
        #expect(matched.depositTotalMinor == 20_000 && matched.rewardTotalMinor == 10_000 && matched.rewardCostRatio == 0.5)
        #expect(matched.averageDepositMinor == 6_666)

        // Without deposits the ratio is 0, not a division by zero.
        let bareCode = Unique.code("BARE")
        let bare = try await admin.createCampaign(bonusCampaign(), code: bareCode)
        #expect(try await admin.redeem(code: bareCode, user: user(Unique.user())).verdict == .ok)
        let none = try await admin.report(bare.id)
        #expect(none.depositTotals.isEmpty && none.depositTotalMinor == 0 && none.averageDepositMinor == 0)
        #expect(none.rewardTotalMinor == 500 && none.rewardCostRatio == 0)

        // Free spins have no currency: the deposits' only currency counts, and there is no money ratio.
        let spinsCode = Unique.code("SPIN")
        let spins = try await admin.createCampaign(
            bonusCampaign { $0.kind = .freeSpins; $0.reward = .with { $0.kind = .freeSpins; $0.freeSpins = 10; $0.gameId = "g" } }, code: spinsCode)
        for deposit: Int64 in [1_000, 2_000] {
            #expect(try await admin.redeem(code: spinsCode, user: user(Unique.user()), depositMinor: deposit, currency: "GBP").verdict == .ok)
        }
        let spun = try await admin.report(spins.id)
        #expect(money(spun.depositTotals) == ["GBP 3000"] && spun.depositTotalMinor == 3_000 && spun.averageDepositMinor == 1_500)
        #expect(spun.rewardCostRatio == 0)

        // A deposit beyond DomainLimits.depositAmountMax is refused before it reaches any total.
        let huge = try await admin.send(.redeem(.with {
            $0.code = code
            $0.user = user(Unique.user())
            $0.depositMinor = DomainLimitsProbe.depositAmountMax + 1
            $0.currency = "EUR"
        }))
        #expect(huge.status.code == .invalidArgument, "\(huge.status.message)")
        #expect(try await admin.checkAnswer().problems == [])
        await admin.close()
    }

    @Test func voidsReverseDepositsAndRepeatUsers() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("RPT")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: code)
        let (alice, bob) = (user(Unique.user("alice")), user(Unique.user("bob")))
        var ids: [String] = []
        for (player, deposit) in [(alice, 1_000), (alice, 2_000), (alice, 3_000), (bob, 4_000), (bob, 5_000)] as [(PromoWire.UserContext, Int64)] {
            let answer = try await admin.redeem(code: code, user: player, depositMinor: deposit, currency: "EUR")
            #expect(answer.verdict == .ok)
            ids.append(answer.redemptionId)
        }
        var report = try await admin.report(campaign.id)
        #expect(report.repeatUsers == 2 && report.depositTotalMinor == 15_000 && report.averageDepositMinor == 3_000)
        let hour = hourFloor(nowMs())
        #expect(try await admin.report(campaign.id, fromMs: hour - hourMs, toMs: hour + hourMs).repeatUsers == 2)

        _ = try await admin.voidRedemption(ids[4], reason: "chargeback")  // bob is down to one
        report = try await admin.report(campaign.id)
        #expect(report.repeatUsers == 1 && report.depositTotalMinor == 10_000 && report.averageDepositMinor == 2_500)
        _ = try await admin.voidRedemption(ids[1], reason: "duplicate")  // alice still has two
        report = try await admin.report(campaign.id)
        #expect(report.repeatUsers == 1 && report.depositTotalMinor == 8_000)
        for id in [ids[0], ids[2], ids[3]] { _ = try await admin.voidRedemption(id, reason: "all gone") }
        report = try await admin.report(campaign.id)
        #expect(report.repeatUsers == 0 && report.depositTotals.isEmpty && report.depositTotalMinor == 0)
        #expect(report.averageDepositMinor == 0 && report.rewardCostRatio == 0)
        #expect(try await admin.report(campaign.id, fromMs: hour - hourMs, toMs: hour + hourMs).repeatUsers == 0)
        #expect(try await admin.checkAnswer().problems == [])
        await admin.close()
    }

    /// A history over forty hours with ties and voids, written with chosen times, then read over TCP: every
    /// range's repeat users, unique users and deposits equal a count by hand, before and after voids made
    /// over TCP; compare_campaigns agrees with the report of each range.
    @Test func repeatUsersOfEveryRangeMatchABruteForceCount() async throws {
        let directory = makeTemporaryDirectory()
        let start = hourFloor(nowMs()) - 48 * hourMs
        var history = History()
        do {
            let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
            defer { store.close() }
            try store.writer.synchronously { connection in
                for id in ["cmp_hist", "cmp_noise"] {
                    try connection.insertCampaign(
                        PromoDomain.Campaign(
                            id: id, name: id, kind: .deposit, reward: .bonus(amountMinor: 100, currency: "EUR"), startsAtMs: 0,
                            createdAtMs: start))
                }
                for (code, campaign) in [("HIST", "cmp_hist"), ("NOISE", "cmp_noise")] {
                    try connection.insertCode(
                        PromoCode(code: try CodeText(code), campaignId: campaign, maxUses: 0, isActive: true, ownerId: nil, createdAtMs: start))
                }
                var random = Sequence64(state: 2026)
                var previousMs = start
                for step in 0..<160 {
                    let now = random.below(8) == 0 ? previousMs : start + Int64(step) * hourMs / 4 + Int64(random.below(15)) * 60_000
                    previousMs = now
                    let player = "p\(random.below(random.below(10) + 1))"
                    let currency = random.below(3) == 0 ? "USD" : "EUR"
                    let deposit: Int64 = random.below(4) == 0 ? 0 : Int64(1 + random.below(90_000))
                    let result = try connection.redeem(
                        RedeemCommand(
                            request: RedemptionRequest(
                                code: "HIST", user: PromoDomain.UserContext(userId: player),
                                deposit: deposit == 0 ? .none : Deposit(amountMinor: deposit, currency: currency)),
                            source: "", idempotencyKey: nil, apiKeyId: "key_h", newRedemptionId: "h\(step)", nowMs: now))
                    #expect(result.verdict == .ok)
                    history.entries.append(("h\(step)", player, now, false, deposit, deposit == 0 ? "" : currency))
                    if random.below(5) == 0 {
                        _ = try connection.redeem(
                            RedeemCommand(
                                request: RedemptionRequest(code: "NOISE", user: PromoDomain.UserContext(userId: player)), source: "",
                                idempotencyKey: nil, apiKeyId: "key_h", newRedemptionId: "n\(step)", nowMs: now))
                    }
                    let standing = history.entries.indices.filter { !history.entries[$0].voided }
                    if random.below(5) == 0 {
                        let index = standing[random.below(standing.count)]
                        _ = try connection.voidRedemption(id: history.entries[index].id, reason: "history", nowMs: now)
                        history.entries[index].voided = true
                    }
                }
            }
        }
        #expect(history.entries.filter(\.voided).count > 15)
        #expect(history.repeatUsers(start, .max) >= 5)

        let server = try await TestServer.start(dataDirectory: directory)
        let admin = try await server.session()
        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        var ranges: [(Int64, Int64)] = [(0, 0)]
        for first in stride(from: 0, to: 42, by: 4) {
            for length in [1, 3, 8, 40] { ranges.append((start + Int64(first) * hourMs, start + Int64(first + length) * hourMs)) }
        }
        ranges.append((start + 5 * hourMs + 1, start + 9 * hourMs - 1))  // widened to whole hours
        func compareAll(_ label: String) async throws {
            for (fromMs, toMs) in ranges {
                let report = try await analyst.report("cmp_hist", fromMs: fromMs, toMs: toMs)
                let from = fromMs == 0 ? start : hourFloor(fromMs)
                let to = toMs == 0 ? Int64.max : hourFloor(toMs + hourMs - 1)
                let name = "\(label): hours \((from - start) / hourMs)..<\(to == .max ? 99 : (to - start) / hourMs)"
                #expect(report.repeatUsers == history.repeatUsers(from, to), "\(name)")
                #expect(report.uniqueUsers == history.uniqueUsers(from, to), "\(name)")
                #expect(money(report.depositTotals) == history.deposits(from, to), "\(name)")
                let euro = history.euro(from, to)
                #expect(report.depositTotalMinor == euro.total, "\(name)")
                #expect(report.averageDepositMinor == (euro.count == 0 ? 0 : euro.total / euro.count), "\(name)")
                #expect(report.rewardCostRatio == (euro.total == 0 ? 0 : Double(report.rewardTotalMinor) / Double(euro.total)), "\(name)")
                let rows = try await analyst.compareCampaigns(["cmp_hist", "cmp_noise"], fromMs: fromMs, toMs: toMs)
                #expect(rows.map(\.campaignId) == ["cmp_hist", "cmp_noise"])
                #expect(rows.first?.repeatUsers == report.repeatUsers && rows.first?.depositTotalMinor == report.depositTotalMinor, "\(name)")
            }
        }
        try await compareAll("as written")

        // Voids over TCP (first, middle and last of several users) move every range.
        var random = Sequence64(state: 7)
        for _ in 0..<12 {
            let standing = history.entries.indices.filter { !history.entries[$0].voided }
            let index = standing[random.below(standing.count)]
            _ = try await admin.voidRedemption(history.entries[index].id, reason: "over tcp")
            history.entries[index].voided = true
        }
        try await compareAll("after voids")
        #expect(try await admin.checkAnswer().problems == [])
        await analyst.close()
        await admin.close()
    }

    @Test func checkRecomputesTheNewTotalsAndNamesEachDrift() async throws {
        let directory = makeTemporaryDirectory()
        let first = try await TestServer.start(dataDirectory: directory)
        let admin = try await first.session()
        let code = Unique.code("DRIFT")
        _ = try await admin.createCampaign(bonusCampaign(), code: code)
        let player = user(Unique.user())
        for deposit: Int64 in [1_000, 2_000, 3_000] {
            #expect(try await admin.redeem(code: code, user: player, depositMinor: deposit, currency: "EUR").verdict == .ok)
        }
        #expect(try await admin.checkAnswer().ok)
        await admin.close()
        await first.stop()

        // The good totals, kept aside to put back after each drift.
        try inspectDatabase(directory) { connection in
            try connection.execute(
                """
                CREATE TABLE keep_deposits AS SELECT * FROM campaign_deposit_hours;
                CREATE TABLE keep_pairs AS SELECT * FROM campaign_repeat_pairs;
                CREATE TABLE keep_repeat AS SELECT id, repeat_users FROM campaigns;
                """)
        }
        let drifts = [
            ("UPDATE campaign_deposit_hours SET amount_minor = amount_minor + 1", "campaign_deposit_hours"),
            ("UPDATE campaign_deposit_hours SET deposits = deposits + 1", "campaign_deposit_hours"),
            ("UPDATE campaign_repeat_pairs SET pairs = pairs + 1 WHERE step = 2", "campaign_repeat_pairs"),
            ("DELETE FROM campaign_repeat_pairs WHERE step = 1", "campaign_repeat_pairs"),
            ("UPDATE campaigns SET repeat_users = repeat_users + 1", "campaigns.repeat_users"),
        ]
        for (sql, table) in drifts {
            // A total drifts behind the server's back, as a bug or a bad manual fix would make it.
            try inspectDatabase(directory) { try $0.execute(sql) }
            let server = try await TestServer.start(dataDirectory: directory)
            let checker = try await server.session()
            let answer = try await checker.checkAnswer()
            #expect(!answer.ok, "\(sql)")
            #expect(answer.problems == [answer.problems.first { $0.hasPrefix(table + ":") } ?? "none"], "\(sql): \(answer.problems)")
            await checker.close()
            await server.stop()
            try inspectDatabase(directory) { connection in
                try connection.execute(
                    """
                    DELETE FROM campaign_deposit_hours; INSERT INTO campaign_deposit_hours SELECT * FROM keep_deposits;
                    DELETE FROM campaign_repeat_pairs; INSERT INTO campaign_repeat_pairs SELECT * FROM keep_pairs;
                    UPDATE campaigns SET repeat_users = (SELECT repeat_users FROM keep_repeat k WHERE k.id = campaigns.id);
                    """)
            }
        }
        let healed = try await TestServer.start(dataDirectory: directory)
        let checker = try await healed.session()
        #expect(try await checker.checkAnswer().problems == [])
        await checker.close()
    }

    @Test func compareRowsEqualEachCampaignsReport() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        var ids: [String] = []
        for (index, deposits) in [[5_000, 7_000], [], [1_000, 1_000, 90_000]].enumerated() {
            let code = Unique.code("CMP")
            let campaign = try await admin.createCampaign(
                bonusCampaign("Compare \(index)") { $0.maxPerUser = 0; $0.maxRedemptions = UInt64(deposits.count + 1) }, code: code)
            ids.append(campaign.id)
            let regular = user(Unique.user())
            for deposit in deposits {
                #expect(try await admin.redeem(code: code, user: regular, depositMinor: Int64(deposit), currency: "EUR").verdict == .ok)
            }
            #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
            // One failure each for the failures column: the campaign is used up.
            #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .limitReached)
        }
        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        let hour = hourFloor(nowMs())
        for (fromMs, toMs) in [(Int64(0), Int64(0)), (hour - hourMs, hour + hourMs), (hour + hourMs, hour + 2 * hourMs)] {
            let order = [ids[2], ids[0], ids[1]]
            let rows = try await analyst.compareCampaigns(order, fromMs: fromMs, toMs: toMs)
            #expect(rows.map(\.campaignId) == order)
            for row in rows {
                let report = try await analyst.report(row.campaignId, fromMs: fromMs, toMs: toMs)
                #expect(row.name.hasPrefix("Compare ") && row.currency == "EUR")
                #expect(row.redemptions == report.redemptions && row.voided == report.voided)
                #expect(row.uniqueUsers == report.uniqueUsers && row.repeatUsers == report.repeatUsers)
                #expect(row.redemptionRate == report.redemptionRate && row.codesIssued == report.codesIssued)
                #expect(row.codesRedeemed == report.codesRedeemed)
                #expect(row.rewardTotalMinor == report.rewardTotalMinor && row.depositTotalMinor == report.depositTotalMinor)
                #expect(row.averageDepositMinor == report.averageDepositMinor && row.rewardCostRatio == report.rewardCostRatio)
                #expect(row.failures == report.failuresByVerdict.reduce(0) { $0 + $1.count })
                #expect(row.fromMs == report.fromMs && row.toMs == report.toMs)
            }
            if fromMs == 0 {
                #expect(rows.map(\.repeatUsers) == [1, 1, 0])
                #expect(rows.map(\.depositTotalMinor) == [92_000, 12_000, 0])
                #expect(rows.map(\.failures) == [1, 1, 1])
            }
        }
        await analyst.close()
        await admin.close()
    }

    @Test func compareRefusesWhatItMustWithTheRightStatus() async throws {
        let server = try await TestServer.start { $0.compareCampaignsMax = 3 }
        let admin = try await server.session()
        var ids: [String] = []
        for _ in 0..<4 { ids.append(try await admin.createCampaign(bonusCampaign()).id) }

        #expect(try await admin.sendCompare(Array(ids.prefix(3))).code == .ok)
        let tooMany = try await admin.sendCompare(ids)
        #expect(tooMany.code == .invalidArgument && tooMany.message.contains("3"), "\(tooMany.message)")
        #expect(try await admin.sendCompare([]).code == .invalidArgument)
        #expect(try await admin.sendCompare([ids[0], ids[0]]).code == .invalidArgument)
        #expect(try await admin.sendCompare([ids[0], ""]).code == .invalidArgument)
        let unknown = try await admin.sendCompare([ids[0], "cmp_doesnotexist"])
        #expect(unknown.code == .notFound && unknown.message.contains("cmp_doesnotexist"))
        let backwards = try await admin.send(.compareCampaigns(.with { $0.campaignIds = [ids[0]]; $0.fromMs = 10; $0.toMs = 5 }))
        #expect(backwards.status.code == .invalidArgument)

        // Even an issuer bound to the campaign may not compare it.
        for role in ["redeemer", "issuer"] {
            let key = role == "issuer" ? try await admin.createKey(role: role, campaignIds: [ids[0]]) : try await admin.createKey(role: role)
            let client = try await server.session(key: key)
            #expect(try await client.sendCompare([ids[0]]).code == .permissionDenied, "\(role)")
            await client.close()
        }
        for role in ["analyst", "manager"] {
            let client = try await server.session(key: try await admin.createKey(role: role))
            #expect(try await client.sendCompare([ids[0], ids[1]]).code == .ok, "\(role)")
            await client.close()
        }
        await admin.close()
    }

    @Test func promoctlPrintsTheNewFiguresAndComparesCampaigns() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        var ids: [String] = []
        for name in ["Ctl A", "Ctl B"] {
            let code = Unique.code("CTL")
            ids.append(try await admin.createCampaign(bonusCampaign(name) { $0.maxPerUser = 0 }, code: code).id)
            let regular = user(Unique.user())
            for deposit: Int64 in [2_000, 4_000] {
                #expect(try await admin.redeem(code: code, user: regular, depositMinor: deposit, currency: "EUR").verdict == .ok)
            }
        }
        await admin.close()

        let report = try await PromoctlProcess.run(["report", ids[0], "--json"], port: server.port)
        try #require(report.status == 0, "\(report)")
        for field in ["\"deposit_total_minor\": 6000", "\"average_deposit_minor\": 3000", "\"repeat_users\": 1", "\"reward_cost_ratio\"", "\"deposit_totals\""] {
            #expect(report.stdout.contains(field), "\(field) in \(report.stdout)")
        }
        let readable = try await PromoctlProcess.run(["report", ids[0]], port: server.port)
        #expect(readable.status == 0 && readable.stdout.contains("Effectiveness") && readable.stdout.contains("Repeat users"), "\(readable)")
        #expect(readable.stdout.contains("60.00 EUR"), "\(readable)")

        let table = try await PromoctlProcess.run(["report", "compare", ids[0], ids[1]], port: server.port)
        #expect(table.status == 0, "\(table)")
        #expect(table.stdout.contains("REPEAT") && table.stdout.contains("Ctl A") && table.stdout.contains("Ctl B"), "\(table)")
        let json = try await PromoctlProcess.run(["report", "compare", ids[1], ids[0], "--json"], port: server.port)
        try #require(json.status == 0, "\(json)")
        struct Row: Decodable {
            let campaignId: String
            let depositTotalMinor: Int64
            let repeatUsers: UInt64
        }
        let rows = try json.decode([Row].self)
        #expect(rows.map(\.campaignId) == [ids[1], ids[0]])
        #expect(rows.map(\.depositTotalMinor) == [6_000, 6_000] && rows.map(\.repeatUsers) == [1, 1])
        let unknown = try await PromoctlProcess.run(["report", "compare", ids[0], "cmp_nope"], port: server.port)
        #expect(unknown.status == 5 && unknown.stderr.contains("NOT_FOUND"), "\(unknown)")
    }
}

private func hourFloor(_ ms: Int64) -> Int64 { ms - ms % hourMs }

/// The domain's deposit bound, as the server enforces it.
private enum DomainLimitsProbe {
    static let depositAmountMax = PromoDomain.DomainLimits.default.depositAmountMax
}
