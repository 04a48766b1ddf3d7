// Byte-level text rules. Codes, currencies and countries are ASCII by definition, so working on UTF-8
// bytes keeps the rules exact and independent of Unicode tables (no Foundation needed).

enum ASCII {
    static let hyphen = UInt8(ascii: "-")
    static let space = UInt8(ascii: " ")
    static let underscore = UInt8(ascii: "_")

    /// A code's separators: kept where they are written, ignored when codes are compared.
    static func isCodeSeparator(_ byte: UInt8) -> Bool { byte == hyphen || byte == space || byte == underscore }

    static func isUpperLetter(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    static func isLowerLetter(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLetter(_ byte: UInt8) -> Bool { isUpperLetter(byte) || isLowerLetter(byte) }

    static func uppercased(_ byte: UInt8) -> UInt8 { isLowerLetter(byte) ? byte - 0x20 : byte }

    /// Non-ASCII bytes compare exactly: folding them would need Unicode tables and could merge
    /// distinct values.
    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8) { uppercased($0) == uppercased($1) }
    }

    /// ISO 4217 form: exactly three upper-case letters. Lower case is refused rather than folded so the
    /// stored value is canonical without a second normalisation step.
    static func isCurrencyCode(_ text: String) -> Bool {
        text.utf8.count == 3 && text.utf8.allSatisfy(isUpperLetter)
    }

    /// ISO 3166-1 alpha-2 shape, either case: countries are compared ignoring case anyway.
    static func isCountryCode(_ text: String) -> Bool {
        text.utf8.count == 2 && text.utf8.allSatisfy(isLetter)
    }

    /// C0 controls and DEL break logs and terminal output; nothing legitimate needs them.
    static func containsControl(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }

    /// "U+00E9": names a refused character without echoing it, so the message is safe to log whatever
    /// was sent.
    static func codePointName(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
