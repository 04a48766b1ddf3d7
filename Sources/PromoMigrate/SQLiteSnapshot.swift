import PromoDomain
import PromoStore

/// A SQLite store's file opened read-only, with one read transaction held open for the whole migration: every
/// table is read from the same consistent state, whatever a server still running on the file does meanwhile
/// (what it writes after the snapshot is not copied: stop it first).
///
/// `@unchecked Sendable`: the migration hands it from one step to the next and never uses it from two tasks at
/// once, which is all a SQLite connection opened without a mutex needs.
final class SQLiteSnapshot: @unchecked Sendable {
    let path: String
    let connection: Connection

    init(path: String, busyTimeoutMs: Int32) throws {
        self.path = path
        connection = try Connection(path: path, readOnly: true, busyTimeoutMs: busyTimeoutMs)
        try connection.execute("BEGIN DEFERRED")
        // A deferred transaction takes its snapshot at its first read: take it now.
        _ = try connection.statement("SELECT count(*) FROM sqlite_master").firstRow { $0.int(0) }
    }

    /// Ends the read transaction (the connection closes with the object).
    func close() {
        try? connection.execute("COMMIT")
    }

    var schemaVersion: Int {
        get throws { try connection.statement("PRAGMA user_version").firstRow { $0.int(0) } ?? 0 }
    }

    /// The tables of the file, without SQLite's own.
    func tables() throws -> Set<String> {
        let select = try connection.statement(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
        var names: Set<String> = []
        while try select.step() { names.insert(select.string(0)) }
        return names
    }

    func columns(of table: String) throws -> Set<String> {
        let select = try connection.statement("SELECT name FROM pragma_table_info(?)")
        try select.bind(1, table)
        var names: Set<String> = []
        while try select.step() { names.insert(select.string(0)) }
        return names
    }

    func rowCount(_ table: String) throws -> Int64 {
        try connection.statement("SELECT count(*) FROM \(table)").firstRow { $0.int64(0) } ?? 0
    }

    /// The SQLite store's own check (every maintained total recomputed from the raw rows, and
    /// integrity_check) on the snapshot.
    func consistencyProblems() throws -> [String] {
        try connection.consistencyProblems()
    }
}
