import Logging
import NIOCore
import PromoDomain
import PromoPostgres
import PromoStore

#if canImport(Glibc)
import Glibc
#endif

/// Opens the store the configuration chooses: the one place the server names a concrete store.
///
/// The embedded SQLite store (`PromoStore`) in `<dataDirectory>/promo.sqlite` is the default, with nothing to
/// install; a `databaseUrl` (`postgres://…`) chooses the PostgreSQL store (`PromoPostgres`), shared by any
/// number of servers. Every other file of the server speaks only `PromoStorage`.
enum StoreOpener {
    /// Opens (and migrates) the store; `observer` hears of its commits, queue waits and storage faults. A
    /// PostgreSQL store's pool runs on `group`, the server's own event loops.
    static func open(
        _ configuration: ServerConfiguration, observer: any StorageObserver, group: any EventLoopGroup, logger: Logger
    ) async throws -> any PromoStorage {
        if let url = configuration.databaseUrl {
            return try await openShared(url, configuration, observer: observer, group: group, logger: logger)
        }
        return try openEmbedded(configuration, observer: observer)
    }

    /// Where the data lives, for the log line at start (never a password).
    static func location(_ configuration: ServerConfiguration) -> String {
        guard let url = configuration.databaseUrl else { return configuration.databasePath }
        return (try? DatabaseURL(parsing: url))?.description ?? "postgres (unparsable URL)"
    }

    private static func openShared(
        _ text: String, _ configuration: ServerConfiguration, observer: any StorageObserver, group: any EventLoopGroup,
        logger: Logger
    ) async throws -> any PromoStorage {
        let url: DatabaseURL
        do {
            url = try DatabaseURL(parsing: text, passwordFallback: getenv("PGPASSWORD").map { String(cString: $0) })
        } catch {
            throw ServerError(.invalidArgument, "configuration: databaseUrl: \(error)")
        }
        var store = PostgresStoreConfiguration(url: url)
        store.poolSize = configuration.databasePoolSize
        store.connectTimeoutMs = configuration.databaseConnectTimeoutMs
        store.dimensionKeysPerHourMax = configuration.reportDimensionKeysPerHourMax
        store.observer = observer
        let limit = configuration.guessingLimit
        store.guessing = GuessingPolicy(user: limit.users.policy, ip: limit.ips.policy)
        store.hotPath.dimensionKeysPerHourMax = configuration.reportDimensionKeysPerHourMax
        store.hotPath.reservationRetentionMs = Int64(configuration.reservationRetentionMs)
        store.hotPath.batchJobsMax = configuration.databaseRedeemBatchMax
        store.hotPath.queuedJobsMax = configuration.databaseRedeemQueueMax
        store.hotPath.cachedCodesMax = configuration.databaseCachedCodesMax
        store.hotPath.lockoutsRememberedMax = configuration.databaseLockoutsRememberedMax
        // Batches of different campaigns run at once on at most all but one pooled connection (one stays for reads).
        store.hotPath.concurrentBatchesMax = max(1, min(configuration.databaseRedeemBatchesMax, configuration.databasePoolSize - 1))
        return try await PostgresStore.open(store, eventLoopGroup: group, logger: logger)
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
        writer.bulkShareMax = configuration.bulkShareMax
        writer.bulkShareWindowMs = configuration.bulkShareWindowMs
        writer.report(to: observer)
        return try PromoStore(configuration: store, writerLimits: writer)
    }
}

extension ServerConfiguration {
    /// The embedded store's database file.
    public var databasePath: String { dataDirectory + "/promo.sqlite" }
}
