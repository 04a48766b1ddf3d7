import Logging
import NIOCore
import PostgresNIO
import PromoPostgres
import PromoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Moves a SQLite installation into an empty PostgreSQL database (`promo-server migrate`): every table of
/// the SQLite store, row for row, maintained totals included, then the PostgreSQL store's check.
///
/// The copy is one PostgreSQL transaction. A failure anywhere (a schema this build cannot map, a row
/// PostgreSQL refuses, a lost connection) leaves the target exactly as it was, so the operator fixes the cause
/// and runs it again; chunks with a final marker would leave a half-copied database to recognise and clean
/// up. PostgreSQL has no practical limit on a transaction's size, and `COPY … FROM STDIN` streams each table
/// without holding it in memory on either side (a few million codes are a few hundred MB of WAL).
public struct SQLiteToPostgres: Sendable {
    public struct Options: Sendable {
        /// Bytes of COPY text gathered before each write to PostgreSQL. Default 1 MiB.
        public var copyChunkBytes: Int = 1 << 20
        /// How long opening the SQLite file waits for a lock a server holds. Default 5,000 ms.
        public var sqliteBusyTimeoutMs: Int32 = 5_000
        /// Also run the SQLite store's check (every total recomputed, and integrity_check) on the snapshot
        /// before copying, so that a disagreement already in the source is told apart from one the copy made.
        /// Off by default: on a loaded machine it took longer than the copy itself (28 s for 100,000 codes).
        public var checkSource = false

        public init() {}
    }

    public let sourcePath: String
    public let options: Options

    public init(sourcePath: String, options: Options = Options()) {
        self.sourcePath = sourcePath
        self.options = options
    }

    /// The SQLite file `--from` names: the file itself, or `promo.sqlite` in a data directory.
    public static func sourceFile(from argument: String) throws -> String {
        guard access(argument, F_OK) == 0 else {
            throw MigrationError(.badSource, "--from \(argument): no such file or directory")
        }
        let path = isDirectory(argument) ? argument + "/promo.sqlite" : argument
        guard access(path, R_OK) == 0 else {
            throw MigrationError(.badSource, "--from \(argument): \(path) does not exist or cannot be read")
        }
        return path
    }

    private static func isDirectory(_ path: String) -> Bool {
        guard let directory = opendir(path) else { return false }
        closedir(directory)
        return true
    }

    /// Copies everything into `target` (opened, so its schema steps are applied) and runs its check.
    /// `progress` gets one line per step. Throws `MigrationError` when it refuses, having copied nothing.
    public func run(into target: PostgresStore, progress: @escaping @Sendable (String) -> Void) async throws
        -> MigrationSummary
    {
        let started = ContinuousClock.now
        let snapshot = try SQLiteSnapshot(path: sourcePath, busyTimeoutMs: options.sqliteBusyTimeoutMs)
        defer { snapshot.close() }
        let version = try snapshot.schemaVersion
        progress("source \(sourcePath): SQLite schema version \(version), one read snapshot")
        try Self.checkSource(snapshot)
        let sourceProblems = options.checkSource ? try snapshot.consistencyProblems() : []
        if options.checkSource {
            progress(
                sourceProblems.isEmpty
                    ? "source check: every total agrees with the raw rows"
                    : "source check found \(sourceProblems.count) problem(s) before the copy: \(sourceProblems.joined(separator: "; "))")
        }
        let sourceCounts = try Dictionary(
            uniqueKeysWithValues: StoreTables.all.map { ($0.table, try snapshot.rowCount($0.sourceTable)) })

        let chunkBytes = max(4_096, options.copyChunkBytes)
        let counts = try await target.bulkLoadTransaction { connection, logger in
            try await Self.checkTarget(connection, logger: logger)
            try await Self.lockAndRefuseData(connection, logger: logger)
            var counts: [MigrationSummary.TableCount] = []
            for mapping in StoreTables.all {
                let tableStarted = ContinuousClock.now
                let copied = try await Self.copy(mapping, from: snapshot, to: connection, chunkBytes: chunkBytes, logger: logger)
                let targetRows = try await Self.count(mapping.table, connection, logger: logger)
                let sourceRows = sourceCounts[mapping.table] ?? 0
                guard copied == sourceRows, targetRows == sourceRows else {
                    throw MigrationError(
                        .countMismatch,
                        "\(mapping.table): \(sourceRows) rows in SQLite, \(copied) copied, \(targetRows) in PostgreSQL; nothing was copied")
                }
                counts.append(.init(table: mapping.table, sourceRows: sourceRows, targetRows: targetRows))
                progress("copied \(mapping.table): \(targetRows) rows in \(Self.seconds(since: tableStarted)) s")
            }
            for mapping in StoreTables.all {
                guard let column = mapping.identityColumn else { continue }
                try await connection.query(
                    """
                    SELECT setval(pg_get_serial_sequence('\(unescaped: mapping.table)', '\(unescaped: column)'),
                        coalesce((SELECT max(\(unescaped: column)) FROM \(unescaped: mapping.table)), 0) + 1, false)
                    """, logger: logger)
            }
            return counts
        }
        progress("committed: \(counts.reduce(0) { $0 + $1.targetRows }) rows in \(counts.count) tables")

        let targetProblems = try await target.consistencyProblems()
        progress(
            targetProblems.isEmpty
                ? "target check: every total agrees with the raw rows"
                : "target check found \(targetProblems.count) problem(s): \(targetProblems.joined(separator: "; "))")
        return MigrationSummary(
            sourceSchemaVersion: version, tables: counts, sourceProblems: sourceProblems, targetProblems: targetProblems,
            seconds: Self.elapsedSeconds(since: started))
    }

