/// What one redemption grants. Each case carries exactly the fields that kind needs, so a bonus can
/// never carry a stray percentage.
public enum Reward: Sendable, Hashable {
    /// A fixed amount of money.
    case bonus(amountMinor: Int64, currency: String)
    /// `percent` of the qualifying deposit, at most `capMinor`.
    case depositMatch(percent: UInt32, capMinor: Int64, currency: String)
    case freeSpins(count: UInt32, gameId: String)
    /// Points have no currency.
    case loyaltyPoints(amount: Int64)

    public var kind: RewardKind {
        switch self {
        case .bonus: .bonus
        case .depositMatch: .depositMatch
        case .freeSpins: .freeSpins
        case .loyaltyPoints: .loyaltyPoints
        }
    }

    /// The currency of a money reward; nil for spins and points.
    public var currency: String? {
        switch self {
        case .bonus(_, let currency), .depositMatch(_, _, let currency): currency
        case .freeSpins, .loyaltyPoints: nil
        }
    }

    /// What a redemption grants, in the reward's own unit: minor units of `currency` for money, spins
    /// for free spins, points for loyalty points.
    ///
    /// `depositMinor` must already be in the reward's currency; a negative deposit counts as none.
    /// Deposit matches round down, so the operator never pays a fraction of a minor unit more than
    /// promised, and never overflow: an exact product above `Int64.max` is certainly above the cap.
    public func grantedAmount(depositMinor: Int64) -> Int64 {
        switch self {
        case .bonus(let amountMinor, _):
            return amountMinor
        case .depositMatch(let percent, let capMinor, _):
            let matched = Self.percentOf(max(depositMinor, 0), percent: Int64(percent))
            return min(matched, capMinor)
        case .freeSpins(let count, _):
            return Int64(count)
        case .loyaltyPoints(let amount):
            return amount
        }
    }

    /// The unit a campaign budget with this reward counts in: the currency for money, "spins" for free
    /// spins (of any game), "points" for loyalty points. A grant spends a campaign's budget only in its unit.
    public var budgetUnit: String {
        switch self {
        case .bonus(_, let currency), .depositMatch(_, _, let currency): currency
        case .freeSpins: "spins"
        case .loyaltyPoints: "points"
        }
    }

    /// floor(amount * percent / 100) for amount >= 0, saturating at `Int64.max`. Splitting the amount
    /// into hundreds and a remainder keeps the exact floor without a wider integer type.
    static func percentOf(_ amount: Int64, percent: Int64) -> Int64 {
        let (hundreds, remainder) = amount.quotientAndRemainder(dividingBy: 100)
        let (whole, overflow) = hundreds.multipliedReportingOverflow(by: percent)
        if overflow { return .max }
        let (total, overflowAdding) = whole.addingReportingOverflow(remainder * percent / 100)
        return overflowAdding ? .max : total
    }
}

/// The kind of a reward without its fields; raw values are stable identifiers for storage.
public enum RewardKind: String, Sendable, Hashable, CaseIterable {
    case bonus
    case depositMatch = "deposit_match"
    case freeSpins = "free_spins"
    case loyaltyPoints = "loyalty_points"
}
