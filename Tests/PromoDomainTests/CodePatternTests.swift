import Testing

@testable import PromoDomain

@Suite struct CodePatternParsingTests {
    @Test func templateJoinsPrefixPatternAndSuffixUpperCased() throws {
        let pattern = try CodePattern("####-??*", prefix: "vip-", suffix: "-x1")
        #expect(pattern.template == "VIP-####-??*-X1")
        #expect(pattern.randomSlotCount == 7)
    }

    @Test func underscoreIsALiteralSeparator() throws {
        let pattern = try CodePattern("MY_LITTLE_PROMO????##")
        #expect(pattern.template == "MY_LITTLE_PROMO????##" && pattern.randomSlotCount == 6)
        var random = SystemRandomNumberGenerator()
        let code = pattern.generate(using: &random)
        #expect(code.display.hasPrefix("MY_LITTLE_PROMO") && code.key.hasPrefix("MYLITTLEPROMO") && code.key.count == 19)
        #expect(pattern.matches(try CodeText(code.display.lowercased())))
    }

    @Test(arguments: ["AB.#", "## ##", "#@", "Ä##", "#\t#"])
    func patternLiteralsOutsideTheCodeAlphabetAreRefused(_ text: String) {
        let message = Fixture.invalidArgumentMessage { try _ = CodePattern(text) }
        #expect(message?.hasPrefix("pattern:") == true, "\(message ?? "accepted")")
    }

    @Test func prefixAndSuffixAreLiteralOnly() {
        #expect(
            Fixture.invalidArgumentMessage { try _ = CodePattern("####", prefix: "#") }?.hasPrefix("prefix:")
                == true)
        #expect(
            Fixture.invalidArgumentMessage { try _ = CodePattern("####", suffix: "a b") }?.hasPrefix(
                "suffix:") == true)
    }

    @Test func aPatternNeedsSomethingRandom() {
        #expect(Fixture.invalidArgumentMessage { try _ = CodePattern("") } != nil)
        #expect(
            Fixture.invalidArgumentMessage { try _ = CodePattern("FIXED-1", prefix: "A") }?.contains(
                "at least one") == true)
    }

    @Test func canonicalLengthIsLimitedWithoutCountingSeparators() throws {
        let sixtyFour = Array(repeating: "########", count: 8).joined(separator: "-")
        #expect(try CodePattern(sixtyFour).randomSlotCount == 64)
        #expect(
            Fixture.invalidArgumentMessage { try _ = CodePattern(sixtyFour, suffix: "X") }?.contains("65")
                == true)
    }

    @Test func writtenLengthIsLimitedToo() {
        let dashes = String(repeating: "-", count: 127)
        #expect(Fixture.invalidArgumentMessage { try _ = CodePattern("#" + dashes) } == nil)
        #expect(
            Fixture.invalidArgumentMessage { try _ = CodePattern("##" + dashes) }?.contains("at most 128")
                == true)
    }
}

@Suite struct CodePatternSpaceTests {
    @Test func theDefaultAlphabetsAreExactlyTheDocumentedOnes() {
        #expect(
            String(decoding: CodeAlphabet.unambiguous.letters, as: UTF8.self) == "ABCDEFGHJKMNPQRSTUVWXYZ")
        #expect(String(decoding: CodeAlphabet.unambiguous.digits, as: UTF8.self) == "23456789")
        #expect(CodeAlphabet.full.letters.count == 26)
        #expect(CodeAlphabet.full.digits.count == 10)
    }

    @Test(
        arguments: [
            ("#", 8), ("?", 23), ("*", 31), ("####", 4096), ("??-##", 23 * 23 * 64), ("A-#-B", 8),
        ] as [(String, UInt64)])
    func spaceIsTheProductOfChoices(_ text: String, _ size: UInt64) throws {
        #expect(try CodePattern(text).spaceSize == size)
    }

    @Test func literalsAroundThePatternDoNotWidenTheSpace() throws {
        #expect(try CodePattern("??##", prefix: "SPRING-", suffix: "-24").spaceSize == 23 * 23 * 64)
    }

    @Test func theFullAlphabetWidensTheSpace() throws {
        #expect(try CodePattern("*#?", alphabet: .full).spaceSize == 36 * 10 * 26)
    }

    @Test func spaceSaturatesInsteadOfOverflowing() throws {
        // 8^21 = 2^63 fits; 8^22 = 2^66 does not.
        #expect(try CodePattern(String(repeating: "#", count: 21)).spaceSize == 1 << 63)
        #expect(try CodePattern(String(repeating: "#", count: 22)).spaceSize == .max)
        #expect(try CodePattern(String(repeating: "*", count: 64)).spaceSize == .max)
    }
}
