import Testing

@testable import PromoDomain

@Suite struct CodeTextTests {
    @Test(arguments: ["vip-ab12", " VIP AB12 ", "VIPAB12", "v-i-p-a-b-1-2", "\u{00A0}VipAb12\n"])
    func spellingsOfOneCodeShareTheKey(_ text: String) throws {
        #expect(try CodeText(text).key == "VIPAB12")
    }

    @Test func displayKeepsSeparatorsAndUpperCases() throws {
        #expect(try CodeText("  vip-ab12 ").display == "VIP-AB12")
        #expect(try CodeText("vip ab12").display == "VIP AB12")
        #expect(try CodeText("VIPAB12").display == "VIPAB12")
    }

    @Test func equalityAndHashingFollowTheKey() throws {
        let dashed = try CodeText("vip-ab12")
        let spaced = try CodeText("VIP AB12")
        #expect(dashed == spaced)
        #expect(Set([dashed, spaced]).count == 1)
        #expect(try CodeText("VIPAB13") != dashed)
    }

    @Test(arguments: ["", "   ", "---", " - - "])
    func textWithoutLettersOrDigitsIsRefused(_ text: String) {
        #expect(throws: DomainError.self) { try CodeText(text) }
    }

    @Test(arguments: [
        ("CAFÉ", "U+00C9"), ("AB.C", "U+002E"), ("AB\tC", "U+0009"), ("ıI", "U+0131"),
        ("AB😀", "U+1F600"), ("A\u{200B}B", "U+200B"),
    ])
    func charactersOutsideTheAlphabetAreRefusedByCodePoint(_ text: String, _ named: String) {
        let message = Fixture.invalidArgumentMessage { try _ = CodeText(text) }
        #expect(message?.contains(named) == true, "\(message ?? "accepted")")
    }

    /// '_' is a separator like '-' and space (the field writes `SUMMER22_FREESHIP`): kept in the display,
    /// ignored in the key.
    @Test func underscoreIsASeparator() throws {
        let code = try CodeText(" summer22_freeship ")
        #expect(code.key == "SUMMER22FREESHIP" && code.display == "SUMMER22_FREESHIP")
        let hyphen = try CodeText("SUMMER22-FREESHIP")
        let bare = try CodeText("SUMMER22FREESHIP")
        #expect(code == hyphen && code == bare)
    }

    @Test func canonicalLengthIsLimitedWithoutCountingSeparators() throws {
        let sixtyFour = String(repeating: "A", count: 64)
        #expect(try CodeText(sixtyFour).key.count == 64)
        #expect(throws: DomainError.self) { try CodeText(sixtyFour + "B") }
        let dashed = Array(repeating: "AAAA", count: 16).joined(separator: "-")
        #expect(try CodeText(dashed).key == sixtyFour)
    }

    @Test func rawInputIsLimitedBeforeAnyWork() {
        let padded = String(repeating: " ", count: 300) + "A"
        let message = Fixture.invalidArgumentMessage { try _ = CodeText(padded) }
        #expect(message?.contains("at most 256") == true)
    }

    @Test func limitsAreConfigurable() throws {
        var limits = DomainLimits()
        limits.codeLengthMax = 4
        #expect(try CodeText("AB-CD", limits: limits).key == "ABCD")
        #expect(throws: DomainError.self) { try CodeText("ABCDE", limits: limits) }
    }
}
