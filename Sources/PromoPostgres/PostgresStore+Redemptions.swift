import PostgresNIO
import PromoDomain

// The redemption side of `PromoStorage` on PostgreSQL, around the hot path. Writes take the campaign's row lock
// first (as redeem does), then any advisory key (`HotPathLocks`); reads that must see one state run at
// REPEATABLE READ.

extension PostgresStore: RedemptionStorage {
    public func explain(
        _ request: RedemptionRequest, now: @escaping @Sendable () -> Int64,
        isRateLimited: @escaping @Sendable (Int64) -> Bool
    ) async throws -> CheckResult {
        try await transaction(.repeatableReadOnly) { connection in
            let nowMs = now()
            let inputs = try await RedemptionInputs.read(
                request, nowMs: nowMs, idempotency: nil, on: connection, logger: self.logger)
            var check = inputs.check
            // Locked out here or by any server of the cluster (the windows are shared).
            check.isRateLimited = isRateLimited(nowMs)
                || (inputs.userWindow?.isLockedOut(nowMs: nowMs) ?? false)
                || (!request.user.ip.isEmpty && (inputs.ipWindow?.isLockedOut(nowMs: nowMs) ?? false))
            let explanation = check.explain()
            return CheckResult(
                outcome: explanation.outcome, code: check.code, campaign: check.campaign, group: check.group,
                checks: explanation.checks)
        }
    }

    public func offers(
        user: UserContext, deposit: Deposit, limit: Int, now: @escaping @Sendable () -> Int64,
        isRateLimited: @escaping @Sendable (Int64) -> Bool
    ) async throws -> [OfferResult] {
        try await transaction(.repeatableReadOnly) { connection in
            let nowMs = now()
            let campaigns = try await connection.rows(
                """
                SELECT \(unescaped: CampaignRows.columns) FROM campaigns
                WHERE auto_apply AND active AND starts_at_ms <= \(nowMs) AND (expires_at_ms = 0 OR expires_at_ms > \(nowMs))
                ORDER BY created_at_ms, id LIMIT \(Int64(max(0, limit)))
                """, logger: self.logger
            ) { try CampaignRows.read($0) }
            let rateLimited = isRateLimited(nowMs)
            var ok: [OfferResult] = []
            var refused: [OfferResult] = []
            for (campaign, counters) in campaigns {
                let request = RedemptionRequest(code: "", user: user, deposit: deposit, campaignId: campaign.id)
                let inputs = try await RedemptionInputs.read(
                    request, nowMs: nowMs, idempotency: nil, on: connection, logger: self.logger)
                // Without its entry row (it is made with the campaign) the campaign cannot be redeemed either.
                guard inputs.check.campaign != nil else { continue }
                var check = inputs.check
                check.isRateLimited = rateLimited || (inputs.userWindow?.isLockedOut(nowMs: nowMs) ?? false)
                    || (!user.ip.isEmpty && (inputs.ipWindow?.isLockedOut(nowMs: nowMs) ?? false))
                let result = CheckResult(
                    outcome: check.evaluate(), code: check.code, campaign: check.campaign, group: check.group)
                let offer = OfferResult(campaign: campaign, counters: counters, result: result)
                if result.outcome.verdict == .ok { ok.append(offer) } else { refused.append(offer) }
            }
            return ok + refused
        }
    }

