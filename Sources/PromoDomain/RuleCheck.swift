/// One rule of the verdict precedence (see `RedemptionCheck.evaluate`), in that order. Raw values are the
/// stable names on the wire (`RuleCheck.rule` in promo.proto): clients may switch on them.
public enum RedemptionRule: String, Sendable, Hashable, CaseIterable {
    case rateLimit = "rate_limit"
    /// The player is not blocked (globally or from this campaign); right after the rate limit.
    case userBlocked = "user_blocked"
    case codeExists = "code_exists"
    case codeActive = "code_active"
    case campaignActive = "campaign_active"
    case started
    case notExpired = "not_expired"
    case campaignLimit = "campaign_limit"
    case codeLimit = "code_limit"
    case userLimit = "user_limit"
    /// Only when the campaign is in an exclusive group.
    case groupLimit = "group_limit"
    /// Only when the campaign has a budget (`Campaign.budgetMinor` > 0).
    case budget
    /// The four parts of `Eligibility.admits`, each its own check; any failing is `notEligible`.
    case segment
    case newUser = "new_user"
    case country
    case vipLevel = "vip_level"
    case minDeposit = "min_deposit"
    /// Only when the call names a reservation.
    case reservation
}

/// How one rule came out for one call, with a plain-language detail a support agent can read out to the
/// player ("campaign limit: 1,000 of 1,000 used"). The detail is for people: never parse it.
public struct RuleCheck: Sendable, Hashable {
    public var rule: RedemptionRule
    public var passed: Bool
    public var detail: String

    public init(rule: RedemptionRule, passed: Bool, detail: String) {
        self.rule = rule
        self.passed = passed
        self.detail = detail
    }
}

/// The verdict and every check that led to it.
public struct RedemptionExplanation: Sendable, Hashable {
    public var outcome: RedemptionOutcome
    /// Every rule the precedence consults, in its order; the outcome's verdict is the first that failed.
    /// Ends after `codeExists` when there is no code, since nothing else can be judged without it.
    public var checks: [RuleCheck]
}

/// Walks the rules in precedence order and remembers the first failure. Without `explaining` it stops there
/// and never builds a detail string, so the game servers' hot path pays for nothing it does not use.
struct RuleWalk {
    let explaining: Bool
    /// The first rule that failed.
    private(set) var verdict: Verdict?
    private(set) var checks: [RuleCheck] = []

    init(explaining: Bool) {
        self.explaining = explaining
    }

    /// Records `rule`; true when the walk goes on (it passed, or every rule is wanted).
    @inline(__always)
    mutating func goesOn(
        _ rule: RedemptionRule, passes: Bool, else failing: Verdict, _ detail: @autoclosure () -> String
    ) -> Bool {
        if !passes && verdict == nil { verdict = failing }
        if explaining { checks.append(RuleCheck(rule: rule, passed: passes, detail: detail())) }
        return passes || explaining
    }
}
