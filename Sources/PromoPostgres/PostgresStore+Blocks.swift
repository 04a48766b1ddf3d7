import PostgresNIO
import PromoDomain

/// Serialises the block writes of every server: the bound `blocksMax` is counted, then kept, in one turn.
let blockTableLockKey: Int64 = 0x70_72_6f_6d_6f_62  // "promob"

extension PostgresStore: BlockStorage {
    public func putBlock(
        _ block: UserBlock, nowMs: Int64, blocksMax: Int, audit: @escaping @Sendable (UserBlock) -> AuditEntry
    ) async throws -> UserBlock {
        try await transaction { connection in
            if let campaignId = block.campaignId, try await self.campaign(id: campaignId, on: connection) == nil {
                throw StoreError(.notFound, "campaign \(campaignId) does not exist")
            }
            // Two servers adding blocks at once must not both see room for one more (a check-then-act across
            // transactions): the count and the insert happen under one lock, held to the commit.
            try await connection.execute("SELECT pg_advisory_xact_lock(\(blockTableLockKey))", logger: self.logger)
            // A few ended blocks go first, so that they do not pile up; the bound covers the rest.
            try await connection.execute(
                """
                DELETE FROM user_blocks WHERE id IN (
                    SELECT id FROM user_blocks WHERE until_ms > 0 AND until_ms <= \(nowMs) LIMIT 16)
                """, logger: self.logger)
            let replaced = try await connection.countRows(
                "SELECT 1 FROM user_blocks WHERE user_id = \(block.userId) AND campaign_id = \(block.campaignId ?? "")",
                logger: self.logger) > 0
            try await connection.execute(
                """
                INSERT INTO user_blocks (id, user_id, reason, until_ms, campaign_id, created_at_ms, created_by)
                VALUES (\(block.id), \(block.userId), \(block.reason), \(block.untilMs), \(block.campaignId ?? ""),
                    \(block.createdAtMs), \(block.createdBy))
                ON CONFLICT (user_id, campaign_id) DO UPDATE SET id = excluded.id, reason = excluded.reason,
                    until_ms = excluded.until_ms, created_at_ms = excluded.created_at_ms, created_by = excluded.created_by
                """, logger: self.logger)
            if !replaced {
                let count = try await connection.firstRow("SELECT count(*) FROM user_blocks", logger: self.logger) {
                    try $0.int64(0)
                } ?? 0
                if count > Int64(blocksMax) {
                    throw StoreError(.resourceExhausted, "\(blocksMax) blocks are kept at most (blocksMax): unblock some first")
                }
            }
            try await self.appendAudit(audit(block), on: connection)
            return block
        }
    }

    public func deleteBlock(userId: String, campaignId: String?, audit: @escaping @Sendable (UInt64) -> AuditEntry)
        async throws -> UInt64
    {
        try await transaction { connection in
            let removed = try await connection.countRows(
                "DELETE FROM user_blocks WHERE user_id = \(userId) AND campaign_id = \(campaignId ?? "") RETURNING 1",
                logger: self.logger
            )
            try await self.appendAudit(audit(UInt64(removed)), on: connection)
            return UInt64(removed)
        }
    }

    public func blocks(after cursor: BlockCursor?, limit: Int, nowMs: Int64) async throws -> [UserBlock] {
        let createdBefore = cursor?.createdAtMs ?? Int64.max
        let idBefore = cursor?.id ?? "\u{10FFFF}"
        return try await transaction(.repeatableReadOnly) { connection in
            try await connection.rows(
                """
                SELECT id, user_id, reason, until_ms, campaign_id, created_at_ms, created_by FROM user_blocks
                WHERE (created_at_ms, id) < (\(createdBefore), \(idBefore)) AND (until_ms = 0 OR until_ms > \(nowMs))
                ORDER BY created_at_ms DESC, id DESC LIMIT \(Int64(limit))
                """, logger: self.logger, Self.readBlock)
        }
    }

    static func readBlock(_ row: RowReader) throws -> UserBlock {
        let campaignId = try row.string(4)
        return UserBlock(
            id: try row.string(0), userId: try row.string(1), reason: try row.string(2), untilMs: try row.int64(3),
            campaignId: campaignId.isEmpty ? nil : campaignId, createdAtMs: try row.int64(5), createdBy: try row.string(6))
    }
}
