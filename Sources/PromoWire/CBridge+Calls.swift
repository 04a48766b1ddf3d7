import CPromoProto

// MARK: - Session

extension HelloRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__HelloRequest>) throws(WireError) {
        apiKey = try CDecode.string(c.pointee.api_key, "hello.api_key")
        clientName = try CDecode.string(c.pointee.client_name, "hello.client_name")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__HelloRequest> {
        let c = arena.make(Promo__V1__HelloRequest.self) { promo__v1__hello_request__init($0) }
        c.pointee.api_key = arena.cString(apiKey)
        c.pointee.client_name = arena.cString(clientName)
        return c
    }
}

extension HelloResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__HelloResponse>) throws(WireError) {
        serverVersion = try CDecode.string(c.pointee.server_version, "hello.server_version")
        role = try CDecode.string(c.pointee.role, "hello.role")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__HelloResponse> {
        let c = arena.make(Promo__V1__HelloResponse.self) { promo__v1__hello_response__init($0) }
        c.pointee.server_version = arena.cString(serverVersion)
        c.pointee.role = arena.cString(role)
        return c
    }
}

// MARK: - Validate and redeem

extension ValidateRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__ValidateRequest>) throws(WireError) {
        let m = c.pointee
        code = try CDecode.string(m.code, "validate.code")
        user = try CDecode.message(m.user)
        depositMinor = m.deposit_minor
        currency = try CDecode.string(m.currency, "validate.currency")
        reserveMs = m.reserve_ms
        explain = CDecode.bool(m.explain)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ValidateRequest> {
        let c = arena.make(Promo__V1__ValidateRequest.self) { promo__v1__validate_request__init($0) }
        c.pointee.code = arena.cString(code)
        c.pointee.user = arena.cMessage(user)
        c.pointee.deposit_minor = depositMinor
        c.pointee.currency = arena.cString(currency)
        c.pointee.reserve_ms = reserveMs
        c.pointee.explain = arena.cBool(explain)
        return c
    }
}

extension ValidateResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__ValidateResponse>) throws(WireError) {
        let m = c.pointee
        verdict = Verdict(rawValue: CDecode.enumRaw(m.verdict))
        campaignId = try CDecode.string(m.campaign_id, "validate.campaign_id")
        reward = try CDecode.message(m.reward)
        remaining = m.remaining
        reservationId = try CDecode.string(m.reservation_id, "validate.reservation_id")
        reservedUntilMs = m.reserved_until_ms
        unlimited = CDecode.bool(m.unlimited)
        checks = try CDecode.messages(m.n_checks, m.checks)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ValidateResponse> {
        let c = arena.make(Promo__V1__ValidateResponse.self) { promo__v1__validate_response__init($0) }
        c.pointee.verdict = arena.cEnum(Promo__V1__Verdict.self, verdict.rawValue)
        c.pointee.campaign_id = arena.cString(campaignId)
        c.pointee.reward = arena.cMessage(reward)
        c.pointee.remaining = remaining
        c.pointee.reservation_id = arena.cString(reservationId)
        c.pointee.reserved_until_ms = reservedUntilMs
        c.pointee.unlimited = arena.cBool(unlimited)
        (c.pointee.n_checks, c.pointee.checks) = arena.cMessages(checks)
        return c
    }
}

extension RedeemRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__RedeemRequest>) throws(WireError) {
        let m = c.pointee
        code = try CDecode.string(m.code, "redeem.code")
        user = try CDecode.message(m.user)
        idempotencyKey = try CDecode.string(m.idempotency_key, "redeem.idempotency_key")
        depositMinor = m.deposit_minor
        currency = try CDecode.string(m.currency, "redeem.currency")
        source = try CDecode.string(m.source, "redeem.source")
        reservationId = try CDecode.string(m.reservation_id, "redeem.reservation_id")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__RedeemRequest> {
        let c = arena.make(Promo__V1__RedeemRequest.self) { promo__v1__redeem_request__init($0) }
        c.pointee.code = arena.cString(code)
        c.pointee.user = arena.cMessage(user)
        c.pointee.idempotency_key = arena.cString(idempotencyKey)
        c.pointee.deposit_minor = depositMinor
        c.pointee.currency = arena.cString(currency)
        c.pointee.source = arena.cString(source)
        c.pointee.reservation_id = arena.cString(reservationId)
        return c
    }
}

