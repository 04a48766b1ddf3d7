import PostgresNIO
import PostgresTestSupport
import PromoDomain
import Testing

@testable import PromoPostgres

@Suite("PostgreSQL schema migrations", postgresInstalled)
struct MigrationTests {
    @Test("three stores opening one empty database at once apply every step exactly once")
    func concurrentOpen() async throws {
        let database = try await TestPostgres.emptyDatabase()
        defer { Task { await database.drop() } }
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<3 { group.addTask { try await PostgresStore.open(database.configuration(poolSize: 2)) } }
            var stores: [PostgresStore] = []
            for try await store in group { stores.append(store) }
            return stores
        }
        let expected = PostgresSchema.steps.map(\.version)
        #expect(expected.first == 1)
        for store in stores {
            #expect(try await store.appliedSchemaVersions() == expected)
        }
        // Every table of the schema exists once: a racing migration would have failed, or left a step half-done.
        let tables = try await stores[0].transaction(.repeatableReadOnly) { connection in
            try await connection.query(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", logger: stores[0].logger
            ).collect().first?.decode(Int64.self) ?? 0
        }
        #expect(tables >= 20)
        for store in stores { await store.close() }
    }

    @Test("reopening a migrated database applies nothing and keeps the data")
    func reopen() async throws {
        let database = try await TestPostgres.freshDatabase()
        defer { Task { await database.drop() } }
        let first = try await PostgresStore.open(database.configuration())
        try await first.appendAudit(AuditEntry(atMs: 1, actorKeyId: "k", action: "test", target: "t"))
        await first.close()
        let second = try await PostgresStore.open(database.configuration())
        #expect(try await second.appliedSchemaVersions() == PostgresSchema.steps.map(\.version))
        var query = AuditQuery(limit: 10)
        query.action = "test"
        #expect(try await second.auditLog(query).count == 1)
        await second.close()
    }

    @Test("a database migrated by a newer build is refused as unusable")
    func newerSchemaRefused() async throws {
        let database = try await TestPostgres.freshDatabase()
        defer { Task { await database.drop() } }
        let store = try await PostgresStore.open(database.configuration())
        try await execute(store, "INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')")
        await store.close()
        let error = await #expect(throws: StoreError.self) { try await PostgresStore.open(database.configuration()) }
        #expect(error?.code == .unusable)
        #expect(error?.message.contains("99") == true)
    }
}
