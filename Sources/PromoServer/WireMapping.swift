import PromoDomain
import PromoWire

/// Converts between the wire's plain messages and the domain's checked values. The only file that sees
/// both, which is why every type here is module-qualified. Unknown enum values from newer clients are
/// refused here with INVALID_ARGUMENT; everything else is validated by the domain.
enum WireMapping {
    // MARK: Wire → domain

    static func campaign(_ wire: PromoWire.Campaign, id: String, createdAtMs: Int64) throws(ServerError) -> PromoDomain.Campaign {
        guard let reward = wire.reward else { throw ServerError(.invalidArgument, "campaign.reward is required") }
        return PromoDomain.Campaign(
            id: id, name: wire.name, kind: try campaignKind(wire.kind), reward: try self.reward(reward),
            startsAtMs: wire.startsAtMs, expiresAtMs: wire.expiresAtMs, isActive: wire.active,
            maxRedemptions: wire.maxRedemptions, maxPerUser: wire.maxPerUser,
            eligibility: eligibility(wire.eligibility), source: wire.source, createdAtMs: createdAtMs,
            groupId: wire.groupId.isEmpty ? nil : wire.groupId, autoApply: wire.autoApply, budgetMinor: wire.budgetMinor)
    }

    static func campaignKind(_ kind: PromoWire.CampaignKind) throws(ServerError) -> PromoDomain.CampaignKind {
        switch kind {
        case .welcome: .welcome
        case .deposit: .deposit
        case .freeSpins: .freeSpins
        case .vip: .vip
        case .affiliate: .affiliate
        case .seasonal: .seasonal
        case .other: .other
        default: throw ServerError(.invalidArgument, "campaign.kind: \(kind) is not a campaign kind")
        }
    }

    static func reward(_ wire: PromoWire.Reward) throws(ServerError) -> PromoDomain.Reward {
        switch wire.kind {
        case .bonus: return .bonus(amountMinor: wire.amountMinor, currency: wire.currency)
        case .depositMatch: return .depositMatch(percent: wire.percent, capMinor: wire.capMinor, currency: wire.currency)
        case .freeSpins: return .freeSpins(count: wire.freeSpins, gameId: wire.gameId)
        case .loyaltyPoints: return .loyaltyPoints(amount: wire.amountMinor)
        default: throw ServerError(.invalidArgument, "reward.kind: \(wire.kind) is not a reward kind")
        }
    }

    static func eligibility(_ wire: PromoWire.Eligibility?) -> PromoDomain.Eligibility {
        guard let wire else { return .everyone }
        return PromoDomain.Eligibility(
            segments: wire.segments, newUsersOnly: wire.newUsersOnly, newUserWindowMs: wire.newUserWindowMs,
            minDepositMinor: wire.minDepositMinor, countries: wire.countries, minVipLevel: wire.minVipLevel)
    }

    static func user(_ wire: PromoWire.UserContext?) throws(ServerError) -> PromoDomain.UserContext {
        guard let wire, !wire.userId.isEmpty else { throw ServerError(.invalidArgument, "user.user_id is required") }
        let user = PromoDomain.UserContext(
            userId: wire.userId, segments: wire.segments, registeredAtMs: wire.registeredAtMs == 0 ? nil : wire.registeredAtMs,
            country: wire.country, vipLevel: wire.vipLevel, ip: wire.ip, deviceId: wire.deviceId)
        do { try user.validate() } catch { throw ServerError(wrapping: error) }
        return user
    }

    static func deposit(minor: Int64, currency: String) throws(ServerError) -> Deposit {
        let deposit = minor == 0 && currency.isEmpty ? Deposit.none : Deposit(amountMinor: minor, currency: currency)
        do { try deposit.validate() } catch { throw ServerError(wrapping: error) }
        return deposit
    }

    // MARK: Domain → wire

    static func wire(_ campaign: PromoDomain.Campaign, _ counters: CampaignCounters) -> PromoWire.Campaign {
        PromoWire.Campaign.with {
            $0.id = campaign.id
            $0.name = campaign.name
            $0.kind = wire(campaign.kind)
            $0.reward = wire(campaign.reward)
            $0.startsAtMs = campaign.startsAtMs
            $0.expiresAtMs = campaign.expiresAtMs
            $0.active = campaign.isActive
            $0.maxRedemptions = campaign.maxRedemptions
            $0.maxPerUser = campaign.maxPerUser
            $0.eligibility = wire(campaign.eligibility)
            $0.source = campaign.source
            $0.createdAtMs = campaign.createdAtMs
            $0.groupId = campaign.groupId ?? ""
            $0.autoApply = campaign.autoApply
            $0.budgetMinor = campaign.budgetMinor
            $0.stats = CampaignStats.with { stats in
                stats.redemptions = counters.redemptions
                stats.uniqueUsers = counters.uniqueUsers
                stats.unlimited = campaign.maxRedemptions == 0
                stats.remaining = campaign.maxRedemptions == 0 ? 0 : campaign.maxRedemptions &- min(counters.redemptions, campaign.maxRedemptions)
                stats.budgetSpentMinor = counters.budgetSpentMinor
                stats.budgetRemainingMinor = campaign.budgetRemaining(spent: counters.budgetSpentMinor)
            }
        }
    }

