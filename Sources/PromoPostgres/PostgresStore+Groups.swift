import PostgresNIO
import PromoDomain

extension PostgresStore: GroupStorage {
    public func createGroup(_ group: Group, audit: AuditEntry) async throws {
        try await transaction { connection in
            let inserted = try await connection.countRows(
                """
                INSERT INTO campaign_groups (id, name, max_per_user, created_at_ms)
                VALUES (\(group.id), \(group.name), \(Int64(group.maxPerUser)), \(group.createdAtMs))
                ON CONFLICT (id) DO NOTHING RETURNING 1
                """, logger: self.logger
            )
            guard inserted > 0 else { throw StoreError(.alreadyExists, "group \(group.id) already exists") }
            try await self.appendAudit(audit, on: connection)
        }
    }

    public func updateGroup(id: String, _ change: @escaping @Sendable (Group) throws -> (Group, AuditEntry))
        async throws -> Group
    {
        try await transaction { connection in
            guard let current = try await self.group(id: id, on: connection, lock: true) else {
                throw StoreError(.notFound, "group \(id) does not exist")
            }
            let (updated, audit) = try change(current)
            // The players' counters keep the limit copied at their last increment: lowering the limit below a
            // player's count only refuses that player's next redemption.
            try await connection.execute(
                """
                UPDATE campaign_groups SET name = \(updated.name), max_per_user = \(Int64(updated.maxPerUser))
                WHERE id = \(id)
                """, logger: self.logger)
            try await self.appendAudit(audit, on: connection)
            return updated
        }
    }

    public func group(id: String) async throws -> Group? {
        try await transaction(.repeatableReadOnly) { connection in try await self.group(id: id, on: connection) }
    }

    public func groups(after cursor: GroupCursor?, limit: Int) async throws -> [Group] {
        let createdAfter = cursor?.createdAtMs ?? Int64.min
        let idAfter = cursor?.id ?? ""
        return try await transaction(.repeatableReadOnly) { connection in
            try await connection.rows(
                """
                SELECT id, name, max_per_user, created_at_ms FROM campaign_groups
                WHERE (created_at_ms, id) > (\(createdAfter), \(idAfter)) ORDER BY created_at_ms, id LIMIT \(Int64(limit))
                """, logger: self.logger, Self.readGroup)
        }
    }

    // MARK: On a connection

    /// `lock`: FOR SHARE, so that the group cannot change or vanish before the caller's transaction commits.
    func group(id: String, on connection: PostgresConnection, lock: Bool = false) async throws -> Group? {
        try await connection.firstRow(
            """
            SELECT id, name, max_per_user, created_at_ms FROM campaign_groups WHERE id = \(id)\
            \(unescaped: lock ? " FOR SHARE" : "")
            """, logger: logger, Self.readGroup)
    }

    /// Moves the players' standing redemptions of `campaignId` from group `from` to group `to` (either nil for
    /// none), in the transaction of the campaign's change, so that each campaign counts toward the group it is
    /// in now. A player may end up above the new group's limit (they keep what they hold): such a row takes 0
    /// as its copy of the limit until their next redemption, which the rules refuse anyway.
    func moveGroupCounts(campaignId: String, from: Group?, to: Group?, on connection: PostgresConnection) async throws {
        guard from?.id != to?.id else { return }
        if let from {
            try await connection.execute(
                """
                UPDATE group_user_redemptions g SET redemptions = g.redemptions - u.redemptions
                FROM user_redemptions u
                WHERE g.group_id = \(from.id) AND u.campaign_id = \(campaignId) AND u.user_id = g.user_id
                  AND u.redemptions > 0
                """, logger: logger)
        }
        if let to {
            let limit = Int64(to.maxPerUser)
            try await connection.execute(
                """
                INSERT INTO group_user_redemptions AS g (group_id, user_id, redemptions, max_per_user)
                SELECT \(to.id), user_id, redemptions, CASE WHEN \(limit) = 0 OR redemptions <= \(limit) THEN \(limit) ELSE 0 END
                FROM user_redemptions WHERE campaign_id = \(campaignId) AND redemptions > 0
                ON CONFLICT (group_id, user_id) DO UPDATE SET
                    redemptions = g.redemptions + excluded.redemptions,
                    max_per_user = CASE WHEN \(limit) = 0 OR g.redemptions + excluded.redemptions <= \(limit)
                        THEN \(limit) ELSE 0 END
                """, logger: logger)
        }
    }

    static func readGroup(_ row: RowReader) throws -> Group {
        Group(
            id: try row.string(0), name: try row.string(1), maxPerUser: UInt32(clamping: try row.int64(2)),
            createdAtMs: try row.int64(3))
    }
}
