extension CodePattern {
    /// One code drawn uniformly from the pattern's space.
    ///
    /// Pass `SystemRandomNumberGenerator` in production (backed by the kernel's CSPRNG, getrandom on
    /// Linux) and a seeded generator in tests. Uniqueness against existing codes is the store's job:
    /// the guessability bound keeps collisions, and so retries, rare.
    public func generate(using generator: inout some RandomNumberGenerator) -> CodeText {
        var key: [UInt8] = []
        var display: [UInt8] = []
        key.reserveCapacity(slots.count)
        display.reserveCapacity(slots.count)
        for slot in slots {
            let byte: UInt8
            switch slot {
            case .literal(let literal):
                display.append(literal)
                if ASCII.isCodeSeparator(literal) { continue }
                key.append(literal)
                continue
            case .digit: byte = Self.pick(alphabet.digits, using: &generator)
            case .letter: byte = Self.pick(alphabet.letters, using: &generator)
            case .letterOrDigit: byte = Self.pickLetterOrDigit(alphabet, using: &generator)
            }
            key.append(byte)
            display.append(byte)
        }
        return CodeText(keyBytes: key, displayBytes: display)
    }

    /// `Int.random(in:using:)` rejects out-of-range draws instead of taking a modulo, so every
    /// character is equally likely.
    private static func pick(_ choices: [UInt8], using generator: inout some RandomNumberGenerator)
        -> UInt8
    {
        choices[Int.random(in: 0..<choices.count, using: &generator)]
    }

    // Indexes letters then digits as one range without building the combined array per draw.
    private static func pickLetterOrDigit(
        _ alphabet: CodeAlphabet, using generator: inout some RandomNumberGenerator
    ) -> UInt8 {
        let index = Int.random(
            in: 0..<(alphabet.letters.count + alphabet.digits.count), using: &generator)
        return index < alphabet.letters.count
            ? alphabet.letters[index] : alphabet.digits[index - alphabet.letters.count]
    }
}