extension RedeemResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__RedeemResponse>) throws(WireError) {
        let m = c.pointee
        verdict = Verdict(rawValue: CDecode.enumRaw(m.verdict))
        redemptionId = try CDecode.string(m.redemption_id, "redeem.redemption_id")
        reward = try CDecode.message(m.reward)
        campaignId = try CDecode.string(m.campaign_id, "redeem.campaign_id")
        replayed = CDecode.bool(m.replayed)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__RedeemResponse> {
        let c = arena.make(Promo__V1__RedeemResponse.self) { promo__v1__redeem_response__init($0) }
        c.pointee.verdict = arena.cEnum(Promo__V1__Verdict.self, verdict.rawValue)
        c.pointee.redemption_id = arena.cString(redemptionId)
        c.pointee.reward = arena.cMessage(reward)
        c.pointee.campaign_id = arena.cString(campaignId)
        c.pointee.replayed = arena.cBool(replayed)
        return c
    }
}

extension RewardHistoryRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__RewardHistoryRequest>) throws(WireError) {
        userId = try CDecode.string(c.pointee.user_id, "reward_history.user_id")
        pageToken = try CDecode.string(c.pointee.page_token, "reward_history.page_token")
        pageSize = c.pointee.page_size
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__RewardHistoryRequest> {
        let c = arena.make(Promo__V1__RewardHistoryRequest.self) { promo__v1__reward_history_request__init($0) }
        c.pointee.user_id = arena.cString(userId)
        c.pointee.page_token = arena.cString(pageToken)
        c.pointee.page_size = pageSize
        return c
    }
}

extension RewardHistoryResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__RewardHistoryResponse>) throws(WireError) {
        redemptions = try CDecode.messages(c.pointee.n_redemptions, c.pointee.redemptions)
        nextPageToken = try CDecode.string(c.pointee.next_page_token, "reward_history.next_page_token")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__RewardHistoryResponse> {
        let c = arena.make(Promo__V1__RewardHistoryResponse.self) { promo__v1__reward_history_response__init($0) }
        (c.pointee.n_redemptions, c.pointee.redemptions) = arena.cMessages(redemptions)
        c.pointee.next_page_token = arena.cString(nextPageToken)
        return c
    }
}

// MARK: - Campaigns

extension CreateCampaignRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__CreateCampaignRequest>) throws(WireError) {
        campaign = try CDecode.message(c.pointee.campaign)
        code = try CDecode.string(c.pointee.code, "create_campaign.code")
        codeMaxUses = c.pointee.code_max_uses
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__CreateCampaignRequest> {
        let c = arena.make(Promo__V1__CreateCampaignRequest.self) { promo__v1__create_campaign_request__init($0) }
        c.pointee.campaign = arena.cMessage(campaign)
        c.pointee.code = arena.cString(code)
        c.pointee.code_max_uses = codeMaxUses
        return c
    }
}

extension CreateCampaignResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__CreateCampaignResponse>) throws(WireError) {
        campaign = try CDecode.message(c.pointee.campaign)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__CreateCampaignResponse> {
        let c = arena.make(Promo__V1__CreateCampaignResponse.self) { promo__v1__create_campaign_response__init($0) }
        c.pointee.campaign = arena.cMessage(campaign)
        return c
    }
}

