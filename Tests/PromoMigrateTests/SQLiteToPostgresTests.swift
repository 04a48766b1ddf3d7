import Logging
import PostgresNIO
import PostgresTestSupport
import PromoDomain
import PromoMigrate
import PromoPostgres
import PromoStore
import Synchronization
import Testing

let postgresInstalled = Testing.ConditionTrait.enabled(
    if: TestPostgres.isAvailable, "PostgreSQL is not installed: scripts/setup --tests installs postgresql-15")

@Suite("promo-server migrate: a SQLite installation moved into PostgreSQL", postgresInstalled)
struct SQLiteToPostgresTests {
    @Test("100,000 codes and 20,000 redemptions: every table copied, reports, histories and check agree; a second run refuses")
    func migratesEverything() async throws {
        let installation = try await Installation.build()
        defer { installation.remove() }
        // An empty database: the migration applies the PostgreSQL schema itself.
        let database = try await TestPostgres.emptyDatabase()
        let target = try await PostgresStore.open(database.configuration())
        do {
            try await check(installation, target)
            await target.close()
            await database.drop()
        } catch {
            await target.close()
            await database.drop()
            throw error
        }
    }

    private func check(_ installation: Installation, _ target: PostgresStore) async throws {
        let lines = Mutex<[String]>([])
        let summary = try await SQLiteToPostgres(sourcePath: installation.path).run(into: target) { line in
            lines.withLock { $0.append(line) }
        }
        #expect(summary.sourceProblems == [])
        #expect(summary.targetProblems == [])
        #expect(summary.agrees)
        let rows = Dictionary(uniqueKeysWithValues: summary.tables.map { ($0.table, $0.targetRows) })
        #expect(rows["codes"] == 100_000)
        #expect(rows["redemptions"] == 20_010)
        #expect(rows["grants"] == 50)
        #expect(rows["reservations"] == 30)
        #expect(rows["idempotency"] == 2_001)
        #expect(rows["user_blocks"] == 3)
        #expect(rows["api_keys"] == 2)
        #expect(rows["code_batches"] == 3)
        #expect((rows["audit_log"] ?? 0) >= 100)
        #expect((rows["campaign_failure_hours"] ?? 0) > 0)
        // Every copied table holds rows, so a column lost on the way would show in the comparisons below.
        for table in summary.tables { #expect(table.sourceRows > 0, "\(table.table) is empty in the fixture") }
        // One progress line per table.
        let progress = lines.withLock { $0 }
        for table in summary.tables { #expect(progress.contains { $0.hasPrefix("copied \(table.table):") }) }

        let source = try openSource(installation)
        defer { source.close() }
        try await compare(source, target)

        // A second run refuses, copies nothing and leaves the target as it was.
        let refusal = await #expect(throws: MigrationError.self) {
            _ = try await SQLiteToPostgres(sourcePath: installation.path).run(into: target) { _ in }
        }
        #expect(refusal?.reason == .targetNotEmpty)
        #expect(refusal?.description.contains("already holds data") == true)
        let again = try await SQLiteToPostgres.targetRowCounts(target)
        for table in summary.tables { #expect(again[table.table] == table.targetRows, "\(table.table) changed") }
        #expect(try await target.consistencyProblems() == [])

        // New rows get new numbers: the identity sequences were moved past the copied ids.
        try await target.appendAudit(AuditEntry(atMs: Installation.startMs + 100 * 86_400_000, actorKeyId: "admin", action: "after_migrate", target: "t"))
        let newest = try await target.auditLog(AuditQuery(limit: 1))
        #expect(newest.first?.entry.action == "after_migrate")
    }

    private func openSource(_ installation: Installation) throws -> PromoStore {
        var configuration = StoreConfiguration(path: installation.path)
        configuration.validateViewCodesMax = 0
        return try PromoStore(configuration: configuration)
    }

    /// What the server reads, through each store's own API: campaigns and counters, reports (totals, by
    /// source, by owner, by failure reason, timeline, effect, top IPs and devices), players' histories, keys,
    /// blocks and the audit log.
    private func compare(_ source: PromoStore, _ target: PostgresStore) async throws {
        for campaignId in Installation.campaignIds {
            let expected = try #require(try await source.campaign(id: campaignId))
            let copied = try #require(try await target.campaign(id: campaignId))
            #expect(copied.0 == expected.0)
            #expect(copied.1 == expected.1)
            var query = ReportQuery(
                campaignId: campaignId, fromMs: 0, toMs: 0, bucketMs: 0, top: 50, breakdownMax: 50,
                nowMs: Installation.startMs + 30 * 86_400_000)
            query.suspectShare = 0.5
            let a = try #require(try await source.report(query))
            let b = try #require(try await target.report(query))
            #expect(ReportDigest(b) == ReportDigest(a), "report of \(campaignId)")
            #expect(a.redemptions > 0)
        }
        for user in ["u0", "u1", "u7", "u3999", "holder3", "cheater1"] {
            let a = try await source.redemptions(userId: user, after: nil, limit: 100)
            let b = try await target.redemptions(userId: user, after: nil, limit: 100)
            #expect(b == a, "history of \(user)")
        }
        #expect(try await source.redemptions(userId: "u0", after: nil, limit: 100).count > 1)
        #expect(Set(try await target.apiKeys()) == Set(try await source.apiKeys()))
        let nowMs = Installation.startMs
        #expect(try await target.blocks(after: nil, limit: 10, nowMs: nowMs) == source.blocks(after: nil, limit: 10, nowMs: nowMs))
        #expect(try await target.auditLog(AuditQuery(limit: 500)) == source.auditLog(AuditQuery(limit: 500)))
        #expect(try await target.groups(after: nil, limit: 10) == source.groups(after: nil, limit: 10))
    }
}

/// The parts of a report both stores compute the same way, in a comparable form (lists sorted where their
/// order among equal counts is the store's choice).
struct ReportDigest: Equatable, CustomStringConvertible {
    let text: String

    init(_ report: CampaignReport) {
        var lines: [String] = []
        lines.append("counters \(report.counters)")
        lines.append("redemptions \(report.redemptions) voided \(report.voided) users \(report.uniqueUsers)")
        lines.append("money \(report.money.map { "\($0.currency)=\($0.amountMinor)" }.sorted())")
        lines.append("spins \(report.freeSpins) points \(report.loyaltyPoints)")
        lines.append("failures \(report.failuresByVerdict.map { "\($0.verdict)=\($0.count)" }.sorted())")
        lines.append("sources \(report.bySource.map { "\($0.key)=\($0.count)" }.sorted())")
        lines.append("owners \(report.byOwner.map { "\($0.key)=\($0.count)" }.sorted())")
        lines.append("timeline \(report.timeline)")
        lines.append("ips \(report.topIps.map { "\($0)" }.sorted())")
        lines.append("devices \(report.topDevices.map { "\($0)" }.sorted())")
        lines.append("suspects \(report.suspectIps.map { "\($0)" }.sorted()) \(report.suspectDevices.map { "\($0)" }.sorted())")
        lines.append("effect \(report.effect)")
        text = lines.joined(separator: "\n")
    }

    var description: String { text }
}
