import PromoDomain

/// How the PostgreSQL store connects. Every value has a documented default.
public struct PostgresStoreConfiguration: Sendable {
    public var url: DatabaseURL
    /// Connections the pool keeps open at most (each PostgreSQL connection is a server process: size the pool
    /// so that servers × pool stays below the database's `max_connections`). Default 10.
    public var poolSize: Int = 10
    /// How long a call waits for a connection before it fails with `unreachable` when the pool has handed out
    /// none in that time (a database that cannot be reached answers quickly instead of holding the caller; a
    /// pool that is merely busy is waited for). Default 5,000 ms.
    public var connectTimeoutMs: Int = 5_000
    /// How many times a transaction that PostgreSQL aborted for a serialization failure or a deadlock is run
    /// again before the caller gets `busy`. Default 5.
    public var serializationRetriesMax: Int = 5
    /// Distinct IPs, devices and users whose failed attempts the report totals track per campaign, dimension
    /// and hour (as in the SQLite store). Default 1,000.
    public var dimensionKeysPerHourMax: Int = 1_000
    /// Hears of committed writes and of the database going out of reach and coming back (the server's metrics
    /// and storage-fault log). Default none.
    public var observer: (any StorageObserver)?
    /// How redeems and reserving validates are batched and bounded (`HotPathLimits`).
    public var hotPath = HotPathLimits()
    /// The guessing limit, counted in the database for every server (`GuessingPolicy`). Default: never limited
    /// (the server sets its rateLimit* values).
    public var guessing = GuessingPolicy.unlimited

    public init(url: DatabaseURL) {
        self.url = url
    }
}
