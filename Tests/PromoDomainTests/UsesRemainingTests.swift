import Testing

@testable import PromoDomain

@Suite struct UsesRemainingTests {
    @Test func zeroMaximumIsUnlimited() {
        #expect(UsesRemaining(max: 0, used: 123) == .unlimited)
        #expect(UsesRemaining(max: 10, used: 4) == .limited(6))
        #expect(UsesRemaining(max: 10, used: 14) == .limited(0))
    }

    @Test func combiningTakesTheTighterLimit() {
        #expect(UsesRemaining.unlimited.combined(with: .unlimited) == .unlimited)
        #expect(UsesRemaining.unlimited.combined(with: .limited(3)) == .limited(3))
        #expect(UsesRemaining.limited(5).combined(with: .unlimited) == .limited(5))
        #expect(UsesRemaining.limited(5).combined(with: .limited(2)) == .limited(2))
    }

    private func remaining(_ change: (inout RedemptionCheck) -> Void) -> UsesRemaining {
        var check = Fixture.check()
        change(&check)
        return check.evaluate().remaining
    }

    @Test func remainingIsTheTighterOfCampaignAndCode() {
        #expect(remaining { _ in } == .unlimited)
        #expect(
            remaining {
                $0.campaign?.maxRedemptions = 100
                $0.usage.campaignRedemptions = 90
                $0.usage.campaignReservations = 5
            } == .limited(5))
        #expect(
            remaining {
                $0.campaign?.maxRedemptions = 100
                $0.usage.campaignRedemptions = 90
                $0.code?.maxUses = 3
                $0.usage.codeRedemptions = 1
            } == .limited(2))
    }

    @Test func perUserLimitsDoNotShowInRemaining() {
        #expect(
            remaining {
                $0.campaign?.maxPerUser = 1; $0.usage.userRedemptions = 1
            } == .unlimited)
    }

    @Test func remainingIsReportedWithRefusalsToo() {
        var check = Fixture.check()
        check.code?.maxUses = 2
        check.campaign?.isActive = false
        #expect(check.evaluate() == RedemptionOutcome(verdict: .campaignInactive, remaining: .limited(2)))
        check.code = nil
        #expect(check.evaluate() == RedemptionOutcome(verdict: .codeNotFound, remaining: .limited(0)))
    }
}
