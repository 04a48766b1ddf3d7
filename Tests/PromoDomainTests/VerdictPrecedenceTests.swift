import Testing

@testable import PromoDomain

/// The documented order of `RedemptionCheck.evaluate`.
private let precedence: [Verdict] = [
    .rateLimited, .userBlocked, .codeNotFound, .codeInactive, .campaignInactive, .notYetValid, .expired,
    .limitReached, .codeLimitReached, .userLimitReached, .groupLimitReached, .budgetExhausted, .notEligible, .minDepositNotMet,
    .reservationNotFound, .reservationExpired,
]

/// Conditions that share one input cannot hold together, so their order is moot.
private let exclusive: Set<Set<Verdict>> = [
    [.notYetValid, .expired], [.reservationNotFound, .reservationExpired],
]

private func scenario(_ verdict: Verdict) -> @Sendable (inout RedemptionCheck) -> Void {
    verdictScenarios.first { $0.0 == verdict }!.1
}

@Suite struct VerdictPrecedenceTests {
    @Test func theOrderCoversEveryRefusal() {
        #expect(Set(precedence) == Set(Verdict.allCases).subtracting([.ok]))
        #expect(precedence.count == Verdict.allCases.count - 1)
    }

    /// For every pair of refusals that can hold together, the earlier one wins, whichever is applied
    /// first.
    @Test func everyEarlierRefusalOutranksEveryLaterOne() {
        for (earlierIndex, earlier) in precedence.enumerated() {
            for later in precedence[(earlierIndex + 1)...] where !exclusive.contains([earlier, later]) {
                let forwards = Fixture.verdict {
                    scenario(earlier)(&$0); scenario(later)(&$0)
                }
                let backwards = Fixture.verdict {
                    scenario(later)(&$0); scenario(earlier)(&$0)
                }
                #expect(forwards == earlier, "\(earlier) should outrank \(later)")
                #expect(backwards == earlier, "\(earlier) should outrank \(later)")
            }
        }
    }

    @Test func withEveryRefusalAtOnceTheFirstWinsAndPeelingRevealsTheNext() {
        // Applying the refusals from index i onwards must yield the refusal at index i.
        for (index, expected) in precedence.enumerated() {
            let verdict = Fixture.verdict { check in
                for verdict in precedence[index...] {
                    if verdict == .expired && index <= precedence.firstIndex(of: .notYetValid)! { continue }
                    if verdict == .reservationExpired && expected != .reservationExpired { continue }
                    scenario(verdict)(&check)
                }
            }
            #expect(verdict == expected)
        }
    }

    @Test func anInactiveAndExpiredCodeIsReportedInactive() {
        let verdict = Fixture.verdict {
            $0.code?.isActive = false
            $0.nowMs = $0.campaign!.expiresAtMs + Fixture.dayMs
        }
        #expect(verdict == .codeInactive)
    }

    @Test func rateLimitingHidesWhetherTheCodeExists() {
        #expect(
            Fixture.verdict {
                $0.isRateLimited = true; $0.code = nil
            } == .rateLimited)
        var check = Fixture.check()
        check.isRateLimited = true
        #expect(check.evaluate().remaining == .limited(0))
    }

    @Test func ineligibleUsersAreNotToldToDepositMore() {
        let verdict = Fixture.verdict {
            $0.campaign?.eligibility.countries = ["FR"]
            $0.deposit = .none
            $0.campaign?.eligibility.minDepositMinor = 1
        }
        #expect(verdict == .notEligible)
    }
}
