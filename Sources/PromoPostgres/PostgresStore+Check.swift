import PostgresNIO
import PromoDomain

/// What the raw rows say each maintained total should hold, in PostgreSQL's SQL: the same recomputation as
/// the SQLite store's `check` (ReportTotals, EffectTotals, BudgetSQL), table by table.
enum ExpectedTotals {
    static let hour = "redeemed_at_ms - redeemed_at_ms % 3600000"

    static let campaignCounts = """
        SELECT c.id,
            (SELECT count(*) FROM redemptions r WHERE r.campaign_id = c.id AND r.voided_at_ms IS NULL),
            (SELECT count(DISTINCT user_id) FROM redemptions r WHERE r.campaign_id = c.id AND r.voided_at_ms IS NULL)
        FROM campaigns c
        """
    static let campaignCodes = """
        SELECT c.id,
            (SELECT count(*) FROM codes k WHERE k.campaign_id = c.id AND \(notAutoEntry("k"))),
            (SELECT count(*) FROM codes k WHERE k.campaign_id = c.id AND k.uses > 0 AND \(notAutoEntry("k")))
        FROM campaigns c
        """
    /// Grouped, not correlated: one pass over redemptions instead of one index lookup per code.
    static let codeUses = """
        SELECT k.key, coalesce(u.n, 0) FROM codes k LEFT JOIN (
            SELECT code_key, count(*) AS n FROM redemptions WHERE voided_at_ms IS NULL GROUP BY code_key
        ) u ON u.code_key = k.key
        """
    static let userRedemptions = """
        SELECT campaign_id, user_id, count(*) FILTER (WHERE voided_at_ms IS NULL),
            coalesce(min(redeemed_at_ms) FILTER (WHERE voided_at_ms IS NULL), 0)
        FROM redemptions GROUP BY campaign_id, user_id
        """
    /// A campaign counts toward the group it is in now (moving it moves its players' counts).
    static let groupUserRedemptions = """
        SELECT c.group_id, r.user_id, count(*) FROM redemptions r JOIN campaigns c ON c.id = r.campaign_id
        WHERE c.group_id IS NOT NULL AND r.voided_at_ms IS NULL GROUP BY c.group_id, r.user_id
        """
    static let hours = """
        WITH firsts AS (
            SELECT campaign_id, min(redeemed_at_ms) - min(redeemed_at_ms) % 3600000 AS hour_ms
            FROM redemptions WHERE voided_at_ms IS NULL GROUP BY campaign_id, user_id),
        news AS (SELECT campaign_id, hour_ms, count(*) AS n FROM firsts GROUP BY campaign_id, hour_ms),
        hours AS (
            SELECT campaign_id, \(hour) AS hour_ms, count(*) AS redemptions, count(voided_at_ms) AS voided,
                coalesce(sum(reward_amount) FILTER (WHERE reward_kind = 'free_spins' AND voided_at_ms IS NULL), 0) AS spins,
                coalesce(sum(reward_amount) FILTER (WHERE reward_kind = 'loyalty_points' AND voided_at_ms IS NULL), 0) AS points
            FROM redemptions GROUP BY campaign_id, \(hour))
        SELECT h.campaign_id, h.hour_ms, h.redemptions, h.voided, coalesce(n.n, 0), h.spins, h.points
        FROM hours h LEFT JOIN news n ON n.campaign_id = h.campaign_id AND n.hour_ms = h.hour_ms
        """
    static let money = """
        SELECT campaign_id, \(hour), reward_currency, sum(reward_amount)
        FROM redemptions WHERE voided_at_ms IS NULL AND reward_kind IN ('bonus', 'deposit_match')
        GROUP BY campaign_id, \(hour), reward_currency
        """
    /// Standing redemptions per source, owner, ip and device (the user dimension counts failures only).
    static let dimensionHours = """
        SELECT campaign_id, 'source', source, \(hour), count(*)
            FROM redemptions WHERE voided_at_ms IS NULL AND source <> '' GROUP BY campaign_id, source, \(hour)
        UNION ALL
        SELECT r.campaign_id, 'owner', c.owner_id, r.redeemed_at_ms - r.redeemed_at_ms % 3600000, count(*)
            FROM redemptions r JOIN codes c ON c.key = r.code_key
            WHERE r.voided_at_ms IS NULL AND c.owner_id IS NOT NULL
            GROUP BY r.campaign_id, c.owner_id, r.redeemed_at_ms - r.redeemed_at_ms % 3600000
        UNION ALL
        SELECT campaign_id, 'ip', ip, \(hour), count(*)
            FROM redemptions WHERE voided_at_ms IS NULL AND ip <> '' GROUP BY campaign_id, ip, \(hour)
        UNION ALL
        SELECT campaign_id, 'device', device_id, \(hour), count(*)
            FROM redemptions WHERE voided_at_ms IS NULL AND device_id <> '' GROUP BY campaign_id, device_id, \(hour)
        """
    static let dimensions = """
        SELECT campaign_id, dimension, key, sum(redemptions), sum(failures) FROM campaign_dimension_hours
        GROUP BY campaign_id, dimension, key
        """
    static let deposits = """
        SELECT campaign_id, \(hour), deposit_currency, count(*), sum(deposit_minor)
        FROM redemptions WHERE voided_at_ms IS NULL AND deposit_minor > 0
        GROUP BY campaign_id, \(hour), deposit_currency
        """
    /// Each user's standing redemptions in time order; pairs of neighbours (step 1) and pairs two apart
    /// (step 2) counted by the hours of their ends.
    static let repeatPairs = """
        WITH standing AS (
            SELECT campaign_id, \(hour) AS hour,
                lead(redeemed_at_ms, 1) OVER w AS next1, lead(redeemed_at_ms, 2) OVER w AS next2
            FROM redemptions WHERE voided_at_ms IS NULL
            WINDOW w AS (PARTITION BY campaign_id, user_id ORDER BY redeemed_at_ms))
        SELECT campaign_id, 1::bigint, hour, next1 - next1 % 3600000, count(*) FROM standing
            WHERE next1 IS NOT NULL GROUP BY campaign_id, hour, next1 - next1 % 3600000
        UNION ALL
        SELECT campaign_id, 2::bigint, hour, next2 - next2 % 3600000, count(*) FROM standing
            WHERE next2 IS NOT NULL GROUP BY campaign_id, hour, next2 - next2 % 3600000
        """
    static let repeatUsers = """
        SELECT c.id, coalesce(r.n, 0) FROM campaigns c LEFT JOIN (
            SELECT campaign_id, count(*) AS n FROM (
                SELECT campaign_id FROM redemptions WHERE voided_at_ms IS NULL
                GROUP BY campaign_id, user_id HAVING count(*) >= 2) AS repeaters
            GROUP BY campaign_id) r ON r.campaign_id = c.id
        """

