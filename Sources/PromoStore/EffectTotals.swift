import PromoDomain

/// How `CampaignEffect` is kept (the domain type's comment says what it holds):
///
/// Repeat users stay exact for any range of whole hours without reading raw rows. Take one user's standing
/// redemptions of the campaign in time order, t1 ≤ t2 ≤ … ≤ tk, and let m be how many fall in a range. The
/// pairs of neighbours (ti, ti+1) that both fall in it number max(m − 1, 0), and the pairs two apart
/// (ti, ti+2) max(m − 2, 0); their difference is 1 exactly when m ≥ 2. Since the sequence is sorted, a pair
/// lies in [from, to) exactly when its first element is at or after `from` and its last before `to`. So
/// `campaign_repeat_pairs` counts both kinds of pairs by (hour of the first, hour of the last), and the
/// repeat users of a range are the step-1 pairs minus the step-2 pairs whose first hour is in the range and
/// last hour before its end. A redemption or a void changes at most eight pairs, found with two lookups of
/// the user's neighbours (an index on the standing redemptions by campaign, user and time). Only hours
/// matter, and the hours of a sorted sequence do not depend on how ties are ordered, so any consistent
/// split of equal times works. The whole campaign reads the maintained `campaigns.repeat_users` instead.
///
/// The SQL that says what the effectiveness totals should hold, from the raw rows: for the upgrade that
/// builds them (migration 11) and for `check`.
enum EffectTotals {
    static let expectedDeposits = """
        SELECT campaign_id, redeemed_at_ms - redeemed_at_ms % 3600000 AS hour, deposit_currency, count(*), sum(deposit_minor)
        FROM redemptions WHERE voided_at_ms IS NULL AND deposit_minor > 0
        GROUP BY campaign_id, hour, deposit_currency
        """
    /// Each user's standing redemptions in time order; pairs of neighbours (step 1) and pairs two apart (step 2)
    /// counted by the hours of their ends.
    static let expectedPairs = """
        WITH standing AS (
            SELECT campaign_id, redeemed_at_ms - redeemed_at_ms % 3600000 AS hour,
                lead(redeemed_at_ms, 1) OVER w AS next1, lead(redeemed_at_ms, 2) OVER w AS next2
            FROM redemptions WHERE voided_at_ms IS NULL
            WINDOW w AS (PARTITION BY campaign_id, user_id ORDER BY redeemed_at_ms))
        SELECT campaign_id, 1, hour, next1 - next1 % 3600000 AS last, count(*) FROM standing
            WHERE next1 IS NOT NULL GROUP BY campaign_id, hour, last
        UNION ALL
        SELECT campaign_id, 2, hour, next2 - next2 % 3600000 AS last, count(*) FROM standing
            WHERE next2 IS NOT NULL GROUP BY campaign_id, hour, last
        """
    static let expectedRepeatUsers = """
        SELECT c.id, coalesce(r.n, 0) FROM campaigns c LEFT JOIN (
            SELECT campaign_id, count(*) AS n FROM (
                SELECT campaign_id FROM redemptions WHERE voided_at_ms IS NULL
                GROUP BY campaign_id, user_id HAVING count(*) >= 2)
            GROUP BY campaign_id) r ON r.campaign_id = c.id
        """

    /// Migration 11: the tables, the index the neighbour lookups use, and the totals of the rows already there.
    static let migrationSQL = """
        CREATE TABLE campaign_deposit_hours (
            campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
            hour_ms       INTEGER NOT NULL,
            currency      TEXT NOT NULL,
            deposits      INTEGER NOT NULL CHECK (deposits >= 0),
            amount_minor  INTEGER NOT NULL CHECK (amount_minor >= 0),
            PRIMARY KEY (campaign_id, hour_ms, currency)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE campaign_repeat_pairs (
            campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
            from_hour_ms  INTEGER NOT NULL,
            to_hour_ms    INTEGER NOT NULL,
            step          INTEGER NOT NULL CHECK (step IN (1, 2)),
            pairs         INTEGER NOT NULL CHECK (pairs >= 0),
            PRIMARY KEY (campaign_id, from_hour_ms, to_hour_ms, step)
        ) STRICT, WITHOUT ROWID;
        ALTER TABLE campaigns ADD COLUMN repeat_users INTEGER NOT NULL DEFAULT 0 CHECK (repeat_users >= 0);
        CREATE INDEX redemptions_standing_by_user ON redemptions(campaign_id, user_id, redeemed_at_ms)
            WHERE voided_at_ms IS NULL;
        INSERT INTO campaign_deposit_hours (campaign_id, hour_ms, currency, deposits, amount_minor) \(expectedDeposits);
        INSERT INTO campaign_repeat_pairs (campaign_id, step, from_hour_ms, to_hour_ms, pairs) \(expectedPairs);
        UPDATE campaigns SET repeat_users = (SELECT count(*) FROM user_redemptions u
            WHERE u.campaign_id = campaigns.id AND u.redemptions >= 2);
        """
}

