import NIOCore
import PostgresNIO

/// Reads one row's columns by position, as the SQLite store's `Statement` does; a column of an unexpected
/// type is a programming error of the query, reported as `engine`.
struct RowReader {
    private let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        cells = row.makeRandomAccess()
    }

    func string(_ index: Int) throws -> String { try cells[index].decode(String.self) }
    func optionalString(_ index: Int) throws -> String? { try cells[index].decode(String?.self) }
    func int64(_ index: Int) throws -> Int64 { try cells[index].decode(Int64.self) }
    func optionalInt64(_ index: Int) throws -> Int64? { try cells[index].decode(Int64?.self) }
    func bool(_ index: Int) throws -> Bool { try cells[index].decode(Bool.self) }
    func strings(_ index: Int) throws -> [String] { try cells[index].decode([String].self) }
    func bytes(_ index: Int) throws -> [UInt8] { Array(try cells[index].decode(ByteBuffer.self).readableBytesView) }
}

extension PostgresConnection {
    /// Runs `query` and reads every row with `read`.
    func rows<Row>(_ query: PostgresQuery, logger: Logger, _ read: (RowReader) throws -> Row) async throws -> [Row] {
        var result: [Row] = []
        for try await row in try await self.query(query, logger: logger) {
            result.append(try read(RowReader(row)))
        }
        return result
    }

    /// The first row of `query` read with `read`, or nil.
    func firstRow<Row>(_ query: PostgresQuery, logger: Logger, _ read: (RowReader) throws -> Row) async throws -> Row? {
        try await rows(query, logger: logger, read).first
    }

    /// How many rows `query` returns (a statement saying `RETURNING 1` counts the rows it changed).
    func countRows(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        var count = 0
        for try await _ in try await self.query(query, logger: logger) { count += 1 }
        return count
    }

    /// Runs `query`, reading and dropping whatever rows it returns. (postgres-nio's async API does not expose
    /// the command tag: a statement whose count matters says `RETURNING` and counts `rows`.)
    func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}
