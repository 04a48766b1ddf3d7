import Testing

@testable import PromoDomain

/// The verdict each rule gives when it fails (the reservation rule has two).
private func failingVerdicts(_ rule: RedemptionRule) -> Set<Verdict> {
    switch rule {
    case .rateLimit: [.rateLimited]
    case .userBlocked: [.userBlocked]
    case .codeExists: [.codeNotFound]
    case .codeActive: [.codeInactive]
    case .campaignActive: [.campaignInactive]
    case .started: [.notYetValid]
    case .notExpired: [.expired]
    case .campaignLimit: [.limitReached]
    case .codeLimit: [.codeLimitReached]
    case .userLimit: [.userLimitReached]
    case .groupLimit: [.groupLimitReached]
    case .budget: [.budgetExhausted]
    case .segment, .newUser, .country, .vipLevel: [.notEligible]
    case .minDeposit: [.minDepositNotMet]
    case .reservation: [.reservationNotFound, .reservationExpired]
    }
}

private func explained(_ change: (inout RedemptionCheck) -> Void) -> RedemptionExplanation {
    var check = Fixture.check()
    change(&check)
    return check.explain()
}

private func failed(_ explanation: RedemptionExplanation) -> [RedemptionRule] {
    explanation.checks.filter { !$0.passed }.map(\.rule)
}

private func detail(_ rule: RedemptionRule, _ explanation: RedemptionExplanation) -> String {
    explanation.checks.first { $0.rule == rule }?.detail ?? "<no \(rule.rawValue) check>"
}

