/// The deposit a redemption is tied to, as the game server reports it.
public struct Deposit: Sendable, Hashable {
    public var amountMinor: Int64
    /// ISO 4217; empty with no deposit.
    public var currency: String

    public init(amountMinor: Int64, currency: String) {
        self.amountMinor = amountMinor
        self.currency = currency
    }

    public static let none = Deposit(amountMinor: 0, currency: "")

    public func validate(field: String = "deposit", limits: DomainLimits = .default) throws(DomainError) {
        if amountMinor < 0 { throw .invalidArgument("\(field).amountMinor: must not be negative") }
        if amountMinor > limits.depositAmountMax {
            throw .invalidArgument("\(field).amountMinor: \(amountMinor), at most \(limits.depositAmountMax)")
        }
        if amountMinor == 0 && currency.isEmpty { return }
        try FieldRules.requireCurrency(currency, field: "\(field).currency")
    }

    /// The part of this deposit that counts toward `reward`: all of it when the currencies agree or the
    /// reward has none, nothing otherwise, since minor units of different currencies do not compare.
    public func qualifyingMinor(for reward: Reward) -> Int64 {
        let amount = max(amountMinor, 0)
        guard let rewardCurrency = reward.currency else { return amount }
        return ASCII.equalsIgnoringCase(rewardCurrency, currency) ? amount : 0
    }
}
