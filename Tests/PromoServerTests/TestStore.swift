import PostgresTestSupport
import PromoPostgres
import PromoServer
import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The store a `TestServer` runs on. SQLite unless `PROMO_TEST_STORE=postgres`, which runs every test server of
/// the process on the test PostgreSQL (scripts/test runs the back-office suites that way too); a test may also
/// name one (`TestServer.start(store: .postgres)`).
enum TestStore: String, Sendable, CaseIterable {
    case sqlite
    case postgres

    static var fromEnvironment: TestStore {
        guard let value = getenv("PROMO_TEST_STORE") else { return .sqlite }
        let name = String(cString: value)
        guard let store = TestStore(rawValue: name) else {
            preconditionFailure("PROMO_TEST_STORE must be sqlite or postgres, not \(name)")
        }
        return store
    }
}

/// The PostgreSQL databases of the test servers, by the data directory that names a server's state: a server
/// started again on the same directory (a restart) finds the same database.
enum TestDatabases {
    private static let byDirectory = LockedValue<[String: TestPostgres.Database]>([:])

    /// The database of `directory`, made (a fresh copy of the migrated template) on first use and dropped when
    /// the test's `.serverCleanup` scope ends (or with the test PostgreSQL at exit, outside one).
    static func database(forDirectory directory: String) async throws -> TestPostgres.Database {
        if let known = byDirectory.withLock({ $0[directory] }) { return known }
        let database = try await TestPostgres.freshDatabase()
        let stored = byDirectory.withLock { databases in
            if let raced = databases[directory] { return raced }
            databases[directory] = database
            return database
        }
        if stored.name != database.name {
            await database.drop()
        } else {
            TestResources.current?.adopt(database: stored, directory: directory)
        }
        return stored
    }

    static func forget(directory: String) {
        byDirectory.withLock { _ = $0.removeValue(forKey: directory) }
    }

    /// Proves a server configured for PostgreSQL stores there (its bootstrap admin key is in the database),
    /// so that a server that fell back to SQLite can never pass a PostgreSQL run.
    static func requireServerStores(in database: TestPostgres.Database) async throws {
        let probe = try await PostgresStore.open(database.configuration(poolSize: 1))
        let keys = try await probe.apiKeys()
        await probe.close()
        try #require(!keys.isEmpty, "the server configured for PostgreSQL stored no admin key in \(database.name)")
    }
}
