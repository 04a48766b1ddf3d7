import PromoClient
import PromoStore
import PromoWire
import Testing

// A campaign budget under parallel load: 2,000 deposit-match redeems of random deposits over 20 connections
// at once against one budget, plus grants naming the campaign while the load runs. The
// budget is decided in the writer's transaction, so it is never passed, and a refusal means the reward
// really did not fit. Afterwards the clients, the server's counters and the SQLite file agree exactly.

private final class BudgetLedger: Sendable {
    struct State {
        var credited: [String: Int64] = [:]  // redemption or grant id → amount, standing
        var refusedCosts: [Int64] = []        // what each BUDGET_EXHAUSTED redeem would have cost
        var grants: [String] = []
        var grantsRefused = 0
        var otherVerdicts: [String] = []
    }

    let state = LockedValue(State())
    func update(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }
    var snapshot: State { state.withLock { $0 } }
}

@Suite("Concurrency: budgets under parallel deposit-match redeems and grants", .serverCleanup)
struct BudgetConcurrencyTests {
    static let connections = 20
    static let redeemsPerConnection = 100  // 2,000 redeems
    static let budgetMinor: Int64 = 1_500_000
    static let capMinor: Int64 = 5_000

    @Test func twoThousandConcurrentRedeemsNeverPassTheBudget() async throws {
        let directory = makeTemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: directory)
        let admin = try await server.session()
        let code = Unique.code("BUDGETLOAD")
        let campaign = try await admin.createCampaign(
            bonusCampaign("Budget load") {
                $0.reward = Reward.with { reward in
                    reward.kind = .depositMatch
                    reward.percent = 100
                    reward.capMinor = Self.capMinor
                    reward.currency = "EUR"
                }
                $0.budgetMinor = Self.budgetMinor
            }, code: code)

        var clients: [PromoClient] = []
        for _ in 0..<Self.connections { clients.append(try await server.session()) }
        let ledger = BudgetLedger()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, client) in clients.enumerated() {
                group.addTask {
                    var random = SplitMix64(state: 0xB0D6_E7 &+ UInt64(index) &* 0x9E37_79B9)
                    for step in 0..<Self.redeemsPerConnection {
                        // Deposits of 0.01 to 60.00 EUR: above the cap (50.00) some of the time, credited up to it.
                        let deposit = Int64(random.next() % 6_000) + 1
                        let cost = min(deposit, Self.capMinor)
                        let answer = try await client.redeem(
                            code: code, user: user(Unique.user("budget")), depositMinor: deposit, currency: "EUR")
                        switch answer.verdict {
                        case .ok:
                            #expect(answer.reward?.amountMinor == cost, "credited \(answer.reward?.amountMinor ?? -1) for \(deposit)")
                            ledger.update { $0.credited[answer.redemptionId] = answer.reward?.amountMinor ?? 0 }
                        case .budgetExhausted:
                            ledger.update { $0.refusedCosts.append(cost) }
                        default:
                            ledger.update { $0.otherVerdicts.append("\(answer.verdict)") }
                        }
                        // Every 25th step a grant naming the campaign.
                        if step % 25 == 24 {
                            let response = try await client.send(
                                .grantReward(grantRequest(Unique.user("granted"), bonusReward(2_000), campaignId: campaign.id)))
                            if response.status.code == .ok, case .grantReward(let granted) = response.result {
                                ledger.update {
                                    $0.credited[granted.redemptionId] = 2_000
                                    $0.grants.append(granted.redemptionId)
                                }
                            } else {
                                #expect(response.status.code == .failedPrecondition, "\(response.status)")
                                ledger.update { $0.grantsRefused += 1 }
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let seen = ledger.snapshot
        #expect(seen.otherVerdicts.isEmpty, "\(seen.otherVerdicts.prefix(5))")
        let answered = seen.credited.count + seen.refusedCosts.count + seen.grantsRefused
        #expect(answered == Self.connections * Self.redeemsPerConnection + Self.connections * 4)
        // The load exhausted the budget: both outcomes happened.
        #expect(seen.refusedCosts.count > 100 && seen.credited.count > 100, "\(seen.refusedCosts.count) refused")

        let spent = seen.credited.values.reduce(0, +)
        #expect(spent <= Self.budgetMinor, "spent \(spent) of \(Self.budgetMinor)")
        let stats = try #require(try await admin.getCampaign(campaign.id).stats)
        #expect(stats.budgetSpentMinor == spent, "server \(stats.budgetSpentMinor), clients \(spent)")
        #expect(stats.budgetRemainingMinor == Self.budgetMinor - spent)
        // The spend only grows during the load (no voids), so what was left when any redeem was refused was at
        // least what is left now: a refused reward that fits in what is left now would have fitted then too.
        // None does, the first refused one included.
        let left = Self.budgetMinor - spent
        let smallestRefused = try #require(seen.refusedCosts.min())
        #expect(smallestRefused > left, "a refused reward of \(smallestRefused) would have fitted in \(left)")
        // Nothing that is left now would take one more cap-sized reward past the budget.
        let probe = try await admin.validate(code: code, user: user(Unique.user()), depositMinor: left + 1, currency: "EUR")
        #expect(probe.budgetRemainingMinor == left)
        if left + 1 <= Self.capMinor { #expect(probe.verdict == .budgetExhausted) }
        // Writing the grants off gives their amounts back.
        for id in seen.grants { _ = try await admin.voidRedemption(id, reason: "load write-off") }
        let afterWriteOffs = spent - Int64(seen.grants.count) * 2_000
        #expect(try await admin.getCampaign(campaign.id).stats?.budgetSpentMinor == afterWriteOffs)
        guard case .check(let check) = try await admin.call(.check(CheckRequest())) else { Issue.record("check"); return }
        #expect(check.ok && check.problems.isEmpty, "\(check.problems)")
        for client in clients { await client.close() }
        await admin.close()
        await server.stop()

        // The file: the maintained spend is the raw rows' sum, within its CHECK.
        let file = try inspectDatabase(directory) { db in
            (
                try scalar(db, "SELECT budget_spent_minor FROM campaigns WHERE id = ?1", campaign.id),
                try scalar(
                    db,
                    """
                    SELECT (SELECT coalesce(sum(reward_amount), 0) FROM redemptions WHERE campaign_id = ?1 AND voided_at_ms IS NULL)
                         + (SELECT coalesce(sum(reward_amount), 0) FROM grants WHERE campaign_id = ?1 AND voided_at_ms IS NULL)
                    """, campaign.id),
                try db.consistencyProblems()
            )
        }
        #expect(file.0 == Int(afterWriteOffs) && file.1 == Int(afterWriteOffs))
        #expect(file.2.isEmpty, "\(file.2)")
    }
}
