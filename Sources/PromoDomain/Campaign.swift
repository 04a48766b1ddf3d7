/// A promotion: what it grants, when, to whom, and how often.
public struct Campaign: Sendable, Hashable, Identifiable {
    /// Assigned by the server.
    public var id: String
    public var name: String
    public var kind: CampaignKind
    public var reward: Reward
    /// Redeemable from this instant (inclusive)...
    public var startsAtMs: Int64
    /// ...until this one (exclusive); 0 = never expires.
    public var expiresAtMs: Int64
    public var isActive: Bool
    /// Redemptions over all codes and users; 0 = unlimited.
    public var maxRedemptions: UInt64
    /// Redemptions by one user over all of the campaign's codes; 0 = unlimited.
    public var maxPerUser: UInt32
    public var eligibility: Eligibility
    /// Free-form label of where the campaign comes from (e.g. an affiliate network).
    public var source: String
    public var createdAtMs: Int64
    /// The exclusive group the campaign belongs to (at most one); nil for none.
    public var groupId: String?
    /// Applies to every eligible player without a code (offers; validate and redeem by campaign id). The
    /// campaign's codes keep working.
    public var autoApply: Bool
    /// What the campaign may cost in all, in its reward's budget unit (`Reward.budgetUnit`): minor units of
    /// the currency for money (a deposit match costs what it credits), spins, or points; 0 = no budget.
    public var budgetMinor: Int64

    public init(
        id: String,
        name: String,
        kind: CampaignKind,
        reward: Reward,
        startsAtMs: Int64,
        expiresAtMs: Int64 = 0,
        isActive: Bool = true,
        maxRedemptions: UInt64 = 0,
        maxPerUser: UInt32 = 0,
        eligibility: Eligibility = .everyone,
        source: String = "",
        createdAtMs: Int64,
        groupId: String? = nil,
        autoApply: Bool = false,
        budgetMinor: Int64 = 0
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.reward = reward
        self.startsAtMs = startsAtMs
        self.expiresAtMs = expiresAtMs
        self.isActive = isActive
        self.maxRedemptions = maxRedemptions
        self.maxPerUser = maxPerUser
        self.eligibility = eligibility
        self.source = source
        self.createdAtMs = createdAtMs
        self.groupId = groupId
        self.autoApply = autoApply
        self.budgetMinor = budgetMinor
    }

    /// Budget left after `spent`, never negative; 0 without a budget.
    public func budgetRemaining(spent: Int64) -> Int64 {
        guard budgetMinor > 0 else { return 0 }
        let (left, overflow) = budgetMinor.subtractingReportingOverflow(spent)
        return overflow ? 0 : max(left, 0)
    }

    /// Whether a reward costing `cost` (in the budget's unit) fits what is left after `spent`.
    public func budgetAdmits(cost: Int64, spent: Int64) -> Bool {
        budgetMinor == 0 || cost <= budgetRemaining(spent: spent)
    }
}
