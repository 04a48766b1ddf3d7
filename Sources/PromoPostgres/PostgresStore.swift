import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import PromoDomain
import Synchronization

/// The storage protocol on PostgreSQL: promo-servers that keep no state of their own, sharing one database
/// (which knows replication and failover). One method is one transaction on a pooled connection; the pool
/// (`PostgresClient`) runs on the given NIO event loops, its `run()` in a task of its own.
///
/// Writes run at READ COMMITTED and take the row locks their checks need (`SELECT … FOR UPDATE`), so that a
/// check and the change it allows cannot be split by another server's transaction; reads that must see one
/// state (reports, check) run at REPEATABLE READ. A transaction PostgreSQL aborts for a serialization failure
/// or a deadlock runs again (`serializationRetriesMax`).
public final class PostgresStore: Sendable {
    public let configuration: PostgresStoreConfiguration
    let client: PostgresClient
    let logger: Logger
    private let runTask: Task<Void, Never>
    private let isClosed = Mutex(false)
    /// What the last call found: false from a call that could not reach the database until a probe (or a
    /// call) gets a connection again.
    private let availability = Mutex(Availability())
    /// Connections in use, and when one was last handed out or given back: a pool with either is busy, not
    /// cut off.
    private let leases = Mutex(Leases())

    struct Leases {
        var inUse = 0
        var lastChange: ContinuousClock.Instant?
    }
    /// The hot path's batches, code look-ups and lock-outs (PostgresStore+HotPath.swift).
    let hotPath: HotPathParts

    struct Availability {
        var isAvailable = true
        var isProbing = false
    }

    /// Connects, applies the schema steps this build knows under an advisory lock (servers starting together
    /// take turns; the later ones find the steps applied) and returns the open store.
    public static func open(
        _ configuration: PostgresStoreConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "promo.postgres")
    ) async throws -> PostgresStore {
        let store = try PostgresStore(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    private init(configuration: PostgresStoreConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) throws {
        precondition(configuration.poolSize >= 1, "databasePoolSize must be at least 1")
        self.configuration = configuration
        self.logger = logger
        let client = PostgresClient(
            configuration: try Self.clientConfiguration(configuration), eventLoopGroup: eventLoopGroup,
            backgroundLogger: logger)
        self.client = client
        hotPath = HotPathParts(configuration)
        runTask = Task { await client.run() }
    }

    static func clientConfiguration(_ configuration: PostgresStoreConfiguration) throws -> PostgresClient.Configuration {
        let url = configuration.url
        var result: PostgresClient.Configuration
        if let directory = url.socketDirectory {
            result = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(url.port)", username: url.username, password: url.password,
                database: url.database)
        } else {
            result = .init(
                host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
                tls: try tls(url))
        }
        result.options.maximumConnections = configuration.poolSize
        result.options.minimumConnections = 0
        result.options.connectTimeout = .milliseconds(configuration.connectTimeoutMs)
        result.options.additionalStartupParameters = [("application_name", "promo-server")]
        return result
    }

    /// libpq's meaning of each sslmode: `prefer` and `require` encrypt without checking the certificate,
    /// `verify-ca` checks it against `sslrootcert`, `verify-full` the host name too.
    static func tls(_ url: DatabaseURL) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let path = url.sslRootCertPath {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
            } catch {
                throw StoreError(.unusable, "sslrootcert \(path): \(error)")
            }
        }
        switch url.sslMode {
        case .disable: return .disable
        case .prefer:
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            tls.certificateVerification = .none
            return .require(tls)
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            return .require(tls)
        }
    }

    /// Later calls fail with `closed`; the pool closes its connections and this waits until it has.
    public func close() async {
        hotPath.batcher.close()
        isClosed.withLock { $0 = true }
        runTask.cancel()
        await runTask.value
    }

    // MARK: Transactions

    enum Isolation: String {
        case readCommitted = "READ COMMITTED"
        /// One snapshot for the whole transaction: reports and the check read one consistent state.
        case repeatableReadOnly = "REPEATABLE READ READ ONLY"
        case serializable = "SERIALIZABLE"

        /// Whether the transaction may write (what the observer hears of).
        var writes: Bool { self != .repeatableReadOnly }
    }

    /// Runs `body` in one transaction, again when PostgreSQL aborted it for a serialization failure or a
    /// deadlock (at most `serializationRetriesMax` more times: `body` must be safe to repeat, as the protocol's
    /// pure closures are), and maps the database's errors to `StoreError`s. Errors `body` throws itself pass
    /// unchanged after the rollback.
    func transaction<Result: Sendable>(
        _ isolation: Isolation = .readCommitted,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var attempt = 0
        let observer = isolation.writes ? configuration.observer : nil
        while true {
            let asked = ContinuousClock.now
            do {
                return try await withConnection { connection in
                    let leased = ContinuousClock.now
                    observer?.waited(.interactive, nanoseconds: (leased - asked).nanoseconds)
                    try await connection.query("BEGIN ISOLATION LEVEL \(unescaped: isolation.rawValue)", logger: self.logger)
                    do {
                        let result = try await body(connection)
                        try await connection.query("COMMIT", logger: self.logger)
                        observer?.committed(
                            CommitReport(jobs: 1, nanoseconds: (ContinuousClock.now - leased).nanoseconds, queuedBehind: 0))
                        observer?.storageFault(nil)
                        return result
                    } catch {
                        // A broken connection rolls back by itself; the original error is the one to report.
                        _ = try? await connection.query("ROLLBACK", logger: self.logger)
                        throw error
                    }
                }
            } catch where PostgresErrorMapping.isRetryable(error) && attempt < configuration.serializationRetriesMax {
                attempt += 1
                logger.debug("retrying a transaction PostgreSQL aborted", metadata: ["attempt": "\(attempt)"])
            } catch {
                let mapped = PostgresErrorMapping.map(error)
                if let fault = mapped as? StoreError, fault.isStorageFault { observer?.storageFault(fault) }
                throw mapped
            }
        }
    }

    /// A pooled connection for `body`; `unreachable` when the pool handed out no connection at all for
    /// `connectTimeoutMs` (it keeps trying to connect in the background and recovers by itself when the
    /// database is back). A call waiting behind busy connections waits on.
    func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        if isClosed.withLock({ $0 }) { throw StoreError(.closed, "the PostgreSQL store is closed") }
        do {
            let result = try await leasedConnection(body)
            markAvailable()
            return result
        } catch where PostgresErrorMapping.map(error).isUnreachable {
            markUnreachable()
            throw error
        }
    }

    private func leasedConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let leased = LeaseFlag()
        let timeout = Duration.milliseconds(configuration.connectTimeoutMs)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await self.client.withConnection { connection in
                    leased.set()
                    self.noteLease(+1)
                    defer { self.noteLease(-1) }
                    return try await body(connection)
                }
            }
            group.addTask {
                // A pool that is merely busy (connections in use, or one handed out or given back within the
                // timeout) is waited for; only a pool with nothing in use that handed out nothing for the whole
                // timeout means the database cannot be reached.
                while true {
                    try await Task.sleep(for: timeout)
                    if leased.isSet { return nil }
                    let (inUse, last) = self.leases.withLock { ($0.inUse, $0.lastChange) }
                    if inUse > 0 { continue }
                    if let last, ContinuousClock.now - last < timeout { continue }
                    throw StoreError(
                        .unreachable,
                        "no PostgreSQL connection within \(self.configuration.connectTimeoutMs) ms (databaseConnectTimeoutMs)")
                }
            }
            while let next = try await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
            }
            throw StoreError(.engine, "PostgreSQL call ended without a result")
        }
    }

    private func noteLease(_ change: Int) {
        leases.withLock { leases in
            leases.inUse += change
            leases.lastChange = ContinuousClock.now
        }
    }
}

