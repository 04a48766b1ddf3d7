import PromoDomain
import PromoPostgres
import PromoStore

#if canImport(Glibc)
import Glibc
#endif

/// Opens the store the configuration chooses: the one place the server names a concrete store.
///
/// Today that is always the embedded SQLite store (`PromoStore`), in `<dataDirectory>/promo.sqlite`: the
/// default, with nothing to install. Issue #14's PostgreSQL store (`PromoPostgres`) plugs in here, chosen by a
/// `databaseUrl` of `postgres://…`; every other file of the server speaks only `PromoStorage`.
enum StoreOpener {
    /// Opens (and migrates) the store; `observer` hears of its commits, queue waits and storage faults.
    static func open(_ configuration: ServerConfiguration, observer: any StorageObserver) async throws -> any PromoStorage {
        if let url = configuration.databaseUrl { return try await openShared(url, configuration) }
        return try openEmbedded(configuration, observer: observer)
    }

    /// Where the data lives, for the log line at start (never a password).
    static func location(_ configuration: ServerConfiguration) -> String {
        guard let url = configuration.databaseUrl else { return configuration.databasePath }
        return (try? DatabaseURL(parsing: url)).map { "postgres://\($0.host):\($0.port)/\($0.database)" }
            ?? "PostgreSQL"
    }

    /// The PostgreSQL store (issue #14), shared with every other server on the same database: migrated under an
    /// advisory lock, the guessing limit counted in the database with the server's rateLimit* values.
    private static func openShared(_ url: String, _ configuration: ServerConfiguration) async throws -> PostgresStore {
        let parsed: DatabaseURL
        do {
            parsed = try DatabaseURL(parsing: url, passwordFallback: getenv("PGPASSWORD").map { String(cString: $0) })
        } catch {
            throw ServerError(.invalidArgument, "databaseUrl: \(error.description)")
        }
        var store = PostgresStoreConfiguration(url: parsed)
        store.poolSize = configuration.databasePoolSize
        store.connectTimeoutMs = configuration.databaseConnectTimeoutMs
        store.dimensionKeysPerHourMax = configuration.reportDimensionKeysPerHourMax
        let limit = configuration.guessingLimit
        store.guessing = GuessingPolicy(user: limit.users.policy, ip: limit.ips.policy)
        store.hotPath.dimensionKeysPerHourMax = configuration.reportDimensionKeysPerHourMax
        store.hotPath.reservationRetentionMs = Int64(configuration.reservationRetentionMs)
        return try await PostgresStore.open(store)
    }

    private static func openEmbedded(_ configuration: ServerConfiguration, observer: any StorageObserver) throws
        -> PromoStore
    {
        var store = StoreConfiguration(path: configuration.databasePath)
        store.durability = configuration.durability
        store.busyTimeoutMs = Int32(configuration.storeBusyTimeoutMs)
        store.readerCount = configuration.readerCount
        store.walAutocheckpointPages = configuration.walCheckpointPages
        store.walCatchUpPages = configuration.walCatchUpPages
        store.walPagesMax = configuration.walPagesMax
        store.dimensionKeysPerHourMax = configuration.reportDimensionKeysPerHourMax
        store.validateViewCodesMax = configuration.validateViewCodesMax
        store.validateViewUsersMax = configuration.validateViewUsersMax
        store.guessingLimit = configuration.guessingLimit
        var writer = GroupCommitWriter.Limits()
        writer.batchMax = configuration.writeBatchMax
        writer.queueMax = configuration.writeQueueMax
        writer.bulkBatchMsMax = configuration.bulkBatchMsMax
        writer.report(to: observer)
        return try PromoStore(configuration: store, writerLimits: writer)
    }
}

extension ServerConfiguration {
    /// The embedded store's database file.
    public var databasePath: String { dataDirectory + "/promo.sqlite" }
}
