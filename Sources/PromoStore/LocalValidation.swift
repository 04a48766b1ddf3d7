import PromoDomain

/// The embedded store's synchronous validate path (`InProcessValidation`): the validate view in memory, then
/// a read connection per event loop, admitted by the same `AttemptLimiter` that reserving validates and
/// redeems take their slots from, so the guessing limit stays one exact limit.
final class LocalValidation: InProcessValidation {
    private let configuration: StoreConfiguration
    private let view: ValidateView?
    private let attempts: AttemptLimiter

    init(configuration: StoreConfiguration, view: ValidateView?, attempts: AttemptLimiter) {
        self.configuration = configuration
        self.view = view
        self.attempts = attempts
    }

    func checkInMemory(_ request: RedemptionRequest, nowMs: Int64) -> CheckResult? {
        view?.check(request, nowMs: nowMs)
    }

    func makeSnapshotReader() throws -> any SnapshotReader {
        ConnectionSnapshotReader(connection: try ReaderPool.openReadConnection(configuration), view: view)
    }

    func admit(_ verdict: Verdict, for user: UserContext, nowMs: Int64) -> Verdict {
        attempts.admit(verdict, for: user, nowMs: nowMs)
    }
}

/// One event loop's read-only SQLite connection and the snapshot it reads from.
///
/// Reading SQLite on an event loop bends "no SQLite on an event loop" on purpose and for plain validates
/// alone: their check is a handful of primary-key and index probes on pages that stay in the connection's
/// cache, and in WAL mode a reader never waits for the writer, so it does not block the loop in any way that
/// matters; the hop to a reader queue and back cost more than the lookups. All reads until `endSnapshot` share
/// one read transaction: with fifty connections ready at once that is one BEGIN/COMMIT and one round of
/// SQLite's file locks (fcntl) per wake-up instead of per validate.
final class ConnectionSnapshotReader: SnapshotReader {
    private let connection: Connection
    private let view: ValidateView?
    private var snapshotOpen = false
    /// The validate view's version taken before the snapshot began: entries read in the snapshot are kept
    /// only if no change was published since (`ValidateView.checkLoading`).
    private var snapshotVersion: UInt64 = 0

    init(connection: Connection, view: ValidateView?) {
        self.connection = connection
        self.view = view
    }

    func check(_ request: RedemptionRequest, nowMs: Int64) throws -> CheckResult {
        if !snapshotOpen {
            snapshotVersion = view?.version ?? 0
            try connection.statement("BEGIN DEFERRED").run()
            snapshotOpen = true
        }
        if let view {
            return try view.checkLoading(request, nowMs: nowMs, connection: connection, snapshotVersion: snapshotVersion)
        }
        return try connection.check(request, nowMs: nowMs)
    }

    func endSnapshot() {
        guard snapshotOpen else { return }
        snapshotOpen = false
        try? connection.statement("COMMIT").run()
    }
}
