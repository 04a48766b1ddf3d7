import Testing

@testable import PromoDomain

/// The exclusive-group limit in `RedemptionCheck`: what counts toward it and where it sits in the order.
@Suite struct GroupLimitTests {
    private static func grouped(maxPerUser: UInt32, _ change: (inout RedemptionCheck) -> Void = { _ in }) -> RedemptionOutcome {
        var check = Fixture.check()
        check.campaign?.groupId = "grp-1"
        check.group = Group(id: "grp-1", name: "Welcome offers", maxPerUser: maxPerUser, createdAtMs: 0)
        change(&check)
        return check.evaluate()
    }

    @Test func belowTheLimitIsOK() {
        #expect(Self.grouped(maxPerUser: 2) { $0.usage.groupRedemptions = 1 }.verdict == .ok)
    }

    @Test func liveReservationsCountTowardTheGroup() {
        #expect(Self.grouped(maxPerUser: 2) { $0.usage.groupRedemptions = 1; $0.usage.groupReservations = 1 }.verdict
            == .groupLimitReached)
        #expect(Self.grouped(maxPerUser: 1) { $0.usage.groupReservations = 1 }.verdict == .groupLimitReached)
    }

    @Test func aLoweredLimitBelowWhatThePlayerHoldsRefuses() {
        #expect(Self.grouped(maxPerUser: 1) { $0.usage.groupRedemptions = 3 }.verdict == .groupLimitReached)
    }

    @Test func zeroMeansUnlimited() {
        #expect(Self.grouped(maxPerUser: 0) { $0.usage.groupRedemptions = 1_000_000 }.verdict == .ok)
    }

    @Test func withoutAGroupTheGroupCountsAreIgnored() {
        var check = Fixture.check()
        check.usage.groupRedemptions = 5
        #expect(check.evaluate().verdict == .ok)
    }

    @Test func theCampaignsOwnUserLimitIsNamedFirst() {
        let outcome = Self.grouped(maxPerUser: 1) {
            $0.campaign?.maxPerUser = 1
            $0.usage.userRedemptions = 1
            $0.usage.groupRedemptions = 1
        }
        #expect(outcome.verdict == .userLimitReached)
    }

    @Test func eligibilityAndDepositComeAfterTheGroup() {
        #expect(Self.grouped(maxPerUser: 1) {
            $0.usage.groupRedemptions = 1
            $0.campaign?.eligibility.minVipLevel = 99
        }.verdict == .groupLimitReached)
        #expect(Self.grouped(maxPerUser: 1) {
            $0.usage.groupRedemptions = 1
            $0.campaign?.eligibility.minDepositMinor = 1_000_000
        }.verdict == .groupLimitReached)
    }

    @Test func theGroupLimitIsNotAGuessingFailure() {
        #expect(!Verdict.groupLimitReached.countsAsFailedAttempt)
    }

    @Test func groupsAreValidated() {
        #expect(Fixture.invalidArgumentMessage {
            try Group(id: "grp-1", name: " ", maxPerUser: 1, createdAtMs: 0).validate()
        } == "group.name: must not be empty")
        #expect(Fixture.invalidArgumentMessage {
            try Group(id: "grp-1", name: String(repeating: "x", count: 201), maxPerUser: 1, createdAtMs: 0).validate()
        } != nil)
        #expect(Fixture.invalidArgumentMessage {
            try Group(id: "grp-1", name: "Welcome", maxPerUser: 0, createdAtMs: 0).validate()
        } == nil)
    }
}
