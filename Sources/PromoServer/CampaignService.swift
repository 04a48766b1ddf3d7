import NIOCore
import PromoDomain
import PromoStore
import PromoWire

/// Back office: campaigns and their codes. Writes commit with an audit entry; reads use the reader pool.
final class CampaignService: Sendable {
    let configuration: ServerConfiguration
    let store: PromoStore

    init(configuration: ServerConfiguration, store: PromoStore) {
        self.configuration = configuration
        self.store = store
    }

    func create(_ request: CreateCampaignRequest, by caller: Caller, on eventLoop: any EventLoop)
        throws(ServerError) -> EventLoopFuture<CreateCampaignResponse>
    {
        guard let wire = request.campaign else { throw ServerError(.invalidArgument, "campaign is required") }
        let nowMs = WallClock.nowMs()
        let campaign = try WireMapping.campaign(wire, id: Identifier.make("cmp"), createdAtMs: nowMs)
        try Validate.limit(wire.maxRedemptions, "campaign.max_redemptions")
        try Validate.limit(request.codeMaxUses, "code_max_uses")
        try validated(campaign)
        let sharedCode: PromoCode?
        do {
            sharedCode = request.code.isEmpty
                ? nil
                : PromoCode(
                    code: try CodeText(request.code), campaignId: campaign.id, maxUses: request.codeMaxUses,
                    createdAtMs: nowMs)
        } catch {
            throw ServerError(wrapping: error)
        }
        let audit = AuditEntry(
            atMs: nowMs, actorKeyId: caller.keyId, action: "create_campaign", target: campaign.id,
            detail: "name=\(campaign.name)" + (sharedCode.map { " code=\($0.code.display)" } ?? "")
                + (campaign.groupId.map { " group=\($0)" } ?? "")
                + (campaign.budgetMinor > 0 ? " budget=\(campaign.budgetMinor)" : ""))
        return store.write(on: eventLoop) { connection in
            if let groupId = campaign.groupId, try connection.group(id: groupId) == nil {
                throw ServerError(.notFound, "campaign.group_id: group \(groupId) does not exist")
            }
            try connection.insertCampaign(campaign)
            if let sharedCode {
                do {
                    try connection.insertCode(sharedCode)
                } catch let error as StoreError where error.code == .constraint {
                    throw ServerError(.alreadyExists, "code \(sharedCode.code.display) already exists")
                }
            }
            try connection.appendAudit(audit)
            return CreateCampaignResponse.with { $0.campaign = WireMapping.wire(campaign, CampaignCounters()) }
        }
    }

    func update(_ request: UpdateCampaignRequest, by caller: Caller, on eventLoop: any EventLoop)
        throws(ServerError) -> EventLoopFuture<UpdateCampaignResponse>
    {
        guard !request.updateMask.isEmpty else { throw ServerError(.invalidArgument, "update_mask is empty") }
        let fields = Set(request.updateMask)
        let unknown = fields.subtracting(Self.updatableFields)
        guard unknown.isEmpty else {
            throw ServerError(.invalidArgument, "update_mask: unknown field(s) \(unknown.sorted().joined(separator: ", "))")
        }
        let changes = request.campaign ?? PromoWire.Campaign()
        try Validate.limit(changes.maxRedemptions, "campaign.max_redemptions")
        let campaignId = request.campaignId
        let nowMs = WallClock.nowMs()
        let audit = AuditEntry(
            atMs: nowMs, actorKeyId: caller.keyId, action: "update_campaign", target: campaignId,
            detail: fields.sorted().joined(separator: ","))
        return store.write(on: eventLoop) { [self] connection in
            guard let (current, counters) = try connection.campaign(id: campaignId) else {
                throw ServerError(.notFound, "campaign \(campaignId) does not exist")
            }
            let updated = try Self.apply(fields, from: changes, to: current)
            try validated(updated)
            if updated.maxRedemptions != 0 && updated.maxRedemptions < counters.redemptions {
                throw ServerError(
                    .failedPrecondition,
                    "max_redemptions \(updated.maxRedemptions) is below the \(counters.redemptions) redemptions already made")
            }
            if updated.groupId != current.groupId {
                var joined: PromoDomain.Group?
                if let id = updated.groupId {
                    guard let group = try connection.group(id: id) else {
                        throw ServerError(.notFound, "campaign.group_id: group \(id) does not exist")
                    }
                    joined = group
                }
                var left: PromoDomain.Group?
                if let id = current.groupId { left = try connection.group(id: id) }
                // The campaign's players' counts move with it, in this transaction.
                try connection.moveGroupCounts(campaignId: campaignId, from: left, to: joined)
            }
            // The spend counts in the budget's unit: a reward in another unit counts it again from the raw rows
            // (the store does the same in updateCampaign; here it is refused first if it would not fit).
            var stats = counters
            if updated.reward.budgetUnit != current.reward.budgetUnit {
                stats.budgetSpentMinor = try connection.budgetSpent(campaignId: campaignId, reward: updated.reward)
            }
            if updated.budgetMinor > 0 && stats.budgetSpentMinor > updated.budgetMinor {
                throw ServerError(
                    .failedPrecondition,
                    "budget_minor \(updated.budgetMinor) is below the \(stats.budgetSpentMinor) "
                        + "\(updated.reward.budgetUnit) already spent")
            }
            _ = try connection.updateCampaign(updated)
            try connection.appendAudit(audit)
            return UpdateCampaignResponse.with { $0.campaign = WireMapping.wire(updated, stats) }
        }
    }