extension PostgresStore: StorageLifecycle {
    /// False from a call that could not reach the database until a connection works again: a background
    /// probe (`SELECT 1` every `connectTimeoutMs`, at most once a second) finds out without waiting for traffic.
    public var isAvailable: Bool {
        !isClosed.withLock({ $0 }) && availability.withLock { $0.isAvailable }
    }

    func markAvailable() {
        availability.withLock { $0.isAvailable = true }
    }

    func markUnreachable() {
        let startProbe = availability.withLock { state in
            state.isAvailable = false
            defer { state.isProbing = true }
            return !state.isProbing
        }
        guard startProbe else { return }
        let pauseMs = max(configuration.connectTimeoutMs, 1_000)
        Task { [weak self] in
            while let store = self, !store.isClosed.withLock({ $0 }) {
                if (try? await store.leasedConnection({ connection in
                    try await connection.query("SELECT 1", logger: store.logger)
                    return true
                })) == true {
                    store.availability.withLock { $0 = Availability(isAvailable: true, isProbing: false) }
                    store.logger.notice("PostgreSQL is reachable again")
                    return
                }
                try? await Task.sleep(for: .milliseconds(pauseMs))
            }
            self?.availability.withLock { $0.isProbing = false }
        }
    }
}

extension Error {
    /// The database could not be reached (as `PostgresErrorMapping` classifies it).
    var isUnreachable: Bool { (self as? StoreError)?.code == .unreachable }
}

/// Set once a connection has been leased: from then on the call is the database's to finish, not the timer's.
private final class LeaseFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

extension Duration {
    /// Whole nanoseconds, never negative (for the observer's reports).
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }
}
