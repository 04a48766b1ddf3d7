import PromoDomain
import PromoStore

/// Opens the store the configuration chooses: the one place the server names a concrete store.
///
/// Today that is always the embedded SQLite store (`PromoStore`), in `<dataDirectory>/promo.sqlite`: the
/// default, with nothing to install. Issue #14's PostgreSQL store (`PromoPostgres`) plugs in here, chosen by a
/// `databaseUrl` of `postgres://…`; every other file of the server speaks only `PromoStorage`.
enum StoreOpener {
    /// Opens (and migrates) the store; `observer` hears of its commits, queue waits and storage faults.
    static func open(_ configuration: ServerConfiguration, observer: any StorageObserver) async throws -> any PromoStorage {
        // The switch point for #14: `if let url = configuration.databaseUrl, url.hasPrefix("postgres://")`
        // returns PromoPostgres's store here, opened on the server's event loops.
        try openEmbedded(configuration, observer: observer)
    }

    /// Where the data lives, for the log line at start (never a password).
    static func location(_ configuration: ServerConfiguration) -> String { configuration.databasePath }

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
