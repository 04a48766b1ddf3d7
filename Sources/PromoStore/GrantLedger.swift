import PromoDomain

/// The SQL of campaign budgets: a row's cost counts against a campaign when it is in the campaign's budget
/// unit (the currency for money, "spins", "points"; see `Reward.budgetUnit`).
enum BudgetSQL {
    /// The budget unit of a row of `table` that has reward_kind and reward_currency columns.
    static func unit(_ table: String) -> String {
        """
        (CASE \(table).reward_kind WHEN 'free_spins' THEN 'spins' WHEN 'loyalty_points' THEN 'points' \
        ELSE \(table).reward_currency END)
        """
    }

    /// What the standing redemptions of the campaign row `campaigns` cost in its unit.
    static func spentFromRedemptions(_ campaigns: String) -> String {
        """
        (SELECT coalesce(sum(r.reward_amount), 0) FROM redemptions r
            WHERE r.campaign_id = \(campaigns).id AND r.voided_at_ms IS NULL AND \(unit("r")) = \(unit(campaigns)))
        """
    }

    /// What the standing grants naming the campaign row `campaigns` cost in its unit.
    static func spentFromGrants(_ campaigns: String) -> String {
        """
        (SELECT coalesce(sum(g.reward_amount), 0) FROM grants g
            WHERE g.campaign_id = \(campaigns).id AND g.voided_at_ms IS NULL AND \(unit("g")) = \(unit(campaigns)))
        """
    }

    /// Every campaign's budget spend recomputed from the raw rows, for `check`.
    static let expectedSpent =
        "SELECT c.id, \(spentFromRedemptions("c")) + \(spentFromGrants("c")) FROM campaigns c"
}

private let grantColumns = """
    id, coalesce(campaign_id, ''), '', user_id, 'grant', reward_kind, reward_amount, reward_currency, 0, 0,
    reward_game_id, granted_at_ms, voided_at_ms, void_reason, 1, reason, granted_by
    """

extension Connection {
    /// Records a manual credit. Run it inside the writer's transaction: the budget check and the spend see one
    /// state. Throws `DomainError` for a refusal (unknown campaign, a reward outside the campaign's budget
    /// unit, an exhausted budget, an idempotency key reused with other parameters).
    public func grant(_ command: GrantCommand) throws -> GrantResult {
        let idempotencyKey = command.idempotencyKey.flatMap { $0.isEmpty ? nil : $0 }
        let fingerprint = Self.fingerprint(command)
        if let idempotencyKey {
            let earlier = try statement("SELECT id, fingerprint FROM grants WHERE granted_by = ? AND idempotency_key = ?")
            try earlier.bind(1, command.apiKeyId)
            try earlier.bind(2, idempotencyKey)
            if let (id, earlierFingerprint) = try earlier.firstRow({ ($0.string(0), $0.string(1)) }) {
                guard earlierFingerprint == fingerprint else {
                    throw DomainError(.failedPrecondition, "idempotency_key was used before with different parameters")
                }
                guard let grant = try grantRecord(id: id) else { throw StoreError(.sqlite, "grant \(id) vanished") }
                return GrantResult(grant: grant, replayed: true)
            }
        }
        // A disqualified player gets nothing, by code or by hand (checked after the replay: an earlier grant stands).
        if let block = try blockInForce(userId: command.user.userId, campaignId: command.campaignId, nowMs: command.nowMs) {
            let scope = block.campaignId.map { "campaign \($0)" } ?? "every campaign"
            throw DomainError(
                .failedPrecondition, "user \(command.user.userId) is blocked from \(scope) (block \(block.id)): \(block.reason)")
        }
        let reward = RewardColumns(command.reward)
        var cost: Int64 = 0
        if let campaignId = command.campaignId {
            guard let (campaign, counters) = try campaign(id: campaignId) else {
                throw DomainError(.notFound, "campaign \(campaignId) does not exist")
            }
            let unit = command.reward.budgetUnit
            if unit == campaign.reward.budgetUnit {
                cost = reward.amount
            } else if campaign.budgetMinor > 0 {
                throw DomainError(
                    .invalidArgument,
                    "reward: campaign \(campaignId) budgets in \(campaign.reward.budgetUnit), the grant is in \(unit)")
            }
            guard campaign.budgetAdmits(cost: cost, spent: counters.budgetSpentMinor) else {
                throw DomainError(
                    .failedPrecondition,
                    "budget exhausted: campaign \(campaignId) has \(campaign.budgetRemaining(spent: counters.budgetSpentMinor)) "
                        + "\(campaign.reward.budgetUnit) of its budget left, the grant costs \(cost)")
            }
        }
        let insert = try statement(
            """
            INSERT INTO grants (id, user_id, campaign_id, reward_kind, reward_amount, reward_currency, reward_game_id,
                reason, granted_by, idempotency_key, fingerprint, granted_at_ms)
            VALUES (\(placeholders(12)))
            """)
        try insert.bind(1, command.newGrantId)
        try insert.bind(2, command.user.userId)
        try insert.bind(3, command.campaignId)
        try insert.bind(4, reward.kind)
        try insert.bind(5, reward.amount)
        try insert.bind(6, reward.currency)
        try insert.bind(7, reward.gameId)
        try insert.bind(8, command.reason)
        try insert.bind(9, command.apiKeyId)
        try insert.bind(10, idempotencyKey)
        try insert.bind(11, fingerprint)
        try insert.bind(12, command.nowMs)
        try insert.run()
        if let campaignId = command.campaignId, cost != 0 {
            try addBudgetSpent(campaignId: campaignId, unit: command.reward.budgetUnit, delta: cost)
        }
        let grant = Redemption(
            id: command.newGrantId, campaignId: command.campaignId ?? "", codeDisplay: "",
            userId: command.user.userId, source: grantSource,
            reward: GrantedReward(
                kind: reward.kind, amount: reward.amount, currency: reward.currency, percent: 0, capMinor: 0,
                gameId: reward.gameId),
            redeemedAtMs: command.nowMs, isGrant: true, reason: command.reason, grantedBy: command.apiKeyId)
        return GrantResult(grant: grant, replayed: false)
    }