extension UpdateCampaignRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__UpdateCampaignRequest>) throws(WireError) {
        campaignId = try CDecode.string(c.pointee.campaign_id, "update_campaign.campaign_id")
        campaign = try CDecode.message(c.pointee.campaign)
        updateMask = try CDecode.strings(c.pointee.n_update_mask, c.pointee.update_mask, "update_campaign.update_mask")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__UpdateCampaignRequest> {
        let c = arena.make(Promo__V1__UpdateCampaignRequest.self) { promo__v1__update_campaign_request__init($0) }
        c.pointee.campaign_id = arena.cString(campaignId)
        c.pointee.campaign = arena.cMessage(campaign)
        (c.pointee.n_update_mask, c.pointee.update_mask) = arena.cStrings(updateMask)
        return c
    }
}

extension UpdateCampaignResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__UpdateCampaignResponse>) throws(WireError) {
        campaign = try CDecode.message(c.pointee.campaign)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__UpdateCampaignResponse> {
        let c = arena.make(Promo__V1__UpdateCampaignResponse.self) { promo__v1__update_campaign_response__init($0) }
        c.pointee.campaign = arena.cMessage(campaign)
        return c
    }
}

extension GetCampaignRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__GetCampaignRequest>) throws(WireError) {
        campaignId = try CDecode.string(c.pointee.campaign_id, "get_campaign.campaign_id")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__GetCampaignRequest> {
        let c = arena.make(Promo__V1__GetCampaignRequest.self) { promo__v1__get_campaign_request__init($0) }
        c.pointee.campaign_id = arena.cString(campaignId)
        return c
    }
}

extension GetCampaignResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__GetCampaignResponse>) throws(WireError) {
        campaign = try CDecode.message(c.pointee.campaign)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__GetCampaignResponse> {
        let c = arena.make(Promo__V1__GetCampaignResponse.self) { promo__v1__get_campaign_response__init($0) }
        c.pointee.campaign = arena.cMessage(campaign)
        return c
    }
}

extension ListCampaignsRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__ListCampaignsRequest>) throws(WireError) {
        pageToken = try CDecode.string(c.pointee.page_token, "list_campaigns.page_token")
        pageSize = c.pointee.page_size
        activeOnly = CDecode.bool(c.pointee.active_only)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ListCampaignsRequest> {
        let c = arena.make(Promo__V1__ListCampaignsRequest.self) { promo__v1__list_campaigns_request__init($0) }
        c.pointee.page_token = arena.cString(pageToken)
        c.pointee.page_size = pageSize
        c.pointee.active_only = arena.cBool(activeOnly)
        return c
    }
}

extension ListCampaignsResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__ListCampaignsResponse>) throws(WireError) {
        campaigns = try CDecode.messages(c.pointee.n_campaigns, c.pointee.campaigns)
        nextPageToken = try CDecode.string(c.pointee.next_page_token, "list_campaigns.next_page_token")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ListCampaignsResponse> {
        let c = arena.make(Promo__V1__ListCampaignsResponse.self) { promo__v1__list_campaigns_response__init($0) }
        (c.pointee.n_campaigns, c.pointee.campaigns) = arena.cMessages(campaigns)
        c.pointee.next_page_token = arena.cString(nextPageToken)
        return c
    }
}

// MARK: - Codes

extension GenerateRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__GenerateRequest>) throws(WireError) {
        let m = c.pointee
        campaignId = try CDecode.string(m.campaign_id, "generate.campaign_id")
        count = m.count
        pattern = try CDecode.string(m.pattern, "generate.pattern")
        prefix = try CDecode.string(m.prefix, "generate.prefix")
        suffix = try CDecode.string(m.suffix, "generate.suffix")
        maxUsesPerCode = m.max_uses_per_code
        ownerId = try CDecode.string(m.owner_id, "generate.owner_id")
        idempotencyKey = try CDecode.string(m.idempotency_key, "generate.idempotency_key")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__GenerateRequest> {
        let c = arena.make(Promo__V1__GenerateRequest.self) { promo__v1__generate_request__init($0) }
        c.pointee.campaign_id = arena.cString(campaignId)
        c.pointee.count = count
        c.pointee.pattern = arena.cString(pattern)
        c.pointee.prefix = arena.cString(prefix)
        c.pointee.suffix = arena.cString(suffix)
        c.pointee.max_uses_per_code = maxUsesPerCode
        c.pointee.owner_id = arena.cString(ownerId)
        c.pointee.idempotency_key = arena.cString(idempotencyKey)
        return c
    }
}

