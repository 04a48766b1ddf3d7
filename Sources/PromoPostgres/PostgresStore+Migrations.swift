import PostgresNIO
import PromoDomain

/// The advisory lock key every promo-server takes while it migrates ("promo" in ASCII).
let schemaLockKey: Int64 = 0x70_72_6f_6d_6f

extension PostgresStore {
    /// Applies every known step not yet applied, in version order, each in its own transaction, on one
    /// connection holding `pg_advisory_lock`: servers starting at once take turns, and each finds what the
    /// others applied. Refuses a database holding a step this build does not know (a newer build migrated it).
    func migrate() async throws {
        let steps = PostgresSchema.steps
        try await withConnection { connection in
            do {
                try await connection.query("SELECT pg_advisory_lock(\(schemaLockKey))", logger: self.logger)
                do {
                    try await Self.applySteps(steps, on: connection, logger: self.logger)
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(schemaLockKey))", logger: self.logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock(\(schemaLockKey))", logger: self.logger)
            } catch {
                throw PostgresErrorMapping.map(error)
            }
        }
    }

    private static func applySteps(_ steps: [PostgresMigration], on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version        integer PRIMARY KEY,
                name           text NOT NULL,
                applied_at_ms  bigint NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::bigint
            )
            """, logger: logger)
        var applied = Set<Int>()
        for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger)
            .decode(Int32.self)
        {
            applied.insert(Int(version))
        }
        let known = Set(steps.map(\.version))
        if let unknown = applied.subtracting(known).max() {
            throw StoreError(
                .unusable, "database schema step \(unknown) is newer than this build's (\(known.max() ?? 0)): upgrade the server")
        }
        for step in steps where !applied.contains(step.version) {
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in step.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(Int32(step.version)), \(step.name))",
                    logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            logger.info("applied schema step", metadata: ["version": "\(step.version)", "name": "\(step.name)"])
        }
    }

    /// The schema steps applied, in order (for tests and `check`).
    public func appliedSchemaVersions() async throws -> [Int] {
        try await transaction(.repeatableReadOnly) { connection in
            var versions: [Int] = []
            for try await version in try await connection.query(
                "SELECT version FROM schema_migrations ORDER BY version", logger: self.logger
            ).decode(Int32.self) {
                versions.append(Int(version))
            }
            return versions
        }
    }
}
