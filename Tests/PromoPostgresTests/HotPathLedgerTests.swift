import PromoDomain
import Testing

@testable import PromoPostgres

/// Redeem, void, grant, history, explain, offers and the failure flush on one server: what each stores, and
/// that every maintained total still agrees with the raw rows (`consistencyProblems`, the store's `check`).
@Suite("PostgreSQL hot path: the ledger", postgresInstalled)
struct HotPathLedgerTests {
    @Test("redeems and voids move the counts and totals, and the check agrees with the raw rows")
    func redeemAndVoid() async throws {
        try await withServers(1) { servers in
            let store = servers.first
            let hot = servers.hotPath(0)
            try await store.createCampaign(
                openCampaign("c", maxPerUser: 5, budgetMinor: 100_000), sharedCode: try code("SPRING", campaignId: "c"),
                audit: audit("create"))
            // Three players, several redeems each, across hours, some with deposits.
            var ids: [String] = []
            for index in 0..<9 {
                let command = redeemCommand(
                    code: "spring", user: "p\(index % 3)", ip: "10.0.0.\(index % 2)",
                    deposit: Deposit(amountMinor: 1_000, currency: "EUR"), nowMs: 20_000_000 + Int64(index) * 1_800_000)
                let result = try #require(try await hot.redeem(command))
                #expect(result.verdict == .ok && !result.replayed)
                ids.append(try #require(result.redemption?.id))
            }
            let (_, counters) = try #require(try await store.campaign(id: "c"))
            #expect(counters.redemptions == 9 && counters.uniqueUsers == 3 && counters.budgetSpentMinor == 4_500)
            #expect(try await store.consistencyProblems() == [])

            let voided = try await store.voidRedemption(id: ids[0], reason: "fraud", now: { 30_000_000 }) { redemption, nowMs in
                AuditEntry(atMs: nowMs, actorKeyId: "admin", action: "void_redemption", target: redemption.id)
            }
            #expect(voided.voidedAtMs == 30_000_000 && voided.voidReason == "fraud")
            _ = try await store.voidRedemption(id: ids[3], reason: "fraud", now: { 30_000_001 }) { redemption, nowMs in
                AuditEntry(atMs: nowMs, actorKeyId: "admin", action: "void_redemption", target: redemption.id)
            }
            let twice = await #expect(throws: DomainError.self) {
                _ = try await store.voidRedemption(id: ids[0], reason: "again", now: { 30_000_002 }) { redemption, nowMs in
                    AuditEntry(atMs: nowMs, actorKeyId: "admin", action: "void_redemption", target: redemption.id)
                }
            }
            #expect(twice?.code == .failedPrecondition)
            let (_, after) = try #require(try await store.campaign(id: "c"))
            #expect(after.redemptions == 7 && after.budgetSpentMinor == 3_500)
            #expect(try await store.consistencyProblems() == [])

            let history = try await store.redemptions(userId: "p0", after: nil, limit: 10)
            #expect(history.map(\.id) == [ids[6], ids[3], ids[0]])
            #expect(history.filter { $0.voidedAtMs != nil }.count == 2)
            let page = try await store.redemptions(
                userId: "p0", after: RedemptionCursor(redeemedAtMs: history[0].redeemedAtMs, id: history[0].id), limit: 1)
            #expect(page.map(\.id) == [ids[3]])
        }
    }

    @Test("a failed redeem of a known campaign is counted in the report totals; the flush counts plain validates")
    func failures() async throws {
        try await withServers(1) { servers in
            let store = servers.first
            try await store.createCampaign(
                openCampaign("c", maxRedemptions: 1), sharedCode: try code("ONE", campaignId: "c"), audit: audit("create"))
            _ = try await servers.hotPath(0).redeem(redeemCommand(code: "ONE", user: "a"))
            let refused = try await servers.hotPath(0).redeem(redeemCommand(code: "ONE", user: "b"))
            #expect(refused?.verdict == .limitReached)
            try await store.recordFailures(
                (0..<5).map {
                    FailureEvent(campaignId: "c", verdict: .limitReached, atMs: 20_000_000, ip: "1.2.3.\($0)", deviceId: "", userId: "u\($0)")
                } + [FailureEvent(campaignId: "gone", verdict: .expired, atMs: 20_000_000, ip: "", deviceId: "", userId: "x")],
                sliceRows: 2)
            let counted = try await store.transaction { connection in
                try await connection.rows(
                    "SELECT verdict, failures FROM campaign_failure_hours WHERE campaign_id = 'c'", logger: store.logger
                ) { (try $0.string(0), try $0.int64(1)) }
            }
            #expect(counted.count == 1 && counted.first?.0 == Verdict.limitReached.rawValue && counted.first?.1 == 6)
            let ips = try await store.transaction { connection in
                try await connection.firstRow(
                    "SELECT count(*) FROM campaign_dimensions WHERE campaign_id = 'c' AND dimension = 'ip' AND failures > 0",
                    logger: store.logger
                ) { try $0.int64(0) }
            }
            #expect(ips == 5)
            #expect(try await store.consistencyProblems() == [])
        }
    }

