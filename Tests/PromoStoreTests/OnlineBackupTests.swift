import CSQLite
import PromoDomain
@testable import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

private func temporaryDirectory() -> String {
    let directory = makeStoreTestDirectory("backup")
    return directory
}

private func entry(_ index: Int, _ action: String = "seed") -> AuditEntry {
    AuditEntry(
        atMs: 1_700_000_000_000 + Int64(index), actorKeyId: "key-\(index % 3)", action: action, target: "t-\(index)",
        detail: String(repeating: "d", count: 100))
}

@Suite("Online backup and audit queries in the store")
struct OnlineBackupTests {
    @Test func writesBetweenStepsNeitherRestartTheBackupNorReachTheCopy() throws {
        let directory = temporaryDirectory()
        let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.transaction { () throws(StoreError) in
                for index in 0..<2_000 { try connection.appendAudit(entry(index)) }
            }
        }
        // Between every two steps another connection (the writer) commits a row.
        var commitsDuringBackup = 0
        let outcome = try store.backup(to: directory + "/copy.sqlite", pacing: BackupPacing(stepPages: 1)) { remaining, _ in
            guard remaining > 0 else { return }
            try? store.writer.synchronously { try $0.appendAudit(entry(9_000 + commitsDuringBackup, "during")) }
            commitsDuringBackup += 1
        }
        #expect(outcome.pages > 40)
        #expect(commitsDuringBackup == outcome.pages - 1)
        // A restarted backup would have taken more steps than pages.
        #expect(outcome.steps == outcome.pages)

        let copy = try Connection(path: directory + "/copy.sqlite", busyTimeoutMs: 1_000)
        #expect(try copy.statement("PRAGMA integrity_check").firstRow { $0.string(0) } == "ok")
        #expect(try copy.statement("SELECT count(*) FROM audit_log").firstRow { $0.int(0) } == 2_000)
        #expect(try copy.statement("SELECT count(*) FROM audit_log WHERE action = 'during'").firstRow { $0.int(0) } == 0)
        #expect(try Migrations.version(of: copy) == Migrations.latestVersion)
        let live = try store.writer.synchronously { try $0.statement("SELECT count(*) FROM audit_log WHERE action = 'during'").firstRow { $0.int(0) } }
        #expect(live == commitsDuringBackup)
    }

    @Test func aClosedStoreRefusesToBackUp() throws {
        let directory = temporaryDirectory()
        let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
        store.close()
        #expect(throws: StoreError.self) { try store.backup(to: directory + "/copy.sqlite", pacing: BackupPacing(stepPages: 10)) }
    }

    @Test func auditQueriesFilterAndPageNewestFirst() throws {
        let store = try PromoStore(configuration: StoreConfiguration(path: temporaryDirectory() + "/promo.sqlite"))
        defer { store.close() }
        try store.writer.synchronously { connection in
            for index in 0..<30 { try connection.appendAudit(entry(index, index % 2 == 0 ? "even" : "odd")) }
            // Two entries in one millisecond: the row id orders them.
            try connection.appendAudit(entry(29, "same-ms"))
        }
        try store.writer.synchronously { connection in
            var all = AuditQuery(limit: 100)
            let everything = try connection.auditLog(all)
            #expect(everything.count == 31)
            #expect(everything.first?.entry.action == "same-ms" && everything[1].entry.target == "t-29")
            #expect(zip(everything, everything.dropFirst()).allSatisfy { ($0.entry.atMs, $0.id) > ($1.entry.atMs, $1.id) })

            var paged: [StoredAuditEntry] = []
            all.limit = 7
            repeat {
                let page = try connection.auditLog(all)
                paged += page
                all.before = page.last.map { AuditCursor(atMs: $0.entry.atMs, id: $0.id) }
                if page.count < 7 { break }
            } while true
            #expect(paged == everything)

            var filtered = AuditQuery(limit: 100)
            filtered.actorKeyId = "key-1"
            filtered.action = "odd"
            filtered.fromMs = 1_700_000_000_010
            filtered.toMs = 1_700_000_000_020
            #expect(try connection.auditLog(filtered).map(\.entry.target) == ["t-19", "t-13"])
            filtered.target = "t-13"
            #expect(try connection.auditLog(filtered).map(\.entry.target) == ["t-13"])

            // Each filter is an index range, not a scan and sort.
            let plan = try connection.statement(
                "EXPLAIN QUERY PLAN SELECT id FROM audit_log WHERE at_ms >= 0 AND actor_key_id = 'x' ORDER BY at_ms DESC, id DESC LIMIT 5")
            var details: [String] = []
            while try plan.step() { details.append(plan.string(3)) }
            #expect(details.contains { $0.contains("audit_log_by_actor") }, "\(details)")
            #expect(!details.contains { $0.contains("TEMP B-TREE") }, "\(details)")
        }
    }
}