extension GenerateResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__GenerateResponse>) throws(WireError) {
        batchId = try CDecode.string(c.pointee.batch_id, "generate.batch_id")
        generated = c.pointee.generated
        codes = try CDecode.strings(c.pointee.n_codes, c.pointee.codes, "generate.codes")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__GenerateResponse> {
        let c = arena.make(Promo__V1__GenerateResponse.self) { promo__v1__generate_response__init($0) }
        c.pointee.batch_id = arena.cString(batchId)
        c.pointee.generated = generated
        (c.pointee.n_codes, c.pointee.codes) = arena.cStrings(codes)
        return c
    }
}

extension ImportCodesRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__ImportCodesRequest>) throws(WireError) {
        campaignId = try CDecode.string(c.pointee.campaign_id, "import_codes.campaign_id")
        codes = try CDecode.messages(c.pointee.n_codes, c.pointee.codes)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ImportCodesRequest> {
        let c = arena.make(Promo__V1__ImportCodesRequest.self) { promo__v1__import_codes_request__init($0) }
        c.pointee.campaign_id = arena.cString(campaignId)
        (c.pointee.n_codes, c.pointee.codes) = arena.cMessages(codes)
        return c
    }
}

extension ImportCodesResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__ImportCodesResponse>) throws(WireError) {
        batchId = try CDecode.string(c.pointee.batch_id, "import_codes.batch_id")
        imported = c.pointee.imported
        rejected = try CDecode.messages(c.pointee.n_rejected, c.pointee.rejected)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ImportCodesResponse> {
        let c = arena.make(Promo__V1__ImportCodesResponse.self) { promo__v1__import_codes_response__init($0) }
        c.pointee.batch_id = arena.cString(batchId)
        c.pointee.imported = imported
        (c.pointee.n_rejected, c.pointee.rejected) = arena.cMessages(rejected)
        return c
    }
}

extension ExportCodesRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__ExportCodesRequest>) throws(WireError) {
        let m = c.pointee
        campaignId = try CDecode.string(m.campaign_id, "export_codes.campaign_id")
        batchId = try CDecode.string(m.batch_id, "export_codes.batch_id")
        pageToken = try CDecode.string(m.page_token, "export_codes.page_token")
        pageSize = m.page_size
        ownerId = try CDecode.string(m.owner_id, "export_codes.owner_id")
        usage = CodeUsage(rawValue: CDecode.enumRaw(m.usage))
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ExportCodesRequest> {
        let c = arena.make(Promo__V1__ExportCodesRequest.self) { promo__v1__export_codes_request__init($0) }
        c.pointee.campaign_id = arena.cString(campaignId)
        c.pointee.batch_id = arena.cString(batchId)
        c.pointee.page_token = arena.cString(pageToken)
        c.pointee.page_size = pageSize
        c.pointee.owner_id = arena.cString(ownerId)
        c.pointee.usage = arena.cEnum(Promo__V1__CodeUsage.self, usage.rawValue)
        return c
    }
}

extension ExportCodesResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__ExportCodesResponse>) throws(WireError) {
        codes = try CDecode.messages(c.pointee.n_codes, c.pointee.codes)
        nextPageToken = try CDecode.string(c.pointee.next_page_token, "export_codes.next_page_token")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ExportCodesResponse> {
        let c = arena.make(Promo__V1__ExportCodesResponse.self) { promo__v1__export_codes_response__init($0) }
        (c.pointee.n_codes, c.pointee.codes) = arena.cMessages(codes)
        c.pointee.next_page_token = arena.cString(nextPageToken)
        return c
    }
}

extension SetCodeStatusRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__SetCodeStatusRequest>) throws(WireError) {
        code = try CDecode.string(c.pointee.code, "set_code_status.code")
        active = CDecode.bool(c.pointee.active)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__SetCodeStatusRequest> {
        let c = arena.make(Promo__V1__SetCodeStatusRequest.self) { promo__v1__set_code_status_request__init($0) }
        c.pointee.code = arena.cString(code)
        c.pointee.active = arena.cBool(active)
        return c
    }
}

