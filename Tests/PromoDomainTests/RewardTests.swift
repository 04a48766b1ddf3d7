import Testing

@testable import PromoDomain

@Suite struct RewardGrantTests {
    @Test func fixedRewardsIgnoreTheDeposit() {
        #expect(Reward.bonus(amountMinor: 500, currency: "EUR").grantedAmount(depositMinor: 0) == 500)
        #expect(Reward.freeSpins(count: 25, gameId: "g").grantedAmount(depositMinor: 9_999) == 25)
        #expect(Reward.loyaltyPoints(amount: 40).grantedAmount(depositMinor: 7) == 40)
    }

    @Test func depositMatchIsAPercentOfTheDepositUpToTheCap() {
        let match = Reward.depositMatch(percent: 100, capMinor: 10_000, currency: "EUR")
        #expect(match.grantedAmount(depositMinor: 5_000) == 5_000)
        #expect(match.grantedAmount(depositMinor: 10_000) == 10_000)
        #expect(match.grantedAmount(depositMinor: 10_001) == 10_000)
        let double = Reward.depositMatch(percent: 200, capMinor: 10_000, currency: "EUR")
        #expect(double.grantedAmount(depositMinor: 4_000) == 8_000)
        #expect(double.grantedAmount(depositMinor: 8_000) == 10_000)
    }

    @Test func depositMatchRoundsDown() {
        let third = Reward.depositMatch(percent: 33, capMinor: .max, currency: "EUR")
        #expect(third.grantedAmount(depositMinor: 101) == 33)  // 33.33
        #expect(third.grantedAmount(depositMinor: 3) == 0)  // 0.99
    }

    @Test func depositMatchOfNothingOrLessIsNothing() {
        let match = Reward.depositMatch(percent: 100, capMinor: 10_000, currency: "EUR")
        #expect(match.grantedAmount(depositMinor: 0) == 0)
        #expect(match.grantedAmount(depositMinor: -5_000) == 0)
    }

    @Test func depositMatchNeverOverflows() {
        let tenfold = Reward.depositMatch(percent: 1000, capMinor: 1_000_000, currency: "EUR")
        #expect(tenfold.grantedAmount(depositMinor: .max) == 1_000_000)
        let uncapped = Reward.depositMatch(percent: 1000, capMinor: .max, currency: "EUR")
        #expect(uncapped.grantedAmount(depositMinor: .max) == .max)
        let onePercent = Reward.depositMatch(percent: 1, capMinor: .max, currency: "EUR")
        #expect(onePercent.grantedAmount(depositMinor: .max) == Int64.max / 100)
    }

    @Test func percentOfIsTheExactFloorAcrossTheWholeRange() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<20_000 {
            let amount = Int64.random(in: 0...Int64.max, using: &generator)
            let percent = Int64.random(in: 1...1000, using: &generator)
            let exact = Int128(amount) * Int128(percent) / 100
            let expected = exact > Int128(Int64.max) ? Int64.max : Int64(exact)
            #expect(Reward.percentOf(amount, percent: percent) == expected)
        }
    }

    @Test func kindAndCurrencyDescribeEachCase() {
        #expect(Reward.bonus(amountMinor: 1, currency: "USD").currency == "USD")
        #expect(Reward.depositMatch(percent: 1, capMinor: 1, currency: "GBP").kind == .depositMatch)
        #expect(Reward.freeSpins(count: 1, gameId: "g").currency == nil)
        #expect(Reward.loyaltyPoints(amount: 1).kind == .loyaltyPoints)
    }
}

@Suite struct RewardValidationTests {
    @Test(arguments: [
        Reward.bonus(amountMinor: 1, currency: "EUR"),
        .depositMatch(percent: 1, capMinor: 1, currency: "USD"),
        .depositMatch(percent: 1000, capMinor: 50_000, currency: "JPY"),
        .freeSpins(count: 10_000, gameId: "starburst"),
        .loyaltyPoints(amount: 1),
    ])
    func sensibleRewardsPass(_ reward: Reward) throws {
        try reward.validate()
    }

    @Test(arguments: [
        (Reward.bonus(amountMinor: 0, currency: "EUR"), "reward.amountMinor"),
        (.bonus(amountMinor: -1, currency: "EUR"), "reward.amountMinor"),
        (.bonus(amountMinor: 1, currency: "eur"), "reward.currency"),
        (.bonus(amountMinor: 1, currency: "EU"), "reward.currency"),
        (.bonus(amountMinor: 1, currency: "EURO"), "reward.currency"),
        (.bonus(amountMinor: 1, currency: "E1R"), "reward.currency"),
        (.depositMatch(percent: 0, capMinor: 1, currency: "EUR"), "reward.percent"),
        (.depositMatch(percent: 1001, capMinor: 1, currency: "EUR"), "reward.percent"),
        (.depositMatch(percent: 100, capMinor: 0, currency: "EUR"), "reward.capMinor"),
        (.depositMatch(percent: 100, capMinor: 1, currency: ""), "reward.currency"),
        (.freeSpins(count: 0, gameId: "g"), "reward.count"),
        (.freeSpins(count: 10_001, gameId: "g"), "reward.count"),
        (.freeSpins(count: 1, gameId: ""), "reward.gameId"),
        (.freeSpins(count: 1, gameId: String(repeating: "g", count: 129)), "reward.gameId"),
        (.loyaltyPoints(amount: 0), "reward.amount"),
    ])
    func badRewardsNameTheirField(_ reward: Reward, _ field: String) {
        let message = Fixture.invalidArgumentMessage { try reward.validate() }
        #expect(message?.hasPrefix(field + ":") == true, "\(message ?? "accepted")")
    }
}