    /// Rows per copied table in `store`'s database, for comparing a target with its source.
    public static func targetRowCounts(_ store: PostgresStore) async throws -> [String: Int64] {
        try await store.bulkLoadTransaction { connection, logger in
            var counts: [String: Int64] = [:]
            for mapping in StoreTables.all { counts[mapping.table] = try await count(mapping.table, connection, logger: logger) }
            return counts
        }
    }

    // MARK: Schemas

    /// Every SQLite table and column must be one the mapping knows: one added by a later step would otherwise
    /// be left behind.
    static func checkSource(_ snapshot: SQLiteSnapshot) throws {
        let mapped = Dictionary(uniqueKeysWithValues: StoreTables.all.map { ($0.sourceTable, Set($0.sourceColumns)) })
        var problems: [String] = []
        for table in try snapshot.tables().sorted() where !StoreTables.sourceTablesNotCopied.contains(table) {
            guard let known = mapped[table] else {
                problems.append("table \(table) has no place in the PostgreSQL schema")
                continue
            }
            let columns = try snapshot.columns(of: table)
            for column in columns.subtracting(known).sorted() { problems.append("column \(table).\(column) is not mapped") }
            for column in known.subtracting(columns).sorted() { problems.append("column \(table).\(column) is missing") }
        }
        for table in Set(mapped.keys).subtracting(try snapshot.tables()).sorted() {
            problems.append("table \(table) is missing")
        }
        guard problems.isEmpty else {
            throw MigrationError(
                .schemaMismatch,
                "the SQLite file's schema is not the one this build maps (\(problems.joined(separator: "; "))): "
                    + "run this build's promo-server on it once to upgrade an older file; a newer file needs a newer build")
        }
    }

    /// Every PostgreSQL table and column must be filled from the mapping (or be one the SQLite store has no
    /// counterpart for).
    static func checkTarget(_ connection: PostgresConnection, logger: Logger) async throws {
        var columns: [String: Set<String>] = [:]
        for try await (table, column) in try await connection.query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()",
            logger: logger
        ).decode((String, String).self) {
            columns[table, default: []].insert(column)
        }
        var problems: [String] = []
        for mapping in StoreTables.all {
            guard let present = columns[mapping.table] else {
                problems.append("table \(mapping.table) is missing")
                continue
            }
            let mapped = Set(mapping.columns.map(\.name))
            for column in present.subtracting(mapped).sorted() { problems.append("column \(mapping.table).\(column) has no source") }
            for column in mapped.subtracting(present).sorted() { problems.append("column \(mapping.table).\(column) is missing") }
        }
        let known = Set(StoreTables.all.map(\.table)).union(StoreTables.targetTablesNotFilled)
        for table in Set(columns.keys).subtracting(known).sorted() { problems.append("table \(table) has no source") }
        guard problems.isEmpty else {
            throw MigrationError(
                .schemaMismatch, "the PostgreSQL schema is not the one this build maps: \(problems.joined(separator: "; "))")
        }
    }

    /// Locks every table against writers (and another migration) until the commit, then refuses a target that
    /// holds any row already: copying next to existing data would duplicate or mix installations.
    static func lockAndRefuseData(_ connection: PostgresConnection, logger: Logger) async throws {
        let tables = StoreTables.all.map(\.table)
        try await connection.query("LOCK TABLE \(unescaped: tables.joined(separator: ", ")) IN EXCLUSIVE MODE", logger: logger)
        var holding: [String] = []
        for table in tables {
            let rows = try await connection.query(
                "SELECT count(*) FROM (SELECT 1 FROM \(unescaped: table) LIMIT 1) AS any_row", logger: logger)
            for try await count in rows.decode(Int64.self) where count > 0 { holding.append(table) }
        }
        guard holding.isEmpty else {
            throw MigrationError(
                .targetNotEmpty,
                "the target database already holds data (\(holding.joined(separator: ", "))): migrate copies into an "
                    + "empty database only and copied nothing. If it was migrated before, it is done; otherwise create an "
                    + "empty database (createdb) and point --to at it")
        }
    }

    // MARK: Copying

    /// Streams one table with COPY in chunks of about `chunkBytes`; returns the rows sent.
    static func copy(
        _ mapping: TableMapping, from snapshot: SQLiteSnapshot, to connection: PostgresConnection, chunkBytes: Int,
        logger: Logger
    ) async throws -> Int64 {
        let select = try snapshot.connection.statement(mapping.select)
        var rows: Int64 = 0
        try await connection.copyFrom(table: mapping.table, columns: mapping.columns.map(\.name), logger: logger) { writer in
            var buffer = ByteBufferAllocator().buffer(capacity: chunkBytes + 4_096)
            while try select.step() {
                CopyText.appendRow(select, columns: mapping.columns, to: &buffer)
                rows += 1
                if buffer.readableBytes >= chunkBytes {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
        return rows
    }

    static func count(_ table: String, _ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        var result: Int64 = 0
        for try await count in try await connection.query("SELECT count(*) FROM \(unescaped: table)", logger: logger)
            .decode(Int64.self)
        {
            result = count
        }
        return result
    }

    static func elapsedSeconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Seconds since `start` with two decimals (no Foundation formatting here).
    static func seconds(since start: ContinuousClock.Instant) -> String {
        let hundredths = Int((elapsedSeconds(since: start) * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