extension SetCodeStatusResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__SetCodeStatusResponse>) throws(WireError) {
        code = try CDecode.message(c.pointee.code)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__SetCodeStatusResponse> {
        let c = arena.make(Promo__V1__SetCodeStatusResponse.self) { promo__v1__set_code_status_response__init($0) }
        c.pointee.code = arena.cMessage(code)
        return c
    }
}

extension VoidRedemptionRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__VoidRedemptionRequest>) throws(WireError) {
        redemptionId = try CDecode.string(c.pointee.redemption_id, "void_redemption.redemption_id")
        reason = try CDecode.string(c.pointee.reason, "void_redemption.reason")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__VoidRedemptionRequest> {
        let c = arena.make(Promo__V1__VoidRedemptionRequest.self) { promo__v1__void_redemption_request__init($0) }
        c.pointee.redemption_id = arena.cString(redemptionId)
        c.pointee.reason = arena.cString(reason)
        return c
    }
}

extension VoidRedemptionResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__VoidRedemptionResponse>) throws(WireError) {
        redemption = try CDecode.message(c.pointee.redemption)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__VoidRedemptionResponse> {
        let c = arena.make(Promo__V1__VoidRedemptionResponse.self) { promo__v1__void_redemption_response__init($0) }
        c.pointee.redemption = arena.cMessage(redemption)
        return c
    }
}

// MARK: - Analytics

extension ReportRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__ReportRequest>) throws(WireError) {
        campaignId = try CDecode.string(c.pointee.campaign_id, "report.campaign_id")
        fromMs = c.pointee.from_ms
        toMs = c.pointee.to_ms
        bucket = BucketWidth(rawValue: CDecode.enumRaw(c.pointee.bucket))
        top = c.pointee.top
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ReportRequest> {
        let c = arena.make(Promo__V1__ReportRequest.self) { promo__v1__report_request__init($0) }
        c.pointee.campaign_id = arena.cString(campaignId)
        c.pointee.from_ms = fromMs
        c.pointee.to_ms = toMs
        c.pointee.bucket = arena.cEnum(Promo__V1__BucketWidth.self, bucket.rawValue)
        c.pointee.top = top
        return c
    }
}

