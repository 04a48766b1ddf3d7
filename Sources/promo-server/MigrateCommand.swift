import ArgumentParser
import Logging
import PromoMigrate
import PromoPostgres

#if canImport(Glibc)
import Glibc
#endif

/// `promo-server migrate`: a SQLite installation moved into an empty PostgreSQL database (issue #14).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a SQLite installation into an empty PostgreSQL database, then check the copy.",
        discussion: """
            Reads the SQLite file read-only on one snapshot (stop the server first: what it writes later is not \
            copied), applies the PostgreSQL schema, copies every table in one transaction with COPY, then \
            compares the row counts and runs check on the target. Refuses a target that already holds data. \
            Exit status: 0 copied and checked; 1 refused or failed, nothing copied; 2 copied, but the check \
            disagrees.
            """)

    @Option(help: "The SQLite store: a data directory (its promo.sqlite) or the .sqlite file itself.")
    var from: String

    @Option(help: "postgres://user[:password]@host[:port]/database[?sslmode=…] (password also from PGPASSWORD).")
    var to: String

    @Option(help: "Bytes of COPY data per write to PostgreSQL (default 1048576).")
    var copyChunkBytes: Int?

    @Flag(help: "Also run the SQLite store's check on the snapshot first (slow on a big file: as long as the copy or longer).")
    var checkSource = false

    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let summary: MigrationSummary
        do {
            summary = try await migrate()
        } catch {
            printError("migrate: \(error)")
            throw ExitCode(1)
        }
        print("table                      SQLite rows  PostgreSQL rows")
        for table in summary.tables {
            let mark = table.sourceRows == table.targetRows ? "" : "  DIFFERS"
            print(
                table.table.padding(26) + " " + String(table.sourceRows).padding(12, left: true) + " "
                    + String(table.targetRows).padding(16, left: true) + mark)
        }
        guard summary.agrees else {
            printError("migrate: the copy was committed but does not agree: \(summary.targetProblems.joined(separator: "; "))")
            throw ExitCode(2)
        }
        print("migrate: done, check agrees")
        fflush(nil)
    }

    private func migrate() async throws -> MigrationSummary {
        let url = try DatabaseURL(parsing: to, passwordFallback: ProcessEnvironment.value("PGPASSWORD"))
        let sourcePath = try SQLiteToPostgres.sourceFile(from: from)
        var options = SQLiteToPostgres.Options()
        options.checkSource = checkSource
        if let copyChunkBytes {
            guard copyChunkBytes >= 4_096 else { throw ValidationError("--copy-chunk-bytes must be at least 4096") }
            options.copyChunkBytes = copyChunkBytes
        }
        var configuration = PostgresStoreConfiguration(url: url)
        // The copy is one transaction on one connection; the check takes another afterwards.
        configuration.poolSize = 2
        let store = try await PostgresStore.open(configuration, logger: Logger(label: "promo.migrate"))
        do {
            let summary = try await SQLiteToPostgres(sourcePath: sourcePath, options: options).run(into: store) { line in
                print(line)
                fflush(nil)
            }
            await store.close()
            return summary
        } catch {
            await store.close()
            throw error
        }
    }
}

/// A line on standard error (its descriptor: Glibc's `stderr` is a mutable global Swift 6 refuses).
private func printError(_ line: String) {
    fflush(nil)
    var text = line + "\n"
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

extension String {
    fileprivate func padding(_ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - count))
        return left ? fill + self : self + fill
    }
}
