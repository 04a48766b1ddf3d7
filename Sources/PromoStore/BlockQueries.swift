import PromoDomain

private let blockColumns = "id, user_id, reason, until_ms, campaign_id, created_at_ms, created_by"

// Looked up on every validate and redeem: built once (see `statement(_:)`). The (user_id, campaign_id) key
// answers it with at most two index probes.
private let blockInForceSQL = """
    SELECT \(blockColumns) FROM user_blocks
    WHERE user_id = ?1 AND campaign_id IN ('', ?2) AND (until_ms = 0 OR until_ms > ?3)
    ORDER BY campaign_id LIMIT 1
    """

extension Connection {
    /// The block in force at `nowMs` that keeps `userId` from `campaignId` (a global block first; nil
    /// `campaignId`: only a global block counts), or nil. This is what grants call to refuse a blocked user.
    public func blockInForce(userId: String, campaignId: String?, nowMs: Int64) throws(StoreError) -> UserBlock? {
        let select = try statement(blockInForceSQL)
        try select.bind(1, userId)
        try select.bind(2, campaignId ?? "")
        try select.bind(3, nowMs)
        return try select.firstRow { readBlock($0) }
    }

    /// Every block row of `userId` (global and per campaign, in force or ended), at most `limit`: what the
    /// validate view keeps of a player.
    func blockRows(userId: String, limit: Int) throws(StoreError) -> [UserBlock] {
        let select = try statement("SELECT \(blockColumns) FROM user_blocks WHERE user_id = ? LIMIT ?")
        try select.bind(1, userId)
        try select.bind(2, limit)
        var result: [UserBlock] = []
        while try select.step() { result.append(readBlock(select)) }
        return result
    }

    /// True when a block in force keeps `userId` from `campaignId` (see `blockInForce`).
    public func isBlocked(userId: String, campaignId: String?, nowMs: Int64) throws(StoreError) -> Bool {
        try blockInForce(userId: userId, campaignId: campaignId, nowMs: nowMs) != nil
    }

    /// Blocks `block.userId` from `block.campaignId`, replacing an earlier block of the same pair (the
    /// answer names the block now in force, `replaced` whether there was one). First deletes a few blocks
    /// that have ended, so ended blocks do not pile up; the caller bounds the rest with `blockCount`.
    public func putBlock(_ block: UserBlock, nowMs: Int64) throws(StoreError) -> (block: UserBlock, replaced: Bool) {
        let purge = try statement(
            """
            DELETE FROM user_blocks WHERE id IN (
                SELECT id FROM user_blocks INDEXED BY user_blocks_by_end WHERE until_ms > 0 AND until_ms <= ? LIMIT 16)
            """)
        try purge.bind(1, nowMs)
        try purge.run()
        let existing = try statement("SELECT id FROM user_blocks WHERE user_id = ? AND campaign_id = ?")
        try existing.bind(1, block.userId)
        try existing.bind(2, block.campaignId ?? "")
        let replaced = try existing.firstRow { $0.string(0) } != nil
        let upsert = try statement(
            """
            INSERT INTO user_blocks (\(blockColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            ON CONFLICT (user_id, campaign_id) DO UPDATE SET id = ?1, reason = ?3, until_ms = ?4, created_at_ms = ?6,
                created_by = ?7
            """)
        try upsert.bind(1, block.id)
        try upsert.bind(2, block.userId)
        try upsert.bind(3, block.reason)
        try upsert.bind(4, block.untilMs)
        try upsert.bind(5, block.campaignId ?? "")
        try upsert.bind(6, block.createdAtMs)
        try upsert.bind(7, block.createdBy)
        try upsert.run()
        return (block, replaced)
    }

    /// Rows in user_blocks (in force or ended but not yet purged).
    public func blockCount() throws(StoreError) -> Int {
        try statement("SELECT count(*) FROM user_blocks").firstRow { $0.int(0) } ?? 0
    }

    /// Lifts the block of (`userId`, `campaignId`; nil: the global one). Returns how many were removed (0 or 1).
    public func deleteBlock(userId: String, campaignId: String?) throws(StoreError) -> UInt64 {
        let delete = try statement("DELETE FROM user_blocks WHERE user_id = ? AND campaign_id = ?")
        try delete.bind(1, userId)
        try delete.bind(2, campaignId ?? "")
        try delete.run()
        return UInt64(clamping: changes)
    }

    /// Blocks in force at `nowMs`, newest first, after `cursor`: an index range of user_blocks_by_creation.
    public func blocks(after cursor: BlockCursor?, limit: Int, nowMs: Int64) throws(StoreError) -> [UserBlock] {
        let select = try statement(
            """
            SELECT \(blockColumns) FROM user_blocks INDEXED BY user_blocks_by_creation
            WHERE (created_at_ms, id) < (?1, ?2) AND (until_ms = 0 OR until_ms > ?3)
            ORDER BY created_at_ms DESC, id DESC LIMIT ?4
            """)
        try select.bind(1, cursor?.createdAtMs ?? Int64.max)
        try select.bind(2, cursor?.id ?? "\u{10FFFF}")
        try select.bind(3, nowMs)
        try select.bind(4, limit)
        var result: [UserBlock] = []
        while try select.step() { result.append(readBlock(select)) }
        return result
    }

    private func readBlock(_ row: Statement) -> UserBlock {
        let campaignId = row.string(4)
        return UserBlock(
            id: row.string(0), userId: row.string(1), reason: row.string(2), untilMs: row.int64(3),
            campaignId: campaignId.isEmpty ? nil : campaignId, createdAtMs: row.int64(5), createdBy: row.string(6))
    }
}

extension Connection {
    /// Switches the next `limit` codes of a batch or a campaign after code row `afterId` (0: from the first)
    /// to `active`, those not already so, never an auto-apply campaign's entry. Returns how many changed and
    /// where the next chunk starts (nil: none is left). A chunk is one range of codes_by_batch or
    /// codes_by_campaign in row order, so the writer is held for `limit` rows at most whatever the size, and
    /// the whole switch reads each row once.
    public func setCodesActive(batchId: String?, campaignId: String?, active: Bool, afterId: Int64, limit: Int)
        throws(StoreError) -> (changed: Int, nextAfterId: Int64?)
    {
        let scope = batchId != nil
            ? "batch = (SELECT number FROM code_batches WHERE id = ?1)"
            : "campaign = (SELECT number FROM campaigns WHERE id = ?1)"
        let window = try statement(
            """
            SELECT count(*), coalesce(max(id), 0) FROM (
                SELECT id FROM codes WHERE \(scope) AND id > ?2 ORDER BY id LIMIT ?3)
            """)
        try window.bind(1, batchId ?? campaignId ?? "")
        try window.bind(2, afterId)
        try window.bind(3, limit)
        let (rows, lastId) = try window.firstRow { ($0.int(0), $0.int64(1)) } ?? (0, 0)
        guard rows > 0 else { return (0, nil) }
        let update = try statement(
            """
            UPDATE codes AS k SET active = ?4 WHERE \(scope) AND id > ?2 AND id <= ?3 AND active <> ?4 AND \(notAutoEntry)
            """)
        try update.bind(1, batchId ?? campaignId ?? "")
        try update.bind(2, afterId)
        try update.bind(3, lastId)
        try update.bind(4, active)
        try update.run()
        return (changes, rows < limit ? nil : lastId)
    }

    /// True when a batch with this id exists.
    public func batchExists(id: String) throws(StoreError) -> Bool {
        let select = try statement("SELECT 1 FROM code_batches WHERE id = ?")
        try select.bind(1, id)
        return try select.firstRow { $0.int(0) } != nil
    }
}
