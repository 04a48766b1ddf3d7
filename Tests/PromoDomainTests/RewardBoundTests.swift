import Testing

@testable import PromoDomain

/// Every reward amount is bounded, so that the report's sums of them cannot overflow (DomainLimits.rewardAmountMax).
@Suite struct RewardBoundTests {
    let max = DomainLimits.default.rewardAmountMax

    @Test func amountsUpToTheBoundAreAccepted() throws {
        try Reward.bonus(amountMinor: max, currency: "EUR").validate()
        try Reward.loyaltyPoints(amount: max).validate()
        try Reward.depositMatch(percent: 1_000, capMinor: max, currency: "EUR").validate()
    }

    @Test func amountsBeyondTheBoundAreRefused() {
        for reward in [
            Reward.bonus(amountMinor: max + 1, currency: "EUR"), .bonus(amountMinor: .max, currency: "EUR"),
            .loyaltyPoints(amount: max + 1), .loyaltyPoints(amount: .max),
            .depositMatch(percent: 100, capMinor: max + 1, currency: "EUR"), .depositMatch(percent: 100, capMinor: .max, currency: "EUR"),
        ] {
            #expect(throws: DomainError.self, "\(reward)") { try reward.validate() }
        }
    }

    /// The bound's promise: a whole hour of the writer's fastest redeems at the bound fits in Int64.
    @Test func anHourOfMaximalRewardsFitsInInt64() {
        let redemptionsPerSecondFar = Int64(250_000)
        let (total, overflow) = max.multipliedReportingOverflow(by: redemptionsPerSecondFar * 3_600)
        #expect(!overflow && total > 0)
    }
}
