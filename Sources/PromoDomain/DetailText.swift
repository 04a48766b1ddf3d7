/// Numbers, money, times and lists as the rule details write them: "1,000", "10.00 EUR",
/// "2026-11-30 00:00 UTC", "7 days", "[vip, regular]". Pure, no Foundation.
enum DetailText {
    /// 1234567 → "1,234,567".
    static func grouped<T: BinaryInteger>(_ value: T) -> String {
        let digits = String(value.magnitude)
        var out = value < 0 ? "-" : ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return out
    }

    /// Digits after the decimal point of ISO 4217 currencies that do not use two.
    private static let minorDigits: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
        "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]

    /// 500 EUR → "5.00 EUR", 500 JPY → "500 JPY"; without a currency, the bare number of minor units.
    static func money(_ amountMinor: Int64, _ currency: String) -> String {
        guard !currency.isEmpty else { return grouped(amountMinor) }
        let digits = minorDigits[currency] ?? 2
        guard digits > 0 else { return "\(grouped(amountMinor)) \(currency)" }
        var divisor: UInt64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let whole = amountMinor.magnitude / divisor
        let fraction = String(amountMinor.magnitude % divisor)
        return (amountMinor < 0 ? "-" : "") + grouped(whole) + "."
            + String(repeating: "0", count: digits - fraction.count) + fraction + " " + currency
    }

    /// "2026-11-30 00:00 UTC"; seconds only when not zero.
    static func time(_ ms: Int64) -> String {
        let seconds = floorDivide(ms, 1_000)
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civilFromDays(days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + " " + pad(secondOfDay / 3_600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2)
        if secondOfDay % 60 != 0 { text += ":" + pad(secondOfDay % 60, 2) }
        return text + " UTC"
    }

    /// The largest one or two whole units: "7 days", "1 day 6 hours", "45 minutes", "12 seconds".
    static func duration(_ ms: Int64) -> String {
        let units: [(String, Int64)] = [("day", 86_400_000), ("hour", 3_600_000), ("minute", 60_000), ("second", 1_000)]
        let magnitude = ms.magnitude
        guard let first = units.firstIndex(where: { UInt64($0.1) <= magnitude }) else { return "\(ms) ms" }
        func part(_ count: UInt64, _ unit: String) -> String { "\(grouped(count)) \(unit)\(count == 1 ? "" : "s")" }
        let size = UInt64(units[first].1)
        var text = part(magnitude / size, units[first].0)
        if first + 1 < units.count {
            let next = UInt64(units[first + 1].1)
            let rest = magnitude % size / next
            if rest > 0 { text += " " + part(rest, units[first + 1].0) }
        }
        return ms < 0 ? "-" + text : text
    }

    /// "[vip, regular]"; "[]" when empty.
    static func list(_ values: [String]) -> String { "[" + values.joined(separator: ", ") + "]" }

    /// Rounds toward negative infinity, so times before 1970 land on the right day; cannot overflow.
    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func pad(_ value: Int, _ width: Int) -> String { pad(Int64(value), width) }

    /// The civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
