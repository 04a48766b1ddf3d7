import PromoDomain
import Testing

@testable import PromoPostgres

/// The hot path's guarantees across servers: three `PostgresStore`s (each its own pool and batches) on one
/// database, every call in flight at once, spread round-robin.
@Suite("PostgreSQL hot path: limits across servers", postgresInstalled)
struct HotPathConcurrencyTests {
    @Test("a shared code with a campaign limit of 100, 2,000 redeems over three servers: exactly 100 OK")
    func campaignLimit() async throws {
        try await withServers(3) { servers in
            try await servers.first.createCampaign(
                openCampaign("hot", maxRedemptions: 100), sharedCode: try code("HOT-100", campaignId: "hot"),
                audit: audit("create"))
            let results = try await concurrently(2_000) { index in
                try await servers.hotPath(index).redeem(
                    redeemCommand(code: "hot-100", user: "player-\(index)"))
            }
            let verdicts = results.map { $0?.verdict }
            #expect(verdicts.filter { $0 == .ok }.count == 100)
            #expect(verdicts.filter { $0 == .limitReached }.count == 1_900)
            let (_, counters) = try #require(try await servers.first.campaign(id: "hot"))
            #expect(counters.redemptions == 100 && counters.uniqueUsers == 100)
            #expect(try await servers.first.consistencyProblems() == [])
        }
    }

    @Test("one player, a per-user limit of 3, 300 redeems over three servers: exactly 3 OK")
    func perUserLimit() async throws {
        try await withServers(3) { servers in
            try await servers.first.createCampaign(
                openCampaign("per-user", maxPerUser: 3), sharedCode: try code("THREE", campaignId: "per-user"),
                audit: audit("create"))
            let results = try await concurrently(300) { index in
                try await servers.hotPath(index).redeem(redeemCommand(code: "THREE", user: "greedy"))
            }
            #expect(results.filter { $0?.verdict == .ok }.count == 3)
            #expect(results.filter { $0?.verdict == .userLimitReached }.count == 297)
            #expect(try await servers.first.consistencyProblems() == [])
        }
    }

    @Test("a budget of 10,000 at 500 a redeem, 1,000 redeems over three servers: exactly 20 OK, 10,000 spent")
    func budget() async throws {
        try await withServers(3) { servers in
            try await servers.first.createCampaign(
                openCampaign("budget", budgetMinor: 10_000), sharedCode: try code("BUDGET", campaignId: "budget"),
                audit: audit("create"))
            let results = try await concurrently(1_000) { index in
                try await servers.hotPath(index).redeem(
                    redeemCommand(code: "BUDGET", user: "player-\(index)"))
            }
            #expect(results.filter { $0?.verdict == .ok }.count == 20)
            #expect(results.filter { $0?.verdict == .budgetExhausted }.count == 980)
            let (_, counters) = try #require(try await servers.first.campaign(id: "budget"))
            #expect(counters.budgetSpentMinor == 10_000)
            #expect(try await servers.first.consistencyProblems() == [])
        }
    }

    @Test("an exclusive group of one per player, its two campaigns redeemed at once over three servers: one OK")
    func groupLimit() async throws {
        try await withServers(3) { servers in
            try await servers.first.createGroup(
                Group(id: "g", name: "Welcome offers", maxPerUser: 1, createdAtMs: 1_000), audit: audit("group"))
            try await servers.first.createCampaign(
                openCampaign("a", groupId: "g"), sharedCode: try code("GROUP-A", campaignId: "a"), audit: audit("create"))
            try await servers.first.createCampaign(
                openCampaign("b", groupId: "g"), sharedCode: try code("GROUP-B", campaignId: "b"), audit: audit("create"))
            let results = try await concurrently(200) { index in
                try await servers.hotPath(index).redeem(
                    redeemCommand(code: index % 2 == 0 ? "GROUP-A" : "GROUP-B", user: "player-\(index / 20)"))
            }
            // Ten players, each with twenty tries spread over both campaigns and all three servers.
            #expect(results.filter { $0?.verdict == .ok }.count == 10)
            #expect(results.filter { $0?.verdict == .groupLimitReached }.count == 190)
            #expect(try await servers.first.consistencyProblems() == [])
        }
    }

    @Test("one idempotency key sent to three servers at once: one redemption, every other answer its replay")
    func idempotencyAcrossServers() async throws {
        try await withServers(3) { servers in
            try await servers.first.createCampaign(
                openCampaign("idem"), sharedCode: try code("ONCE", campaignId: "idem"), audit: audit("create"))
            let results = try await concurrently(60) { index in
                try await servers.hotPath(index).redeem(
                    redeemCommand(code: "ONCE", user: "player", key: "retry-1"))
            }
            let answers = results.compactMap { $0 }
            #expect(answers.count == 60 && answers.allSatisfy { $0.verdict == .ok })
            #expect(answers.filter { !$0.replayed }.count == 1)
            #expect(Set(answers.compactMap { $0.redemption?.id }).count == 1)
            let (_, counters) = try #require(try await servers.first.campaign(id: "idem"))
            #expect(counters.redemptions == 1)
            // The same key with other parameters is refused, on any server.
            let other = await #expect(throws: DomainError.self) {
                _ = try await servers.hotPath(1).redeem(
                    redeemCommand(code: "ONCE", user: "someone-else", key: "retry-1"))
            }
            #expect(other?.code == .failedPrecondition)
        }
    }

    @Test("a use held by a reservation on one server is counted by the others, and redeemed there")
    func reservationsCountedEverywhere() async throws {
        try await withServers(2) { servers in
            try await servers.first.createCampaign(
                openCampaign("held", maxRedemptions: 1), sharedCode: try code("HELD", campaignId: "held"),
                audit: audit("create"))
            let request = RedemptionRequest(code: "HELD", user: UserContext(userId: "holder"))
            let held = try #require(
                try await servers.hotPath(0).reserve(
                    request, reservationId: "rsv-1", reserveMs: 60_000, now: { 20_000_000 }))
            #expect(held.result.outcome.verdict == .ok)
            let other = try await servers.hotPath(1).redeem(
                redeemCommand(code: "HELD", user: "other", nowMs: 20_000_010))
            #expect(other?.verdict == .limitReached)
            let checked = try await servers.hotPath(1).validate(
                RedemptionRequest(code: "HELD", user: UserContext(userId: "other")), nowMs: 20_000_010)
            #expect(checked.verdict == .limitReached)
            let redeemed = try await servers.hotPath(1).redeem(
                redeemCommand(code: "HELD", user: "holder", reservationId: "rsv-1", nowMs: 20_000_020))
            #expect(redeemed?.verdict == .ok)
            #expect(try await servers.first.consistencyProblems() == [])
        }
    }

    @Test("many reserves of the last uses at once over three servers: no more held than the limit")
    func reservesAtOnce() async throws {
        try await withServers(3) { servers in
            try await servers.first.createCampaign(
                openCampaign("few", maxRedemptions: 7), sharedCode: try code("FEW", campaignId: "few"), audit: audit("create"))
            let results = try await concurrently(300) { index in
                try await servers.hotPath(index).reserve(
                    RedemptionRequest(code: "FEW", user: UserContext(userId: "p\(index)")), reservationId: "rsv-\(index)",
                    reserveMs: 60_000, now: { 20_000_000 })
            }
            #expect(results.filter { $0?.result.outcome.verdict == .ok }.count == 7)
            #expect(results.filter { $0?.result.outcome.verdict == .limitReached }.count == 293)
        }
    }
}
