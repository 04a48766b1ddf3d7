import PromoDomain

let hourMs: Int64 = 3_600_000

func hourStart(_ ms: Int64) -> Int64 { ms - ((ms % hourMs) + hourMs) % hourMs }

/// The maintained report totals: how each redemption, void and failure moves them, how to rebuild them from
/// the raw rows, and the check that they agree.
enum ReportTotals {
    /// What the raw rows say each maintained table should hold (failures have no raw rows: they are counts
    /// only). Used to build the tables on upgrade and to check them.
    static let expectedHours = """
        WITH firsts AS (
            SELECT campaign_id, min(redeemed_at_ms) - min(redeemed_at_ms) % 3600000 AS hour_ms
            FROM redemptions WHERE voided_at_ms IS NULL GROUP BY campaign_id, user_id),
        news AS (SELECT campaign_id, hour_ms, count(*) AS n FROM firsts GROUP BY campaign_id, hour_ms)
        SELECT r.campaign_id, r.redeemed_at_ms - r.redeemed_at_ms % 3600000 AS hour,
            count(*), count(r.voided_at_ms),
            coalesce((SELECT n FROM news WHERE news.campaign_id = r.campaign_id
                AND news.hour_ms = r.redeemed_at_ms - r.redeemed_at_ms % 3600000), 0),
            coalesce(sum(CASE WHEN r.reward_kind = 'free_spins' AND r.voided_at_ms IS NULL THEN r.reward_amount END), 0),
            coalesce(sum(CASE WHEN r.reward_kind = 'loyalty_points' AND r.voided_at_ms IS NULL THEN r.reward_amount END), 0)
        FROM redemptions r GROUP BY r.campaign_id, hour
        """
    static let expectedMoney = """
        SELECT campaign_id, redeemed_at_ms - redeemed_at_ms % 3600000 AS hour, reward_currency, sum(reward_amount)
        FROM redemptions WHERE voided_at_ms IS NULL AND reward_kind IN ('bonus', 'deposit_match')
        GROUP BY campaign_id, hour, reward_currency
        """
    static let expectedDimensionHours = """
        SELECT campaign_id, 'source', source, redeemed_at_ms - redeemed_at_ms % 3600000 AS hour, count(*)
            FROM redemptions WHERE voided_at_ms IS NULL AND source <> '' GROUP BY campaign_id, source, hour
        UNION ALL
        SELECT r.campaign_id, 'owner', c.owner_id, r.redeemed_at_ms - r.redeemed_at_ms % 3600000 AS hour, count(*)
            FROM redemptions r JOIN codes c ON c.key = r.code_key
            WHERE r.voided_at_ms IS NULL AND c.owner_id IS NOT NULL GROUP BY r.campaign_id, c.owner_id, hour
        UNION ALL
        SELECT campaign_id, 'ip', ip, redeemed_at_ms - redeemed_at_ms % 3600000 AS hour, count(*)
            FROM redemptions WHERE voided_at_ms IS NULL AND ip <> '' GROUP BY campaign_id, ip, hour
        UNION ALL
        SELECT campaign_id, 'device', device_id, redeemed_at_ms - redeemed_at_ms % 3600000 AS hour, count(*)
            FROM redemptions WHERE voided_at_ms IS NULL AND device_id <> '' GROUP BY campaign_id, device_id, hour
        """
    /// Migration 4 also counted the standing redemptions of each user by hour. Since migration 6 the user
    /// dimension holds failures only (user_redemptions already has each user's standing redemptions, and the
    /// range reports count them from the raw rows), but step 4 must still read as it shipped.
    static let step4UserDimensionHours = """
        UNION ALL
        SELECT campaign_id, 'user', user_id, redeemed_at_ms - redeemed_at_ms % 3600000 AS hour, count(*)
            FROM redemptions WHERE voided_at_ms IS NULL GROUP BY campaign_id, user_id, hour
        """

    /// Rebuilds every maintained redemption total from the raw rows (failure counts are kept).
    static let rebuildSQL = rebuild(dimensionHours: expectedDimensionHours)
    /// The rebuild exactly as migration 4 shipped it, user dimension included (migration 6 clears that again).
    static let step4RebuildSQL = rebuild(dimensionHours: expectedDimensionHours + "\n" + step4UserDimensionHours)

