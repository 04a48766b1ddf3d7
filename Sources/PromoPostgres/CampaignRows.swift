import PostgresNIO
import PromoDomain

/// Campaign rows: the columns every read selects, and reading them back into domain values. Shared by the
/// back office and the hot path.
enum CampaignRows {
    static let columns = """
        id, name, kind, reward_kind, reward_amount, reward_currency, reward_percent, reward_cap_minor, reward_game_id,
        starts_at_ms, expires_at_ms, active, max_redemptions, max_per_user, segments, new_users_only,
        new_user_window_ms, min_deposit_minor, countries, min_vip_level, source, created_at_ms, redemptions,
        unique_users, codes_issued, codes_redeemed, group_id, auto_apply, budget_minor, budget_spent_minor
        """

    static func read(_ row: RowReader) throws -> (Campaign, CampaignCounters) {
        let reward = RewardColumns(
            kind: try row.string(3), amount: try row.int64(4), currency: try row.string(5),
            percent: UInt32(clamping: try row.int64(6)), capMinor: try row.int64(7), gameId: try row.string(8))
        let eligibility = Eligibility(
            segments: try row.strings(14), newUsersOnly: try row.bool(15), newUserWindowMs: try row.int64(16),
            minDepositMinor: try row.int64(17), countries: try row.strings(18),
            minVipLevel: UInt32(clamping: try row.int64(19)))
        let campaign = Campaign(
            id: try row.string(0), name: try row.string(1), kind: CampaignKind(rawValue: try row.string(2)) ?? .other,
            reward: reward.reward, startsAtMs: try row.int64(9), expiresAtMs: try row.int64(10), isActive: try row.bool(11),
            maxRedemptions: UInt64(clamping: try row.int64(12)), maxPerUser: UInt32(clamping: try row.int64(13)),
            eligibility: eligibility, source: try row.string(20), createdAtMs: try row.int64(21),
            groupId: try row.optionalString(26), autoApply: try row.bool(27), budgetMinor: try row.int64(28))
        let counters = CampaignCounters(
            redemptions: UInt64(clamping: try row.int64(22)), uniqueUsers: UInt64(clamping: try row.int64(23)),
            codesIssued: UInt64(clamping: try row.int64(24)), codesRedeemed: UInt64(clamping: try row.int64(25)),
            budgetSpentMinor: try row.int64(29))
        return (campaign, counters)
    }
}

/// SQL pieces about budgets, as in the SQLite store's `BudgetSQL`.
enum BudgetSQL {
    /// The budget unit of a row of `table` that has reward_kind and reward_currency columns.
    static func unit(_ table: String) -> String {
        """
        (CASE \(table).reward_kind WHEN 'free_spins' THEN 'spins' WHEN 'loyalty_points' THEN 'points' \
        ELSE \(table).reward_currency END)
        """
    }

    /// Every campaign's budget spend recomputed from the raw rows (standing redemptions and grants in its unit).
    static let expectedSpent = """
        SELECT c.id,
            (SELECT coalesce(sum(r.reward_amount), 0) FROM redemptions r
                WHERE r.campaign_id = c.id AND r.voided_at_ms IS NULL AND \(unit("r")) = \(unit("c")))
          + (SELECT coalesce(sum(g.reward_amount), 0) FROM grants g
                WHERE g.campaign_id = c.id AND g.voided_at_ms IS NULL AND \(unit("g")) = \(unit("c")))
        FROM campaigns c
        """
}
