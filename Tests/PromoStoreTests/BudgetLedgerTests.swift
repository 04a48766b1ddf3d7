import PromoDomain
@testable import PromoStore
import Testing

private let now: Int64 = 1_800_000_000_000

private func value(_ connection: Connection, _ sql: String) throws -> Int64? {
    try connection.statement(sql).firstRow { $0.int64(0) }
}

private func redeem(_ connection: Connection, _ code: String, user: String, id: String, depositMinor: Int64 = 0)
    throws -> Verdict
{
    try connection.redeem(
        RedeemCommand(
            request: RedemptionRequest(
                code: code, user: UserContext(userId: user),
                deposit: depositMinor == 0 ? .none : Deposit(amountMinor: depositMinor, currency: "EUR")),
            source: "", idempotencyKey: nil, apiKeyId: "key_1", newRedemptionId: id, nowMs: now)
    ).verdict
}

@Suite("Budgets and grants in the ledger")
struct BudgetLedgerTests {
    @Test func theSpendFollowsRedeemsGrantsVoidsAndWriteOffsAndTheSchemaBacksTheBudget() throws {
        let store = try PromoStore(configuration: StoreConfiguration(path: makeStoreTestDirectory("budget") + "/promo.sqlite"))
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.insertCampaign(
                Campaign(
                    id: "cmp_1", name: "Match", kind: .deposit,
                    reward: .depositMatch(percent: 50, capMinor: 10_000, currency: "EUR"), startsAtMs: 0, createdAtMs: now,
                    budgetMinor: 3_000))
            try connection.insertCode(PromoCode(code: try CodeText("MATCH_50"), campaignId: "cmp_1", createdAtMs: now))
            #expect(try redeem(connection, "match-50", user: "u1", id: "r1", depositMinor: 4_000) == .ok)  // 20.00
            #expect(try value(connection, "SELECT budget_spent_minor FROM campaigns") == 2_000)
            #expect(try redeem(connection, "MATCH50", user: "u2", id: "r2", depositMinor: 2_002) == .budgetExhausted)  // 10.01
            let grant = try connection.grant(
                GrantCommand(
                    user: UserContext(userId: "u3"), reward: .bonus(amountMinor: 1_000, currency: "EUR"), reason: "prize",
                    campaignId: "cmp_1", idempotencyKey: "g1", apiKeyId: "key_1", newGrantId: "grt_1", nowMs: now))
            #expect(!grant.replayed && grant.grant.isGrant)
            #expect(try value(connection, "SELECT budget_spent_minor FROM campaigns") == 3_000)
            #expect(throws: DomainError.self) {
                try connection.grant(
                    GrantCommand(
                        user: UserContext(userId: "u3"), reward: .bonus(amountMinor: 1, currency: "EUR"), reason: "one more",
                        campaignId: "cmp_1", idempotencyKey: nil, apiKeyId: "key_1", newGrantId: "grt_2", nowMs: now))
            }
            _ = try connection.voidRedemption(id: "grt_1", reason: "mistake", nowMs: now + 1)
            _ = try connection.voidRedemption(id: "r1", reason: "chargeback", nowMs: now + 1)
            #expect(try value(connection, "SELECT budget_spent_minor FROM campaigns") == 0)
            #expect(try connection.consistencyProblems() == [])
            let history = try connection.redemptions(userId: "u3", after: nil, limit: 10)
            #expect(history.count == 1 && history[0].isGrant && history[0].voidReason == "mistake" && history[0].reason == "prize")

            // The CHECK refuses a spend past the budget, whatever the code above it does.
            #expect(throws: StoreError.self) { try connection.execute("UPDATE campaigns SET budget_spent_minor = 3001") }
            // A drifted spend is found by the check.
            try connection.execute("UPDATE campaigns SET budget_spent_minor = 7")
            #expect(try connection.consistencyProblems().contains { $0.hasPrefix("campaigns.budget_spent_minor") })
        }
    }

    @Test func migrationNineBackfillsTheSpendFromTheRedemptions() throws {
        let before = Migrations.versionedSteps.filter { $0.version <= 8 }
        // Build a version-8 file by hand: migrate a fresh file with the steps up to 8 only.
        let old = makeStoreTestDirectory("budget-old") + "/promo.sqlite"
        let connection = try Connection(path: old, busyTimeoutMs: 1_000)
        try Migrations.migrate(connection, steps: before)
        try connection.insertCampaignVersion8()
        try connection.execute(
            """
            INSERT INTO codes (key, display, campaign, max_uses, active, created_at_ms) VALUES ('OLD1', 'OLD_1', 1, 0, 1, 0);
            INSERT INTO redemptions (id, campaign_id, code_key, code_display, user_id, ip, device_id, source, deposit_minor,
                deposit_currency, reward_kind, reward_amount, reward_currency, reward_percent, reward_cap_minor,
                reward_game_id, redeemed_at_ms)
            VALUES ('r1', 'cmp_old', 'OLD1', 'OLD_1', 'u1', '', '', '', 0, '', 'bonus', 500, 'EUR', 0, 0, '', 1),
                   ('r2', 'cmp_old', 'OLD1', 'OLD_1', 'u2', '', '', '', 0, '', 'bonus', 700, 'EUR', 0, 0, '', 2);
            """)
        try Migrations.migrate(connection)
        #expect(try value(connection, "SELECT budget_spent_minor FROM campaigns WHERE id = 'cmp_old'") == 1_200)
        #expect(try value(connection, "SELECT budget_minor FROM campaigns WHERE id = 'cmp_old'") == 0)
        #expect(try Migrations.contiguousVersion(of: connection) == Migrations.latestVersion)
    }
}

extension Connection {
    /// A campaign row as a version-8 build wrote it (no budget columns).
    fileprivate func insertCampaignVersion8() throws(StoreError) {
        try execute(
            """
            INSERT INTO campaigns (number, id, name, kind, reward_kind, reward_amount, reward_currency, reward_percent,
                reward_cap_minor, reward_game_id, starts_at_ms, expires_at_ms, active, max_redemptions, max_per_user,
                segments, new_users_only, new_user_window_ms, min_deposit_minor, countries, min_vip_level, source,
                created_at_ms)
            VALUES (1, 'cmp_old', 'Old', 'welcome', 'bonus', 500, 'EUR', 0, 0, '', 0, 0, 1, 0, 0, '', 0, 0, 0, '', 0, '', 0)
            """)
    }
}
