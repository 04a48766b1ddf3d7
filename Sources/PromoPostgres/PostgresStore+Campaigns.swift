import PostgresNIO
import PromoDomain

extension PostgresStore: CampaignStorage {
    public func createCampaign(_ campaign: Campaign, sharedCode: PromoCode?, audit: AuditEntry) async throws {
        try await transaction { connection in
            if let groupId = campaign.groupId, try await self.group(id: groupId, on: connection, lock: true) == nil {
                throw StoreError(.notFound, "campaign.group_id: group \(groupId) does not exist")
            }
            do {
                try await self.insertCampaign(campaign, on: connection)
            } catch where PostgresErrorMapping.sqlState(of: error) == "23505" {
                throw StoreError(.alreadyExists, "campaign \(campaign.id) already exists")
            }
            if let sharedCode {
                // ON CONFLICT instead of catching 23505: an error would abort the whole transaction.
                let inserted = try await connection.countRows(
                    """
                    INSERT INTO codes (key, display, campaign_id, max_uses, uses, active, owner_id, batch_id, created_at_ms)
                    VALUES (\(sharedCode.code.key), \(sharedCode.code.display), \(sharedCode.campaignId),
                        \(Int64(clamping: sharedCode.maxUses)), \(Int64(clamping: sharedCode.uses)), \(sharedCode.isActive),
                        \(sharedCode.ownerId), \(sharedCode.batchId), \(sharedCode.createdAtMs))
                    ON CONFLICT (key) DO NOTHING RETURNING 1
                    """, logger: self.logger
                )
                guard inserted > 0 else {
                    throw StoreError(.alreadyExists, "code \(sharedCode.code.display) already exists")
                }
                try await connection.execute(
                    "UPDATE campaigns SET codes_issued = codes_issued + 1 WHERE id = \(sharedCode.campaignId)",
                    logger: self.logger)
            }
            try await self.appendAudit(audit, on: connection)
        }
    }

    public func updateCampaign(
        id campaignId: String, audit: AuditEntry, _ change: @escaping @Sendable (Campaign) throws -> Campaign
    ) async throws -> (Campaign, CampaignCounters) {
        try await transaction { connection in
            // The row lock holds off redeems of this campaign on every server until the change commits, so the
            // limits checked here are the ones the next redeem meets.
            guard let (current, counters) = try await self.campaign(id: campaignId, on: connection, lock: true) else {
                throw StoreError(.notFound, "campaign \(campaignId) does not exist")
            }
            let updated = try change(current)
            if updated.maxRedemptions != 0 && updated.maxRedemptions < counters.redemptions {
                throw StoreError(
                    .failedPrecondition,
                    "max_redemptions \(updated.maxRedemptions) is below the \(counters.redemptions) redemptions already made")
            }
            if updated.groupId != current.groupId {
                var joined: Group?
                if let id = updated.groupId {
                    guard let group = try await self.group(id: id, on: connection, lock: true) else {
                        throw StoreError(.notFound, "campaign.group_id: group \(id) does not exist")
                    }
                    joined = group
                }
                var left: Group?
                if let id = current.groupId { left = try await self.group(id: id, on: connection, lock: true) }
                try await self.moveGroupCounts(campaignId: campaignId, from: left, to: joined, on: connection)
            }
            // The spend counts in the budget's unit: a reward in another unit counts it again from the raw rows.
            var stats = counters
            let unitChanged = updated.reward.budgetUnit != current.reward.budgetUnit
            if unitChanged {
                stats.budgetSpentMinor = try await self.budgetSpent(
                    campaignId: campaignId, unit: updated.reward.budgetUnit, on: connection)
            }
            if updated.budgetMinor > 0 && stats.budgetSpentMinor > updated.budgetMinor {
                throw StoreError(
                    .failedPrecondition,
                    "budget_minor \(updated.budgetMinor) is below the \(stats.budgetSpentMinor) "
                        + "\(updated.reward.budgetUnit) already spent")
            }
            try await self.rewriteCampaign(updated, budgetSpent: stats.budgetSpentMinor, on: connection)
            try await self.appendAudit(audit, on: connection)
            return (updated, stats)
        }
    }

    public func campaign(id: String) async throws -> (Campaign, CampaignCounters)? {
        try await transaction(.repeatableReadOnly) { connection in try await self.campaign(id: id, on: connection) }
    }

