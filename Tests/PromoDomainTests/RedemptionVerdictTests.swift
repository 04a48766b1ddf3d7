import Testing

@testable import PromoDomain

/// One way to reach each verdict from the `.ok` baseline.
let verdictScenarios: [(Verdict, @Sendable (inout RedemptionCheck) -> Void)] = [
    (.ok, { _ in }),
    (.rateLimited, { $0.isRateLimited = true }),
    (
        .userBlocked,
        {
            $0.block = UserBlock(
                id: "blk-1", userId: $0.user.userId, reason: "bonus abuse", createdAtMs: 0, createdBy: "key-1")
        }
    ),
    (.codeNotFound, { $0.code = nil }),
    (.codeInactive, { $0.code?.isActive = false }),
    (.campaignInactive, { $0.campaign?.isActive = false }),
    (.notYetValid, { $0.nowMs = $0.campaign!.startsAtMs - 1 }),
    (.expired, { $0.nowMs = $0.campaign!.expiresAtMs }),
    (
        .limitReached,
        {
            $0.campaign?.maxRedemptions = 10; $0.usage.campaignRedemptions = 10
        }
    ),
    (
        .codeLimitReached,
        {
            $0.code?.maxUses = 3; $0.usage.codeRedemptions = 3
        }
    ),
    (
        .userLimitReached,
        {
            $0.campaign?.maxPerUser = 1; $0.usage.userRedemptions = 1
        }
    ),
    (
        .groupLimitReached,
        {
            $0.campaign?.groupId = "grp-1"
            $0.group = Group(id: "grp-1", name: "Welcome offers", maxPerUser: 1, createdAtMs: 0)
            $0.usage.groupRedemptions = 1
        }
    ),
    (
        .budgetExhausted,
        {
            $0.campaign?.budgetMinor = 1_000
            $0.usage.budgetSpent = 1_000
        }
    ),
    (.notEligible, { $0.campaign?.eligibility.minVipLevel = 99 }),
    (.minDepositNotMet, { $0.campaign?.eligibility.minDepositMinor = 10_001 }),
    (.reservationNotFound, { $0.reservation = .notFound }),
    (.reservationExpired, { $0.reservation = .found(expiresAtMs: $0.nowMs) }),
]

@Suite struct RedemptionVerdictTests {
    @Test func everyVerdictIsReachable() {
        let reached = Set(verdictScenarios.map { _, change in Fixture.verdict(change) })
        #expect(reached == Set(Verdict.allCases))
    }

    @Test(arguments: verdictScenarios.map(\.0))
    func eachScenarioGivesItsVerdict(_ verdict: Verdict) {
        let change = verdictScenarios.first { $0.0 == verdict }!.1
        #expect(Fixture.verdict(change) == verdict)
    }

    @Test func theWindowIsHalfOpen() {
        #expect(Fixture.verdict { $0.nowMs = $0.campaign!.startsAtMs } == .ok)
        #expect(Fixture.verdict { $0.nowMs = $0.campaign!.expiresAtMs - 1 } == .ok)
        #expect(Fixture.verdict { $0.nowMs = $0.campaign!.expiresAtMs } == .expired)
        #expect(
            Fixture.verdict {
                $0.campaign?.expiresAtMs = 0; $0.nowMs = .max
            } == .ok)
    }

    @Test func limitsCountLiveReservations() {
        #expect(
            Fixture.verdict {
                $0.campaign?.maxRedemptions = 10
                $0.usage.campaignRedemptions = 7
                $0.usage.campaignReservations = 3
            } == .limitReached)
        #expect(
            Fixture.verdict {
                $0.campaign?.maxRedemptions = 10
                $0.usage.campaignRedemptions = 7
                $0.usage.campaignReservations = 2
            } == .ok)
        #expect(
            Fixture.verdict {
                $0.code?.maxUses = 1; $0.usage.codeReservations = 1
            } == .codeLimitReached)
        #expect(
            Fixture.verdict {
                $0.campaign?.maxPerUser = 2; $0.usage.userRedemptions = 1; $0.usage.userReservations = 1
            }
                == .userLimitReached)
    }

    @Test func zeroLimitsMeanUnlimited() {
        #expect(
            Fixture.verdict {
                $0.usage = UsageSnapshot(
                    campaignRedemptions: .max, campaignReservations: .max, codeRedemptions: .max,
                    codeReservations: .max, userRedemptions: .max, userReservations: .max)
            } == .ok)
    }

    @Test func aLoweredLimitBelowTheCountStillRefuses() {
        #expect(
            Fixture.verdict {
                $0.campaign?.maxRedemptions = 5; $0.usage.campaignRedemptions = 9
            } == .limitReached)
    }

    @Test func aLiveReservationIsHonoured() {
        #expect(Fixture.verdict { $0.reservation = .found(expiresAtMs: $0.nowMs + 1) } == .ok)
    }

    @Test func aDanglingCodeIsNotFound() {
        #expect(Fixture.verdict { $0.campaign = nil } == .codeNotFound)
    }
}

@Suite struct DepositVerdictTests {
    @Test func minimumDepositIsInclusive() {
        #expect(Fixture.verdict { $0.campaign?.eligibility.minDepositMinor = 10_000 } == .ok)
        #expect(Fixture.verdict { $0.campaign?.eligibility.minDepositMinor = 10_001 } == .minDepositNotMet)
    }

    @Test func aDepositInAnotherCurrencyDoesNotQualify() {
        #expect(
            Fixture.verdict {
                $0.campaign?.eligibility.minDepositMinor = 1_000
                $0.deposit = Deposit(amountMinor: 1_000_000, currency: "USD")
            } == .minDepositNotMet)
        #expect(
            Fixture.verdict {
                $0.campaign?.eligibility.minDepositMinor = 1_000
                $0.deposit = Deposit(amountMinor: 1_000, currency: "eur")
            } == .ok)
    }

    @Test func aRewardWithoutCurrencyTakesAnyCurrency() {
        #expect(
            Fixture.verdict {
                $0.campaign?.reward = .freeSpins(count: 20, gameId: "book-of-ra")
                $0.campaign?.eligibility.minDepositMinor = 2_000
                $0.deposit = Deposit(amountMinor: 2_000, currency: "USD")
            } == .ok)
    }

    @Test func noMinimumNeedsNoDeposit() {
        #expect(Fixture.verdict { $0.deposit = .none } == .ok)
    }

    @Test func aDepositMatchNeedsAQualifyingDeposit() {
        let match = Reward.depositMatch(percent: 100, capMinor: 20_000, currency: "EUR")
        #expect(
            Fixture.verdict {
                $0.campaign?.reward = match; $0.deposit = .none
            } == .minDepositNotMet)
        #expect(
            Fixture.verdict {
                $0.campaign?.reward = match
                $0.deposit = Deposit(amountMinor: 5_000, currency: "GBP")
            } == .minDepositNotMet)
        #expect(
            Fixture.verdict {
                $0.campaign?.reward = match; $0.deposit = Deposit(amountMinor: 1, currency: "EUR")
            }
                == .ok)
    }

    @Test func okCarriesTheGrantedAmount() {
        var check = Fixture.check()
        check.campaign?.reward = .depositMatch(percent: 150, capMinor: 12_000, currency: "EUR")
        check.deposit = Deposit(amountMinor: 6_000, currency: "EUR")
        #expect(check.evaluate().grantedAmount == 9_000)
        check.deposit = Deposit(amountMinor: 60_000, currency: "EUR")
        #expect(check.evaluate().grantedAmount == 12_000)
        check.campaign?.isActive = false
        #expect(check.evaluate().grantedAmount == nil)
    }
}