// Hot-path SQL built once (`statement(_:)` looks statements up by their text).
private let redemptionDeposit = "SELECT rowid, deposit_minor, deposit_currency FROM redemptions WHERE id = ?"
private let standingBefore = """
    SELECT redeemed_at_ms, rowid FROM redemptions INDEXED BY redemptions_standing_by_user
    WHERE campaign_id = ?1 AND user_id = ?2 AND voided_at_ms IS NULL AND redeemed_at_ms <= ?3
    ORDER BY redeemed_at_ms DESC LIMIT 3
    """
private let standingAfter = """
    SELECT redeemed_at_ms FROM redemptions INDEXED BY redemptions_standing_by_user
    WHERE campaign_id = ?1 AND user_id = ?2 AND voided_at_ms IS NULL AND redeemed_at_ms > ?3
    ORDER BY redeemed_at_ms LIMIT 2
    """

/// A redemption's rowid and deposit, which its effectiveness totals need.
struct RedemptionDeposit {
    var rowid: Int64
    var depositMinor: Int64
    var currency: String
}

extension Connection {
    /// Adds to `totals` how the effectiveness totals move for redemption `redemption` (`delta` +1, after its
    /// row is inserted) or its void (`delta` -1, after its row is marked voided). `newUser`: it is the user's
    /// only standing redemption of the campaign, so it has no neighbours to look up. `deposit`: nil to read it
    /// from the row.
    func addEffectTotals(
        redemption: Redemption, newUser: Bool, delta: Int64, deposit known: RedemptionDeposit?, to totals: inout TotalsDelta
    ) throws(StoreError) {
        let deposit: RedemptionDeposit
        if let known {
            deposit = known
        } else {
            let row = try statement(redemptionDeposit)
            try row.bind(1, redemption.id)
            guard let found = try row.firstRow({ RedemptionDeposit(rowid: $0.int64(0), depositMinor: $0.int64(1), currency: $0.string(2)) })
            else { throw StoreError(.sqlite, "redemption \(redemption.id) has no row") }
            deposit = found
        }
        let hour = hourStart(redemption.redeemedAtMs)
        if deposit.depositMinor > 0 {
            let key = TotalsDelta.Currency(campaignId: redemption.campaignId, hourMs: hour, currency: deposit.currency)
            var move = totals.deposits[key] ?? TotalsDelta.Deposits()
            move.deposits += delta
            move.amountMinor = saturatingSum(move.amountMinor, delta > 0 ? deposit.depositMinor : -deposit.depositMinor)
            totals.deposits[key] = move
        }
        if delta > 0 && newUser { return }
        try addRepeatPairs(redemption: redemption, rowid: deposit.rowid, hour: hour, delta: delta, to: &totals)
    }