    public func campaigns(after cursor: CampaignCursor?, limit: Int, activeOnly: Bool) async throws
        -> [(Campaign, CampaignCounters)]
    {
        let createdAfter = cursor?.createdAtMs ?? Int64.min
        let idAfter = cursor?.id ?? ""
        return try await transaction(.repeatableReadOnly) { connection in
            try await connection.rows(
                """
                SELECT \(unescaped: CampaignRows.columns) FROM campaigns
                WHERE (created_at_ms, id) > (\(createdAfter), \(idAfter)) AND (NOT \(activeOnly) OR active)
                ORDER BY created_at_ms, id LIMIT \(Int64(limit))
                """, logger: self.logger, CampaignRows.read)
        }
    }

    public func setCodeActive(_ code: CodeText, active: Bool, audit: AuditEntry) async throws -> PromoCode {
        try await transaction { connection in
            guard
                let updated = try await connection.firstRow(
                    """
                    UPDATE codes SET active = \(active) WHERE key = \(code.key)
                    RETURNING key, display, campaign_id, max_uses, uses, active, owner_id, batch_id, created_at_ms
                    """, logger: self.logger, CodeRows.read) ?? nil
            else {
                throw StoreError(.notFound, "code \(code.display) does not exist")
            }
            try await self.appendAudit(audit, on: connection)
            return updated
        }
    }

    public func setCodesActive(
        batchId: String?, campaignId: String?, active: Bool, afterId: Int64, limit: Int,
        audit: @escaping @Sendable (Int) -> AuditEntry
    ) async throws -> (nextAfterId: Int64?, changed: Int) {
        precondition((batchId == nil) != (campaignId == nil), "setCodesActive: exactly one of batchId and campaignId")
        return try await transaction { connection in
            if afterId == 0 {
                let exists: Bool
                if let batchId {
                    exists = try await connection.countRows(
                        "SELECT 1 FROM code_batches WHERE id = \(batchId)", logger: self.logger) > 0
                } else {
                    exists = try await self.campaign(id: campaignId ?? "", on: connection) != nil
                }
                guard exists else {
                    throw StoreError(
                        .notFound, "\(batchId != nil ? "batch" : "campaign") \(batchId ?? campaignId ?? "") does not exist")
                }
            }
            // One chunk of at most `limit` rows in id order; the auto-apply entry is not one of the codes.
            let chunk = try await connection.rows(
                """
                WITH chunk AS (
                    SELECT id, active FROM codes
                    WHERE \(unescaped: batchId != nil ? "batch_id" : "campaign_id") = \(batchId ?? campaignId ?? "")
                      AND id > \(afterId) AND \(unescaped: notAutoEntry("codes"))
                    ORDER BY id LIMIT \(Int64(limit))
                    FOR UPDATE),
                changed AS (
                    UPDATE codes SET active = \(active) FROM chunk
                    WHERE codes.id = chunk.id AND chunk.active <> \(active) RETURNING codes.id)
                SELECT (SELECT max(id) FROM chunk), (SELECT count(*) FROM chunk), (SELECT count(*) FROM changed)
                """, logger: self.logger
            ) { row in (try row.optionalInt64(0), try row.int64(1), try row.int64(2)) }.first
            let (lastId, seen, changed) = chunk ?? (nil, 0, 0)
            let next: Int64? = seen < Int64(limit) ? nil : lastId
            if next == nil { try await self.appendAudit(audit(Int(changed)), on: connection) }
            return (next, Int(changed))
        }
    }

    // MARK: On a connection (shared with the other areas)

    func campaign(id: String, on connection: PostgresConnection, lock: Bool = false) async throws
        -> (Campaign, CampaignCounters)?
    {
        try await connection.firstRow(
            "SELECT \(unescaped: CampaignRows.columns) FROM campaigns WHERE id = \(id)\(unescaped: lock ? " FOR UPDATE" : "")",
            logger: logger, CampaignRows.read)
    }

    func insertCampaign(_ campaign: Campaign, on connection: PostgresConnection) async throws {
        let reward = RewardColumns(campaign.reward)
        let eligibility = campaign.eligibility
        try await connection.execute(
            """
            INSERT INTO campaigns (id, name, kind, reward_kind, reward_amount, reward_currency, reward_percent,
                reward_cap_minor, reward_game_id, starts_at_ms, expires_at_ms, active, max_redemptions, max_per_user,
                segments, new_users_only, new_user_window_ms, min_deposit_minor, countries, min_vip_level, source,
                created_at_ms, group_id, auto_apply, budget_minor)
            VALUES (\(campaign.id), \(campaign.name), \(campaign.kind.rawValue), \(reward.kind), \(reward.amount),
                \(reward.currency), \(Int64(reward.percent)), \(reward.capMinor), \(reward.gameId), \(campaign.startsAtMs),
                \(campaign.expiresAtMs), \(campaign.isActive), \(Int64(clamping: campaign.maxRedemptions)),
                \(Int64(campaign.maxPerUser)), \(eligibility.segments), \(eligibility.newUsersOnly),
                \(eligibility.newUserWindowMs), \(eligibility.minDepositMinor), \(eligibility.countries),
                \(Int64(eligibility.minVipLevel)), \(campaign.source), \(campaign.createdAtMs), \(campaign.groupId),
                \(campaign.autoApply), \(campaign.budgetMinor))
            """, logger: logger)
        if campaign.autoApply { try await insertAutoEntry(campaign, on: connection) }
    }

