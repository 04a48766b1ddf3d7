import CSQLite
import PromoDomain

/// Owns one `sqlite3*` and the statements prepared on it.
///
/// A connection is used by one thread at a time (the owner serialises access), which lets SQLite run with
/// `SQLITE_OPEN_NOMUTEX`. Statements are prepared once and cached by their SQL text, so the hot path never
/// parses SQL.
public final class Connection {
    let handle: OpaquePointer
    private var statements: [String: Statement] = [:]
    /// Distinct IPs, devices and users whose failed attempts are counted per campaign and hour; the rest are
    /// counted under `otherDimensionKey`. Set from `StoreConfiguration`. Default 1,000.
    public var dimensionKeysPerHourMax = 1_000
    /// On the writer's connection when the store keeps a validate view: what its jobs change of it.
    var viewChangeLog: ViewChangeLog?
    /// On the writer's connection: the report totals its running batch has moved and not written yet.
    var pendingTotals: PendingTotals?

    public init(path: String, readOnly: Bool = false, busyTimeoutMs: Int32) throws(StoreError) {
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw StoreError(sqliteCode: rc, message: "cannot open \(path): \(message)")
        }
        self.handle = handle
        sqlite3_busy_timeout(handle, busyTimeoutMs)
    }

    deinit {
        statements.removeAll()  // finalize statements before the connection
        sqlite3_close_v2(handle)
    }

    /// Runs SQL text that returns no rows (schema, pragmas). Not for the hot path: use `statement(_:)`.
    public func execute(_ sql: String) throws(StoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        guard rc == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorMessage)
            throw StoreError(sqliteCode: rc, message: message)
        }
    }

    /// The cached prepared statement for `sql`, reset and with its bindings cleared.
    public func statement(_ sql: String) throws(StoreError) -> Statement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let statement = try Statement(connection: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try statement("BEGIN IMMEDIATE").run()
        do {
            let result = try body()
            try statement("COMMIT").run()
            return result
        } catch {
            try? statement("ROLLBACK").run()
            throw error
        }
    }

    /// Runs `body`'s reads in one read transaction: they see one snapshot, and SQLite takes its file and
    /// WAL-index locks once instead of once per statement (fcntl was about a tenth of a validate's server time).
    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try statement("BEGIN DEFERRED").run()
        defer { try? statement("COMMIT").run() }
        return try body()
    }

    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Rows changed since the connection opened.
    var totalChanges: Int64 { sqlite3_total_changes64(handle) }

    /// True while a transaction is open. SQLite rolls a transaction back by itself after some errors
    /// (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, some SQLITE_BUSY): this is how a caller finds out.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func error(_ rc: Int32, _ context: String) -> StoreError {
        StoreError(sqliteCode: rc, message: "\(context): \(lastErrorMessage)")
    }
}