extension Money: CBridged {
    init(c: UnsafePointer<Promo__V1__Money>) throws(WireError) {
        currency = try CDecode.string(c.pointee.currency, "money.currency")
        amountMinor = c.pointee.amount_minor
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Money> {
        let c = arena.make(Promo__V1__Money.self) { promo__v1__money__init($0) }
        c.pointee.currency = arena.cString(currency)
        c.pointee.amount_minor = amountMinor
        return c
    }
}

extension ActorCount: CBridged {
    init(c: UnsafePointer<Promo__V1__ActorCount>) throws(WireError) {
        key = try CDecode.string(c.pointee.key, "actor.key")
        redemptions = c.pointee.redemptions
        failures = c.pointee.failures
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ActorCount> {
        let c = arena.make(Promo__V1__ActorCount.self) { promo__v1__actor_count__init($0) }
        c.pointee.key = arena.cString(key)
        c.pointee.redemptions = redemptions
        c.pointee.failures = failures
        return c
    }
}

extension Suspicion: CBridged {
    init(c: UnsafePointer<Promo__V1__Suspicion>) throws(WireError) {
        let m = c.pointee
        kind = try CDecode.string(m.kind, "suspicion.kind")
        key = try CDecode.string(m.key, "suspicion.key")
        redemptions = m.redemptions
        failures = m.failures
        share = m.share
        reason = try CDecode.string(m.reason, "suspicion.reason")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Suspicion> {
        let c = arena.make(Promo__V1__Suspicion.self) { promo__v1__suspicion__init($0) }
        c.pointee.kind = arena.cString(kind)
        c.pointee.key = arena.cString(key)
        c.pointee.redemptions = redemptions
        c.pointee.failures = failures
        c.pointee.share = share
        c.pointee.reason = arena.cString(reason)
        return c
    }
}

extension ReportResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__ReportResponse>) throws(WireError) {
        let m = c.pointee
        campaignId = try CDecode.string(m.campaign_id, "report.campaign_id")
        codesIssued = m.codes_issued
        codesRedeemed = m.codes_redeemed
        redemptions = m.redemptions
        voided = m.voided
        uniqueUsers = m.unique_users
        redemptionRate = m.redemption_rate
        rewardTotalMinor = m.reward_total_minor
        failuresByVerdict = try CDecode.messages(m.n_failures_by_verdict, m.failures_by_verdict)
        bySource = try CDecode.messages(m.n_by_source, m.by_source)
        byOwner = try CDecode.messages(m.n_by_owner, m.by_owner)
        timeline = try CDecode.messages(m.n_timeline, m.timeline)
        rewardTotals = try CDecode.messages(m.n_reward_totals, m.reward_totals)
        freeSpinsGranted = m.free_spins_granted
        loyaltyPointsGranted = m.loyalty_points_granted
        topIps = try CDecode.messages(m.n_top_ips, m.top_ips)
        topDevices = try CDecode.messages(m.n_top_devices, m.top_devices)
        topUsers = try CDecode.messages(m.n_top_users, m.top_users)
        suspicious = try CDecode.messages(m.n_suspicious, m.suspicious)
        fromMs = m.from_ms
        toMs = m.to_ms
        bucket = BucketWidth(rawValue: CDecode.enumRaw(m.bucket))
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ReportResponse> {
        let c = arena.make(Promo__V1__ReportResponse.self) { promo__v1__report_response__init($0) }
        c.pointee.campaign_id = arena.cString(campaignId)
        c.pointee.codes_issued = codesIssued
        c.pointee.codes_redeemed = codesRedeemed
        c.pointee.redemptions = redemptions
        c.pointee.voided = voided
        c.pointee.unique_users = uniqueUsers
        c.pointee.redemption_rate = redemptionRate
        c.pointee.reward_total_minor = rewardTotalMinor
        (c.pointee.n_failures_by_verdict, c.pointee.failures_by_verdict) = arena.cMessages(failuresByVerdict)
        (c.pointee.n_by_source, c.pointee.by_source) = arena.cMessages(bySource)
        (c.pointee.n_by_owner, c.pointee.by_owner) = arena.cMessages(byOwner)
        (c.pointee.n_timeline, c.pointee.timeline) = arena.cMessages(timeline)
        (c.pointee.n_reward_totals, c.pointee.reward_totals) = arena.cMessages(rewardTotals)
        c.pointee.free_spins_granted = freeSpinsGranted
        c.pointee.loyalty_points_granted = loyaltyPointsGranted
        (c.pointee.n_top_ips, c.pointee.top_ips) = arena.cMessages(topIps)
        (c.pointee.n_top_devices, c.pointee.top_devices) = arena.cMessages(topDevices)
        (c.pointee.n_top_users, c.pointee.top_users) = arena.cMessages(topUsers)
        (c.pointee.n_suspicious, c.pointee.suspicious) = arena.cMessages(suspicious)
        c.pointee.from_ms = fromMs
        c.pointee.to_ms = toMs
        c.pointee.bucket = arena.cEnum(Promo__V1__BucketWidth.self, bucket.rawValue)
        return c
    }
}

// MARK: - API keys

extension CreateApiKeyRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__CreateApiKeyRequest>) throws(WireError) {
        name = try CDecode.string(c.pointee.name, "create_api_key.name")
        role = try CDecode.string(c.pointee.role, "create_api_key.role")
        campaignIds = try CDecode.strings(c.pointee.n_campaign_ids, c.pointee.campaign_ids, "create_api_key.campaign_ids")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__CreateApiKeyRequest> {
        let c = arena.make(Promo__V1__CreateApiKeyRequest.self) { promo__v1__create_api_key_request__init($0) }
        c.pointee.name = arena.cString(name)
        c.pointee.role = arena.cString(role)
        (c.pointee.n_campaign_ids, c.pointee.campaign_ids) = arena.cStrings(campaignIds)
        return c
    }
}

extension CreateApiKeyResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__CreateApiKeyResponse>) throws(WireError) {
        keyId = try CDecode.string(c.pointee.key_id, "create_api_key.key_id")
        apiKey = try CDecode.string(c.pointee.api_key, "create_api_key.api_key")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__CreateApiKeyResponse> {
        let c = arena.make(Promo__V1__CreateApiKeyResponse.self) { promo__v1__create_api_key_response__init($0) }
        c.pointee.key_id = arena.cString(keyId)
        c.pointee.api_key = arena.cString(apiKey)
        return c
    }
}