    /// (name, expected, maintained): every comparison `check` makes.
    static let comparisons: [(String, String, String)] = [
        ("campaigns.redemptions/unique_users", campaignCounts, "SELECT id, redemptions, unique_users FROM campaigns"),
        ("campaigns.codes_issued/codes_redeemed", campaignCodes, "SELECT id, codes_issued, codes_redeemed FROM campaigns"),
        ("codes.uses", codeUses, "SELECT key, uses FROM codes"),
        ("user_redemptions", userRedemptions, "SELECT campaign_id, user_id, redemptions, first_at_ms FROM user_redemptions"),
        (
            "group_user_redemptions", groupUserRedemptions,
            "SELECT group_id, user_id, redemptions FROM group_user_redemptions WHERE redemptions > 0"
        ),
        (
            "campaign_hours", hours,
            "SELECT campaign_id, hour_ms, redemptions, voided, new_users, free_spins, loyalty_points FROM campaign_hours"
        ),
        (
            "campaign_money_hours", money,
            "SELECT campaign_id, hour_ms, currency, amount_minor FROM campaign_money_hours WHERE amount_minor > 0"
        ),
        (
            "campaign_dimension_hours", dimensionHours,
            "SELECT campaign_id, dimension, key, hour_ms, redemptions FROM campaign_dimension_hours WHERE redemptions > 0"
        ),
        (
            "campaign_dimensions", dimensions,
            "SELECT campaign_id, dimension, key, redemptions, failures FROM campaign_dimensions"
        ),
        ("campaigns.budget_spent_minor", BudgetSQL.expectedSpent, "SELECT id, budget_spent_minor FROM campaigns"),
        (
            "reservations held past their limits",
            "SELECT id FROM campaigns WHERE max_redemptions > 0 AND redemptions > max_redemptions",
            "SELECT id FROM campaigns WHERE false"
        ),
        (
            "campaign_deposit_hours", deposits,
            "SELECT campaign_id, hour_ms, currency, deposits, amount_minor FROM campaign_deposit_hours WHERE deposits > 0 OR amount_minor > 0"
        ),
        (
            "campaign_repeat_pairs", repeatPairs,
            "SELECT campaign_id, step, from_hour_ms, to_hour_ms, pairs FROM campaign_repeat_pairs WHERE pairs > 0"
        ),
        ("campaigns.repeat_users", repeatUsers, "SELECT id, repeat_users FROM campaigns"),
    ]
}

extension PostgresStore {
    /// Every maintained total recomputed from the raw rows on one snapshot (REPEATABLE READ): what disagrees,
    /// one line per table, empty when all agree. (SQLite's integrity_check has no counterpart here: PostgreSQL
    /// checks its pages itself; `amcheck` is the operator's tool.)
    public func consistencyProblems() async throws -> [String] {
        try await transaction(.repeatableReadOnly) { connection in
            var problems: [String] = []
            for (name, expected, maintained) in ExpectedTotals.comparisons {
                let disagreeing = try await connection.firstRow(
                    """
                    SELECT (SELECT count(*) FROM ((\(unescaped: expected)) EXCEPT (\(unescaped: maintained))) AS missing)
                         + (SELECT count(*) FROM ((\(unescaped: maintained)) EXCEPT (\(unescaped: expected))) AS extra)
                    """, logger: self.logger
                ) { try $0.int64(0) } ?? 0
                if disagreeing > 0 { problems.append("\(name): \(disagreeing) row(s) disagree with the raw rows") }
            }
            return problems
        }
    }
}
