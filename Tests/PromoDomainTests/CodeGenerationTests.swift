import Testing

@testable import PromoDomain

@Suite struct CodeGenerationTests {
    @Test func generatedCodesHaveThePatternsShape() throws {
        let pattern = try CodePattern("##??-**", prefix: "vip-", suffix: "-z")
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<1_000 {
            let code = pattern.generate(using: &generator)
            let display = Array(code.display.utf8)
            #expect(display.count == 13)
            #expect(code.display.hasPrefix("VIP-") && code.display.hasSuffix("-Z"))
            #expect(display[8] == UInt8(ascii: "-"))
            #expect(display[4...5].allSatisfy { (0x32...0x39).contains($0) })
            #expect(display[6...7].allSatisfy { (0x41...0x5A).contains($0) })
            #expect(code.key == code.display.filter { $0 != "-" })
            #expect(pattern.matches(code))
            #expect(try CodeText(code.display) == code)
        }
    }

    @Test func theSameSeedGivesTheSameCodes() throws {
        let pattern = try CodePattern("****-****")
        var first = SeededGenerator(seed: 9)
        var second = SeededGenerator(seed: 9)
        var other = SeededGenerator(seed: 10)
        let firstCodes = (0..<50).map { _ in pattern.generate(using: &first) }
        let secondCodes = (0..<50).map { _ in pattern.generate(using: &second) }
        let otherCodes = (0..<50).map { _ in pattern.generate(using: &other) }
        #expect(firstCodes.map(\.display) == secondCodes.map(\.display))
        #expect(firstCodes.map(\.display) != otherCodes.map(\.display))
    }

    @Test func theDefaultAlphabetNeverDrawsAmbiguousCharactersAndDrawsAllOthersEvenly() throws {
        let pattern = try CodePattern(String(repeating: "*", count: 10))
        var generator = SeededGenerator(seed: 1)
        var counts: [Character: Int] = [:]
        let samples = 31_000
        for _ in 0..<(samples / 10) {
            for character in pattern.generate(using: &generator).key { counts[character, default: 0] += 1 }
        }
        #expect(Set(counts.keys).isDisjoint(with: "01ILO"))
        #expect(counts.count == 31)
        // Each of 31 symbols expects 1000 draws (sd ~31); 850...1150 is a five-sigma band.
        #expect(counts.values.allSatisfy { (850...1150).contains($0) }, "\(counts)")
    }

    @Test func theFullAlphabetDoesDrawAmbiguousCharacters() throws {
        let pattern = try CodePattern(String(repeating: "*", count: 10), alphabet: .full)
        var generator = SeededGenerator(seed: 1)
        var seen = Set<Character>()
        for _ in 0..<500 { seen.formUnion(pattern.generate(using: &generator).key) }
        #expect(seen.isSuperset(of: "01ILO"))
        #expect(seen.count == 36)
    }

    @Test func theSystemGeneratorWorksToo() throws {
        let pattern = try CodePattern("????-####")
        var generator = SystemRandomNumberGenerator()
        let codes = Set((0..<100).map { _ in pattern.generate(using: &generator) })
        #expect(codes.allSatisfy(pattern.matches))
        #expect(codes.count > 95)  // 23^4 * 8^4 ≈ 1.1e9 codes; a repeat in 100 is a one-in-200k event
    }

    @Test func matchingChecksShapeAndAlphabet() throws {
        let pattern = try CodePattern("##-??", prefix: "X")
        #expect(pattern.matches(try CodeText("x23-ab")))
        #expect(pattern.matches(try CodeText("X 2 3 A B")))
        #expect(!pattern.matches(try CodeText("X20AB")))  // 0 is not in the digits
        #expect(!pattern.matches(try CodeText("X23AO")))  // nor O in the letters
        #expect(!pattern.matches(try CodeText("Y23AB")))
        #expect(!pattern.matches(try CodeText("X23ABC")))
        #expect(!pattern.matches(try CodeText("X2AAB")))
    }
}