extension RevokeApiKeyRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__RevokeApiKeyRequest>) throws(WireError) {
        keyId = try CDecode.string(c.pointee.key_id, "revoke_api_key.key_id")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__RevokeApiKeyRequest> {
        let c = arena.make(Promo__V1__RevokeApiKeyRequest.self) { promo__v1__revoke_api_key_request__init($0) }
        c.pointee.key_id = arena.cString(keyId)
        return c
    }
}

extension RevokeApiKeyResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__RevokeApiKeyResponse>) throws(WireError) {}

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__RevokeApiKeyResponse> {
        arena.make(Promo__V1__RevokeApiKeyResponse.self) { promo__v1__revoke_api_key_response__init($0) }
    }
}

extension ListApiKeysRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__ListApiKeysRequest>) throws(WireError) {}

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ListApiKeysRequest> {
        arena.make(Promo__V1__ListApiKeysRequest.self) { promo__v1__list_api_keys_request__init($0) }
    }
}

extension ListApiKeysResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__ListApiKeysResponse>) throws(WireError) {
        keys = try CDecode.messages(c.pointee.n_keys, c.pointee.keys)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ListApiKeysResponse> {
        let c = arena.make(Promo__V1__ListApiKeysResponse.self) { promo__v1__list_api_keys_response__init($0) }
        (c.pointee.n_keys, c.pointee.keys) = arena.cMessages(keys)
        return c
    }
}

// MARK: - Operations

extension CheckRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__CheckRequest>) throws(WireError) {}

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__CheckRequest> {
        arena.make(Promo__V1__CheckRequest.self) { promo__v1__check_request__init($0) }
    }
}

extension CheckResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__CheckResponse>) throws(WireError) {
        ok = CDecode.bool(c.pointee.ok)
        problems = try CDecode.strings(c.pointee.n_problems, c.pointee.problems, "check.problems")
        checkedAtMs = c.pointee.checked_at_ms
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__CheckResponse> {
        let c = arena.make(Promo__V1__CheckResponse.self) { promo__v1__check_response__init($0) }
        c.pointee.ok = arena.cBool(ok)
        (c.pointee.n_problems, c.pointee.problems) = arena.cStrings(problems)
        c.pointee.checked_at_ms = checkedAtMs
        return c
    }
}

extension BackupRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__BackupRequest>) throws(WireError) {
        name = try CDecode.string(c.pointee.name, "backup.name")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__BackupRequest> {
        let c = arena.make(Promo__V1__BackupRequest.self) { promo__v1__backup_request__init($0) }
        c.pointee.name = arena.cString(name)
        return c
    }
}

extension BackupResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__BackupResponse>) throws(WireError) {
        name = try CDecode.string(c.pointee.name, "backup.name")
        path = try CDecode.string(c.pointee.path, "backup.path")
        sizeBytes = c.pointee.size_bytes
        pages = c.pointee.pages
        sha256 = try CDecode.string(c.pointee.sha256, "backup.sha256")
        durationMs = c.pointee.duration_ms
        createdAtMs = c.pointee.created_at_ms
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__BackupResponse> {
        let c = arena.make(Promo__V1__BackupResponse.self) { promo__v1__backup_response__init($0) }
        c.pointee.name = arena.cString(name)
        c.pointee.path = arena.cString(path)
        c.pointee.size_bytes = sizeBytes
        c.pointee.pages = pages
        c.pointee.sha256 = arena.cString(sha256)
        c.pointee.duration_ms = durationMs
        c.pointee.created_at_ms = createdAtMs
        return c
    }
}

