/// How marketing classifies a campaign. It does not constrain the reward: a welcome campaign may grant
/// free spins. Raw values are stable identifiers for storage and metrics labels.
public enum CampaignKind: String, Sendable, Hashable, CaseIterable {
    case welcome
    case deposit
    case freeSpins = "free_spins"
    case vip
    case affiliate
    case seasonal
    case other
}
