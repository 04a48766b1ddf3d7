import PromoDomain

// The back-office part of `PromoStorage` on SQLite. Every write is one job of the group-commit writer (its own
// savepoint inside the batch's transaction, acknowledged after the batch's commit); every read runs on the
// reader pool, off the event loops.

extension PromoStore: PromoStorage {}

extension PromoStore: CampaignStorage {
    public func createCampaign(_ campaign: Campaign, sharedCode: PromoCode?, audit: AuditEntry) async throws {
        try await writer.submit { connection in
            if let groupId = campaign.groupId, try connection.group(id: groupId) == nil {
                throw StoreError(.notFound, "campaign.group_id: group \(groupId) does not exist")
            }
            try connection.insertCampaign(campaign)
            if let sharedCode {
                do {
                    try connection.insertCode(sharedCode)
                } catch let error as StoreError where error.code == .constraint {
                    throw StoreError(.alreadyExists, "code \(sharedCode.code.display) already exists")
                }
            }
            try connection.appendAudit(audit)
        }
    }

    public func updateCampaign(
        id campaignId: String, audit: AuditEntry, _ change: @escaping @Sendable (Campaign) throws -> Campaign
    ) async throws -> (Campaign, CampaignCounters) {
        try await writer.submit { connection in
            guard let (current, counters) = try connection.campaign(id: campaignId) else {
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
                    guard let group = try connection.group(id: id) else {
                        throw StoreError(.notFound, "campaign.group_id: group \(id) does not exist")
                    }
                    joined = group
                }
                var left: Group?
                if let id = current.groupId { left = try connection.group(id: id) }
                // The campaign's players' counts move with it, in this transaction.
                try connection.moveGroupCounts(campaignId: campaignId, from: left, to: joined)
            }
            // The spend counts in the budget's unit: a reward in another unit counts it again from the raw rows
            // (updateCampaign below does the same; here it is refused first if it would not fit).
            var stats = counters
            if updated.reward.budgetUnit != current.reward.budgetUnit {
                stats.budgetSpentMinor = try connection.budgetSpent(campaignId: campaignId, reward: updated.reward)
            }
            if updated.budgetMinor > 0 && stats.budgetSpentMinor > updated.budgetMinor {
                throw StoreError(
                    .failedPrecondition,
                    "budget_minor \(updated.budgetMinor) is below the \(stats.budgetSpentMinor) "
                        + "\(updated.reward.budgetUnit) already spent")
            }
            _ = try connection.updateCampaign(updated)
            try connection.appendAudit(audit)
            return (updated, stats)
        }
    }

    public func campaign(id: String) async throws -> (Campaign, CampaignCounters)? {
        try await readers.read { connection in try connection.campaign(id: id) }
    }

    public func campaigns(after cursor: CampaignCursor?, limit: Int, activeOnly: Bool) async throws
        -> [(Campaign, CampaignCounters)]
    {
        try await readers.read { connection in try connection.campaigns(after: cursor, limit: limit, activeOnly: activeOnly) }
    }

    public func setCodeActive(_ code: CodeText, active: Bool, audit: AuditEntry) async throws -> PromoCode {
        try await writer.submit { connection in
            guard let updated = try connection.setCodeActive(key: code.key, active: active) else {
                throw StoreError(.notFound, "code \(code.display) does not exist")
            }
            try connection.appendAudit(audit)
            return updated
        }
    }

    public func setCodesActive(
        batchId: String?, campaignId: String?, active: Bool, afterId: Int64, limit: Int,
        audit: @escaping @Sendable (Int) -> AuditEntry
    ) async throws -> (nextAfterId: Int64?, changed: Int) {
        // Bulk work: one slice per chunk; queued interactive jobs (redeems) run before it.
        try await writer.submit(.bulk) { connection in
            if afterId == 0 {
                let exists: Bool
                if let batchId {
                    exists = try connection.batchExists(id: batchId)
                } else {
                    exists = try connection.campaign(id: campaignId ?? "") != nil
                }
                guard exists else {
                    throw StoreError(
                        .notFound, "\(batchId != nil ? "batch" : "campaign") \(batchId ?? campaignId ?? "") does not exist")
                }
            }
            let chunk = try connection.setCodesActive(
                batchId: batchId, campaignId: campaignId, active: active, afterId: afterId, limit: limit)
            if chunk.nextAfterId == nil { try connection.appendAudit(audit(chunk.changed)) }
            return (chunk.nextAfterId, chunk.changed)
        }
    }
}

extension PromoStore: GroupStorage {
    public func createGroup(_ group: Group, audit: AuditEntry) async throws {
        try await writer.submit { connection in
            try connection.insertGroup(group)
            try connection.appendAudit(audit)
        }
    }