extension FetchBackupRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__FetchBackupRequest>) throws(WireError) {
        name = try CDecode.string(c.pointee.name, "fetch_backup.name")
        offset = c.pointee.offset
        length = c.pointee.length
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__FetchBackupRequest> {
        let c = arena.make(Promo__V1__FetchBackupRequest.self) { promo__v1__fetch_backup_request__init($0) }
        c.pointee.name = arena.cString(name)
        c.pointee.offset = offset
        c.pointee.length = length
        return c
    }
}

extension FetchBackupResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__FetchBackupResponse>) throws(WireError) {
        data = CDecode.bytes(c.pointee.data)
        sizeBytes = c.pointee.size_bytes
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__FetchBackupResponse> {
        let c = arena.make(Promo__V1__FetchBackupResponse.self) { promo__v1__fetch_backup_response__init($0) }
        c.pointee.data = arena.cBytes(data)
        c.pointee.size_bytes = sizeBytes
        return c
    }
}

extension AuditLogRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__AuditLogRequest>) throws(WireError) {
        actorKeyId = try CDecode.string(c.pointee.actor_key_id, "audit_log.actor_key_id")
        action = try CDecode.string(c.pointee.action, "audit_log.action")
        target = try CDecode.string(c.pointee.target, "audit_log.target")
        fromMs = c.pointee.from_ms
        toMs = c.pointee.to_ms
        pageToken = try CDecode.string(c.pointee.page_token, "audit_log.page_token")
        pageSize = c.pointee.page_size
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__AuditLogRequest> {
        let c = arena.make(Promo__V1__AuditLogRequest.self) { promo__v1__audit_log_request__init($0) }
        c.pointee.actor_key_id = arena.cString(actorKeyId)
        c.pointee.action = arena.cString(action)
        c.pointee.target = arena.cString(target)
        c.pointee.from_ms = fromMs
        c.pointee.to_ms = toMs
        c.pointee.page_token = arena.cString(pageToken)
        c.pointee.page_size = pageSize
        return c
    }
}

extension AuditLogEntry: CBridged {
    init(c: UnsafePointer<Promo__V1__AuditLogEntry>) throws(WireError) {
        id = c.pointee.id
        atMs = c.pointee.at_ms
        actorKeyId = try CDecode.string(c.pointee.actor_key_id, "audit_log.entries.actor_key_id")
        action = try CDecode.string(c.pointee.action, "audit_log.entries.action")
        target = try CDecode.string(c.pointee.target, "audit_log.entries.target")
        detail = try CDecode.string(c.pointee.detail, "audit_log.entries.detail")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__AuditLogEntry> {
        let c = arena.make(Promo__V1__AuditLogEntry.self) { promo__v1__audit_log_entry__init($0) }
        c.pointee.id = id
        c.pointee.at_ms = atMs
        c.pointee.actor_key_id = arena.cString(actorKeyId)
        c.pointee.action = arena.cString(action)
        c.pointee.target = arena.cString(target)
        c.pointee.detail = arena.cString(detail)
        return c
    }
}

extension AuditLogResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__AuditLogResponse>) throws(WireError) {
        entries = try CDecode.messages(c.pointee.n_entries, c.pointee.entries)
        nextPageToken = try CDecode.string(c.pointee.next_page_token, "audit_log.next_page_token")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__AuditLogResponse> {
        let c = arena.make(Promo__V1__AuditLogResponse.self) { promo__v1__audit_log_response__init($0) }
        (c.pointee.n_entries, c.pointee.entries) = arena.cMessages(entries)
        c.pointee.next_page_token = arena.cString(nextPageToken)
        return c
    }
}
