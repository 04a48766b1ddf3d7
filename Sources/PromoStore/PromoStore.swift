import CSQLite
import PromoDomain
@_exported import PromoSync

/// The SQLite-backed store: opens and tunes the file, migrates it, and owns the single writer and the
/// read connections.
public final class PromoStore: Sendable {
    public let configuration: StoreConfiguration
    public let writer: GroupCommitWriter
    public let readers: ReaderPool
    /// The in-memory view plain validates read first; nil when `validateViewCodesMax` is 0.
    public let validateView: ValidateView?
    let runningBackups = RunningBackups()
    /// The guessing limit: one lock in this process, taken inside the writer's jobs and by plain validates.
    let attempts: AttemptLimiter
    /// The synchronous validate path offered to the server (`RedeemStorage.inProcessValidation`).
    let localValidation: LocalValidation

    public init(configuration: StoreConfiguration, writerLimits: GroupCommitWriter.Limits = .init()) throws(StoreError) {
        _ = Self.processSetup
        self.configuration = configuration
        let connection = try Connection(path: configuration.path, busyTimeoutMs: configuration.busyTimeoutMs)
        try Self.tune(connection, configuration)
        try Migrations.migrate(connection)
        connection.dimensionKeysPerHourMax = configuration.dimensionKeysPerHourMax
        if configuration.validateViewCodesMax > 0 {
            let view = ValidateView(
                codesMax: configuration.validateViewCodesMax, usersMax: max(1, configuration.validateViewUsersMax))
            connection.viewChangeLog = ViewChangeLog()
            self.validateView = view
        } else {
            self.validateView = nil
        }
        let checkpointer = try WALCheckpointer(configuration: configuration)
        try checkpointer.attach(to: connection)
        self.writer = GroupCommitWriter(connection: connection, limits: writerLimits, view: validateView, checkpointer: checkpointer)
        self.readers = try ReaderPool(configuration: configuration, count: configuration.readerCount)
        self.attempts = AttemptLimiter(configuration.guessingLimit)
        self.localValidation = LocalValidation(configuration: configuration, view: validateView, attempts: attempts)
    }

    /// A further read-only connection, owned by the caller, which must use it from one thread at a time.
    /// The server keeps one per event loop so point reads (validate) are answered without a thread hop.
    public func makeReadConnection() throws(StoreError) -> Connection {
        try ReaderPool.openReadConnection(configuration)
    }

    /// Stops running backups, finishes queued writes; later writes fail with `closed`.
    public func close() {
        runningBackups.closeAndWait()
        writer.close()
        readers.interrupt()
        readers.drain()
    }

    public var schemaVersion: Int {
        get throws { try writer.synchronously { try Migrations.version(of: $0) } }
    }

    /// Process-wide SQLite settings, applied once before the first connection.
    private static let processSetup: Void = { _ = promo_sqlite_disable_memory_statistics() }()

    static func tune(_ connection: Connection, _ configuration: StoreConfiguration) throws(StoreError) {
        let journal = try connection.statement("PRAGMA journal_mode = WAL").firstRow { $0.string(0) }
        guard journal?.lowercased() == "wal" else {
            throw StoreError(.unusable, "\(configuration.path): cannot switch to WAL journal mode")
        }
        try connection.execute(
            """
            PRAGMA synchronous = \(configuration.durability == .full ? "FULL" : "NORMAL");
            PRAGMA foreign_keys = ON;
            PRAGMA wal_autocheckpoint = \(configuration.walAutocheckpointPages);
            PRAGMA cache_size = -\(configuration.cacheKiB);
            PRAGMA temp_store = MEMORY;
            """)
    }
}
