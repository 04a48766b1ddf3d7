import Testing

@testable import PromoDomain

@Suite struct EligibilityTests {
    let nowMs = Fixture.nowMs
    let dayMs = Fixture.dayMs

    private func admits(_ eligibility: Eligibility, _ change: (inout UserContext) -> Void = { _ in })
        -> Bool
    {
        var user = Fixture.user()
        change(&user)
        return eligibility.admits(user, nowMs: nowMs)
    }

    @Test func noRulesAdmitEveryone() {
        #expect(admits(.everyone))
        #expect(admits(.everyone) { $0 = UserContext(userId: "bare") })
    }

    @Test func segmentsAreAnyOfIgnoringCase() {
        #expect(admits(Eligibility(segments: ["vip", "sports"])))  // user has "Sports"
        #expect(admits(Eligibility(segments: ["CASUAL"])))
        #expect(!admits(Eligibility(segments: ["vip", "highroller"])))
        #expect(!admits(Eligibility(segments: ["casual"])) { $0.segments = [] })
    }

    @Test func newUsersOnlyCountsFromRegistration() {
        let rule = Eligibility(newUsersOnly: true, newUserWindowMs: 7 * dayMs)
        #expect(admits(rule) { $0.registeredAtMs = nowMs - 7 * dayMs })
        #expect(!admits(rule) { $0.registeredAtMs = nowMs - 7 * dayMs - 1 })
        #expect(admits(rule) { $0.registeredAtMs = nowMs })
    }

    @Test func unknownRegistrationIsNotNew() {
        let rule = Eligibility(newUsersOnly: true, newUserWindowMs: 7 * dayMs)
        #expect(!admits(rule) { $0.registeredAtMs = nil })
        #expect(admits(.everyone) { $0.registeredAtMs = nil })
    }

    @Test func registrationAheadOfOurClockCountsAsNew() {
        let rule = Eligibility(newUsersOnly: true, newUserWindowMs: 1)
        #expect(admits(rule) { $0.registeredAtMs = nowMs + 5_000 })
    }

    @Test func extremeTimesDoNotTrap() {
        let rule = Eligibility(newUsersOnly: true, newUserWindowMs: .max)
        var user = Fixture.user()
        user.registeredAtMs = .max
        #expect(rule.admits(user, nowMs: .min) == false)  // the age overflows: not provably new
        user.registeredAtMs = 1
        #expect(rule.admits(user, nowMs: .max))
    }

    @Test func countriesAreAnyOfIgnoringCase() {
        #expect(admits(Eligibility(countries: ["at", "de"])))
        #expect(admits(Eligibility(countries: ["DE"])) { $0.country = "de" })
        #expect(!admits(Eligibility(countries: ["AT", "CH"])))
        #expect(!admits(Eligibility(countries: ["DE"])) { $0.country = "" })
    }

    @Test func vipLevelIsAMinimum() {
        #expect(admits(Eligibility(minVipLevel: 3)))
        #expect(!admits(Eligibility(minVipLevel: 4)))
    }

    @Test func everyRuleMustPass() {
        let rule = Eligibility(segments: ["casual"], countries: ["DE"], minVipLevel: 3)
        #expect(admits(rule))
        #expect(!admits(rule) { $0.country = "FR" })
        #expect(!admits(rule) { $0.vipLevel = 2 })
        #expect(!admits(rule) { $0.segments = ["other"] })
    }

    @Test func minimumDepositIsNotAnEligibilityRule() {
        #expect(admits(Eligibility(minDepositMinor: 1_000_000)))
    }
}