    static func wire(_ kind: PromoDomain.CampaignKind) -> PromoWire.CampaignKind {
        switch kind {
        case .welcome: .welcome
        case .deposit: .deposit
        case .freeSpins: .freeSpins
        case .vip: .vip
        case .affiliate: .affiliate
        case .seasonal: .seasonal
        case .other: .other
        }
    }

    /// The campaign's reward terms; with `granted`, `amount_minor` (or `free_spins`) is what was granted.
    static func wire(_ reward: PromoDomain.Reward, granted: Int64? = nil) -> PromoWire.Reward {
        PromoWire.Reward.with {
            switch reward {
            case .bonus(let amountMinor, let currency):
                $0.kind = .bonus
                $0.amountMinor = granted ?? amountMinor
                $0.currency = currency
            case .depositMatch(let percent, let capMinor, let currency):
                $0.kind = .depositMatch
                $0.percent = percent
                $0.capMinor = capMinor
                $0.currency = currency
                $0.amountMinor = granted ?? 0
            case .freeSpins(let count, let gameId):
                $0.kind = .freeSpins
                $0.freeSpins = granted.map { UInt32(clamping: $0) } ?? count
                $0.gameId = gameId
            case .loyaltyPoints(let amount):
                $0.kind = .loyaltyPoints
                $0.amountMinor = granted ?? amount
            }
        }
    }

    static func wire(_ granted: GrantedReward) -> PromoWire.Reward {
        PromoWire.Reward.with {
            switch PromoDomain.RewardKind(rawValue: granted.kind) {
            case .bonus, nil: $0.kind = .bonus
            case .depositMatch: $0.kind = .depositMatch
            case .freeSpins: $0.kind = .freeSpins
            case .loyaltyPoints: $0.kind = .loyaltyPoints
            }
            if $0.kind == .freeSpins {
                $0.freeSpins = UInt32(clamping: granted.amount)
            } else {
                $0.amountMinor = granted.amount
            }
            $0.currency = granted.currency
            $0.percent = granted.percent
            $0.capMinor = granted.capMinor
            $0.gameId = granted.gameId
        }
    }

    static func wire(_ eligibility: PromoDomain.Eligibility) -> PromoWire.Eligibility {
        PromoWire.Eligibility.with {
            $0.segments = eligibility.segments
            $0.newUsersOnly = eligibility.newUsersOnly
            $0.newUserWindowMs = eligibility.newUserWindowMs
            $0.minDepositMinor = eligibility.minDepositMinor
            $0.countries = eligibility.countries
            $0.minVipLevel = eligibility.minVipLevel
        }
    }

    static func wire(_ verdict: PromoDomain.Verdict) -> PromoWire.Verdict {
        switch verdict {
        case .ok: .ok
        case .codeNotFound: .codeNotFound
        case .codeInactive: .codeInactive
        case .campaignInactive: .campaignInactive
        case .notYetValid: .notYetValid
        case .expired: .expired
        case .limitReached: .limitReached
        case .codeLimitReached: .codeLimitReached
        case .userLimitReached: .userLimitReached
        case .groupLimitReached: .groupLimitReached
        case .budgetExhausted: .budgetExhausted
        case .notEligible: .notEligible
        case .minDepositNotMet: .minDepositNotMet
        case .rateLimited: .rateLimited
        case .reservationNotFound: .reservationNotFound
        case .reservationExpired: .reservationExpired
        case .userBlocked: .userBlocked
        }
    }

    static func wire(_ check: PromoDomain.RuleCheck) -> PromoWire.RuleCheck {
        PromoWire.RuleCheck.with {
            $0.rule = check.rule.rawValue
            $0.passed = check.passed
            $0.detail = check.detail
        }
    }

    static func wire(_ group: PromoDomain.Group) -> PromoWire.Group {
        PromoWire.Group.with {
            $0.id = group.id
            $0.name = group.name
            $0.maxPerUser = group.maxPerUser
            $0.createdAtMs = group.createdAtMs
        }
    }

    static func wire(_ block: UserBlock) -> PromoWire.Block {
        PromoWire.Block.with {
            $0.id = block.id
            $0.userId = block.userId
            $0.reason = block.reason
            $0.untilMs = block.untilMs
            $0.campaignId = block.campaignId ?? ""
            $0.createdAtMs = block.createdAtMs
            $0.createdBy = block.createdBy
        }
    }

    static func wire(_ code: PromoCode) -> CodeInfo {
        CodeInfo.with {
            $0.code = code.code.display
            $0.campaignId = code.campaignId
            $0.active = code.isActive
            $0.maxUses = code.maxUses
            $0.uses = code.uses
            $0.ownerId = code.ownerId ?? ""
            $0.batchId = code.batchId ?? ""
            $0.createdAtMs = code.createdAtMs
        }
    }

    static func wire(_ redemption: Redemption) -> RedemptionInfo {
        RedemptionInfo.with {
            $0.redemptionId = redemption.id
            $0.code = redemption.codeDisplay
            $0.campaignId = redemption.campaignId
            $0.userId = redemption.userId
            $0.reward = wire(redemption.reward)
            $0.redeemedAtMs = redemption.redeemedAtMs
            $0.voided = redemption.voidedAtMs != nil
            $0.voidedAtMs = redemption.voidedAtMs ?? 0
            $0.voidReason = redemption.voidReason ?? ""
            $0.source = redemption.source
            $0.grant = redemption.isGrant
            $0.reason = redemption.reason
            $0.grantedBy = redemption.grantedBy
        }
    }
}