    public func grant(
        _ command: GrantCommand, now: @escaping @Sendable () -> Int64,
        audit: @escaping @Sendable (GrantResult, Int64) -> AuditEntry
    ) async throws -> GrantResult {
        try await transaction { connection in
            var command = command
            let logger = self.logger
            let idempotencyKey = command.idempotencyKey.flatMap { $0.isEmpty ? nil : $0 }
            // Campaign row first, then the key: the order every hot-path writer takes them in.
            var campaign: (Campaign, CampaignCounters)?
            if let campaignId = command.campaignId {
                campaign = try await connection.firstRow(
                    "SELECT \(unescaped: CampaignRows.columns) FROM campaigns WHERE id = \(campaignId) FOR UPDATE",
                    logger: logger
                ) { try CampaignRows.read($0) }
            }
            if let idempotencyKey {
                // Two servers given the same key at once take turns; the second finds the first's grant.
                try await connection.execute(
                    "SELECT promo_lock_keys(\([HotPathLocks.idempotency(apiKeyId: command.apiKeyId, key: "grant\u{1F}" + idempotencyKey)]))",
                    logger: logger)
            }
            command.nowMs = now()
            let fingerprint = Self.grantFingerprint(command)
            if let idempotencyKey,
                let (id, earlierFingerprint) = try await connection.firstRow(
                    "SELECT id, fingerprint FROM grants WHERE granted_by = \(command.apiKeyId) AND idempotency_key = \(idempotencyKey)",
                    logger: logger, { (try $0.string(0), try $0.string(1)) })
            {
                guard earlierFingerprint == fingerprint else {
                    throw DomainError(.failedPrecondition, "idempotency_key was used before with different parameters")
                }
                guard let grant = try await Self.grantRecord(id: id, on: connection, logger: logger) else {
                    throw StoreError(.engine, "grant \(id) vanished")
                }
                return GrantResult(grant: grant, replayed: true)
            }
            // A disqualified player gets nothing, by code or by hand (checked after the replay: an earlier grant stands).
            if let block = try await Self.blockInForce(
                userId: command.user.userId, campaignId: command.campaignId, nowMs: command.nowMs, on: connection,
                logger: logger)
            {
                let scope = block.campaignId.map { "campaign \($0)" } ?? "every campaign"
                throw DomainError(
                    .failedPrecondition,
                    "user \(command.user.userId) is blocked from \(scope) (block \(block.id)): \(block.reason)")
            }
            let reward = RewardColumns(command.reward)
            var cost: Int64 = 0
            if let campaignId = command.campaignId {
                guard let (campaign, counters) = campaign else {
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
            try await connection.execute(
                """
                INSERT INTO grants (id, user_id, campaign_id, reward_kind, reward_amount, reward_currency, reward_game_id,
                    reason, granted_by, idempotency_key, fingerprint, granted_at_ms)
                VALUES (\(command.newGrantId), \(command.user.userId), \(command.campaignId), \(reward.kind),
                    \(reward.amount), \(reward.currency), \(reward.gameId), \(command.reason), \(command.apiKeyId),
                    \(idempotencyKey), \(fingerprint), \(command.nowMs))
                """, logger: logger)
            if let campaignId = command.campaignId, cost != 0 {
                try await connection.execute(
                    "UPDATE campaigns SET budget_spent_minor = budget_spent_minor + \(cost) WHERE id = \(campaignId)",
                    logger: logger)
            }
            let grant = Redemption(
                id: command.newGrantId, campaignId: command.campaignId ?? "", codeDisplay: "",
                userId: command.user.userId, source: "grant",
                reward: GrantedReward(
                    kind: reward.kind, amount: reward.amount, currency: reward.currency, percent: 0, capMinor: 0,
                    gameId: reward.gameId),
                redeemedAtMs: command.nowMs, isGrant: true, reason: command.reason, grantedBy: command.apiKeyId)
            let result = GrantResult(grant: grant, replayed: false)
            try await self.appendAudit(audit(result, command.nowMs), on: connection)
            return result
        }
    }

    public func voidRedemption(
        id: String, reason: String, now: @escaping @Sendable () -> Int64,
        audit: @escaping @Sendable (Redemption, Int64) -> AuditEntry
    ) async throws -> Redemption {
        try await transaction { connection in
            let logger = self.logger
            // The campaign's row lock first, as redeem takes it: the counts a void gives back are the ones a
            // concurrent redeem of the campaign judges on.
            let campaignId = try await connection.firstRow(
                "SELECT campaign_id FROM redemptions WHERE id = \(id)", logger: logger
            ) { try $0.string(0) }
            guard let campaignId else {
                guard let grant = try await Self.grantRecord(id: id, on: connection, logger: logger) else {
                    throw DomainError(.notFound, "redemption \(id) does not exist")
                }
                let voided = try await Self.writeOffGrant(grant, reason: reason, nowMs: now(), on: connection, logger: logger)
                try await self.appendAudit(audit(voided.0, voided.1), on: connection)
                return voided.0
            }
            try await connection.execute(
                "SELECT id FROM campaigns WHERE id = \(campaignId) FOR UPDATE", logger: logger)
            let nowMs = now()
            let voided = try await connection.firstRow(
                "SELECT promo_void_redemption(\(id), \(reason), \(nowMs))", logger: logger
            ) { try $0.bool(0) } ?? false
            guard voided else { throw DomainError(.failedPrecondition, "redemption \(id) is already voided") }
            guard
                let redemption = try await connection.firstRow(
                    "SELECT \(unescaped: RedemptionRow.columns) FROM redemptions WHERE id = \(id)", logger: logger,
                    RedemptionRow.read)
            else { throw StoreError(.engine, "redemption \(id) vanished") }
            try await self.appendAudit(audit(redemption, nowMs), on: connection)
            return redemption
        }
    }

    public func redemptions(userId: String, after cursor: RedemptionCursor?, limit: Int) async throws -> [Redemption] {
        try await transaction(.repeatableReadOnly) { connection in
            try await connection.rows(
                """
                SELECT * FROM (
                    (SELECT id, campaign_id, code_display, user_id, source, reward_kind, reward_amount, reward_currency,
                        reward_percent, reward_cap_minor, reward_game_id, redeemed_at_ms, voided_at_ms, void_reason,
                        false AS is_grant, '' AS reason, '' AS granted_by
                     FROM redemptions WHERE user_id = \(userId)
                        AND (redeemed_at_ms, id) < (\(cursor?.redeemedAtMs ?? Int64.max), \(cursor?.id ?? "\u{10FFFF}"))
                     ORDER BY redeemed_at_ms DESC, id DESC LIMIT \(Int64(limit)))
                    UNION ALL
                    (SELECT \(unescaped: grantColumns) FROM grants WHERE user_id = \(userId)
                        AND (granted_at_ms, id) < (\(cursor?.redeemedAtMs ?? Int64.max), \(cursor?.id ?? "\u{10FFFF}"))
                     ORDER BY granted_at_ms DESC, id DESC LIMIT \(Int64(limit)))
                ) AS history ORDER BY 12 DESC, 1 DESC LIMIT \(Int64(limit))
                """, logger: self.logger, Self.readHistoryRow)
        }
    }

    public func recordFailures(_ events: [FailureEvent], sliceRows: Int) async throws {
        let sliceRows = max(1, sliceRows)
        var firstError: (any Error)?
        // Each slice its own short transaction, so redeems of the same campaigns wait for one slice at most.
        for start in stride(from: 0, to: events.count, by: sliceRows) {
            let slice = Array(events[start..<min(events.count, start + sliceRows)])
            do {
                try await transaction { connection in
                    // The campaigns' row locks first, in id order, as a redeem batch takes them: a batch and a
                    // slice that touch the same totals then take turns rather than deadlock on them.
                    try await connection.execute(
                        """
                        SELECT id FROM campaigns WHERE id = ANY(\(Array(Set(slice.map(\.campaignId))).sorted()))
                        ORDER BY id FOR UPDATE
                        """, logger: self.logger)
                    try await connection.execute(
                        """
                        SELECT promo_record_failure(e.c, e.v, e.t, e.i, e.d, e.u, \(Int64(self.configuration.dimensionKeysPerHourMax)))
                        FROM unnest(\(slice.map(\.campaignId)), \(slice.map(\.verdict.rawValue)), \(slice.map(\.atMs)),
                            \(slice.map(\.ip)), \(slice.map(\.deviceId)), \(slice.map(\.userId))) AS e(c, v, t, i, d, u)
                        """, logger: self.logger)
                }
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }

    // MARK: - Pieces

    static func grantRecord(id: String, on connection: PostgresConnection, logger: Logger) async throws -> Redemption? {
        try await connection.firstRow(
            "SELECT \(unescaped: grantColumns) FROM grants WHERE id = \(id)", logger: logger, readHistoryRow)
    }

    /// Writes a grant off: the row stays with its time and reason, the campaign's budget gets the amount back.
    static func writeOffGrant(
        _ grant: Redemption, reason: String, nowMs: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws -> (Redemption, Int64) {
        guard grant.voidedAtMs == nil else {
            throw DomainError(.failedPrecondition, "grant \(grant.id) is already written off")
        }
        if !grant.campaignId.isEmpty {
            try await connection.execute(
                "SELECT id FROM campaigns WHERE id = \(grant.campaignId) FOR UPDATE", logger: logger)
        }
        let written = try await connection.firstRow(
            """
            UPDATE grants SET voided_at_ms = \(nowMs), void_reason = \(reason) WHERE id = \(grant.id) AND voided_at_ms IS NULL
            RETURNING id
            """, logger: logger
        ) { try $0.string(0) }
        guard written != nil else { throw DomainError(.failedPrecondition, "grant \(grant.id) is already written off") }
        if !grant.campaignId.isEmpty, grant.reward.amount != 0 {
            try await connection.execute(
                """
                UPDATE campaigns SET budget_spent_minor = budget_spent_minor - \(grant.reward.amount)
                WHERE id = \(grant.campaignId) AND \(unescaped: budgetUnitSQL) = \(budgetUnit(grant.reward))
                """, logger: logger)
        }
        var voided = grant
        voided.voidedAtMs = nowMs
        voided.voidReason = reason
        return (voided, nowMs)
    }

    static func blockInForce(
        userId: String, campaignId: String?, nowMs: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws -> UserBlock? {
        try await connection.firstRow(
            """
            SELECT id, user_id, reason, until_ms, campaign_id, created_at_ms, created_by FROM user_blocks
            WHERE user_id = \(userId) AND campaign_id IN ('', \(campaignId ?? "")) AND (until_ms = 0 OR until_ms > \(nowMs))
            ORDER BY campaign_id LIMIT 1
            """, logger: logger
        ) { row in
            let campaign = try row.string(4)
            return UserBlock(
                id: try row.string(0), userId: try row.string(1), reason: try row.string(2), untilMs: try row.int64(3),
                campaignId: campaign.isEmpty ? nil : campaign, createdAtMs: try row.int64(5), createdBy: try row.string(6))
        }
    }

    /// Reads a row of the history's columns or `grantColumns`.
    static func readHistoryRow(_ row: RowReader) throws -> Redemption {
        Redemption(
            id: try row.string(0), campaignId: try row.string(1), codeDisplay: try row.string(2),
            userId: try row.string(3), source: try row.string(4),
            reward: GrantedReward(
                kind: try row.string(5), amount: try row.int64(6), currency: try row.string(7),
                percent: UInt32(clamping: try row.int64(8)), capMinor: try row.int64(9), gameId: try row.string(10)),
            redeemedAtMs: try row.int64(11), voidedAtMs: try row.optionalInt64(12), voidReason: try row.optionalString(13),
            isGrant: try row.bool(14), reason: try row.string(15), grantedBy: try row.string(16))
    }

    static func budgetUnit(_ reward: GrantedReward) -> String {
        switch reward.kind {
        case RewardKind.freeSpins.rawValue: "spins"
        case RewardKind.loyaltyPoints.rawValue: "points"
        default: reward.currency
        }
    }

    /// The SQLite store's fingerprint of a grant, character for character (records moved by `migrate` keep
    /// answering replays).
    static func grantFingerprint(_ command: GrantCommand) -> String {
        let reward = RewardColumns(command.reward)
        return [
            command.user.userId, reward.kind, String(reward.amount), reward.currency, reward.gameId, command.reason,
            command.campaignId ?? "",
        ].joined(separator: "\u{1F}")
    }
}

/// A grant as a history row (the columns `readHistoryRow` reads).
private let grantColumns = """
    id, coalesce(campaign_id, ''), '', user_id, 'grant', reward_kind, reward_amount, reward_currency, 0::bigint,
    0::bigint, reward_game_id, granted_at_ms, voided_at_ms, void_reason, true, reason, granted_by
    """

/// The budget unit of a campaign row.
private let budgetUnitSQL = """
    (CASE reward_kind WHEN 'free_spins' THEN 'spins' WHEN 'loyalty_points' THEN 'points' ELSE reward_currency END)
    """
