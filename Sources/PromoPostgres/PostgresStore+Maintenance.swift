import PostgresNIO
import PromoDomain

extension PostgresStore: MaintenanceStorage {
    /// Oldest first, at most `limit` of each. Rows another server is deleting at the same moment are skipped
    /// (SKIP LOCKED), so purges running on every server share the work instead of queueing on each other.
    public func purgeExpired(idempotencyBeforeMs: Int64, reservationsBeforeMs: Int64, limit: Int) async throws
        -> PurgeResult
    {
        try await transaction { connection in
            let records = try await connection.countRows(
                """
                DELETE FROM idempotency WHERE (api_key_id, key) IN (
                    SELECT api_key_id, key FROM idempotency WHERE created_at_ms < \(idempotencyBeforeMs)
                    ORDER BY created_at_ms LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                RETURNING 1
                """, logger: self.logger
            )
            let reservations = try await connection.countRows(
                """
                DELETE FROM reservations WHERE id IN (
                    SELECT id FROM reservations WHERE redemption_id IS NULL AND expires_at_ms < \(reservationsBeforeMs)
                    ORDER BY expires_at_ms LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                RETURNING 1
                """, logger: self.logger
            )
            return PurgeResult(idempotencyRecords: records, reservations: reservations)
        }
    }
}

extension PostgresStore: BackupStorage {
    /// A shared database is backed up by its own tools, not by one of the servers that use it.
    public func backup(to path: String, pacing: BackupPacing) throws -> BackupOutcome {
        throw StoreError(
            .failedPrecondition,
            "backup copies a SQLite file; this server stores in PostgreSQL: back it up with pg_dump "
                + "(pg_dump -Fc promo > promo.dump) or continuous archiving with point-in-time recovery (PITR), "
                + "see deploy/OPERATIONS.md")
    }
}
