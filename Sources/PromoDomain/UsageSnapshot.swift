/// The counts the redemption rules need, read by the store in the same transaction that would consume a
/// use, so a limit cannot be passed between reading and writing.
///
/// Voided redemptions are not counted (a void gives the use back). Live reservations are counted because
/// they hold a use for someone; the one reservation that this very call redeems must be left out, or a
/// player holding the last use would be refused it.
public struct UsageSnapshot: Sendable, Hashable {
    public var campaignRedemptions: UInt64
    public var campaignReservations: UInt64
    public var codeRedemptions: UInt64
    public var codeReservations: UInt64
    /// This user's redemptions over all codes of the campaign.
    public var userRedemptions: UInt64
    public var userReservations: UInt64
    /// This user's redemptions over all campaigns of the campaign's exclusive group (0 without a group).
    public var groupRedemptions: UInt64
    public var groupReservations: UInt64
    /// What the campaign's standing redemptions and grants have spent of its budget, in the budget's unit
    /// (see `Reward.budgetUnit`). Reservations hold no budget: their reward is priced when redeemed.
    public var budgetSpent: Int64

    public init(
        campaignRedemptions: UInt64 = 0,
        campaignReservations: UInt64 = 0,
        codeRedemptions: UInt64 = 0,
        codeReservations: UInt64 = 0,
        userRedemptions: UInt64 = 0,
        userReservations: UInt64 = 0,
        groupRedemptions: UInt64 = 0,
        groupReservations: UInt64 = 0,
        budgetSpent: Int64 = 0
    ) {
        self.campaignRedemptions = campaignRedemptions
        self.campaignReservations = campaignReservations
        self.codeRedemptions = codeRedemptions
        self.codeReservations = codeReservations
        self.userRedemptions = userRedemptions
        self.userReservations = userReservations
        self.groupRedemptions = groupRedemptions
        self.groupReservations = groupReservations
        self.budgetSpent = budgetSpent
    }

    public static let none = UsageSnapshot()

    // Saturating: counts near UInt64.max cannot occur in practice, but must not trap if they did.
    var campaignUsed: UInt64 { Self.sum(campaignRedemptions, campaignReservations) }
    var codeUsed: UInt64 { Self.sum(codeRedemptions, codeReservations) }
    var userUsed: UInt64 { Self.sum(userRedemptions, userReservations) }
    var groupUsed: UInt64 { Self.sum(groupRedemptions, groupReservations) }

    private static func sum(_ lhs: UInt64, _ rhs: UInt64) -> UInt64 {
        let (total, overflow) = lhs.addingReportingOverflow(rhs)
        return overflow ? .max : total
    }
}