    private static func rebuild(dimensionHours: String) -> String {
        """
        DELETE FROM campaign_hours;
        INSERT INTO campaign_hours (campaign_id, hour_ms, redemptions, voided, new_users, free_spins, loyalty_points)
            \(expectedHours);
        DELETE FROM campaign_money_hours;
        INSERT INTO campaign_money_hours (campaign_id, hour_ms, currency, amount_minor) \(expectedMoney);
        UPDATE campaign_dimension_hours SET redemptions = 0;
        INSERT INTO campaign_dimension_hours (campaign_id, dimension, key, hour_ms, redemptions)
            SELECT * FROM (\(dimensionHours)) WHERE true
            ON CONFLICT (campaign_id, dimension, hour_ms, key) DO UPDATE SET redemptions = excluded.redemptions;
        DELETE FROM campaign_dimensions;
        INSERT INTO campaign_dimensions (campaign_id, dimension, key, redemptions, failures)
            SELECT campaign_id, dimension, key, sum(redemptions), sum(failures) FROM campaign_dimension_hours
            GROUP BY campaign_id, dimension, key;
        """
    }
}

/// The report key failed attempts are counted under once a campaign's hour tracks `dimensionKeysPerHourMax`
/// keys of a dimension. Empty: real IPs, devices and users are never counted under an empty key.
public let otherDimensionKey = ""

extension Connection {
    /// Moves the totals for one redemption (`delta` +1) or its void (`delta` -1). `deposit`: the redemption's
    /// rowid and deposit when the caller knows them (it just inserted the row); read from the row otherwise.
    /// `extra`: further moves of the same redemption (a void's first-time user moving hours), sent along.
    func applyRedemptionTotals(
        campaignId: String, ownerId: String?, redemption: Redemption, ip: String, deviceId: String, newUser: Bool,
        delta: Int64, deposit: RedemptionDeposit? = nil, extra: TotalsDelta = TotalsDelta()
    ) throws(StoreError) {
        var totals = extra
        let hour = hourStart(redemption.redeemedAtMs)
        let reward = redemption.reward
        let spins = reward.kind == RewardKind.freeSpins.rawValue ? reward.amount : 0
        let points = reward.kind == RewardKind.loyaltyPoints.rawValue ? reward.amount : 0
        // A redemption counts in its hour and adds its rewards; a void stays counted, is counted as voided, and
        // its rewards stop counting.
        var counts = TotalsDelta.HourCounts()
        if delta > 0 {
            counts.redemptions = 1
            counts.newUsers = newUser ? 1 : 0
            counts.freeSpins = spins
            counts.loyaltyPoints = points
        } else {
            counts.voided = 1
            counts.freeSpins = -spins
            counts.loyaltyPoints = -points
        }
        totals.hours[TotalsDelta.Hour(campaignId: campaignId, hourMs: hour), default: .init()].add(counts)
        if reward.kind == RewardKind.bonus.rawValue || reward.kind == RewardKind.depositMatch.rawValue {
            let key = TotalsDelta.Currency(campaignId: campaignId, hourMs: hour, currency: reward.currency)
            totals.money[key] = saturatingSum(totals.money[key] ?? 0, delta > 0 ? reward.amount : -reward.amount)
        }
        // Not "user": user_redemptions already counts each user's standing redemptions (the top users are read
        // from it and from the raw rows), and two more upserts per redemption cost the single writer ~20 %.
        for (dimension, key) in [
            ("source", redemption.source), ("owner", ownerId ?? ""), ("ip", ip), ("device", deviceId),
        ] where !key.isEmpty {
            let row = TotalsDelta.Dimension(campaignId: campaignId, dimension: dimension, key: key, hourMs: hour)
            totals.dimensions[row, default: 0] += delta
        }
        try addEffectTotals(redemption: redemption, newUser: newUser, delta: delta, deposit: deposit, to: &totals)
        try moveTotals(totals)
    }

    /// Adds failed attempts to the totals (by verdict, and by ip, device and user for the abuse signals).
    /// Counted only in report tables: covered for the validate view, which holds none of them.
    public func recordFailures(_ events: [FailureEvent]) throws(StoreError) {
        try coveringViewChanges { () throws(StoreError) in try recordFailureRows(events) }
    }