    /// Writes a grant off: the row stays with its time and reason, the campaign's budget gets the amount back.
    func voidGrant(_ grant: Redemption, reason: String, nowMs: Int64) throws -> Redemption {
        guard grant.voidedAtMs == nil else {
            throw DomainError(.failedPrecondition, "grant \(grant.id) is already written off")
        }
        let void = try statement("UPDATE grants SET voided_at_ms = ?, void_reason = ? WHERE id = ?")
        try void.bind(1, nowMs)
        try void.bind(2, reason)
        try void.bind(3, grant.id)
        try void.run()
        if !grant.campaignId.isEmpty, grant.reward.amount != 0 {
            try addBudgetSpent(
                campaignId: grant.campaignId, unit: Self.budgetUnit(grant.reward), delta: -grant.reward.amount)
        }
        var written = grant
        written.voidedAtMs = nowMs
        written.voidReason = reason
        return written
    }

    /// Moves the campaign's budget spend by `delta` when `unit` is the campaign's budget unit now (a reward in
    /// another unit never counted). The column's CHECK refuses the commit if this passed the budget.
    func addBudgetSpent(campaignId: String, unit: String, delta: Int64) throws(StoreError) {
        let update = try statement(addBudgetSpentSQL)
        try update.bind(1, campaignId)
        try update.bind(2, delta)
        try update.bind(3, unit)
        try update.run()
    }

    /// What the campaign's standing redemptions and grants cost in the unit of `reward`: the spend the
    /// campaign would have with that reward. Scans the campaign's rows: for a change of reward unit only.
    public func budgetSpent(campaignId: String, reward: Reward) throws(StoreError) -> Int64 {
        let select = try statement(
            """
            SELECT (SELECT coalesce(sum(reward_amount), 0) FROM redemptions r
                        WHERE campaign_id = ?1 AND voided_at_ms IS NULL AND \(BudgetSQL.unit("r")) = ?2)
                 + (SELECT coalesce(sum(reward_amount), 0) FROM grants g
                        WHERE campaign_id = ?1 AND voided_at_ms IS NULL AND \(BudgetSQL.unit("g")) = ?2)
            """)
        try select.bind(1, campaignId)
        try select.bind(2, reward.budgetUnit)
        return try select.firstRow { $0.int64(0) } ?? 0
    }

