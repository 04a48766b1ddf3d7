import PromoDomain

private let groupColumns = "id, name, max_per_user, created_at_ms"
/// Built once: a redemption in a grouped campaign looks its group up by this text (see `statement(_:)`).
private let groupById = "SELECT \(groupColumns) FROM campaign_groups WHERE id = ?"

extension Connection {
    public func insertGroup(_ group: Group) throws(StoreError) {
        let insert = try statement("INSERT INTO campaign_groups (\(groupColumns)) VALUES (?, ?, ?, ?)")
        try insert.bind(1, group.id)
        try insert.bind(2, group.name)
        try insert.bind(3, Int64(group.maxPerUser))
        try insert.bind(4, group.createdAtMs)
        try insert.run()
    }

    /// Rewrites the name and the limit. The players' counters keep the limit copied at their last increment,
    /// so lowering the limit below a player's count is allowed and only refuses that player's next redemption.
    public func updateGroup(_ group: Group) throws(StoreError) -> Bool {
        let update = try statement("UPDATE campaign_groups SET name = ?2, max_per_user = ?3 WHERE id = ?1")
        try update.bind(1, group.id)
        try update.bind(2, group.name)
        try update.bind(3, Int64(group.maxPerUser))
        try update.run()
        return changes == 1
    }

    public func group(id: String) throws(StoreError) -> Group? {
        let select = try statement(groupById)
        try select.bind(1, id)
        return try select.firstRow { readGroup($0) }
    }

    /// Groups in creation order, after `cursor`.
    public func groups(after cursor: GroupCursor?, limit: Int) throws(StoreError) -> [Group] {
        let select = try statement(
            """
            SELECT \(groupColumns) FROM campaign_groups WHERE (created_at_ms, id) > (?1, ?2)
            ORDER BY created_at_ms, id LIMIT ?3
            """)
        try select.bind(1, cursor?.createdAtMs ?? Int64.min)
        try select.bind(2, cursor?.id ?? "")
        try select.bind(3, limit)
        var result: [Group] = []
        while try select.step() { result.append(readGroup(select)) }
        return result
    }

    /// Moves the players' standing redemptions of `campaignId` from the group `from` to the group `to` (either
    /// nil for none), so the group counters keep counting each campaign toward the group it is in now. Run it
    /// in the same transaction as the campaign's update. A player may end up above the new group's limit
    /// (they keep what they hold, like after a lowered limit): such a row takes 0 as its copy of the limit
    /// until their next redemption, which the rules refuse anyway.
    public func moveGroupCounts(campaignId: String, from: Group?, to: Group?) throws(StoreError) {
        guard from?.id != to?.id else { return }
        if let from {
            let leave = try statement(
                """
                UPDATE group_user_redemptions SET redemptions = redemptions - (
                    SELECT u.redemptions FROM user_redemptions u
                    WHERE u.campaign_id = ?1 AND u.user_id = group_user_redemptions.user_id)
                WHERE group_id = ?2 AND user_id IN (
                    SELECT user_id FROM user_redemptions WHERE campaign_id = ?1 AND redemptions > 0)
                """)
            try leave.bind(1, campaignId)
            try leave.bind(2, from.id)
            try leave.run()
        }
        if let to {
            let join = try statement(
                """
                INSERT INTO group_user_redemptions (group_id, user_id, redemptions, max_per_user)
                SELECT ?2, user_id, redemptions, CASE WHEN ?3 = 0 OR redemptions <= ?3 THEN ?3 ELSE 0 END
                FROM user_redemptions WHERE campaign_id = ?1 AND redemptions > 0
                ON CONFLICT (group_id, user_id) DO UPDATE SET
                    redemptions = redemptions + excluded.redemptions,
                    max_per_user = CASE WHEN ?3 = 0 OR redemptions + excluded.redemptions <= ?3 THEN ?3 ELSE 0 END
                """)
            try join.bind(1, campaignId)
            try join.bind(2, to.id)
            try join.bind(3, Int64(to.maxPerUser))
            try join.run()
        }
    }

    private func readGroup(_ row: Statement) -> Group {
        Group(
            id: row.string(0), name: row.string(1), maxPerUser: UInt32(clamping: row.int64(2)),
            createdAtMs: row.int64(3))
    }
}