    @Test("a grant spends the budget once, replays by key, refuses what the budget cannot pay, and is written off")
    func grants() async throws {
        try await withServers(2) { servers in
            let store = servers.first
            try await store.createCampaign(openCampaign("c", budgetMinor: 1_000), sharedCode: nil, audit: audit("create"))
            @Sendable func command(_ amount: Int64, key: String?, id: String) -> GrantCommand {
                GrantCommand(
                    user: UserContext(userId: "vip"), reward: .bonus(amountMinor: amount, currency: "EUR"), reason: "sorry",
                    campaignId: "c", idempotencyKey: key, apiKeyId: "manager", newGrantId: id, nowMs: 0)
            }
            let stamp: @Sendable (GrantResult, Int64) -> AuditEntry = { result, nowMs in
                AuditEntry(atMs: nowMs, actorKeyId: "manager", action: "grant_reward", target: result.grant.id)
            }
            // The same key on two servers at once: one grant.
            let both = try await concurrently(10) { index in
                try await servers.stores[index % 2].grant(command(600, key: "g-1", id: "grt-\(index)"), now: { 20_000_000 }, audit: stamp)
            }
            #expect(both.filter { !$0.replayed }.count == 1)
            #expect(Set(both.map(\.grant.id)).count == 1)
            let tooMuch = await #expect(throws: DomainError.self) {
                _ = try await store.grant(command(600, key: "g-2", id: "grt-x"), now: { 20_000_001 }, audit: stamp)
            }
            #expect(tooMuch?.code == .failedPrecondition)
            let written = try await store.voidRedemption(id: both[0].grant.id, reason: "mistake", now: { 20_000_002 }) { grant, nowMs in
                AuditEntry(atMs: nowMs, actorKeyId: "manager", action: "write_off", target: grant.id)
            }
            #expect(written.isGrant && written.voidedAtMs == 20_000_002)
            let (_, counters) = try #require(try await store.campaign(id: "c"))
            #expect(counters.budgetSpentMinor == 0)
            let history = try await store.redemptions(userId: "vip", after: nil, limit: 10)
            #expect(history.count == 1 && history[0].isGrant && history[0].reason == "sorry")
            #expect(try await store.consistencyProblems() == [])
        }
    }

    @Test("explain lists every rule on one state; offers judge auto-apply campaigns as a codeless redeem would")
    func explainAndOffers() async throws {
        try await withServers(1) { servers in
            let store = servers.first
            try await store.createCampaign(
                openCampaign("c", maxRedemptions: 1), sharedCode: try code("EXPLAIN", campaignId: "c"), audit: audit("create"))
            _ = try await servers.hotPath(0).redeem(redeemCommand(code: "EXPLAIN", user: "a"))
            let explained = try await store.explain(
                RedemptionRequest(code: "explain", user: UserContext(userId: "b")), now: { 20_000_000 }, isRateLimited: { _ in false })
            #expect(explained.outcome.verdict == .limitReached)
            #expect(explained.checks.count > 5)
            var auto = openCampaign("auto", maxPerUser: 1)
            auto.autoApply = true
            try await store.createCampaign(auto, sharedCode: nil, audit: audit("create"))
            let offers = try await store.offers(
                user: UserContext(userId: "b"), deposit: .none, limit: 10, now: { 20_000_000 }, isRateLimited: { _ in false })
            #expect(offers.map(\.campaign.id) == ["auto"])
            #expect(offers.first?.result.outcome.verdict == .ok)
            var codeless = redeemCommand(code: "", user: "b")
            codeless.request.campaignId = "auto"
            #expect(try await servers.hotPath(0).redeem(codeless)?.verdict == .ok)
            let again = try await store.offers(
                user: UserContext(userId: "b"), deposit: .none, limit: 10, now: { 20_000_000 }, isRateLimited: { _ in false })
            #expect(again.first?.result.outcome.verdict == .userLimitReached)
            #expect(try await store.consistencyProblems() == [])
        }
    }
}
