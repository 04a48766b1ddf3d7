import PostgresNIO
import PromoDomain
import Testing

@testable import PromoPostgres

private let hour0: Int64 = 10 * 3_600_000

/// Raw redemption rows as the hot path writes them (it lives in another part of the store).
private func insertRedemption(
    _ store: PostgresStore, id: String, user: String, atMs: Int64, voided: Bool = false, depositMinor: Int64 = 2_000
) async throws {
    try await execute(
        store,
        """
        INSERT INTO redemptions (id, campaign_id, code_key, code_display, user_id, ip, device_id, source, deposit_minor,
            deposit_currency, reward_kind, reward_amount, reward_currency, reward_percent, reward_cap_minor, reward_game_id,
            redeemed_at_ms, voided_at_ms, void_reason)
        VALUES (\(id), 'c1', 'CODE', 'CODE', \(user), '1.1.1.1', 'dev-1', 'web', \(depositMinor), 'EUR', 'bonus', 500, 'EUR',
            0, 0, '', \(atMs), \(voided ? atMs + 1 : nil), \(voided ? "mistake" : nil))
        """)
}

/// Builds every maintained total from the raw rows with the check's own expectations, as an upgrade would.
private func rebuildTotals(_ store: PostgresStore) async throws {
    let statements: [String] = [
        "UPDATE codes k SET uses = e.n FROM (\(ExpectedTotals.codeUses)) AS e(key, n) WHERE k.key = e.key",
        """
        UPDATE campaigns c SET redemptions = e.r, unique_users = e.u FROM (\(ExpectedTotals.campaignCounts)) AS e(id, r, u)
        WHERE c.id = e.id
        """,
        """
        UPDATE campaigns c SET codes_issued = e.i, codes_redeemed = e.r FROM (\(ExpectedTotals.campaignCodes)) AS e(id, i, r)
        WHERE c.id = e.id
        """,
        """
        INSERT INTO user_redemptions (campaign_id, user_id, redemptions, max_per_user, first_at_ms)
        SELECT c, u, r, 0, f FROM (\(ExpectedTotals.userRedemptions)) AS e(c, u, r, f)
        """,
        "INSERT INTO campaign_hours SELECT * FROM (\(ExpectedTotals.hours)) AS e",
        "INSERT INTO campaign_money_hours SELECT * FROM (\(ExpectedTotals.money)) AS e",
        """
        INSERT INTO campaign_dimension_hours (campaign_id, dimension, key, hour_ms, redemptions)
        SELECT * FROM (\(ExpectedTotals.dimensionHours)) AS e
        """,
        """
        INSERT INTO campaign_dimensions (campaign_id, dimension, key, redemptions, failures)
        SELECT * FROM (\(ExpectedTotals.dimensions)) AS e
        """,
        "UPDATE campaigns c SET budget_spent_minor = e.s FROM (\(BudgetSQL.expectedSpent)) AS e(id, s) WHERE c.id = e.id",
        "INSERT INTO campaign_deposit_hours SELECT * FROM (\(ExpectedTotals.deposits)) AS e",
        """
        INSERT INTO campaign_repeat_pairs (campaign_id, step, from_hour_ms, to_hour_ms, pairs)
        SELECT * FROM (\(ExpectedTotals.repeatPairs)) AS e
        """,
        "UPDATE campaigns c SET repeat_users = e.n FROM (\(ExpectedTotals.repeatUsers)) AS e(id, n) WHERE c.id = e.id",
    ]
    for statement in statements { try await execute(store, PostgresQuery(unsafeSQL: statement)) }
}

