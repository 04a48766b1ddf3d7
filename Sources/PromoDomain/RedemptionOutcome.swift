/// The answer to "may this user redeem this code now?".
public struct RedemptionOutcome: Sendable, Hashable {
    public var verdict: Verdict
    /// Uses anyone may still take: the tighter of the campaign's and the code's limits, before this
    /// call's own redemption. Per-user limits are not included, since they differ by user.
    /// `.limited(0)` when the code is not found.
    public var remaining: UsesRemaining
    /// What a redemption grants (see `Reward.grantedAmount`); nil unless the verdict is `ok`.
    public var grantedAmount: Int64?

    public init(verdict: Verdict, remaining: UsesRemaining, grantedAmount: Int64? = nil) {
        self.verdict = verdict
        self.remaining = remaining
        self.grantedAmount = grantedAmount
    }
}
