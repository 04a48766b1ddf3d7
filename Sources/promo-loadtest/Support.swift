import Synchronization

#if canImport(Glibc)
import Glibc
#endif

enum Stderr {
    /// A line on standard error (fd 2), so stdout stays one table or one JSON object.
    static func line(_ line: String) { write(line + "\n") }

    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

enum Seconds {
    static func of(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func duration(_ seconds: Double) -> Duration { .nanoseconds(Int64((seconds * 1e9).rounded())) }

    /// Whole microseconds, at least 1 (the histograms' lowest value), negative durations as 1.
    static func micros(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return 1 }
        return max(1, UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000))
    }
}

enum Format {
    /// `value` with `digits` decimals, without Foundation.
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = UInt64(scaled / scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let fraction = String(UInt64(scaled) - whole * UInt64(scale))
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return text
    }

    /// 1234567 as "1,234,567".
    static func grouped(_ value: UInt64) -> String {
        var digits = Array(String(value))
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: index)
            index -= 3
        }
        return String(digits)
    }
}

/// A shared, lock-free counter handing out 0, 1, 2, …
final class AtomicCounter: Sendable {
    private let counter = Atomic<UInt64>(0)

    init() {}

    func next() -> UInt64 { counter.add(1, ordering: .relaxed).oldValue }
    func add(_ amount: UInt64) { counter.add(amount, ordering: .relaxed) }
    var value: UInt64 { counter.load(ordering: .relaxed) }
}