    public func updateGroup(id: String, _ change: @escaping @Sendable (Group) throws -> (Group, AuditEntry))
        async throws -> Group
    {
        try await writer.submit { connection in
            guard let current = try connection.group(id: id) else {
                throw StoreError(.notFound, "group \(id) does not exist")
            }
            let (updated, audit) = try change(current)
            _ = try connection.updateGroup(updated)
            try connection.appendAudit(audit)
            return updated
        }
    }

    public func group(id: String) async throws -> Group? {
        try await readers.read { connection in try connection.group(id: id) }
    }

    public func groups(after cursor: GroupCursor?, limit: Int) async throws -> [Group] {
        try await readers.read { connection in try connection.groups(after: cursor, limit: limit) }
    }
}

extension PromoStore: BlockStorage {
    public func putBlock(
        _ block: UserBlock, nowMs: Int64, blocksMax: Int, audit: @escaping @Sendable (UserBlock) -> AuditEntry
    ) async throws -> UserBlock {
        try await writer.submit { connection in
            if let campaignId = block.campaignId, try connection.campaign(id: campaignId) == nil {
                throw StoreError(.notFound, "campaign \(campaignId) does not exist")
            }
            let (stored, replaced) = try connection.putBlock(block, nowMs: nowMs)
            if !replaced, try connection.blockCount() > blocksMax {
                throw StoreError(.resourceExhausted, "\(blocksMax) blocks are kept at most (blocksMax): unblock some first")
            }
            try connection.appendAudit(audit(stored))
            return stored
        }
    }

    public func deleteBlock(userId: String, campaignId: String?, audit: @escaping @Sendable (UInt64) -> AuditEntry)
        async throws -> UInt64
    {
        try await writer.submit { connection in
            let removed = try connection.deleteBlock(userId: userId, campaignId: campaignId)
            try connection.appendAudit(audit(removed))
            return removed
        }
    }

    public func blocks(after cursor: BlockCursor?, limit: Int, nowMs: Int64) async throws -> [UserBlock] {
        try await readers.read { connection in try connection.blocks(after: cursor, limit: limit, nowMs: nowMs) }
    }
}

extension PromoStore: ApiKeyStorage {
    public func apiKeys() async throws -> [ApiKeyRecord] {
        try await readers.read { connection in try connection.apiKeys() }
    }

    public func insertApiKey(_ record: ApiKeyRecord, audit: AuditEntry) async throws {
        try await writer.submit { connection in
            try connection.insertApiKey(record)
            try connection.appendAudit(audit)
        }
    }

    public func revokeApiKey(id: String, atMs: Int64, audit: AuditEntry) async throws {
        try await writer.submit { connection in
            guard try connection.revokeApiKey(id: id, atMs: atMs) else {
                throw StoreError(.notFound, "no active API key \(id)")
            }
            try connection.appendAudit(audit)
        }
    }
}

extension PromoStore: AuditStorage {
    public func appendAudit(_ entry: AuditEntry) async throws {
        try await writer.submit { connection in try connection.appendAudit(entry) }
    }

    public func auditLog(_ query: AuditQuery) async throws -> [StoredAuditEntry] {
        try await readers.read { connection in try connection.auditLog(query) }
    }
}

extension PromoStore: ReportStorage {
    public func report(_ query: ReportQuery) async throws -> CampaignReport? {
        try await readers.read { connection in try connection.report(query) }
    }

    public func reports(_ queries: [ReportQuery]) async throws -> [CampaignReport?] {
        try await readers.read { connection in
            var reports: [CampaignReport?] = []
            for query in queries {
                let report = try connection.report(query)
                reports.append(report)
                // The caller refuses the whole comparison at the first missing campaign: no need to read on.
                if report == nil { break }
            }
            return reports
        }
    }

    public func consistencyProblems() async throws -> [String] {
        try await readers.read { connection in try connection.consistencyProblems() }
    }
}

extension PromoStore: MaintenanceStorage {
    /// A bulk job: queued interactive jobs (redeems) commit first.
    public func purgeExpired(idempotencyBeforeMs: Int64, reservationsBeforeMs: Int64, limit: Int) async throws
        -> PurgeResult
    {
        try await writer.submit(.bulk) { connection in
            try connection.purgeExpired(
                idempotencyBeforeMs: idempotencyBeforeMs, reservationsBeforeMs: reservationsBeforeMs, limit: limit)
        }
    }
}

extension PromoStore: BackupStorage {
    public func backup(to path: String, pacing: BackupPacing) throws -> BackupOutcome {
        try backup(to: path, pacing: pacing, progress: nil)
    }
}
