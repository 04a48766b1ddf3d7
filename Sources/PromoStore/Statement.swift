import CSQLite
import PromoDomain

/// Owns one prepared `sqlite3_stmt*`. Bind parameters by 1-based index, then `run()` or iterate `step()`.
public final class Statement {
    private let handle: OpaquePointer
    private unowned let connection: Connection
    let sql: String

    init(connection: Connection, sql: String) throws(StoreError) {
        var handle: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard rc == SQLITE_OK, let handle else { throw connection.error(rc, "prepare \(sql)") }
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Binding

    public func bind(_ index: Int32, _ value: Int64) throws(StoreError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    public func bind(_ index: Int32, _ value: Int) throws(StoreError) { try bind(index, Int64(value)) }

    public func bind(_ index: Int32, _ value: Bool) throws(StoreError) { try bind(index, Int64(value ? 1 : 0)) }

    public func bind(_ index: Int32, _ value: String) throws(StoreError) {
        // A nil pointer would bind NULL, so an empty string gets a static "" of its own.
        guard !value.isEmpty else { return try check(sqlite3_bind_text(handle, index, "", 0, promo_sqlite_static)) }
        var value = value
        let rc = value.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), promo_sqlite_transient)
            }
        }
        try check(rc)
    }

    public func bind(_ index: Int32, _ value: String?) throws(StoreError) {
        if let value { try bind(index, value) } else { try check(sqlite3_bind_null(handle, index)) }
    }

    public func bind(_ index: Int32, _ value: Int64?) throws(StoreError) {
        if let value { try bind(index, value) } else { try check(sqlite3_bind_null(handle, index)) }
    }

    public func bind(_ index: Int32, bytes: [UInt8]) throws(StoreError) {
        let rc = bytes.withUnsafeBytes { raw in
            sqlite3_bind_blob(handle, index, raw.baseAddress, Int32(raw.count), promo_sqlite_transient)
        }
        try check(rc)
    }

    // MARK: Stepping

    /// Advances to the next row; false when done.
    public func step() throws(StoreError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw connection.error(rc, "step \(sql)")
        }
    }

    /// Reads the first row, if any, and resets, so the statement holds no read lock afterwards.
    public func firstRow<T>(_ read: (Statement) -> T) throws(StoreError) -> T? {
        defer { sqlite3_reset(handle) }
        return try step() ? read(self) : nil
    }

    /// Runs a statement that returns no rows.
    public func run() throws(StoreError) {
        while try step() {}
    }

    // MARK: Reading the current row

    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    public func int(_ column: Int32) -> Int { Int(int64(column)) }

    public func bool(_ column: Int32) -> Bool { int64(column) != 0 }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    public func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    public func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }

    public func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    public func bytes(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let blob = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: blob, count: count))
    }

    private func check(_ rc: Int32) throws(StoreError) {
        guard rc == SQLITE_OK else { throw connection.error(rc, "bind \(sql)") }
    }
}
