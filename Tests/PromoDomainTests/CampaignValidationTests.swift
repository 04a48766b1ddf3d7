import Testing

@testable import PromoDomain

@Suite struct CampaignValidationTests {
    private func message(_ change: (inout Campaign) -> Void) -> String? {
        var campaign = Fixture.campaign()
        change(&campaign)
        return Fixture.invalidArgumentMessage { try campaign.validate() }
    }

    @Test func theFixtureIsValid() throws {
        try Fixture.campaign().validate()
        #expect(message { $0.expiresAtMs = 0 } == nil)
    }

    @Test func nameMustHaveTextWithinTheByteLimit() {
        #expect(message { $0.name = "" }?.hasPrefix("campaign.name:") == true)
        #expect(message { $0.name = " \t " }?.hasPrefix("campaign.name:") == true)
        #expect(message { $0.name = String(repeating: "n", count: 200) } == nil)
        #expect(message { $0.name = String(repeating: "n", count: 201) }?.contains("201 bytes") == true)
        // 100 two-byte characters are 200 bytes: at the limit, not past it.
        #expect(message { $0.name = String(repeating: "é", count: 100) } == nil)
        #expect(message { $0.name = String(repeating: "é", count: 101) } != nil)
        #expect(message { $0.name = "Spring\nSale" }?.contains("control") == true)
    }

    @Test func idIsRequiredAndBounded() {
        #expect(message { $0.id = "" }?.hasPrefix("campaign.id:") == true)
        #expect(message { $0.id = String(repeating: "i", count: 128) } == nil)
        #expect(message { $0.id = String(repeating: "i", count: 129) }?.hasPrefix("campaign.id:") == true)
    }

    @Test func windowMustRunForwards() {
        #expect(message { $0.startsAtMs = -1 }?.hasPrefix("campaign.startsAtMs:") == true)
        #expect(message { $0.expiresAtMs = -1 }?.hasPrefix("campaign.expiresAtMs:") == true)
        #expect(message { $0.expiresAtMs = $0.startsAtMs }?.hasPrefix("campaign.expiresAtMs:") == true)
        #expect(message { $0.expiresAtMs = $0.startsAtMs - 1 } != nil)
        #expect(message { $0.expiresAtMs = $0.startsAtMs + 1 } == nil)
    }

    @Test func nestedProblemsCarryTheirPath() {
        #expect(
            message { $0.reward = .bonus(amountMinor: 0, currency: "EUR") }?
                .hasPrefix("campaign.reward.amountMinor:") == true)
        #expect(
            message { $0.eligibility.countries = ["DEU"] }?
                .hasPrefix("campaign.eligibility.countries[0]:") == true)
        #expect(
            message { $0.source = String(repeating: "s", count: 129) }?.hasPrefix("campaign.source:") == true)
        #expect(message { $0.createdAtMs = -1 }?.hasPrefix("campaign.createdAtMs:") == true)
    }
}

@Suite struct EligibilityValidationTests {
    private func message(_ eligibility: Eligibility) -> String? {
        Fixture.invalidArgumentMessage { try eligibility.validate() }
    }

    @Test func everyoneIsValid() {
        #expect(message(.everyone) == nil)
    }

    @Test func newUsersOnlyNeedsAWindow() {
        #expect(message(Eligibility(newUsersOnly: true))?.hasPrefix("eligibility.newUserWindowMs:") == true)
        #expect(message(Eligibility(newUsersOnly: true, newUserWindowMs: 1)) == nil)
        #expect(message(Eligibility(newUserWindowMs: -1)) != nil)
    }

    @Test func amountsAndListsAreBounded() {
        #expect(message(Eligibility(minDepositMinor: -1))?.hasPrefix("eligibility.minDepositMinor:") == true)
        #expect(message(Eligibility(segments: [""]))?.hasPrefix("eligibility.segments[0]:") == true)
        #expect(message(Eligibility(segments: Array(repeating: "s", count: 64))) == nil)
        #expect(message(Eligibility(segments: Array(repeating: "s", count: 65))) != nil)
        #expect(message(Eligibility(countries: Array(repeating: "DE", count: 251))) != nil)
    }

    @Test(arguments: ["DE", "de", "Fr"])
    func countryCodesOfEitherCasePass(_ country: String) {
        #expect(message(Eligibility(countries: [country])) == nil)
    }

    @Test(arguments: ["", "D", "DEU", "D1", "ÜK"])
    func malformedCountryCodesFail(_ country: String) {
        #expect(
            message(Eligibility(countries: ["FR", country]))?.hasPrefix("eligibility.countries[1]:") == true)
    }
}

@Suite struct RequestValueValidationTests {
    @Test func userContextRules() throws {
        try Fixture.user().validate()
        func message(_ change: (inout UserContext) -> Void) -> String? {
            var user = Fixture.user()
            change(&user)
            return Fixture.invalidArgumentMessage { try user.validate() }
        }
        #expect(message { $0.userId = "" }?.hasPrefix("user.userId:") == true)
        #expect(message { $0.userId = String(repeating: "u", count: 129) } != nil)
        #expect(
            message { $0.segments = Array(repeating: "s", count: 65) }?.hasPrefix("user.segments:") == true)
        #expect(message { $0.registeredAtMs = 0 }?.hasPrefix("user.registeredAtMs:") == true)
        #expect(message { $0.registeredAtMs = nil } == nil)
        #expect(message { $0.country = "" } == nil)
        #expect(message { $0.country = "DEU" }?.hasPrefix("user.country:") == true)
        #expect(message { $0.ip = String(repeating: "1", count: 65) }?.hasPrefix("user.ip:") == true)
        #expect(message { $0.deviceId = String(repeating: "d", count: 129) } != nil)
    }

    @Test func depositRules() {
        #expect(Fixture.invalidArgumentMessage { try Deposit.none.validate() } == nil)
        #expect(
            Fixture.invalidArgumentMessage { try Deposit(amountMinor: 0, currency: "EUR").validate() } == nil)
        #expect(
            Fixture.invalidArgumentMessage { try Deposit(amountMinor: -1, currency: "EUR").validate() }?
                .hasPrefix("deposit.amountMinor:") == true)
        #expect(
            Fixture.invalidArgumentMessage { try Deposit(amountMinor: 100, currency: "").validate() }?
                .hasPrefix("deposit.currency:") == true)
    }

    @Test func promoCodeReferences() {
        var code = Fixture.code()
        #expect(Fixture.invalidArgumentMessage { try code.validate() } == nil)
        code.ownerId = ""
        #expect(Fixture.invalidArgumentMessage { try code.validate() }?.hasPrefix("code.ownerId:") == true)
        code.ownerId = "streamer-7"
        code.batchId = String(repeating: "b", count: 129)
        #expect(Fixture.invalidArgumentMessage { try code.validate() }?.hasPrefix("code.batchId:") == true)
        code.batchId = nil
        code.campaignId = ""
        #expect(Fixture.invalidArgumentMessage { try code.validate() }?.hasPrefix("code.campaignId:") == true)
    }
}
