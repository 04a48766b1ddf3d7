/// The answer to "may this user redeem this code now?".
public struct RedemptionOutcome: Sendable, Hashable {
    public var verdict: Verdict
    /// Uses anyone may still take: the tighter of the campaign's and the code's limits, before this
    /// call's own redemption. Per-user limits are not included, since they differ by user.
    /// `.limited(0)` when the code is not found.
    public var remaining: UsesRemaining
    /// What a redemption grants (see `Reward.grantedAmount`); nil unless the verdict is `ok`.
    public var grantedAmount: Int64?
    /// What the campaign's budget has left before this call, in the budget's unit; 0 without a budget
    /// (or without a code).
    public var budgetRemaining: Int64

    public init(verdict: Verdict, remaining: UsesRemaining, grantedAmount: Int64? = nil, budgetRemaining: Int64 = 0) {
        self.verdict = verdict
        self.remaining = remaining
        self.grantedAmount = grantedAmount
        self.budgetRemaining = budgetRemaining
    }
}
