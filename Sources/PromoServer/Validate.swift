import PromoDomain

/// Checks of raw request fields that several services share, each failing with INVALID_ARGUMENT.
enum Validate {
    private static let limits = DomainLimits.default

    /// An id: 1...idBytesMax bytes, no control characters. Checked before any lookup, so an absurd id is
    /// refused as such rather than looked up.
    static func identifier(_ value: String, _ field: String) throws(ServerError) {
        let bytes = value.utf8.count
        guard bytes >= 1, bytes <= limits.idBytesMax, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw ServerError(.invalidArgument, "\(field) must be 1...\(limits.idBytesMax) bytes without control characters")
        }
    }

    /// A use limit: stored as a signed 64-bit integer, so anything larger is refused instead of clamped.
    static func limit(_ value: UInt64, _ field: String) throws(ServerError) {
        guard value <= UInt64(Int64.max) else {
            throw ServerError(.invalidArgument, "\(field) must be at most \(Int64.max) (0 = unlimited)")
        }
    }
}
