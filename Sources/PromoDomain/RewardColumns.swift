/// A reward flattened into the columns both stores keep it in: one amount column holds minor units, spins or
/// points by kind. Pure mapping, shared so the SQLite and PostgreSQL stores cannot drift apart.
public struct RewardColumns: Sendable, Equatable {
    public var kind: String
    public var amount: Int64
    public var currency: String
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

    public init(_ reward: Reward) {
        switch reward {
        case .bonus(let amountMinor, let currency):
            self.init(kind: "bonus", amount: amountMinor, currency: currency, percent: 0, capMinor: 0, gameId: "")
        case .depositMatch(let percent, let capMinor, let currency):
            self.init(kind: "deposit_match", amount: 0, currency: currency, percent: percent, capMinor: capMinor, gameId: "")
        case .freeSpins(let count, let gameId):
            self.init(kind: "free_spins", amount: Int64(count), currency: "", percent: 0, capMinor: 0, gameId: gameId)
        case .loyaltyPoints(let amount):
            self.init(kind: "loyalty_points", amount: amount, currency: "", percent: 0, capMinor: 0, gameId: "")
        }
    }

    public var reward: Reward {
        switch kind {
        case "deposit_match": .depositMatch(percent: percent, capMinor: capMinor, currency: currency)
        case "free_spins": .freeSpins(count: UInt32(clamping: amount), gameId: gameId)
        case "loyalty_points": .loyaltyPoints(amount: amount)
        default: .bonus(amountMinor: amount, currency: currency)
        }
    }
}
