import CPromoProto

extension Status: CBridged {
    init(c: UnsafePointer<Promo__V1__Status>) throws(WireError) {
        code = StatusCode(rawValue: CDecode.enumRaw(c.pointee.code))
        message = try CDecode.string(c.pointee.message, "status.message")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Status> {
        let c = arena.make(Promo__V1__Status.self) { promo__v1__status__init($0) }
        c.pointee.code = arena.cEnum(Promo__V1__StatusCode.self, code.rawValue)
        c.pointee.message = arena.cString(message)
        return c
    }
}

extension UserContext: CBridged {
    init(c: UnsafePointer<Promo__V1__UserContext>) throws(WireError) {
        let m = c.pointee
        userId = try CDecode.string(m.user_id, "user.user_id")
        segments = try CDecode.strings(m.n_segments, m.segments, "user.segments")
        registeredAtMs = m.registered_at_ms
        country = try CDecode.string(m.country, "user.country")
        vipLevel = m.vip_level
        ip = try CDecode.string(m.ip, "user.ip")
        deviceId = try CDecode.string(m.device_id, "user.device_id")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__UserContext> {
        let c = arena.make(Promo__V1__UserContext.self) { promo__v1__user_context__init($0) }
        c.pointee.user_id = arena.cString(userId)
        (c.pointee.n_segments, c.pointee.segments) = arena.cStrings(segments)
        c.pointee.registered_at_ms = registeredAtMs
        c.pointee.country = arena.cString(country)
        c.pointee.vip_level = vipLevel
        c.pointee.ip = arena.cString(ip)
        c.pointee.device_id = arena.cString(deviceId)
        return c
    }
}

extension Reward: CBridged {
    init(c: UnsafePointer<Promo__V1__Reward>) throws(WireError) {
        let m = c.pointee
        kind = RewardKind(rawValue: CDecode.enumRaw(m.kind))
        amountMinor = m.amount_minor
        currency = try CDecode.string(m.currency, "reward.currency")
        percent = m.percent
        capMinor = m.cap_minor
        freeSpins = m.free_spins
        gameId = try CDecode.string(m.game_id, "reward.game_id")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Reward> {
        let c = arena.make(Promo__V1__Reward.self) { promo__v1__reward__init($0) }
        c.pointee.kind = arena.cEnum(Promo__V1__RewardKind.self, kind.rawValue)
        c.pointee.amount_minor = amountMinor
        c.pointee.currency = arena.cString(currency)
        c.pointee.percent = percent
        c.pointee.cap_minor = capMinor
        c.pointee.free_spins = freeSpins
        c.pointee.game_id = arena.cString(gameId)
        return c
    }
}

extension Eligibility: CBridged {
    init(c: UnsafePointer<Promo__V1__Eligibility>) throws(WireError) {
        let m = c.pointee
        segments = try CDecode.strings(m.n_segments, m.segments, "eligibility.segments")
        newUsersOnly = CDecode.bool(m.new_users_only)
        newUserWindowMs = m.new_user_window_ms
        minDepositMinor = m.min_deposit_minor
        countries = try CDecode.strings(m.n_countries, m.countries, "eligibility.countries")
        minVipLevel = m.min_vip_level
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Eligibility> {
        let c = arena.make(Promo__V1__Eligibility.self) { promo__v1__eligibility__init($0) }
        (c.pointee.n_segments, c.pointee.segments) = arena.cStrings(segments)
        c.pointee.new_users_only = arena.cBool(newUsersOnly)
        c.pointee.new_user_window_ms = newUserWindowMs
        c.pointee.min_deposit_minor = minDepositMinor
        (c.pointee.n_countries, c.pointee.countries) = arena.cStrings(countries)
        c.pointee.min_vip_level = minVipLevel
        return c
    }
}

extension CampaignStats: CBridged {
    init(c: UnsafePointer<Promo__V1__CampaignStats>) throws(WireError) {
        let m = c.pointee
        redemptions = m.redemptions
        uniqueUsers = m.unique_users
        remaining = m.remaining
        unlimited = CDecode.bool(m.unlimited)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__CampaignStats> {
        let c = arena.make(Promo__V1__CampaignStats.self) { promo__v1__campaign_stats__init($0) }
        c.pointee.redemptions = redemptions
        c.pointee.unique_users = uniqueUsers
        c.pointee.remaining = remaining
        c.pointee.unlimited = arena.cBool(unlimited)
        return c
    }
}

extension Campaign: CBridged {
    init(c: UnsafePointer<Promo__V1__Campaign>) throws(WireError) {
        let m = c.pointee
        id = try CDecode.string(m.id, "campaign.id")
        name = try CDecode.string(m.name, "campaign.name")
        kind = CampaignKind(rawValue: CDecode.enumRaw(m.kind))
        reward = try CDecode.message(m.reward)
        startsAtMs = m.starts_at_ms
        expiresAtMs = m.expires_at_ms
        active = CDecode.bool(m.active)
        maxRedemptions = m.max_redemptions
        maxPerUser = m.max_per_user
        eligibility = try CDecode.message(m.eligibility)
        source = try CDecode.string(m.source, "campaign.source")
        createdAtMs = m.created_at_ms
        stats = try CDecode.message(m.stats)
        groupId = try CDecode.string(m.group_id, "campaign.group_id")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Campaign> {
        let c = arena.make(Promo__V1__Campaign.self) { promo__v1__campaign__init($0) }
        c.pointee.id = arena.cString(id)
        c.pointee.name = arena.cString(name)
        c.pointee.kind = arena.cEnum(Promo__V1__CampaignKind.self, kind.rawValue)
        c.pointee.reward = arena.cMessage(reward)
        c.pointee.starts_at_ms = startsAtMs
        c.pointee.expires_at_ms = expiresAtMs
        c.pointee.active = arena.cBool(active)
        c.pointee.max_redemptions = maxRedemptions
        c.pointee.max_per_user = maxPerUser
        c.pointee.eligibility = arena.cMessage(eligibility)
        c.pointee.source = arena.cString(source)
        c.pointee.created_at_ms = createdAtMs
        c.pointee.stats = arena.cMessage(stats)
        c.pointee.group_id = arena.cString(groupId)
        return c
    }
}

extension Count: CBridged {
    init(c: UnsafePointer<Promo__V1__Count>) throws(WireError) {
        key = try CDecode.string(c.pointee.key, "count.key")
        count = c.pointee.count
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Count> {
        let c = arena.make(Promo__V1__Count.self) { promo__v1__count__init($0) }
        c.pointee.key = arena.cString(key)
        c.pointee.count = count
        return c
    }
}

extension Bucket: CBridged {
    init(c: UnsafePointer<Promo__V1__Bucket>) throws(WireError) {
        startMs = c.pointee.start_ms
        redemptions = c.pointee.redemptions
        uniqueUsers = c.pointee.unique_users
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Bucket> {
        let c = arena.make(Promo__V1__Bucket.self) { promo__v1__bucket__init($0) }
        c.pointee.start_ms = startMs
        c.pointee.redemptions = redemptions
        c.pointee.unique_users = uniqueUsers
        return c
    }
}

extension CodeInfo: CBridged {
    init(c: UnsafePointer<Promo__V1__CodeInfo>) throws(WireError) {
        let m = c.pointee
        code = try CDecode.string(m.code, "code_info.code")
        campaignId = try CDecode.string(m.campaign_id, "code_info.campaign_id")
        active = CDecode.bool(m.active)
        maxUses = m.max_uses
        uses = m.uses
        ownerId = try CDecode.string(m.owner_id, "code_info.owner_id")
        batchId = try CDecode.string(m.batch_id, "code_info.batch_id")
        createdAtMs = m.created_at_ms
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__CodeInfo> {
        let c = arena.make(Promo__V1__CodeInfo.self) { promo__v1__code_info__init($0) }
        c.pointee.code = arena.cString(code)
        c.pointee.campaign_id = arena.cString(campaignId)
        c.pointee.active = arena.cBool(active)
        c.pointee.max_uses = maxUses
        c.pointee.uses = uses
        c.pointee.owner_id = arena.cString(ownerId)
        c.pointee.batch_id = arena.cString(batchId)
        c.pointee.created_at_ms = createdAtMs
        return c
    }
}

extension RedemptionInfo: CBridged {
    init(c: UnsafePointer<Promo__V1__RedemptionInfo>) throws(WireError) {
        let m = c.pointee
        redemptionId = try CDecode.string(m.redemption_id, "redemption.redemption_id")
        code = try CDecode.string(m.code, "redemption.code")
        campaignId = try CDecode.string(m.campaign_id, "redemption.campaign_id")
        userId = try CDecode.string(m.user_id, "redemption.user_id")
        reward = try CDecode.message(m.reward)
        redeemedAtMs = m.redeemed_at_ms
        voided = CDecode.bool(m.voided)
        source = try CDecode.string(m.source, "redemption.source")
        voidedAtMs = m.voided_at_ms
        voidReason = try CDecode.string(m.void_reason, "redemption.void_reason")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__RedemptionInfo> {
        let c = arena.make(Promo__V1__RedemptionInfo.self) { promo__v1__redemption_info__init($0) }
        c.pointee.redemption_id = arena.cString(redemptionId)
        c.pointee.code = arena.cString(code)
        c.pointee.campaign_id = arena.cString(campaignId)
        c.pointee.user_id = arena.cString(userId)
        c.pointee.reward = arena.cMessage(reward)
        c.pointee.redeemed_at_ms = redeemedAtMs
        c.pointee.voided = arena.cBool(voided)
        c.pointee.source = arena.cString(source)
        c.pointee.voided_at_ms = voidedAtMs
        c.pointee.void_reason = arena.cString(voidReason)
        return c
    }
}

extension ImportCode: CBridged {
    init(c: UnsafePointer<Promo__V1__ImportCode>) throws(WireError) {
        code = try CDecode.string(c.pointee.code, "import_code.code")
        maxUses = c.pointee.max_uses
        ownerId = try CDecode.string(c.pointee.owner_id, "import_code.owner_id")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ImportCode> {
        let c = arena.make(Promo__V1__ImportCode.self) { promo__v1__import_code__init($0) }
        c.pointee.code = arena.cString(code)
        c.pointee.max_uses = maxUses
        c.pointee.owner_id = arena.cString(ownerId)
        return c
    }
}

extension ImportRejection: CBridged {
    init(c: UnsafePointer<Promo__V1__ImportRejection>) throws(WireError) {
        index = c.pointee.index
        code = try CDecode.string(c.pointee.code, "import_rejection.code")
        reason = try CDecode.string(c.pointee.reason, "import_rejection.reason")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ImportRejection> {
        let c = arena.make(Promo__V1__ImportRejection.self) { promo__v1__import_rejection__init($0) }
        c.pointee.index = index
        c.pointee.code = arena.cString(code)
        c.pointee.reason = arena.cString(reason)
        return c
    }
}

extension ApiKeyInfo: CBridged {
    init(c: UnsafePointer<Promo__V1__ApiKeyInfo>) throws(WireError) {
        let m = c.pointee
        keyId = try CDecode.string(m.key_id, "api_key.key_id")
        name = try CDecode.string(m.name, "api_key.name")
        role = try CDecode.string(m.role, "api_key.role")
        campaignIds = try CDecode.strings(m.n_campaign_ids, m.campaign_ids, "api_key.campaign_ids")
        createdAtMs = m.created_at_ms
        revoked = CDecode.bool(m.revoked)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ApiKeyInfo> {
        let c = arena.make(Promo__V1__ApiKeyInfo.self) { promo__v1__api_key_info__init($0) }
        c.pointee.key_id = arena.cString(keyId)
        c.pointee.name = arena.cString(name)
        c.pointee.role = arena.cString(role)
        (c.pointee.n_campaign_ids, c.pointee.campaign_ids) = arena.cStrings(campaignIds)
        c.pointee.created_at_ms = createdAtMs
        c.pointee.revoked = arena.cBool(revoked)
        return c
    }
}
