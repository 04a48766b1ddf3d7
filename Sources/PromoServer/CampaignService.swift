import NIOCore
import PromoDomain
import PromoWire

/// Back office: campaigns and their codes. Writes commit with an audit entry; reads do not wait for writes.
final class CampaignService: Sendable {
    let configuration: ServerConfiguration
    let store: any CampaignStorage

    init(configuration: ServerConfiguration, store: any CampaignStorage) {
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
                + (campaign.groupId.map { " group=\($0)" } ?? "") + (campaign.autoApply ? " auto_apply" : "")
                + (campaign.budgetMinor > 0 ? " budget=\(campaign.budgetMinor)" : ""))
        let store = store
        return eventLoop.makeFutureWithTask {
            try await store.createCampaign(campaign, sharedCode: sharedCode, audit: audit)
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
        let store = store
        return eventLoop.makeFutureWithTask { [self] in
            let (updated, stats) = try await store.updateCampaign(id: campaignId, audit: audit) { current in
                let updated = try Self.apply(fields, from: changes, to: current)
                try self.validated(updated)
                return updated
            }
            return UpdateCampaignResponse.with { $0.campaign = WireMapping.wire(updated, stats) }
        }
    }

    func get(_ request: GetCampaignRequest, on eventLoop: any EventLoop) -> EventLoopFuture<GetCampaignResponse> {
        let campaignId = request.campaignId
        let store = store
        return eventLoop.makeFutureWithTask {
            guard let (campaign, counters) = try await store.campaign(id: campaignId) else {
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
        let store = store
        return eventLoop.makeFutureWithTask {
            // One extra row tells whether another page follows.
            let rows = try await store.campaigns(after: cursor, limit: pageSize + 1, activeOnly: activeOnly)
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
        let scopes = [request.code, request.batchId, request.campaignId].filter { !$0.isEmpty }.count
        guard scopes == 1 else {
            throw ServerError(.invalidArgument, "set exactly one of code, batch_id, campaign_id (got \(scopes))")
        }
        if request.code.isEmpty { return try setCodesStatus(request, by: caller, on: eventLoop) }
        let code: CodeText
        do { code = try CodeText(request.code) } catch { throw ServerError(wrapping: error) }
        let active = request.active
        let audit = AuditEntry(
            atMs: WallClock.nowMs(), actorKeyId: caller.keyId, action: "set_code_status", target: code.key,
            detail: "active=\(active)")
        let store = store
        return eventLoop.makeFutureWithTask {
            let updated = try await store.setCodeActive(code, active: active, audit: audit)
            return SetCodeStatusResponse.with {
                $0.code = WireMapping.wire(updated)
                $0.changed = 1
            }
        }
    }

    /// Every code of a batch or a campaign (never an auto-apply campaign's codeless entry), switched in
    /// chunks of `codeStatusChunkCodes`, each a bulk writer job (a slice): redeems queued meanwhile commit
    /// before the next chunk, so a million-code campaign never holds the writer for long. Not atomic across chunks (a crash may leave
    /// part switched); repeating the call finishes it, since it only sets a state. The audit entry is written
    /// with the last chunk and names how many changed.
    private func setCodesStatus(_ request: SetCodeStatusRequest, by caller: Caller, on eventLoop: any EventLoop)
        throws(ServerError) -> EventLoopFuture<SetCodeStatusResponse>
    {
        let limits = DomainLimits.default
        let batchId = request.batchId.isEmpty ? nil : request.batchId
        let campaignId = request.campaignId.isEmpty ? nil : request.campaignId
        let target = batchId ?? campaignId ?? ""
        guard target.utf8.count <= limits.idBytesMax else {
            throw ServerError(.invalidArgument, "\(batchId != nil ? "batch_id" : "campaign_id") is longer than \(limits.idBytesMax) bytes")
        }
        let (active, chunkCodes, keyId, store) = (request.active, configuration.codeStatusChunkCodes, caller.keyId, store)
        @Sendable func step(_ changedSoFar: Int, afterId: Int64) -> EventLoopFuture<SetCodeStatusResponse> {
            // Bulk work: each chunk is one writer slice, and queued redeems run before it.
            eventLoop.makeFutureWithTask { () async throws -> (nextAfterId: Int64?, changed: Int) in
                let chunk = try await store.setCodesActive(
                    batchId: batchId, campaignId: campaignId, active: active, afterId: afterId, limit: chunkCodes
                ) { changed in
                    AuditEntry(
                        atMs: WallClock.nowMs(), actorKeyId: keyId, action: "set_code_status", target: target,
                        detail: "\(batchId != nil ? "batch" : "campaign") active=\(active) changed=\(changedSoFar + changed)")
                }
                return (chunk.nextAfterId, changedSoFar + chunk.changed)
            }.flatMap { chunk in
                guard let nextAfterId = chunk.nextAfterId else {
                    return eventLoop.makeSucceededFuture(SetCodeStatusResponse.with { $0.changed = UInt64(chunk.changed) })
                }
                return step(chunk.changed, afterId: nextAfterId)
            }
        }
        return step(0, afterId: 0)
    }

    // MARK: -

    static let updatableFields: Set<String> = [
        "name", "active", "starts_at_ms", "expires_at_ms", "max_redemptions", "max_per_user", "eligibility", "reward",
        "source", "group_id", "auto_apply", "budget_minor",
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
        if fields.contains("auto_apply") { updated.autoApply = wire.autoApply }
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
