/// A promo code as typed, normalised once so that lookups, uniqueness and display agree.
///
/// Normalisation, in order:
/// 1. Surrounding white space is trimmed, any Unicode white space: pasted codes often carry a
///    no-break space or a newline.
/// 2. ASCII letters are upper-cased. Only ASCII: Unicode case mapping would let a Turkish dotless "ı"
///    become "I" and collide with a different code.
/// 3. Inside the code, '-', '_' and ' ' are separators: they stay in `display` but are dropped from `key`.
///    So "vip-ab12", " VIP AB12 ", "vip_ab12" and "VIPAB12" are one code, however a player groups what they
///    read. (The key never held a separator, so adding '_' changed no stored key.)
/// 4. Everything else must be A–Z or 0–9; any other character (non-ASCII, punctuation, tabs inside the
///    code) is refused rather than dropped, so that a mistyped code is not silently turned into another.
///
/// Two values are equal when their keys are equal, whatever their separators.
public struct CodeText: Sendable, Hashable, CustomStringConvertible {
    /// Canonical form: A–Z and 0–9 only, 1...`codeLengthMax` characters. Use it for lookups and
    /// uniqueness.
    public let key: String
    /// Trimmed and upper-cased with the separators as given. Use it for showing and exporting.
    public let display: String

    public init(_ text: String, limits: DomainLimits = .default) throws(DomainError) {
        if text.utf8.count > limits.codeInputBytesMax {
            throw .invalidArgument(
                "code: \(text.utf8.count) bytes as sent, at most \(limits.codeInputBytesMax)")
        }
        let trimmed = Self.trimmingWhitespace(text)
        var key: [UInt8] = []
        var display: [UInt8] = []
        key.reserveCapacity(trimmed.utf8.count)
        display.reserveCapacity(trimmed.utf8.count)
        for (offset, scalar) in trimmed.unicodeScalars.enumerated() {
            guard scalar.isASCII else { throw Self.refused(scalar, offset: offset) }
            let byte = ASCII.uppercased(UInt8(scalar.value))
            if ASCII.isUpperLetter(byte) || ASCII.isDigit(byte) {
                key.append(byte)
            } else if !ASCII.isCodeSeparator(byte) {
                throw Self.refused(scalar, offset: offset)
            }
            display.append(byte)
        }
        if key.isEmpty { throw .invalidArgument("code: must contain at least one letter or digit") }
        if key.count > limits.codeLengthMax {
            throw .invalidArgument(
                "code: \(key.count) letters and digits, at most \(limits.codeLengthMax)")
        }
        self.init(keyBytes: key, displayBytes: display)
    }

    /// For text already known to be canonical, e.g. freshly generated from a pattern.
    init(keyBytes: [UInt8], displayBytes: [UInt8]) {
        key = String(decoding: keyBytes, as: UTF8.self)
        display = String(decoding: displayBytes, as: UTF8.self)
    }

    public var description: String { display }

    public static func == (lhs: CodeText, rhs: CodeText) -> Bool { lhs.key == rhs.key }

    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    private static func trimmingWhitespace(_ text: String) -> Substring {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return text[first...last]
    }

    private static func refused(_ scalar: Unicode.Scalar, offset: Int) -> DomainError {
        .invalidArgument(
            "code: character \(ASCII.codePointName(scalar)) at position \(offset + 1) is not allowed; "
                + "codes use A-Z, 0-9, '-', '_' and spaces")
    }
}
