/// What a migration copied and what the checks found.
public struct MigrationSummary: Sendable {
    public struct TableCount: Sendable, Hashable {
        public let table: String
        public let sourceRows: Int64
        public let targetRows: Int64
    }

    /// `PRAGMA user_version` of the SQLite file.
    public let sourceSchemaVersion: Int
    /// Per table, in copy order: rows in the SQLite snapshot and in PostgreSQL after the copy.
    public let tables: [TableCount]
    /// The SQLite store's check on the snapshot, when `Options.checkSource` asked for it (a problem here was in
    /// the source before the copy).
    public let sourceProblems: [String]
    /// The PostgreSQL store's check after the copy: every maintained total recomputed from the raw rows.
    public let targetProblems: [String]
    public let seconds: Double

    /// True when every table has as many rows in PostgreSQL as in SQLite and the target's check found nothing.
    public var agrees: Bool {
        targetProblems.isEmpty && tables.allSatisfy { $0.sourceRows == $0.targetRows }
    }
}

/// Why a migration stopped. Nothing was copied in any of these cases (the copy is one transaction).
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable {
        case targetNotEmpty
        case schemaMismatch
        case countMismatch
        case badSource
    }

    public let reason: Reason
    public let description: String

    init(_ reason: Reason, _ description: String) {
        self.reason = reason
        self.description = description
    }
}