    private func recordFailureRows(_ events: [FailureEvent]) throws(StoreError) {
        // `trackedFailureKey` counts the keys each hour already tracks, redemptions' keys included.
        try flushPendingTotals()
        let failures = try statement(
            """
            INSERT INTO campaign_failure_hours (campaign_id, hour_ms, verdict, failures) VALUES (?1, ?2, ?3, 1)
            ON CONFLICT (campaign_id, hour_ms, verdict) DO UPDATE SET failures = failures + 1
            """)
        for event in events {
            guard try campaign(id: event.campaignId) != nil else { continue }  // deleted meanwhile: nothing to count
            let hour = hourStart(event.atMs)
            try failures.bind(1, event.campaignId)
            try failures.bind(2, hour)
            try failures.bind(3, event.verdict.rawValue)
            try failures.run()
            failures.reset()
            for (dimension, key) in [("ip", event.ip), ("device", event.deviceId), ("user", event.userId)] where !key.isEmpty {
                let tracked = try trackedFailureKey(campaignId: event.campaignId, dimension: dimension, key: key, hour: hour)
                try bumpDimension(campaignId: event.campaignId, dimension: dimension, key: tracked, hour: hour, redemptions: 0, failures: 1)
            }
        }
    }

    /// The key a failed attempt is counted under: its own, when the campaign's hour already tracks it or
    /// tracks fewer than `dimensionKeysPerHourMax` keys of that dimension; otherwise `otherDimensionKey`.
    ///
    /// Failed attempts leave no raw row, so without this bound a guesser who invents a new IP, device or user
    /// per attempt would add rows faster than any redemption does. Redemptions are never capped: each has
    /// its raw row anyway, and the consistency check compares the dimension rows with them.
    private func trackedFailureKey(campaignId: String, dimension: String, key: String, hour: Int64) throws(StoreError)
        -> String
    {
        let select = try statement(
            """
            SELECT EXISTS (SELECT 1 FROM campaign_dimension_hours
                           WHERE campaign_id = ?1 AND dimension = ?2 AND hour_ms = ?3 AND key = ?4),
                   (SELECT count(*) FROM (SELECT 1 FROM campaign_dimension_hours
                           WHERE campaign_id = ?1 AND dimension = ?2 AND hour_ms = ?3 LIMIT ?5))
            """)
        try select.bind(1, campaignId)
        try select.bind(2, dimension)
        try select.bind(3, hour)
        try select.bind(4, key)
        try select.bind(5, dimensionKeysPerHourMax)
        guard let (known, count) = try select.firstRow({ ($0.bool(0), $0.int(1)) }) else { return key }
        return known || count < dimensionKeysPerHourMax ? key : otherDimensionKey
    }

    private func bumpDimension(
        campaignId: String, dimension: String, key: String, hour: Int64, redemptions: Int64, failures: Int64
    ) throws(StoreError) {
        let hourly = try statement(
            """
            INSERT INTO campaign_dimension_hours (campaign_id, dimension, key, hour_ms, redemptions, failures)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            ON CONFLICT (campaign_id, dimension, hour_ms, key) DO UPDATE SET
                redemptions = redemptions + ?5, failures = failures + ?6
            """)
        try hourly.bind(1, campaignId)
        try hourly.bind(2, dimension)
        try hourly.bind(3, key)
        try hourly.bind(4, hour)
        try hourly.bind(5, redemptions)
        try hourly.bind(6, failures)
        try hourly.run()
        let total = try statement(
            """
            INSERT INTO campaign_dimensions (campaign_id, dimension, key, redemptions, failures) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (campaign_id, dimension, key) DO UPDATE SET
                redemptions = redemptions + ?4, failures = failures + ?5
            """)
        try total.bind(1, campaignId)
        try total.bind(2, dimension)
        try total.bind(3, key)
        try total.bind(4, redemptions)
        try total.bind(5, failures)
        try total.run()
    }

