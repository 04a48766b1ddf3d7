import ArgumentParser
import PromoWire

// Command-line names of the wire enums, and readable forms of rewards, money and times.

enum CampaignKindName: String, ExpressibleByArgument, CaseIterable {
    case welcome, deposit, freeSpins = "free-spins", vip, affiliate, seasonal, other

    var wire: CampaignKind {
        switch self {
        case .welcome: .welcome
        case .deposit: .deposit
        case .freeSpins: .freeSpins
        case .vip: .vip
        case .affiliate: .affiliate
        case .seasonal: .seasonal
        case .other: .other
        }
    }

    /// The command-line name of a wire value; unknown values as their number.
    static func name(of kind: CampaignKind) -> String {
        allCases.first { $0.wire == kind }?.rawValue ?? "\(kind)"
    }
}

enum RewardKindName: String, ExpressibleByArgument, CaseIterable {
    case bonus, depositMatch = "deposit-match", freeSpins = "free-spins", loyaltyPoints = "loyalty-points"

    var wire: RewardKind {
        switch self {
        case .bonus: .bonus
        case .depositMatch: .depositMatch
        case .freeSpins: .freeSpins
        case .loyaltyPoints: .loyaltyPoints
        }
    }

    static func name(of kind: RewardKind) -> String {
        allCases.first { $0.wire == kind }?.rawValue ?? "\(kind)"
    }
}

enum RoleName: String, ExpressibleByArgument, CaseIterable {
    case redeemer, issuer, analyst, manager, admin
}

enum BucketName: String, ExpressibleByArgument, CaseIterable {
    case hour, day

    var wire: BucketWidth { self == .hour ? .hour : .day }
}

extension ExpressibleByArgument where Self: CaseIterable & RawRepresentable, RawValue == String {
    /// "a|b|c", for help texts.
    static var choices: String { allCases.map(\.rawValue).joined(separator: "|") }
}

enum Format {
    /// ISO-8601 UTC, or `never`/`-` for 0 as `zero` says.
    static func time(_ ms: Int64, zero: String = "-") -> String {
        ms == 0 ? zero : ISO8601.format(ms)
    }

    /// Digits after the decimal point of ISO 4217 currencies that do not use two.
    private static let minorDigits: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
        "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]

    /// 12345 EUR → "123.45 EUR"; without a currency, the bare number of minor units.
    static func money(_ amountMinor: Int64, _ currency: String) -> String {
        guard !currency.isEmpty else { return grouped(amountMinor) }
        let digits = minorDigits[currency.uppercased()] ?? 2
        guard digits > 0 else { return "\(grouped(amountMinor)) \(currency)" }
        var divisor: Int64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let whole = amountMinor / divisor
        let fraction = String(amountMinor.magnitude % UInt64(divisor))
        let sign = amountMinor < 0 && whole == 0 ? "-" : ""
        return sign + grouped(whole) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
            + " " + currency
    }

    static func reward(_ reward: Reward?) -> String {
        guard let reward else { return "-" }
        switch reward.kind {
        case .bonus:
            return "\(money(reward.amountMinor, reward.currency)) bonus"
        case .depositMatch:
            let cap = reward.capMinor > 0 ? " up to \(money(reward.capMinor, reward.currency))" : ""
            return "\(reward.percent)% deposit match\(cap)"
        case .freeSpins:
            return "\(grouped(reward.freeSpins)) free spins" + (reward.gameId.isEmpty ? "" : " on \(reward.gameId)")
        case .loyaltyPoints:
            return "\(grouped(reward.amountMinor)) loyalty points"
        default:
            return "\(reward.kind)"
        }
    }

    /// "12 / 1,000" or "12 / unlimited".
    static func used(_ count: UInt64, of limit: UInt64) -> String {
        "\(grouped(count)) / " + (limit == 0 ? "unlimited" : grouped(limit))
    }

    static func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }
}

extension Reward {
    var json: JSON {
        .object([
            ("kind", .string(RewardKindName.name(of: kind))),
            ("amount_minor", .number(amountMinor)),
            ("currency", .string(currency)),
            ("percent", .number(percent)),
            ("cap_minor", .number(capMinor)),
            ("free_spins", .number(freeSpins)),
            ("game_id", .string(gameId)),
        ])
    }
}