@Suite("PostgreSQL store: reports and check", postgresInstalled)
struct ReportStoreTests {
    @Test("check finds every total that disagrees with the raw rows, and nothing when all agree")
    func check() async throws {
        try await withStore { store in
            try await store.createCampaign(
                makeCampaign("c1", createdAtMs: hour0), sharedCode: try code("CODE", campaignId: "c1"), audit: audit("create"))
            #expect(try await store.consistencyProblems() == [])
            try await insertRedemption(store, id: "r1", user: "u1", atMs: hour0 + 1_000)
            // A redemption whose totals were never maintained: every table that should count it disagrees.
            let problems = try await store.consistencyProblems()
            for table in ["campaigns.redemptions", "codes.uses", "user_redemptions", "campaign_hours", "campaign_money_hours",
                "campaign_dimension_hours", "campaigns.budget_spent_minor", "campaign_deposit_hours"]
            {
                #expect(problems.contains { $0.hasPrefix(table) }, "\(table) not flagged in \(problems)")
            }
            try await insertRedemption(store, id: "r2", user: "u1", atMs: hour0 + 3_600_005)
            try await insertRedemption(store, id: "r3", user: "u2", atMs: hour0 + 2_000, voided: true)
            try await rebuildTotals(store)
            #expect(try await store.consistencyProblems() == [])
            try await execute(store, "UPDATE campaign_hours SET new_users = new_users + 1")
            #expect(try await store.consistencyProblems().map { $0.prefix(14) } == ["campaign_hours"])
        }
    }

    @Test("a report reads the maintained totals: counts, money, sources, timeline, users, effect, ranges")
    func report() async throws {
        try await withStore { store in
            try await store.createCampaign(
                makeCampaign("c1", createdAtMs: hour0), sharedCode: try code("CODE", campaignId: "c1"), audit: audit("create"))
            try await insertRedemption(store, id: "r1", user: "u1", atMs: hour0 + 1_000)
            try await insertRedemption(store, id: "r2", user: "u1", atMs: hour0 + 3_600_005)
            try await insertRedemption(store, id: "r3", user: "u2", atMs: hour0 + 2_000, voided: true)
            try await rebuildTotals(store)
            try await execute(
                store,
                "INSERT INTO campaign_failure_hours (campaign_id, hour_ms, verdict, failures) VALUES ('c1', \(hour0), 'EXPIRED', 4)")

            let query = ReportQuery(
                campaignId: "c1", fromMs: 0, toMs: 0, bucketMs: 0, top: 5, breakdownMax: 5, nowMs: hour0 + 2 * 3_600_000)
            let report = try #require(try await store.report(query))
            #expect(report.redemptions == 3)
            #expect(report.voided == 1)
            #expect(report.uniqueUsers == 1)
            #expect(report.money.map(\.currency) == ["EUR"])
            #expect(report.money.map(\.amountMinor) == [1_000])
            #expect(report.bySource.map(\.key) == ["web"])
            #expect(report.bySource.map(\.count) == [2])
            #expect(report.failuresByVerdict.map(\.verdict) == ["EXPIRED"])
            #expect(report.failuresByVerdict.map(\.count) == [4])
            #expect(report.timeline == [
                TimelineBucket(startMs: hour0, redemptions: 1, newUsers: 1),
                TimelineBucket(startMs: hour0 + 3_600_000, redemptions: 1, newUsers: 0),
            ])
            #expect(report.topUsers == [ActorTotals(key: "u1", redemptions: 2, failures: 0)])
            #expect(report.topIps == [ActorTotals(key: "1.1.1.1", redemptions: 2, failures: 0)])
            #expect(report.effect.repeatUsers == 1)
            #expect(report.effect.deposits == [.init(currency: "EUR", amountMinor: 4_000, deposits: 2)])

            var secondHour = query
            secondHour.fromMs = hour0 + 3_600_000
            secondHour.toMs = hour0 + 2 * 3_600_000 - 1
            let range = try #require(try await store.report(secondHour))
            #expect(range.redemptions == 1)
            #expect(range.uniqueUsers == 1)
            #expect(range.effect.repeatUsers == 0)
            #expect(range.topUsers == [ActorTotals(key: "u1", redemptions: 1, failures: 0)])

            var missing = query
            missing.campaignId = "c9"
            #expect(try await store.report(missing) == nil)
            let compared = try await store.reports([query, missing, query])
            #expect(compared.count == 2)
            #expect(compared.last! == nil)
        }
    }
}