    /// Recomputes every maintained total from the raw rows and lists each disagreement (empty when all agree).
    public func consistencyProblems() throws(StoreError) -> [String] {
        try flushPendingTotals()
        var problems: [String] = []
        func mismatches(_ name: String, expected: String, maintained: String) throws(StoreError) {
            let count = try statement(
                """
                SELECT (SELECT count(*) FROM (SELECT * FROM (\(expected)) EXCEPT SELECT * FROM (\(maintained))))
                     + (SELECT count(*) FROM (SELECT * FROM (\(maintained)) EXCEPT SELECT * FROM (\(expected))))
                """
            ).firstRow { $0.int64(0) } ?? 0
            if count > 0 { problems.append("\(name): \(count) row(s) disagree with the raw rows") }
        }
        try mismatches(
            "campaigns.redemptions/unique_users",
            expected: """
                SELECT c.id, (SELECT count(*) FROM redemptions r WHERE r.campaign_id = c.id AND r.voided_at_ms IS NULL),
                    (SELECT count(DISTINCT user_id) FROM redemptions r WHERE r.campaign_id = c.id AND r.voided_at_ms IS NULL)
                FROM campaigns c
                """,
            maintained: "SELECT id, redemptions, unique_users FROM campaigns")
        try mismatches(
            "campaigns.codes_issued/codes_redeemed",
            expected: """
                SELECT c.id, (SELECT count(*) FROM codes k WHERE k.campaign = c.number AND \(notAutoEntry)),
                    (SELECT count(*) FROM codes k WHERE k.campaign = c.number AND k.uses > 0 AND \(notAutoEntry))
                FROM campaigns c
                """,
            maintained: "SELECT id, codes_issued, codes_redeemed FROM campaigns")
        try mismatches(
            "codes.uses",
            // Grouped, not correlated: one pass over redemptions instead of one index lookup per code.
            expected: """
                SELECT k.key, coalesce(u.n, 0) FROM codes k LEFT JOIN (
                    SELECT code_key, count(*) AS n FROM redemptions WHERE voided_at_ms IS NULL GROUP BY code_key
                ) u ON u.code_key = k.key
                """,
            maintained: "SELECT key, uses FROM codes")
        try mismatches(
            "user_redemptions",
            expected: """
                SELECT campaign_id, user_id, count(voided_at_ms IS NULL OR NULL),
                    coalesce(min(CASE WHEN voided_at_ms IS NULL THEN redeemed_at_ms END), 0)
                FROM redemptions GROUP BY campaign_id, user_id
                """,
            maintained: "SELECT campaign_id, user_id, redemptions, first_at_ms FROM user_redemptions")
        try mismatches(
            "group_user_redemptions",
            // A campaign counts toward the group it is in now (moving it moves its players' counts).
            expected: """
                SELECT c.group_id, r.user_id, count(*) FROM redemptions r JOIN campaigns c ON c.id = r.campaign_id
                WHERE c.group_id IS NOT NULL AND r.voided_at_ms IS NULL GROUP BY c.group_id, r.user_id
                """,
            maintained: "SELECT group_id, user_id, redemptions FROM group_user_redemptions WHERE redemptions > 0")
        try mismatches(
            "campaign_hours", expected: ReportTotals.expectedHours,
            maintained: "SELECT campaign_id, hour_ms, redemptions, voided, new_users, free_spins, loyalty_points FROM campaign_hours")
        try mismatches(
            "campaign_money_hours", expected: ReportTotals.expectedMoney,
            maintained: "SELECT campaign_id, hour_ms, currency, amount_minor FROM campaign_money_hours WHERE amount_minor > 0")
        try mismatches(
            "campaign_dimension_hours", expected: ReportTotals.expectedDimensionHours,
            maintained: "SELECT campaign_id, dimension, key, hour_ms, redemptions FROM campaign_dimension_hours WHERE redemptions > 0")
        try mismatches(
            "campaign_dimensions",
            expected: "SELECT campaign_id, dimension, key, sum(redemptions), sum(failures) FROM campaign_dimension_hours GROUP BY campaign_id, dimension, key",
            maintained: "SELECT campaign_id, dimension, key, redemptions, failures FROM campaign_dimensions")
        try mismatches(
            "campaigns.budget_spent_minor", expected: BudgetSQL.expectedSpent,
            maintained: "SELECT id, budget_spent_minor FROM campaigns")
        try mismatches(
            "reservations held past their limits",
            expected: "SELECT id FROM campaigns WHERE max_redemptions > 0 AND redemptions > max_redemptions",
            maintained: "SELECT id FROM campaigns WHERE 0")
        problems += try effectConsistencyProblems()
        let integrity = try statement("PRAGMA integrity_check").firstRow { $0.string(0) } ?? "no answer"
        if integrity != "ok" { problems.append("integrity_check: \(integrity)") }
        return problems
    }
}

/// An auto-apply campaign's entry (`CodeText.autoEntry`) is a row of `codes` but not one of its codes: it is
/// left out of codes_issued and codes_redeemed.
let notAutoEntry = "substr(k.key, 1, \(CodeText.autoEntryPrefix.utf8.count)) <> '\(CodeText.autoEntryPrefix)'"
