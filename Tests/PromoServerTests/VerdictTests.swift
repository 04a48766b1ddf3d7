import PromoClient
import PromoServer
import PromoWire
import Testing

/// Validates, then redeems, and expects `expected` from both. A refusal must not hand out a redemption id.
func expectVerdict(
    _ expected: Verdict, _ client: PromoClient, code: String, user: UserContext, depositMinor: Int64 = 0,
    currency: String = "", _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let validated = try await client.validate(code: code, user: user, depositMinor: depositMinor, currency: currency)
    #expect(validated.verdict == expected, "validate: \(comment ?? "")", sourceLocation: sourceLocation)
    let redeemed = try await client.redeem(code: code, user: user, depositMinor: depositMinor, currency: currency)
    #expect(redeemed.verdict == expected, "redeem: \(comment ?? "")", sourceLocation: sourceLocation)
    if expected == .ok {
        #expect(!redeemed.redemptionId.isEmpty, sourceLocation: sourceLocation)
    } else {
        #expect(redeemed.redemptionId.isEmpty, sourceLocation: sourceLocation)
    }
}

@Suite("Every verdict, and their precedence", .serverCleanup)
struct VerdictTests {
    @Test func anUnknownCodeIsCodeNotFound() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        try await expectVerdict(.codeNotFound, admin, code: Unique.code("GHOST"), user: user(Unique.user()), "empty database")
        _ = try await admin.createCampaign(bonusCampaign(), code: Unique.code("REAL"))
        try await expectVerdict(.codeNotFound, admin, code: Unique.code("GHOST"), user: user(Unique.user()), "another code exists")
        await admin.close()
    }

    @Test func aSwitchedOffCodeIsCodeInactive() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("OFF")
        _ = try await admin.createCampaign(bonusCampaign(), code: code)
        let player = user(Unique.user())
        _ = try await admin.setCodeStatus(code, active: false)
        try await expectVerdict(.codeInactive, admin, code: code, user: player)
        _ = try await admin.setCodeStatus(code, active: true)
        try await expectVerdict(.ok, admin, code: code, user: player)
        await admin.close()
    }

    @Test func anInactiveCampaignIsCampaignInactive() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let explicit = Unique.code("PAUSED")
        _ = try await admin.createCampaign(bonusCampaign { $0.active = false }, code: explicit)
        try await expectVerdict(.campaignInactive, admin, code: explicit, user: user(Unique.user()))

        // `active` left at its proto3 default is false: the campaign is inactive.
        let defaulted = Unique.code("DEFAULT")
        let campaign = Campaign.with {
            $0.name = "Left at defaults"
            $0.kind = .other
            $0.reward = Reward.with { r in
                r.kind = .loyaltyPoints
                r.amountMinor = 100
            }
        }
        let created = try await admin.createCampaign(campaign, code: defaulted)
        #expect(!created.active)
        try await expectVerdict(.campaignInactive, admin, code: defaulted, user: user(Unique.user()))
        await admin.close()
    }

    @Test func aCampaignThatHasNotStartedIsNotYetValid() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("SOON")
        _ = try await admin.createCampaign(bonusCampaign { $0.startsAtMs = nowMs() + hourMs }, code: code)
        try await expectVerdict(.notYetValid, admin, code: code, user: user(Unique.user()))

        let started = Unique.code("STARTED")
        _ = try await admin.createCampaign(bonusCampaign { $0.startsAtMs = nowMs() - hourMs }, code: started)
        try await expectVerdict(.ok, admin, code: started, user: user(Unique.user()))
        await admin.close()
    }

    @Test func aCampaignWhoseWindowIsOverIsExpired() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("PAST")
        let now = nowMs()
        _ = try await admin.createCampaign(bonusCampaign {
            $0.startsAtMs = now - 2 * hourMs
            $0.expiresAtMs = now - hourMs
        }, code: code)
        try await expectVerdict(.expired, admin, code: code, user: user(Unique.user()))

        // A campaign expires while the server runs.
        _ = try await withRoomToAct { windowMs -> Void? in
            let closing = Unique.code("CLOSING")
            let closesAtMs = nowMs() + windowMs
            _ = try await admin.createCampaign(bonusCampaign { $0.expiresAtMs = closesAtMs }, code: closing)
            let before = try await admin.validate(code: closing, user: user(Unique.user())).verdict
            guard nowMs() < closesAtMs else { return nil }  // answered after the close: too slow to tell
            #expect(before == .ok)
            try await sleep(untilMs: closesAtMs + 50)
            try await expectVerdict(.expired, admin, code: closing, user: user(Unique.user()))
            return ()
        }
        await admin.close()
    }

    @Test func aCampaignUsedUpIsLimitReached() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("TWO")
        _ = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 2 }, code: code, codeMaxUses: 10)
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()))
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()))
        try await expectVerdict(.limitReached, admin, code: code, user: user(Unique.user()))
        await admin.close()
    }

    @Test func aCodeUsedUpIsCodeLimitReached() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("CODETWO")
        _ = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 10 }, code: code, codeMaxUses: 2)
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()))
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()))
        try await expectVerdict(.codeLimitReached, admin, code: code, user: user(Unique.user()))
        await admin.close()
    }

    @Test func aUserAtTheirLimitIsUserLimitReached() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("TWICEEACH")
        _ = try await admin.createCampaign(bonusCampaign { $0.maxPerUser = 2 }, code: code)
        let player = user(Unique.user())
        try await expectVerdict(.ok, admin, code: code, user: player)
        try await expectVerdict(.ok, admin, code: code, user: player)
        try await expectVerdict(.userLimitReached, admin, code: code, user: player)
        // The limit is per user.
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()))
        await admin.close()
    }

    @Test func aUserOutsideTheSegmentsIsNotEligible() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("SEGMENT")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.eligibility = Eligibility.with { e in e.segments = ["VIP", "highroller"] }
        }, code: code)
        try await expectVerdict(.notEligible, admin, code: code, user: user(Unique.user()), "no segments")
        try await expectVerdict(.notEligible, admin, code: code, user: user(Unique.user()) { $0.segments = ["casual", "new"] }, "other segments")
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()) { $0.segments = ["casual", "vip"] }, "one matching segment, other case")
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()) { $0.segments = ["HighRoller"] }, "the other segment")
        await admin.close()
    }

    @Test func onlyRecentlyRegisteredUsersAreEligibleForNewUserCampaigns() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("WELCOME")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.eligibility = Eligibility.with { e in
                e.newUsersOnly = true
                e.newUserWindowMs = 7 * dayMs
            }
        }, code: code)
        try await expectVerdict(.notEligible, admin, code: code, user: user(Unique.user()) { $0.registeredAtMs = nowMs() - 30 * dayMs }, "registered 30 days ago")
        try await expectVerdict(.notEligible, admin, code: code, user: user(Unique.user()), "registration time missing")
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()) { $0.registeredAtMs = nowMs() - dayMs }, "registered yesterday")
        await admin.close()
    }

    @Test func aUserFromAnotherCountryIsNotEligible() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("DACH")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.eligibility = Eligibility.with { e in e.countries = ["DE", "AT", "CH"] }
        }, code: code)
        try await expectVerdict(.notEligible, admin, code: code, user: user(Unique.user()) { $0.country = "FR" }, "France")
        try await expectVerdict(.notEligible, admin, code: code, user: user(Unique.user()), "no country")
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()) { $0.country = "AT" }, "Austria")
        await admin.close()
    }

    @Test func aUserBelowTheVipLevelIsNotEligible() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("VIP")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.kind = .vip
            $0.eligibility = Eligibility.with { e in e.minVipLevel = 3 }
        }, code: code)
        try await expectVerdict(.notEligible, admin, code: code, user: user(Unique.user()) { $0.vipLevel = 2 }, "level 2")
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()) { $0.vipLevel = 3 }, "level 3")
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()) { $0.vipLevel = 7 }, "level 7")
        await admin.close()
    }

    @Test func aDepositBelowTheMinimumOrInAnotherCurrencyIsMinDepositNotMet() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("DEPOSIT")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.kind = .deposit
            $0.eligibility = Eligibility.with { e in e.minDepositMinor = 2_000 }
        }, code: code)
        try await expectVerdict(.minDepositNotMet, admin, code: code, user: user(Unique.user()), "no deposit")
        try await expectVerdict(.minDepositNotMet, admin, code: code, user: user(Unique.user()), depositMinor: 1_999, currency: "EUR", "one cent short")
        try await expectVerdict(.minDepositNotMet, admin, code: code, user: user(Unique.user()), depositMinor: 50_000, currency: "USD", "dollars for a euro reward")
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()), depositMinor: 2_000, currency: "EUR", "exactly the minimum")
        await admin.close()
    }

    @Test func refusalsComeInTheDocumentedOrder() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let now = nowMs()

        // An inactive code on an expired campaign: the code's switch is named first.
        let offAndOver = Unique.code("OFFOVER")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.startsAtMs = now - 2 * hourMs
            $0.expiresAtMs = now - hourMs
        }, code: offAndOver)
        _ = try await admin.setCodeStatus(offAndOver, active: false)
        try await expectVerdict(.codeInactive, admin, code: offAndOver, user: user(Unique.user()), "inactive code, expired campaign")

        // An inactive campaign that has not started, for someone not eligible.
        let pausedFuture = Unique.code("PAUSEDFUTURE")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.active = false
            $0.startsAtMs = now + hourMs
            $0.eligibility = Eligibility.with { e in e.countries = ["DE"] }
        }, code: pausedFuture)
        try await expectVerdict(.campaignInactive, admin, code: pausedFuture, user: user(Unique.user()) { $0.country = "FR" }, "inactive, not started, not eligible")

        // A used-up campaign that then expires: expired outranks the limit.
        let usedThenOver = try await withRoomToAct { windowMs -> (code: String, expiresAtMs: Int64)? in
            let code = Unique.code("USEDOVER")
            let expiresAtMs = nowMs() + windowMs
            _ = try await admin.createCampaign(bonusCampaign {
                $0.maxRedemptions = 1
                $0.expiresAtMs = expiresAtMs
            }, code: code)
            func verdicts(_ player: UserContext) async throws -> [Verdict] {
                let validated = try await admin.validate(code: code, user: player)
                let redeemed = try await admin.redeem(code: code, user: player)
                return [validated.verdict, redeemed.verdict, redeemed.redemptionId.isEmpty ? .limitReached : .ok]
            }
            let first = try await verdicts(user(Unique.user()))
            let second = try await verdicts(user(Unique.user()))
            guard nowMs() < expiresAtMs else { return nil }  // answered after the expiry: too slow to tell
            #expect(first == [.ok, .ok, .ok])
            #expect(second == [.limitReached, .limitReached, .limitReached])
            return (code, expiresAtMs)
        }

        // Campaign and code both used up: the campaign's limit is named.
        let bothUsed = Unique.code("BOTHUSED")
        _ = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 1 }, code: bothUsed, codeMaxUses: 1)
        try await expectVerdict(.ok, admin, code: bothUsed, user: user(Unique.user()))
        try await expectVerdict(.limitReached, admin, code: bothUsed, user: user(Unique.user()), "campaign and code used up")

        // Code used up and the user at their limit: the code's limit is named.
        let codeAndUser = Unique.code("CODEUSER")
        let repeater = user(Unique.user())
        _ = try await admin.createCampaign(bonusCampaign { $0.maxPerUser = 1 }, code: codeAndUser, codeMaxUses: 1)
        try await expectVerdict(.ok, admin, code: codeAndUser, user: repeater)
        try await expectVerdict(.codeLimitReached, admin, code: codeAndUser, user: repeater, "code used up, user at limit")

        // Campaign used up, user not eligible: the limit is named.
        let usedGerman = Unique.code("USEDDE")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.maxRedemptions = 1
            $0.eligibility = Eligibility.with { e in e.countries = ["DE"] }
        }, code: usedGerman)
        try await expectVerdict(.ok, admin, code: usedGerman, user: user(Unique.user()) { $0.country = "DE" })
        try await expectVerdict(.limitReached, admin, code: usedGerman, user: user(Unique.user()) { $0.country = "FR" }, "used up, not eligible")

        // User at their limit and now not eligible: the user limit is named.
        let onceGerman = Unique.code("ONCEDE")
        let mover = Unique.user()
        _ = try await admin.createCampaign(bonusCampaign {
            $0.maxPerUser = 1
            $0.eligibility = Eligibility.with { e in e.countries = ["DE"] }
        }, code: onceGerman)
        try await expectVerdict(.ok, admin, code: onceGerman, user: user(mover) { $0.country = "DE" })
        try await expectVerdict(.userLimitReached, admin, code: onceGerman, user: user(mover) { $0.country = "FR" }, "user at limit, not eligible")

        // Not eligible and no deposit: not eligible is named, never "deposit more".
        let vipDeposit = Unique.code("VIPDEPOSIT")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.eligibility = Eligibility.with { e in
                e.minVipLevel = 3
                e.minDepositMinor = 1_000
            }
        }, code: vipDeposit)
        try await expectVerdict(.notEligible, admin, code: vipDeposit, user: user(Unique.user()) { $0.vipLevel = 1 }, "not eligible, no deposit")

        // Too small a deposit and an unknown reservation: the deposit is named.
        let depositReservation = Unique.code("DEPRES")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.eligibility = Eligibility.with { e in e.minDepositMinor = 1_000 }
        }, code: depositReservation)
        let redeemed = try await admin.redeem(
            code: depositReservation, user: user(Unique.user()), depositMinor: 10, currency: "EUR", reservationId: "no-such-reservation")
        #expect(redeemed.verdict == .minDepositNotMet, "deposit too small, unknown reservation")

        // Checked last, so that the cases above use up most of the wait for the expiry.
        if let usedThenOver {
            try await sleep(untilMs: usedThenOver.expiresAtMs + 50)
            try await expectVerdict(.expired, admin, code: usedThenOver.code, user: user(Unique.user()), "used up and expired")
        }
        await admin.close()
    }

    @Test func aWindowMovedByUpdateOutranksTheLimit() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("MOVED")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 1 }, code: code)
        try await expectVerdict(.ok, admin, code: code, user: user(Unique.user()))
        try await expectVerdict(.limitReached, admin, code: code, user: user(Unique.user()))

        let now = nowMs()
        _ = try await admin.updateCampaign(campaign.id, mask: ["starts_at_ms", "expires_at_ms"]) {
            $0.startsAtMs = now - 2 * hourMs
            $0.expiresAtMs = now - hourMs
        }
        try await expectVerdict(.expired, admin, code: code, user: user(Unique.user()), "used up and expired")
        _ = try await admin.updateCampaign(campaign.id, mask: ["starts_at_ms", "expires_at_ms"]) {
            $0.startsAtMs = now + hourMs
            $0.expiresAtMs = now + 2 * hourMs
        }
        try await expectVerdict(.notYetValid, admin, code: code, user: user(Unique.user()), "used up and not yet valid")
        _ = try await admin.updateCampaign(campaign.id, mask: ["starts_at_ms", "expires_at_ms", "active"]) {
            $0.startsAtMs = 0
            $0.expiresAtMs = 0
            $0.active = false
        }
        try await expectVerdict(.campaignInactive, admin, code: code, user: user(Unique.user()), "used up and inactive")
        await admin.close()
    }
}
