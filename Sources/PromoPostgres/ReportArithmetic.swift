import PromoDomain

/// Hours and sums for the report totals, as the SQLite store keeps them.
let hourMs: Int64 = 3_600_000

/// The UTC hour that holds `ms` (floor, negative times included).
func hourStart(_ ms: Int64) -> Int64 { ms - ((ms % hourMs) + hourMs) % hourMs }

/// a + b, or the largest value when that overflows: for report totals, where a clamped figure beats a trap.
func saturatingSum<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b > 0 ? .max : .min) : sum
}

/// PostgreSQL's sum() of bigints is numeric: clamped into bigint, so that a report never fails with "bigint
/// out of range" where the SQLite store saturates.
func saturatedBigint(_ expression: String) -> String {
    "least(\(expression), 9223372036854775807)::bigint"
}

/// The report key that grants naming a campaign count under in its sources.
let grantSource = "grant"

/// An auto-apply campaign's entry (`CodeText.autoEntry`) is a row of `codes` but not one of its codes.
func notAutoEntry(_ table: String) -> String {
    "left(\(table).key, \(CodeText.autoEntryPrefix.utf8.count)) <> '\(CodeText.autoEntryPrefix)'"
}
