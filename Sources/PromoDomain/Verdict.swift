/// Why a code can or cannot be redeemed. Not an error: the game server shows the player the matching
/// message. Raw values are stable identifiers for storage and metrics labels.
public enum Verdict: String, Sendable, Hashable, CaseIterable {
    case ok
    case codeNotFound = "code_not_found"
    case codeInactive = "code_inactive"
    case campaignInactive = "campaign_inactive"
    case notYetValid = "not_yet_valid"
    case expired
    /// The campaign's total is used up.
    case limitReached = "limit_reached"
    /// This code's own uses are used up.
    case codeLimitReached = "code_limit_reached"
    /// This user has redeemed the campaign as often as allowed.
    case userLimitReached = "user_limit_reached"
    /// This user has redeemed the campaigns of the campaign's exclusive group as often as the group allows.
    case groupLimitReached = "group_limit_reached"
    /// The reward would take the campaign's standing spend past its budget.
    case budgetExhausted = "budget_exhausted"
    case notEligible = "not_eligible"
    case minDepositNotMet = "min_deposit_not_met"
    case rateLimited = "rate_limited"
    case reservationNotFound = "reservation_not_found"
    case reservationExpired = "reservation_expired"
    /// The player is blocked from every campaign or from this one (see `UserBlock`).
    case userBlocked = "user_blocked"
}