@Suite struct RuleCheckTests {
    @Test func aRedeemableCodePassesEveryRuleInPrecedenceOrder() {
        let explanation = explained { _ in }
        #expect(explanation.outcome == Fixture.check().evaluate())
        #expect(explanation.outcome.verdict == .ok)
        // Every rule but the reservation one, which only a call naming a reservation consults, and the group
        // one, which only a campaign in an exclusive group has.
        #expect(
            explanation.checks.map(\.rule) == RedemptionRule.allCases.filter { $0 != .reservation && $0 != .groupLimit && $0 != .budget })
        #expect(explanation.checks.allSatisfy { $0.passed })
        #expect(explanation.checks.allSatisfy { !$0.detail.isEmpty })
    }

    /// One evaluation: for every scenario and every pair of scenarios, `explain` gives exactly `evaluate`'s
    /// outcome, and that verdict is the one of the first failing check.
    @Test func explainAgreesWithEvaluateAndTheVerdictIsTheFirstFailure() {
        for (_, first) in verdictScenarios {
            for (_, second) in verdictScenarios {
                var check = Fixture.check()
                first(&check)
                second(&check)
                let explanation = check.explain()
                #expect(explanation.outcome == check.evaluate())
                let firstFailure = explanation.checks.first { !$0.passed }
                if explanation.outcome.verdict == .ok {
                    #expect(firstFailure == nil)
                } else {
                    #expect(firstFailure.map { failingVerdicts($0.rule).contains(explanation.outcome.verdict) } == true)
                }
                let order = explanation.checks.map { RedemptionRule.allCases.firstIndex(of: $0.rule)! }
                #expect(order == order.sorted() && Set(order).count == order.count)
            }
        }
    }

    @Test func threeFailuresAreAllListedAndTheVerdictIsTheFirst() {
        let explanation = explained {
            $0.campaign?.isActive = false
            $0.campaign?.eligibility.segments = ["vip"]
            $0.campaign?.eligibility.minDepositMinor = 50_000
        }
        #expect(explanation.outcome.verdict == .campaignInactive)
        #expect(failed(explanation) == [.campaignActive, .segment, .minDeposit])
        #expect(detail(.segment, explanation) == "segment: player is in [casual, Sports], campaign wants any of [vip]")
        #expect(detail(.minDeposit, explanation) == "deposit 100.00 EUR, minimum 500.00 EUR")
    }

    @Test func anUnknownCodeEndsTheListAtCodeExists() {
        let explanation = explained { $0.code = nil; $0.campaign = nil }
        #expect(explanation.outcome.verdict == .codeNotFound)
        #expect(explanation.checks.map(\.rule) == [.rateLimit, .userBlocked, .codeExists])
        #expect(failed(explanation) == [.codeExists])
    }

    /// A blocked player: USER_BLOCKED right after the rate limit, whatever else fails, with the reason and
    /// the end in the detail; no uses are reported.
    @Test func aBlockedPlayerIsRefusedBeforeTheCodeRules() {
        let block = UserBlock(
            id: "blk-1", userId: "u", reason: "multi-accounting", untilMs: Fixture.nowMs + Fixture.dayMs,
            campaignId: "cmp-1", createdAtMs: 0, createdBy: "key-1")
        let explanation = explained { $0.block = block; $0.code?.isActive = false }
        #expect(explanation.outcome.verdict == .userBlocked)
        #expect(explanation.outcome.remaining == .limited(0))
        #expect(failed(explanation) == [.userBlocked, .codeActive])
        #expect(detail(.userBlocked, explanation).contains("multi-accounting"))
        #expect(detail(.userBlocked, explanation).contains("from campaign cmp-1 until "))
        #expect(explained { $0.block = block; $0.isRateLimited = true }.outcome.verdict == .rateLimited)
        #expect(explained { $0.block = block; $0.code = nil; $0.campaign = nil }.outcome.verdict == .userBlocked)
    }

    /// A codeless call of an auto-apply campaign passes the code rules on its entry and is judged by the
    /// campaign's own rules.
    @Test func anAutoApplyEntryPassesTheCodeRules() {
        let explanation = explained {
            $0.code = PromoCode(code: .autoEntry(campaignId: "cmp-1"), campaignId: "cmp-1")
            $0.campaign?.autoApply = true
            $0.campaign?.maxPerUser = 1
            $0.usage.userRedemptions = 1
        }
        #expect(explanation.outcome.verdict == .userLimitReached)
        #expect(failed(explanation) == [.userLimit])
        #expect(detail(.codeExists, explanation).contains("applies automatically"))
    }

    /// A locked-out player is explained, not refused: the verdict is RATE_LIMITED as a game server would
    /// see it, and every other rule is still listed.
    @Test func aLockedOutPlayerIsExplainedWithEveryRule() {
        let explanation = explained { $0.isRateLimited = true; $0.code?.isActive = false }
        #expect(explanation.outcome.verdict == .rateLimited)
        #expect(explanation.outcome.remaining == .limited(0))
        #expect(failed(explanation) == [.rateLimit, .codeActive])
        #expect(detail(.rateLimit, explanation).contains("locked out"))
    }

    @Test func eachFailingRuleNamesItsNumbers() {
        let start = Fixture.nowMs - Fixture.dayMs  // 2023-11-13 22:13:20 UTC
        let end = Fixture.nowMs + Fixture.dayMs
        #expect(detail(.codeActive, explained { $0.code?.isActive = false }) == "code WELCOME-2024 is switched off")
        #expect(
            detail(.campaignActive, explained { $0.campaign?.isActive = false })
                == "campaign cmp-1 (Welcome) is switched off")
        #expect(
            detail(.started, explained { $0.nowMs = start - 90 * 60_000 })
                == "not started yet: starts 2023-11-13 22:13:20 UTC, in 1 hour 30 minutes")
        #expect(detail(.notExpired, explained { $0.nowMs = end }) == "expired 2023-11-15 22:13:20 UTC")
        #expect(detail(.notExpired, explained { $0.campaign?.expiresAtMs = 1_796_083_200_000 }) == "expires 2026-12-01 00:00 UTC")
        #expect(
            detail(.campaignLimit, explained { $0.campaign?.maxRedemptions = 1_000; $0.usage.campaignRedemptions = 1_000 })
                == "campaign limit: 1,000 of 1,000 used")
        #expect(
            detail(.campaignLimit, explained {
                $0.campaign?.maxRedemptions = 1_000; $0.usage.campaignRedemptions = 997; $0.usage.campaignReservations = 3
            }) == "campaign limit: 1,000 of 1,000 used (3 of them held by reservations)")
        #expect(detail(.campaignLimit, explained { $0.usage.campaignRedemptions = 12 }) == "campaign limit: none (12 used)")
        #expect(
            detail(.codeLimit, explained { $0.code?.maxUses = 5; $0.usage.codeRedemptions = 5 })
                == "code limit: 5 of 5 used")
        #expect(
            detail(.userLimit, explained { $0.campaign?.maxPerUser = 1; $0.usage.userRedemptions = 1 })
                == "player already redeemed 1 of 1")
        #expect(detail(.userLimit, explained { $0.campaign?.maxPerUser = 2 }) == "player redeemed 0 of 2")
        #expect(
            detail(.newUser, explained {
                $0.campaign?.eligibility.newUsersOnly = true
                $0.campaign?.eligibility.newUserWindowMs = 7 * Fixture.dayMs
                $0.user.registeredAtMs = Fixture.nowMs - 40 * Fixture.dayMs
            }) == "new users only: player registered 2023-10-05 22:13:20 UTC (40 days ago), "
                + "campaign wants players registered within 7 days")
        #expect(
            detail(.newUser, explained {
                $0.campaign?.eligibility.newUsersOnly = true
                $0.campaign?.eligibility.newUserWindowMs = Fixture.dayMs
                $0.user.registeredAtMs = nil
            }) == "new users only: player's registration time is not known, campaign wants players registered within 1 day")
        #expect(
            detail(.country, explained { $0.campaign?.eligibility.countries = ["AT", "CH"] })
                == "country: player is in DE, campaign wants any of [AT, CH]")
        #expect(
            detail(.vipLevel, explained { $0.campaign?.eligibility.minVipLevel = 5 })
                == "VIP level: player is level 3, campaign wants 5 or higher")
        #expect(
            detail(.minDeposit, explained { $0.deposit = Deposit(amountMinor: 500, currency: "EUR"); $0.campaign?.eligibility.minDepositMinor = 1_000 })
                == "deposit 5.00 EUR, minimum 10.00 EUR")
        #expect(
            detail(.minDeposit, explained { $0.deposit = Deposit(amountMinor: 5_000, currency: "USD"); $0.campaign?.eligibility.minDepositMinor = 1_000 })
                == "deposit 50.00 USD does not count: the campaign pays in EUR, minimum 10.00 EUR")
        #expect(
            detail(.reservation, explained { $0.reservation = .found(expiresAtMs: $0.nowMs) })
                == "reservation: expired 2023-11-14 22:13:20 UTC")
        #expect(detail(.reservation, explained { $0.reservation = .notFound }).contains("not found"))
    }

    /// Every rule can fail on its own, and then it is the only failing check.
    @Test func everyRuleFailsAloneInSomeScenario() {
        let scenarios: [(RedemptionRule, (inout RedemptionCheck) -> Void)] = [
            (.rateLimit, { $0.isRateLimited = true }),
            (
                .userBlocked,
                { $0.block = UserBlock(id: "blk-1", userId: "u", reason: "abuse", createdAtMs: 0, createdBy: "key-1") }
            ),
            (.codeExists, { $0.code = nil }),
            (.codeActive, { $0.code?.isActive = false }),
            (.campaignActive, { $0.campaign?.isActive = false }),
            (.started, { $0.nowMs = $0.campaign!.startsAtMs - 1 }),
            (.notExpired, { $0.nowMs = $0.campaign!.expiresAtMs }),
            (.campaignLimit, { $0.campaign?.maxRedemptions = 1; $0.usage.campaignReservations = 1 }),
            (.codeLimit, { $0.code?.maxUses = 1; $0.usage.codeRedemptions = 1 }),
            (.userLimit, { $0.campaign?.maxPerUser = 1; $0.usage.userReservations = 1 }),
            (.groupLimit, { $0.inExclusiveGroup(maxPerUser: 1); $0.usage.groupRedemptions = 1 }),
            (.budget, { $0.campaign?.budgetMinor = 1_000; $0.usage.budgetSpent = 600 }),
            (.segment, { $0.campaign?.eligibility.segments = ["vip"] }),
            (.newUser, { $0.campaign?.eligibility.newUsersOnly = true; $0.user.registeredAtMs = nil }),
            (.country, { $0.campaign?.eligibility.countries = ["FR"] }),
            (.vipLevel, { $0.campaign?.eligibility.minVipLevel = 4 }),
            (.minDeposit, { $0.campaign?.eligibility.minDepositMinor = 10_001 }),
            (.reservation, { $0.reservation = .notFound }),
        ]
        #expect(scenarios.map(\.0) == RedemptionRule.allCases)
        for (rule, change) in scenarios {
            let explanation = explained(change)
            #expect(failed(explanation) == [rule], "\(rule.rawValue)")
            #expect(failingVerdicts(rule).contains(explanation.outcome.verdict), "\(rule.rawValue)")
        }
    }

    @Test func theGroupRuleNamesTheGroupAndCountsHeldUses() {
        let explanation = explained {
            $0.inExclusiveGroup(maxPerUser: 2)
            $0.usage.groupRedemptions = 1
            $0.usage.groupReservations = 1
        }
        #expect(explanation.outcome.verdict == .groupLimitReached)
        #expect(failed(explanation) == [.groupLimit])
        let check = explanation.checks.first { $0.rule == .groupLimit }
        #expect(
            check?.detail
                == "group Welcome offers: player already redeemed 2 of 2 across its campaigns (1 of them held by a reservation)")
        // Right after the campaign's own user limit.
        let rules = explanation.checks.map(\.rule)
        #expect(rules.firstIndex(of: .groupLimit) == rules.firstIndex(of: .userLimit).map { $0 + 1 })
    }

    @Test func theBudgetRuleNamesWhatIsLeftAndWhatTheRewardCosts() {
        let explanation = explained {
            $0.campaign?.reward = .depositMatch(percent: 100, capMinor: 20_000, currency: "EUR")
            $0.campaign?.budgetMinor = 50_000
            $0.usage.budgetSpent = 38_000
            $0.deposit = Deposit(amountMinor: 15_000, currency: "EUR")
        }
        #expect(explanation.outcome.verdict == .budgetExhausted)
        #expect(explanation.outcome.budgetRemaining == 12_000)
        #expect(failed(explanation) == [.budget])
        #expect(
            explanation.checks.first { $0.rule == .budget }?.detail
                == "budget: 120.00 of 500.00 EUR left, reward 150.00 EUR")
        let rules = explanation.checks.map(\.rule)
        #expect(rules.firstIndex(of: .budget) == rules.firstIndex(of: .userLimit).map { $0 + 1 })
        // A reward that fits exactly is admitted.
        let fits = explained {
            $0.campaign?.budgetMinor = 1_000
            $0.usage.budgetSpent = 500
        }
        #expect(fits.outcome.verdict == .ok)
        #expect(fits.outcome.budgetRemaining == 500)
        let spins = explained {
            $0.campaign?.reward = .freeSpins(count: 10, gameId: "book")
            $0.campaign?.budgetMinor = 25
            $0.usage.budgetSpent = 20
        }
        #expect(spins.checks.first { $0.rule == .budget }?.detail == "budget: 5 of 25 spins left, reward 10 spins")
    }

    @Test func rawValuesAreStableWireNames() {
        #expect(RedemptionRule.allCases.map(\.rawValue) == [
            "rate_limit", "user_blocked", "code_exists", "code_active", "campaign_active", "started", "not_expired",
            "campaign_limit", "code_limit", "user_limit", "group_limit", "budget", "segment", "new_user", "country",
            "vip_level", "min_deposit", "reservation",
        ])
    }
}

