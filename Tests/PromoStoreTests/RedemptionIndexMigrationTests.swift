import PromoDomain
@testable import PromoStore
import Testing

/// Migration 12 drops redemptions_by_campaign, a prefix of redemptions_standing_by_time: on a file made by
/// the build before it, the index goes, the data and the totals stay, and the queries that used it read the
/// longer index instead.
@Suite("Migration 12: one redemption index fewer")
struct RedemptionIndexMigrationTests {
    private static func indexes(_ connection: Connection) throws -> Set<String> {
        let select = try connection.statement("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'redemptions'")
        var names: Set<String> = []
        while try select.step() { names.insert(select.string(0)) }
        return names
    }

    @Test func aFileMadeByVersion11UpgradesWithItsRedemptionsAndTotalsIntact() throws {
        let path = makeStoreTestDirectory("index-migration") + "/promo.sqlite"
        let start: Int64 = 1_800_000_000_000
        do {
            // The schema exactly as the build before migration 12 left it, with redemptions in it.
            let old = try Connection(path: path, busyTimeoutMs: 1_000)
            try old.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON")
            try Migrations.migrate(old, steps: Migrations.versionedSteps.filter { $0.version <= 11 })
            #expect(try Migrations.version(of: old) == 11)
            #expect(try Self.indexes(old).contains("redemptions_by_campaign"))
            let keep = try CodeText("KEEP")
            try old.transaction { () throws(StoreError) in
                try old.insertCampaign(
                    Campaign(
                        id: "cmp_m", name: "Migrated", kind: .deposit, reward: .bonus(amountMinor: 100, currency: "EUR"),
                        startsAtMs: 0, createdAtMs: start))
                try old.insertCode(
                    PromoCode(code: keep, campaignId: "cmp_m", maxUses: 0, isActive: true, ownerId: nil, createdAtMs: start))
            }
            for index in 0..<12 {
                _ = try old.transaction { () throws(StoreError) in
                    do {
                        return try old.redeem(
                            RedeemCommand(
                                request: RedemptionRequest(code: "KEEP", user: UserContext(userId: "u\(index % 5)")), source: "web",
                                idempotencyKey: nil, apiKeyId: "key_m", newRedemptionId: "r\(index)", nowMs: start + Int64(index) * 600_000))
                    } catch {
                        throw StoreError(.sqlite, "\(error)")
                    }
                }
            }
        }

        let store = try PromoStore(configuration: StoreConfiguration(path: path))
        defer { store.close() }
        #expect(try store.schemaVersion == Migrations.latestVersion)
        try store.writer.synchronously { connection in
            let indexes = try Self.indexes(connection)
            #expect(!indexes.contains("redemptions_by_campaign"))
            #expect(indexes.contains("redemptions_standing_by_time"))
            #expect(try connection.consistencyProblems() == [])
            let counted = try connection.statement(
                "SELECT count(*) FROM redemptions WHERE campaign_id = 'cmp_m' AND redeemed_at_ms >= ?"
            )
            try counted.bind(1, start + 3_600_000)
            #expect(try counted.firstRow { $0.int64(0) } == 6)
            // The campaign-and-time queries search the longer index rather than scan the table.
            let plan = try connection.statement(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM redemptions WHERE campaign_id = 'cmp_m' AND redeemed_at_ms >= 0")
            var steps: [String] = []
            while try plan.step() { steps.append(plan.string(3)) }
            #expect(steps.contains { $0.contains("USING COVERING INDEX redemptions_standing_by_time") }, "\(steps)")
            let report = try #require(
                try connection.report(
                    ReportQuery(
                        campaignId: "cmp_m", fromMs: 0, toMs: 0, bucketMs: 0, top: 3, breakdownMax: 3, nowMs: start + 10 * 3_600_000)))
            #expect(report.redemptions == 12)
        }
    }
}