    func get(_ request: GetCampaignRequest, on eventLoop: any EventLoop) -> EventLoopFuture<GetCampaignResponse> {
        let campaignId = request.campaignId
        return store.read(on: eventLoop) { connection in
            guard let (campaign, counters) = try connection.campaign(id: campaignId) else {
                throw ServerError(.notFound, "campaign \(campaignId) does not exist")
            }
            return GetCampaignResponse.with { $0.campaign = WireMapping.wire(campaign, counters) }
        }
    }

    func list(_ request: ListCampaignsRequest, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<ListCampaignsResponse>
    {
        let cursor = try PageToken.decode(request.pageToken).map { CampaignCursor(createdAtMs: $0.ms, id: $0.id) }
        let pageSize = PageToken.pageSize(request.pageSize, configuration)
        let activeOnly = request.activeOnly
        return store.read(on: eventLoop) { connection in
            // One extra row tells whether another page follows.
            let rows = try connection.campaigns(after: cursor, limit: pageSize + 1, activeOnly: activeOnly)
            let page = rows.prefix(pageSize)
            return ListCampaignsResponse.with {
                $0.campaigns = page.map { WireMapping.wire($0.0, $0.1) }
                if rows.count > pageSize, let last = page.last {
                    $0.nextPageToken = PageToken.encode(ms: last.0.createdAtMs, id: last.0.id)
                }
            }
        }
    }

    func setCodeStatus(_ request: SetCodeStatusRequest, by caller: Caller, on eventLoop: any EventLoop)
        throws(ServerError) -> EventLoopFuture<SetCodeStatusResponse>
    {
        let code: CodeText
        do { code = try CodeText(request.code) } catch { throw ServerError(wrapping: error) }
        let active = request.active
        let audit = AuditEntry(
            atMs: WallClock.nowMs(), actorKeyId: caller.keyId, action: "set_code_status", target: code.key,
            detail: "active=\(active)")
        return store.write(on: eventLoop) { connection in
            guard let updated = try connection.setCodeActive(key: code.key, active: active) else {
                throw ServerError(.notFound, "code \(code.display) does not exist")
            }
            try connection.appendAudit(audit)
            return SetCodeStatusResponse.with { $0.code = WireMapping.wire(updated) }
        }
    }

    // MARK: -

    static let updatableFields: Set<String> = [
        "name", "active", "starts_at_ms", "expires_at_ms", "max_redemptions", "max_per_user", "eligibility", "reward",
        "source", "group_id", "budget_minor",
    ]

    private static func apply(_ fields: Set<String>, from wire: PromoWire.Campaign, to current: PromoDomain.Campaign)
        throws(ServerError) -> PromoDomain.Campaign
    {
        var updated = current
        if fields.contains("name") { updated.name = wire.name }
        if fields.contains("active") { updated.isActive = wire.active }
        if fields.contains("starts_at_ms") { updated.startsAtMs = wire.startsAtMs }
        if fields.contains("expires_at_ms") { updated.expiresAtMs = wire.expiresAtMs }
        if fields.contains("max_redemptions") { updated.maxRedemptions = wire.maxRedemptions }
        if fields.contains("max_per_user") { updated.maxPerUser = wire.maxPerUser }
        if fields.contains("eligibility") { updated.eligibility = WireMapping.eligibility(wire.eligibility) }
        if fields.contains("source") { updated.source = wire.source }
        if fields.contains("group_id") { updated.groupId = wire.groupId.isEmpty ? nil : wire.groupId }
        if fields.contains("budget_minor") { updated.budgetMinor = wire.budgetMinor }
        if fields.contains("reward") {
            guard let reward = wire.reward else { throw ServerError(.invalidArgument, "campaign.reward is required") }
            updated.reward = try WireMapping.reward(reward)
        }
        return updated
    }

    private func validated(_ campaign: PromoDomain.Campaign) throws(ServerError) {
        do { try campaign.validate() } catch { throw ServerError(wrapping: error) }
    }
}

extension PromoStore {
    /// Runs `body` on a reader; the future completes on `eventLoop`.
    func read<T: Sendable>(
        on eventLoop: any EventLoop, _ body: @escaping @Sendable (Connection) throws -> T
    ) -> EventLoopFuture<T> {
        let promise = eventLoop.makePromise(of: T.self)
        readers.read(body) { promise.completeWith($0) }
        return promise.futureResult
    }
}