@Suite struct DetailTextTests {
    @Test func numbersMoneyTimesAndDurations() {
        #expect(DetailText.grouped(0) == "0")
        #expect(DetailText.grouped(1_000) == "1,000")
        #expect(DetailText.grouped(Int64.min) == "-9,223,372,036,854,775,808")
        #expect(DetailText.money(500, "EUR") == "5.00 EUR")
        #expect(DetailText.money(1_234_567, "EUR") == "12,345.67 EUR")
        #expect(DetailText.money(500, "JPY") == "500 JPY")
        #expect(DetailText.money(1_500, "KWD") == "1.500 KWD")
        #expect(DetailText.money(-5, "EUR") == "-0.05 EUR")
        #expect(DetailText.money(Int64.min, "EUR") == "-92,233,720,368,547,758.08 EUR")
        #expect(DetailText.money(700, "") == "700")
        #expect(DetailText.time(1_796_083_200_000) == "2026-12-01 00:00 UTC")
        #expect(DetailText.time(0) == "1970-01-01 00:00 UTC")
        #expect(DetailText.time(-1) == "1969-12-31 23:59:59 UTC")
        _ = DetailText.time(Int64.min)  // must not trap
        _ = DetailText.time(Int64.max)
        #expect(DetailText.duration(7 * 86_400_000) == "7 days")
        #expect(DetailText.duration(86_400_000 + 6 * 3_600_000) == "1 day 6 hours")
        #expect(DetailText.duration(45 * 60_000) == "45 minutes")
        #expect(DetailText.duration(1_000) == "1 second")
        #expect(DetailText.duration(999) == "999 ms")
        _ = DetailText.duration(Int64.min)
        #expect(DetailText.list([]) == "[]")
        #expect(DetailText.list(["vip", "regular"]) == "[vip, regular]")
    }
}

extension RedemptionCheck {
    /// Puts the fixture's campaign into an exclusive group.
    fileprivate mutating func inExclusiveGroup(maxPerUser: UInt32) {
        let group = Group(id: "grp_1", name: "Welcome offers", maxPerUser: maxPerUser, createdAtMs: 0)
        campaign?.groupId = group.id
        self.group = group
    }
}
