import PromoClient
import PromoServer
import PromoWire
import Testing

@Suite("Reservations: validate with reserve_ms holds a use", .serverCleanup)
struct ReservationTests {
    @Test func aHeldUseIsKeptForItsHolder() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("HELD")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 1 }, code: code)
        let alice = user(Unique.user("alice"))
        let bob = user(Unique.user("bob"))

        let before = nowMs()
        let hold = try await admin.validate(code: code, user: alice, reserveMs: 60_000)
        let after = nowMs()
        #expect(hold.verdict == .ok)
        #expect(!hold.reservationId.isEmpty)
        #expect(hold.reservedUntilMs >= before + 60_000 - 1_000 && hold.reservedUntilMs <= after + 60_000 + 1_000)
        #expect(hold.campaignId == campaign.id)

        // While Alice holds the only use, Bob is told the campaign is used up.
        #expect(try await admin.validate(code: code, user: bob).verdict == .limitReached)
        #expect(try await admin.redeem(code: code, user: bob).verdict == .limitReached)
        // A reservation is not a redemption.
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 0)

        let redeemed = try await admin.redeem(code: code, user: alice, reservationId: hold.reservationId)
        #expect(redeemed.verdict == .ok)
        #expect(!redeemed.redemptionId.isEmpty)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 1)

        // The use is spent: nobody else gets it, and the reservation cannot be spent twice.
        #expect(try await admin.redeem(code: code, user: bob).verdict == .limitReached)
        #expect(try await admin.redeem(code: code, user: alice, reservationId: hold.reservationId).verdict == .limitReached)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 1)
        await admin.close()
    }

    @Test func anExpiredHoldFreesTheUseForOthers() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let alice = user(Unique.user("alice"))
        let bob = user(Unique.user("bob"))
        // Bob must ask while the hold lasts: a longer hold (and a fresh campaign) when the machine was too slow.
        let held = try await withRoomToAct(windowsMs: [1_500, 10_000, 30_000]) { windowMs -> (String, Campaign, ValidateResponse)? in
            let code = Unique.code("LAPSED")
            let campaign = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 1 }, code: code)
            let hold = try await admin.validate(code: code, user: alice, reserveMs: UInt32(windowMs))
            let refused = try await admin.redeem(code: code, user: bob).verdict
            guard hold.verdict != .ok || nowMs() < hold.reservedUntilMs else { return nil }  // too slow to tell
            #expect(hold.verdict == .ok)
            #expect(!hold.reservationId.isEmpty)
            #expect(refused == .limitReached)
            return (code, campaign, hold)
        }
        let (code, campaign, hold) = try #require(held)

        try await sleep(untilMs: hold.reservedUntilMs + 100)
        #expect(try await admin.redeem(code: code, user: bob).verdict == .ok)
        // Alice's reservation has lapsed and Bob took the use: the campaign limit comes before the
        // reservation verdicts, so she is told the campaign is used up.
        #expect(try await admin.redeem(code: code, user: alice, reservationId: hold.reservationId).verdict == .limitReached)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 1)
        await admin.close()
    }

    @Test func redeemingWithALapsedReservationIsReservationExpired() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("EXPIREDHOLD")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 5 }, code: code)
        let alice = user(Unique.user("alice"))

        let hold = try await admin.validate(code: code, user: alice, reserveMs: 500)
        #expect(hold.verdict == .ok)
        try await sleep(untilMs: hold.reservedUntilMs + 100)
        let late = try await admin.redeem(code: code, user: alice, reservationId: hold.reservationId)
        #expect(late.verdict == .reservationExpired)
        #expect(late.redemptionId.isEmpty)
        // Retrying without the reservation works, since uses are left.
        #expect(try await admin.redeem(code: code, user: alice).verdict == .ok)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 1)
        await admin.close()
    }

    @Test func aReservationOfAnotherUserOrCodeIsNotFound() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("MINE")
        let otherCode = Unique.code("YOURS")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 5 }, code: code)
        _ = try await admin.createCampaign(bonusCampaign(), code: otherCode)
        let alice = user(Unique.user("alice"))
        let bob = user(Unique.user("bob"))

        let hold = try await admin.validate(code: code, user: alice, reserveMs: 60_000)
        #expect(hold.verdict == .ok)
        let stolen = try await admin.redeem(code: code, user: bob, reservationId: hold.reservationId)
        #expect(stolen.verdict == .reservationNotFound)
        #expect(stolen.redemptionId.isEmpty)
        #expect(try await admin.redeem(code: otherCode, user: alice, reservationId: hold.reservationId).verdict == .reservationNotFound)
        #expect(try await admin.redeem(code: code, user: alice, reservationId: "no-such-reservation").verdict == .reservationNotFound)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 0)

        // Alice's own reservation still works.
        #expect(try await admin.redeem(code: code, user: alice, reservationId: hold.reservationId).verdict == .ok)
        await admin.close()
    }

    @Test func aHeldUseCountsAgainstTheCodeAndUserLimitsToo() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()

        // The code's own limit.
        let single = Unique.code("SINGLE")
        _ = try await admin.createCampaign(bonusCampaign(), code: single, codeMaxUses: 1)
        let alice = user(Unique.user("alice"))
        let hold = try await admin.validate(code: single, user: alice, reserveMs: 60_000)
        #expect(hold.verdict == .ok)
        #expect(try await admin.validate(code: single, user: user(Unique.user())).verdict == .codeLimitReached)
        #expect(try await admin.redeem(code: single, user: user(Unique.user())).verdict == .codeLimitReached)
        #expect(try await admin.redeem(code: single, user: alice, reservationId: hold.reservationId).verdict == .ok)

        // The per-user limit: a second use by the holder, outside the reservation, is refused.
        let onePerUser = Unique.code("ONEPERUSER")
        _ = try await admin.createCampaign(bonusCampaign { $0.maxPerUser = 1 }, code: onePerUser)
        let carol = user(Unique.user("carol"))
        let carolsHold = try await admin.validate(code: onePerUser, user: carol, reserveMs: 60_000)
        #expect(carolsHold.verdict == .ok)
        #expect(try await admin.redeem(code: onePerUser, user: carol).verdict == .userLimitReached)
        #expect(try await admin.redeem(code: onePerUser, user: user(Unique.user())).verdict == .ok)
        #expect(try await admin.redeem(code: onePerUser, user: carol, reservationId: carolsHold.reservationId).verdict == .ok)
        await admin.close()
    }

    @Test func aRefusedValidateHoldsNothing() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("NOHOLD")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.maxRedemptions = 1
            $0.eligibility = Eligibility.with { e in e.countries = ["DE"] }
        }, code: code)

        let refused = try await admin.validate(code: code, user: user(Unique.user()) { $0.country = "FR" }, reserveMs: 60_000)
        #expect(refused.verdict == .notEligible)
        #expect(refused.reservationId.isEmpty)
        #expect(refused.reservedUntilMs == 0)
        let unknown = try await admin.validate(code: Unique.code("GHOST"), user: user(Unique.user()), reserveMs: 60_000)
        #expect(unknown.verdict == .codeNotFound)
        #expect(unknown.reservationId.isEmpty)

        // The only use is still free.
        #expect(try await admin.redeem(code: code, user: user(Unique.user()) { $0.country = "DE" }).verdict == .ok)
        await admin.close()
    }
}