    /// Sets the campaign's budget spend (after a change of its reward unit, with `budgetSpent`).
    public func setBudgetSpent(campaignId: String, spent: Int64) throws(StoreError) {
        let update = try statement("UPDATE campaigns SET budget_spent_minor = ?2 WHERE id = ?1")
        try update.bind(1, campaignId)
        try update.bind(2, spent)
        try update.run()
    }

    /// The grant with this id, or nil.
    public func grantRecord(id: String) throws(StoreError) -> Redemption? {
        let select = try statement("SELECT \(grantColumns) FROM grants WHERE id = ?")
        try select.bind(1, id)
        return try select.firstRow { readHistoryRow($0) }
    }

    /// Standing grants naming the campaign in [from, to), for the report's source `grant`.
    func standingGrants(campaignId: String, from: Int64, to: Int64) throws(StoreError) -> UInt64 {
        let select = try statement(
            """
            SELECT count(*) FROM grants INDEXED BY grants_by_campaign
            WHERE campaign_id = ? AND granted_at_ms >= ? AND granted_at_ms < ? AND voided_at_ms IS NULL
            """)
        try select.bind(1, campaignId)
        try select.bind(2, from)
        try select.bind(3, to)
        return UInt64(clamping: try select.firstRow { $0.int64(0) } ?? 0)
    }

    /// A user's redemptions and grants, newest first, after `cursor`.
    func history(userId: String, after cursor: RedemptionCursor?, limit: Int) throws(StoreError) -> [Redemption] {
        let select = try statement(historySQL)
        try select.bind(1, userId)
        try select.bind(2, cursor?.redeemedAtMs ?? Int64.max)
        try select.bind(3, cursor?.id ?? "\u{10FFFF}")
        try select.bind(4, limit)
        var result: [Redemption] = []
        while try select.step() { result.append(readHistoryRow(select)) }
        return result
    }

    /// Reads a row of `historyColumns` or `grantColumns`.
    func readHistoryRow(_ row: Statement) -> Redemption {
        Redemption(
            id: row.string(0), campaignId: row.string(1), codeDisplay: row.string(2), userId: row.string(3),
            source: row.string(4),
            reward: GrantedReward(
                kind: row.string(5), amount: row.int64(6), currency: row.string(7),
                percent: UInt32(clamping: row.int64(8)), capMinor: row.int64(9), gameId: row.string(10)),
            redeemedAtMs: row.int64(11), voidedAtMs: row.optionalInt64(12), voidReason: row.optionalString(13),
            isGrant: row.bool(14), reason: row.string(15), grantedBy: row.string(16))
    }

    static func budgetUnit(_ reward: GrantedReward) -> String {
        switch reward.kind {
        case RewardKind.freeSpins.rawValue: "spins"
        case RewardKind.loyaltyPoints.rawValue: "points"
        default: reward.currency
        }
    }

    private static func fingerprint(_ command: GrantCommand) -> String {
        let reward = RewardColumns(command.reward)
        return [
            command.user.userId, reward.kind, String(reward.amount), reward.currency, reward.gameId, command.reason,
            command.campaignId ?? "",
        ].joined(separator: "\u{1F}")
    }
}

/// The source a grant shows under, in the report and the history.
public let grantSource = "grant"

private let addBudgetSpentSQL = """
    UPDATE campaigns SET budget_spent_minor = budget_spent_minor + ?2
    WHERE id = ?1 AND \(BudgetSQL.unit("campaigns")) = ?3
    """

private let historySQL = """
    SELECT * FROM (
        SELECT id, campaign_id, code_display, user_id, source, reward_kind, reward_amount, reward_currency,
            reward_percent, reward_cap_minor, reward_game_id, redeemed_at_ms, voided_at_ms, void_reason, 0, '', ''
        FROM redemptions WHERE user_id = ?1 AND (redeemed_at_ms, id) < (?2, ?3)
        ORDER BY redeemed_at_ms DESC, id DESC LIMIT ?4)
    UNION ALL
    SELECT * FROM (
        SELECT \(grantColumns) FROM grants WHERE user_id = ?1 AND (granted_at_ms, id) < (?2, ?3)
        ORDER BY granted_at_ms DESC, id DESC LIMIT ?4)
    ORDER BY 12 DESC, 1 DESC LIMIT ?4
    """
