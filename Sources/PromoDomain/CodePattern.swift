/// The shape of generated codes: '#' a digit, '?' a letter, '*' a letter or digit; A–Z, 0–9, '-' and '_'
/// are literal. A prefix and a suffix add literal text around the pattern.
///
/// Literals are restricted to what a code may contain, so every generated code is already canonical;
/// lower-case literals are upper-cased, as codes are case-insensitive. '-' and '_' are the separators allowed
/// here (`MY_LITTLE_PROMO????##`): kept in the display form and ignored in the key. Spaces are not, since a generated code
/// with a space in it is easy to copy wrongly.
public struct CodePattern: Sendable, Hashable {
    enum Slot: Sendable, Hashable {
        case digit
        case letter
        case letterOrDigit
        /// A–Z, 0–9, '-' or '_'.
        case literal(UInt8)
    }

    let slots: [Slot]
    public let alphabet: CodeAlphabet
    /// Prefix, pattern and suffix as one upper-cased string (e.g. "VIP-####-??"): identifies the
    /// pattern, for instance to count the codes issued under it.
    public let template: String

    public init(
        _ pattern: String,
        prefix: String = "",
        suffix: String = "",
        alphabet: CodeAlphabet = .unambiguous,
        limits: DomainLimits = .default
    ) throws(DomainError) {
        let length =
            prefix.unicodeScalars.count + pattern.unicodeScalars.count
            + suffix.unicodeScalars.count
        if length > limits.patternLengthMax {
            throw .invalidArgument(
                "pattern: \(length) characters with prefix and suffix, at most \(limits.patternLengthMax)")
        }
        var slots: [Slot] = []
        try Self.appendLiterals(prefix, field: "prefix", to: &slots)
        try Self.appendPattern(pattern, to: &slots)
        try Self.appendLiterals(suffix, field: "suffix", to: &slots)

        let randomCount = slots.count(where: \.isRandom)
        if randomCount == 0 {
            throw .invalidArgument("pattern: needs at least one '#', '?' or '*'")
        }
        let keyLength = slots.count(where: { !$0.isSeparator })
        if keyLength > limits.codeLengthMax {
            throw .invalidArgument(
                "pattern: makes codes of \(keyLength) letters and digits, at most \(limits.codeLengthMax)")
        }
        self.slots = slots
        self.alphabet = alphabet
        self.template = String(decoding: slots.map(\.templateByte), as: UTF8.self)
    }

    /// Slots filled at random.
    public var randomSlotCount: Int { slots.count(where: \.isRandom) }

    /// How many distinct codes the pattern can make, saturating at `UInt64.max` (a space that large is
    /// unguessable anyway, so the exact figure no longer matters).
    public var spaceSize: UInt64 {
        var size: UInt64 = 1
        for slot in slots {
            let (product, overflow) = size.multipliedReportingOverflow(by: UInt64(choiceCount(slot)))
            if overflow { return .max }
            size = product
        }
        return size
    }

    /// Whether `code` is one this pattern could have generated.
    public func matches(_ code: CodeText) -> Bool {
        let keySlots = slots.filter { !$0.isSeparator }
        let key = Array(code.key.utf8)
        guard key.count == keySlots.count else { return false }
        return zip(keySlots, key).allSatisfy { slot, byte in
            switch slot {
            case .literal(let literal): byte == literal
            case .digit: alphabet.digits.contains(byte)
            case .letter: alphabet.letters.contains(byte)
            case .letterOrDigit: alphabet.letters.contains(byte) || alphabet.digits.contains(byte)
            }
        }
    }

    func choiceCount(_ slot: Slot) -> Int {
        switch slot {
        case .literal: 1
        case .digit: alphabet.digits.count
        case .letter: alphabet.letters.count
        case .letterOrDigit: alphabet.letters.count + alphabet.digits.count
        }
    }

    private static func appendPattern(_ pattern: String, to slots: inout [Slot]) throws(DomainError) {
        for (offset, scalar) in pattern.unicodeScalars.enumerated() {
            switch scalar {
            case "#": slots.append(.digit)
            case "?": slots.append(.letter)
            case "*": slots.append(.letterOrDigit)
            default: slots.append(.literal(try literalByte(scalar, field: "pattern", offset: offset)))
            }
        }
    }

    private static func appendLiterals(
        _ text: String, field: String, to slots: inout [Slot]
    ) throws(DomainError) {
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            slots.append(.literal(try literalByte(scalar, field: field, offset: offset)))
        }
    }

    private static func literalByte(
        _ scalar: Unicode.Scalar, field: String, offset: Int
    ) throws(DomainError) -> UInt8 {
        if scalar.isASCII {
            let byte = ASCII.uppercased(UInt8(scalar.value))
            if ASCII.isUpperLetter(byte) || ASCII.isDigit(byte) || byte == ASCII.hyphen
                || byte == ASCII.underscore
            {
                return byte
            }
        }
        throw .invalidArgument(
            "\(field): character \(ASCII.codePointName(scalar)) at position \(offset + 1) is not allowed; "
                + "literals use A-Z, 0-9, '-' and '_'")
    }
}

extension CodePattern.Slot {
    /// A literal separator: in the display form only.
    var isSeparator: Bool {
        if case .literal(let byte) = self { ASCII.isCodeSeparator(byte) } else { false }
    }

    var isRandom: Bool {
        if case .literal = self { false } else { true }
    }

    var templateByte: UInt8 {
        switch self {
        case .digit: UInt8(ascii: "#")
        case .letter: UInt8(ascii: "?")
        case .letterOrDigit: UInt8(ascii: "*")
        case .literal(let byte): byte
        }
    }
}