    /// Inserting a redemption at hour h between the user's other standing redemptions … p2 p1 | n1 n2 …
    /// replaces the neighbours (p1, n1) by (p1, h) and (h, n1), and the pairs two apart (p2, n1) and (p1, n2)
    /// by (p2, h), (p1, n1) and (h, n2). A void is the same with the signs turned.
    private func addRepeatPairs(
        redemption: Redemption, rowid: Int64, hour: Int64, delta: Int64, to totals: inout TotalsDelta
    ) throws(StoreError) {
        let before = try statement(standingBefore)
        try before.bind(1, redemption.campaignId)
        try before.bind(2, redemption.userId)
        try before.bind(3, redemption.redeemedAtMs)
        var previous: [Int64] = []  // p1, p2: nearest first
        while previous.count < 2, try before.step() {
            if before.int64(1) != rowid { previous.append(hourStart(before.int64(0))) }
        }
        before.reset()
        let after = try statement(standingAfter)
        try after.bind(1, redemption.campaignId)
        try after.bind(2, redemption.userId)
        try after.bind(3, redemption.redeemedAtMs)
        var next: [Int64] = []  // n1, n2: nearest first
        while try after.step() { next.append(hourStart(after.int64(0))) }

        // Exactly one other standing redemption: the user has just become (or stopped being) a repeat user.
        if previous.count + next.count == 1 { totals.repeatUsers[redemption.campaignId, default: 0] += delta }
        let p1 = previous.first, p2 = previous.count > 1 ? previous[1] : nil
        let n1 = next.first, n2 = next.count > 1 ? next[1] : nil
        func move(_ from: Int64?, _ to: Int64?, step: Int64, _ sign: Int64) {
            guard let from, let to else { return }
            let key = TotalsDelta.Pair(campaignId: redemption.campaignId, fromHourMs: from, toHourMs: to, step: step)
            totals.pairs[key, default: 0] += sign * delta
        }
        move(p1, n1, step: 1, -1)
        move(p1, hour, step: 1, 1)
        move(hour, n1, step: 1, 1)
        move(p2, n1, step: 2, -1)
        move(p1, n2, step: 2, -1)
        move(p2, hour, step: 2, 1)
        move(p1, n1, step: 2, 1)
        move(hour, n2, step: 2, 1)
    }

    /// The effectiveness figures of [from, to) (whole hours); `wholeCampaign`: the range covers all of it.
    func campaignEffect(campaignId: String, from: Int64, to: Int64, wholeCampaign: Bool) throws(StoreError) -> CampaignEffect {
        try flushPendingTotals()
        var effect = CampaignEffect()
        let deposits = try statement(
            """
            SELECT currency, deposits, amount_minor FROM campaign_deposit_hours
            WHERE campaign_id = ?1 AND hour_ms >= ?2 AND hour_ms < ?3 ORDER BY currency
            """)
        try deposits.bind(1, campaignId)
        try deposits.bind(2, from)
        try deposits.bind(3, to)
        // Summed here, saturating, as the reward totals are.
        while try deposits.step() {
            let (currency, count, amount) = (deposits.string(0), UInt64(clamping: deposits.int64(1)), max(0, deposits.int64(2)))
            if effect.deposits.last?.currency == currency {
                let last = effect.deposits.count - 1
                effect.deposits[last].deposits = saturatingSum(effect.deposits[last].deposits, count)
                effect.deposits[last].amountMinor = saturatingSum(effect.deposits[last].amountMinor, amount)
            } else {
                effect.deposits.append(.init(currency: currency, amountMinor: amount, deposits: count))
            }
        }
        effect.deposits.removeAll { $0.deposits == 0 && $0.amountMinor == 0 }

        if wholeCampaign {
            let counter = try statement("SELECT repeat_users FROM campaigns WHERE id = ?")
            try counter.bind(1, campaignId)
            effect.repeatUsers = UInt64(clamping: try counter.firstRow { $0.int64(0) } ?? 0)
        } else {
            let pairs = try statement(
                """
                SELECT coalesce(sum(CASE step WHEN 1 THEN pairs ELSE -pairs END), 0) FROM campaign_repeat_pairs
                WHERE campaign_id = ?1 AND from_hour_ms >= ?2 AND from_hour_ms < ?3 AND to_hour_ms < ?3
                """)
            try pairs.bind(1, campaignId)
            try pairs.bind(2, from)
            try pairs.bind(3, to)
            effect.repeatUsers = UInt64(clamping: try pairs.firstRow { $0.int64(0) } ?? 0)
        }
        return effect
    }

    /// The effectiveness totals against the raw rows: one line per table that disagrees.
    func effectConsistencyProblems() throws(StoreError) -> [String] {
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
            "campaign_deposit_hours", expected: EffectTotals.expectedDeposits,
            maintained: "SELECT campaign_id, hour_ms, currency, deposits, amount_minor FROM campaign_deposit_hours WHERE deposits > 0 OR amount_minor > 0")
        try mismatches(
            "campaign_repeat_pairs", expected: EffectTotals.expectedPairs,
            maintained: "SELECT campaign_id, step, from_hour_ms, to_hour_ms, pairs FROM campaign_repeat_pairs WHERE pairs > 0")
        try mismatches(
            "campaigns.repeat_users", expected: EffectTotals.expectedRepeatUsers, maintained: "SELECT id, repeat_users FROM campaigns")
        return problems
    }
}