    /// Rewrites every field but the id, the creation time and the counters, and sets the budget spend (in the
    /// reward's unit, computed by the caller) in the same statement, so that the CHECK meets the new budget with
    /// the new spend.
    func rewriteCampaign(_ campaign: Campaign, budgetSpent: Int64, on connection: PostgresConnection) async throws {
        let reward = RewardColumns(campaign.reward)
        let eligibility = campaign.eligibility
        try await connection.execute(
            """
            UPDATE campaigns SET name = \(campaign.name), kind = \(campaign.kind.rawValue), reward_kind = \(reward.kind),
                reward_amount = \(reward.amount), reward_currency = \(reward.currency),
                reward_percent = \(Int64(reward.percent)), reward_cap_minor = \(reward.capMinor),
                reward_game_id = \(reward.gameId), starts_at_ms = \(campaign.startsAtMs),
                expires_at_ms = \(campaign.expiresAtMs), active = \(campaign.isActive),
                max_redemptions = \(Int64(clamping: campaign.maxRedemptions)), max_per_user = \(Int64(campaign.maxPerUser)),
                segments = \(eligibility.segments), new_users_only = \(eligibility.newUsersOnly),
                new_user_window_ms = \(eligibility.newUserWindowMs), min_deposit_minor = \(eligibility.minDepositMinor),
                countries = \(eligibility.countries), min_vip_level = \(Int64(eligibility.minVipLevel)),
                source = \(campaign.source), group_id = \(campaign.groupId), auto_apply = \(campaign.autoApply),
                budget_minor = \(campaign.budgetMinor), budget_spent_minor = \(budgetSpent)
            WHERE id = \(campaign.id)
            """, logger: logger)
        if campaign.autoApply { try await insertAutoEntry(campaign, on: connection) }
    }

    /// The codes row an auto-apply campaign's codeless redemptions name (`CodeText.autoEntry`): always on, no use
    /// limit, not counted in codes_issued; kept when auto-apply is switched off, found again when it is back on.
    private func insertAutoEntry(_ campaign: Campaign, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            INSERT INTO codes (key, display, campaign_id, max_uses, uses, active, created_at_ms)
            VALUES (\(CodeText.autoEntry(campaignId: campaign.id).key), '', \(campaign.id), 0, 0, true, \(campaign.createdAtMs))
            ON CONFLICT (key) DO NOTHING
            """, logger: logger)
    }

    /// What the campaign's standing redemptions and grants cost in `unit`.
    func budgetSpent(campaignId: String, unit: String, on connection: PostgresConnection) async throws -> Int64 {
        try await connection.firstRow(
            """
            SELECT ((SELECT coalesce(sum(reward_amount), 0) FROM redemptions r
                        WHERE campaign_id = \(campaignId) AND voided_at_ms IS NULL AND \(unescaped: BudgetSQL.unit("r")) = \(unit))
                  + (SELECT coalesce(sum(reward_amount), 0) FROM grants g
                        WHERE campaign_id = \(campaignId) AND voided_at_ms IS NULL AND \(unescaped: BudgetSQL.unit("g")) = \(unit))
                   )::bigint
            """, logger: logger
        ) { try $0.int64(0) } ?? 0
    }
}

/// Code rows as `RETURNING`/`SELECT` lists them: key, display, campaign_id, max_uses, uses, active, owner_id,
/// batch_id, created_at_ms.
enum CodeRows {
    static func read(_ row: RowReader) throws -> PromoCode? {
        // Keys were normalised on the way in; a row that no longer parses is treated as absent.
        guard let text = try? CodeText(try row.string(1)) else { return nil }
        return PromoCode(
            code: text, campaignId: try row.string(2), maxUses: UInt64(clamping: try row.int64(3)),
            uses: UInt64(clamping: try row.int64(4)), isActive: try row.bool(5), ownerId: try row.optionalString(6),
            batchId: try row.optionalString(7), createdAtMs: try row.int64(8))
    }
}
