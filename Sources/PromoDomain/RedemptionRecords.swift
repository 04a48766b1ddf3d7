/// What redemptions, grants, offers and failed attempts are in storage: the values `RedemptionStorage` takes and
/// returns.

/// A code as presented by a game server, with who presents it and what they deposit.
public struct RedemptionRequest: Sendable, Hashable {
    public var code: String
    public var user: UserContext
    public var deposit: Deposit
    /// The reservation this request consumes (redeem) or names (validate); nil for none.
    public var reservationId: String?
    /// With `code` empty: the auto-apply campaign this codeless call is for (one that is not auto-apply is
    /// judged `codeNotFound`).
    public var campaignId: String?

    public init(
        code: String, user: UserContext, deposit: Deposit = .none, reservationId: String? = nil,
        campaignId: String? = nil
    ) {
        self.code = code
        self.user = user
        self.deposit = deposit
        self.reservationId = reservationId
        self.campaignId = campaignId
    }
}

/// The verdict for a request, and what it was judged against.
public struct CheckResult: Sendable, Hashable {
    public var outcome: RedemptionOutcome
    public var code: PromoCode?
    public var campaign: Campaign?
    /// The campaign's exclusive group, when it is in one.
    public var group: Group?
    /// Every rule consulted, with `explain`; empty otherwise.
    public var checks: [RuleCheck] = []

    public init(
        outcome: RedemptionOutcome, code: PromoCode? = nil, campaign: Campaign? = nil, group: Group? = nil,
        checks: [RuleCheck] = []
    ) {
        self.outcome = outcome
        self.code = code
        self.campaign = campaign
        self.group = group
        self.checks = checks
    }
}

/// What a redemption granted, frozen at the time of redemption.
public struct GrantedReward: Sendable, Hashable {
    /// A RewardKind raw value.
    public var kind: String
    /// Minor units for money, spins for free spins, points for loyalty points.
    public var amount: Int64
    public var currency: String
    /// Deposit matches only: the terms the amount was computed with.
    public var percent: UInt32
    public var capMinor: Int64
    public var gameId: String

    public init(kind: String, amount: Int64, currency: String, percent: UInt32, capMinor: Int64, gameId: String) {
        self.kind = kind
        self.amount = amount
        self.currency = currency
        self.percent = percent
        self.capMinor = capMinor
        self.gameId = gameId
    }
}

public struct Redemption: Sendable, Hashable {
    public var id: String
    public var campaignId: String
    public var codeDisplay: String
    public var userId: String
    public var source: String
    public var reward: GrantedReward
    public var redeemedAtMs: Int64
    public var voidedAtMs: Int64?
    public var voidReason: String?
    /// A manual credit (`grant`), not a code's redemption: no code, the campaign optional.
    public var isGrant: Bool = false
    /// The grant's reason; empty for redemptions.
    public var reason: String = ""
    /// The API key id that made the grant; empty for redemptions.
    public var grantedBy: String = ""

    public init(
        id: String, campaignId: String, codeDisplay: String, userId: String, source: String, reward: GrantedReward,
        redeemedAtMs: Int64, voidedAtMs: Int64? = nil, voidReason: String? = nil, isGrant: Bool = false,
        reason: String = "", grantedBy: String = ""
    ) {
        self.id = id
        self.campaignId = campaignId
        self.codeDisplay = codeDisplay
        self.userId = userId
        self.source = source
        self.reward = reward
        self.redeemedAtMs = redeemedAtMs
        self.voidedAtMs = voidedAtMs
        self.voidReason = voidReason
        self.isGrant = isGrant
        self.reason = reason
        self.grantedBy = grantedBy
    }
}

public struct RedeemCommand: Sendable, Hashable {
    public var request: RedemptionRequest
    public var source: String
    /// With `apiKeyId`, makes the command idempotent; nil or empty for none.
    public var idempotencyKey: String?
    public var apiKeyId: String
    /// The id the redemption gets if it succeeds (ids come from the caller so the store needs no randomness).
    public var newRedemptionId: String
    public var nowMs: Int64

    public init(
        request: RedemptionRequest, source: String, idempotencyKey: String?, apiKeyId: String,
        newRedemptionId: String, nowMs: Int64
    ) {
        self.request = request
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.apiKeyId = apiKeyId
        self.newRedemptionId = newRedemptionId
        self.nowMs = nowMs
    }
}

public struct RedeemResult: Sendable, Hashable {
    public var verdict: Verdict
    public var campaignId: String
    /// Set when the verdict is OK.
    public var redemption: Redemption?
    /// True when this is the stored answer to an earlier command with the same idempotency key.
    public var replayed: Bool

    public init(verdict: Verdict, campaignId: String, redemption: Redemption? = nil, replayed: Bool) {
        self.verdict = verdict
        self.campaignId = campaignId
        self.redemption = redemption
        self.replayed = replayed
    }
}

/// Where a history page continues.
public struct RedemptionCursor: Sendable, Hashable {
    public var redeemedAtMs: Int64
    public var id: String
    public init(redeemedAtMs: Int64, id: String) {
        self.redeemedAtMs = redeemedAtMs
        self.id = id
    }
}

/// A manual credit: a reward given to a player without a code, with a reason.
public struct GrantCommand: Sendable, Hashable {
    public var user: UserContext
    /// Bonus, free spins or loyalty points (a deposit match has no deposit to match here).
    public var reward: Reward
    public var reason: String
    /// The campaign whose budget the grant spends and whose report counts it; nil for none.
    public var campaignId: String?
    /// With `apiKeyId`, makes the grant idempotent; nil or empty for none.
    public var idempotencyKey: String?
    /// The key that grants: recorded as `granted_by`.
    public var apiKeyId: String
    public var newGrantId: String
    public var nowMs: Int64

    public init(
        user: UserContext, reward: Reward, reason: String, campaignId: String?, idempotencyKey: String?,
        apiKeyId: String, newGrantId: String, nowMs: Int64
    ) {
        self.user = user
        self.reward = reward
        self.reason = reason
        self.campaignId = campaignId
        self.idempotencyKey = idempotencyKey
        self.apiKeyId = apiKeyId
        self.newGrantId = newGrantId
        self.nowMs = nowMs
    }
}

public struct GrantResult: Sendable, Hashable {
    /// The grant as recorded (`isGrant` set).
    public var grant: Redemption
    /// True when this is the grant an earlier command with the same idempotency key made.
    public var replayed: Bool

    public init(grant: Redemption, replayed: Bool) {
        self.grant = grant
        self.replayed = replayed
    }
}

/// One auto-apply campaign as offered to one player now.
public struct OfferResult: Sendable, Hashable {
    public var campaign: Campaign
    public var counters: CampaignCounters
    /// The verdict and remaining uses a codeless redeem of the campaign would get now.
    public var result: CheckResult

    public init(campaign: Campaign, counters: CampaignCounters, result: CheckResult) {
        self.campaign = campaign
        self.counters = counters
        self.result = result
    }
}

/// One failed validate or redeem of a known campaign, for the failure totals.
public struct FailureEvent: Sendable, Hashable {
    public var campaignId: String
    public var verdict: Verdict
    public var atMs: Int64
    public var ip: String
    public var deviceId: String
    public var userId: String

    public init(campaignId: String, verdict: Verdict, atMs: Int64, ip: String, deviceId: String, userId: String) {
        self.campaignId = campaignId
        self.verdict = verdict
        self.atMs = atMs
        self.ip = ip
        self.deviceId = deviceId
        self.userId = userId
    }
}
