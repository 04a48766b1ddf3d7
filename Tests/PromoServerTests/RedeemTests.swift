import PromoClient
import PromoServer
import PromoWire
import Testing

@Suite("Validate: read-only, remaining, bad requests", .serverCleanup)
struct ValidateTests {
    @Test func validateNeverConsumesAUse() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("LOOK")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 5; $0.maxPerUser = 1 }, code: code)
        let regular = user(Unique.user())

        for round in 0..<10 {
            let player = round % 2 == 0 ? regular : user(Unique.user())
            let answer = try await admin.validate(code: code, user: player)
            #expect(answer.verdict == .ok, "round \(round)")
            #expect(answer.campaignId == campaign.id)
            #expect(answer.reward == campaign.reward)
            #expect(answer.remaining == 5, "round \(round)")
            #expect(!answer.unlimited)
            #expect(answer.reservationId.isEmpty)
        }
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 0)

        // The user who validated five times can still redeem their one use; then remaining drops by one.
        #expect(try await admin.redeem(code: code, user: regular).verdict == .ok)
        #expect(try await admin.validate(code: code, user: user(Unique.user())).remaining == 4)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 1)
        await admin.close()
    }

    @Test func remainingIsTheSmallerOfTheCampaignAndCodeLimits() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()

        struct Case { let campaignMax: UInt64; let codeMax: UInt64; let remaining: UInt64; let unlimited: Bool }
        let cases = [
            Case(campaignMax: 0, codeMax: 0, remaining: 0, unlimited: true),
            Case(campaignMax: 0, codeMax: 3, remaining: 3, unlimited: false),
            Case(campaignMax: 7, codeMax: 0, remaining: 7, unlimited: false),
            Case(campaignMax: 10, codeMax: 3, remaining: 3, unlimited: false),
            Case(campaignMax: 2, codeMax: 10, remaining: 2, unlimited: false),
        ]
        for item in cases {
            let code = Unique.code("REMAIN")
            _ = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = item.campaignMax }, code: code, codeMaxUses: item.codeMax)
            let before = try await admin.validate(code: code, user: user(Unique.user()))
            let label = "campaign max \(item.campaignMax), code max \(item.codeMax)"
            #expect(before.verdict == .ok, "\(label)")
            #expect(before.remaining == item.remaining, "\(label)")
            #expect(before.unlimited == item.unlimited, "\(label)")

            #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok, "\(label)")
            let after = try await admin.validate(code: code, user: user(Unique.user()))
            #expect(after.remaining == (item.unlimited ? 0 : item.remaining - 1), "\(label) after one redemption")
            #expect(after.unlimited == item.unlimited, "\(label) after one redemption")
        }

        // A used-up campaign answers LIMIT_REACHED with nothing remaining, and it is not unlimited.
        let code = Unique.code("USEDUP")
        _ = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 1 }, code: code)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        let refused = try await admin.validate(code: code, user: user(Unique.user()))
        #expect(refused.verdict == .limitReached)
        #expect(refused.remaining == 0)
        #expect(!refused.unlimited)
        await admin.close()
    }

    @Test func campaignStatsCountRedemptionsAndUsers() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("STATS")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 10 }, code: code)
        let regular = user(Unique.user())
        for player in [regular, regular, user(Unique.user()), user(Unique.user())] {
            #expect(try await admin.redeem(code: code, user: player).verdict == .ok)
        }
        let stats = try #require(try await admin.getCampaign(campaign.id).stats)
        #expect(stats.redemptions == 4)
        #expect(stats.uniqueUsers == 3)
        #expect(stats.remaining == 6)
        #expect(!stats.unlimited)
        // list answers carry the same stats.
        let listed = try await admin.listCampaigns().campaigns.first { $0.id == campaign.id }
        #expect(listed?.stats == stats)
        await admin.close()
    }

    @Test func requestsWithoutAUserOrWithTooLongAReservationAreInvalid() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("BAD")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: code)

        let noUser = try await admin.send(.validate(.with { $0.code = code }))
        #expect(noUser.status.code == .invalidArgument)
        let emptyUser = try await admin.send(.validate(.with { $0.code = code; $0.user = UserContext() }))
        #expect(emptyUser.status.code == .invalidArgument)
        let tooLong = try await admin.send(.validate(.with {
            $0.code = code
            $0.user = user(Unique.user())
            $0.reserveMs = 900_001
        }))
        #expect(tooLong.status.code == .invalidArgument)
        let longest = try await admin.validate(code: code, user: user(Unique.user()), reserveMs: 900_000)
        #expect(longest.verdict == .ok)
        #expect(!longest.reservationId.isEmpty)

        let redeemNoUser = try await admin.send(.redeem(.with { $0.code = code; $0.idempotencyKey = Unique.key() }))
        #expect(redeemNoUser.status.code == .invalidArgument)
        let redeemEmptyUser = try await admin.send(.redeem(.with {
            $0.code = code
            $0.user = UserContext()
            $0.idempotencyKey = Unique.key()
        }))
        #expect(redeemEmptyUser.status.code == .invalidArgument)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 0)
        await admin.close()
    }
}

@Suite("Redeem: idempotency and rewards", .serverCleanup)
struct RedeemTests {
    @Test func aReplayReturnsTheFirstAnswerAndConsumesNothing() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("REPLAY")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 5 }, code: code)
        let player = user(Unique.user())
        let key = Unique.key()

        let first = try await admin.redeem(code: code, user: player, idempotencyKey: key, source: "web")
        #expect(first.verdict == .ok)
        #expect(!first.replayed)
        #expect(first.campaignId == campaign.id)
        #expect(first.reward == campaign.reward)
        for _ in 0..<3 {
            let again = try await admin.redeem(code: code, user: player, idempotencyKey: key, source: "web")
            #expect(again.verdict == .ok)
            #expect(again.replayed)
            #expect(again.redemptionId == first.redemptionId)
            #expect(again.campaignId == first.campaignId)
            #expect(again.reward == first.reward)
        }
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 1)
        #expect(try await admin.validate(code: code, user: user(Unique.user())).remaining == 4)
        #expect(try await admin.rewardHistory(userId: player.userId).redemptions.map(\.redemptionId) == [first.redemptionId])

        // The replay answers OK even once the campaign is used up: it is the first answer, not a new check.
        for _ in 0..<4 { #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok) }
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .limitReached)
        let late = try await admin.redeem(code: code, user: player, idempotencyKey: key, source: "web")
        #expect(late.verdict == .ok)
        #expect(late.replayed)
        #expect(late.redemptionId == first.redemptionId)
        await admin.close()
    }

    @Test func aRefusalIsReplayedToo() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("REFUSED")
        _ = try await admin.createCampaign(bonusCampaign(), code: code)
        _ = try await admin.setCodeStatus(code, active: false)
        let player = user(Unique.user())
        let key = Unique.key()

        let first = try await admin.redeem(code: code, user: player, idempotencyKey: key)
        #expect(first.verdict == .codeInactive)
        #expect(!first.replayed)
        _ = try await admin.setCodeStatus(code, active: true)

        let replay = try await admin.redeem(code: code, user: player, idempotencyKey: key)
        #expect(replay.verdict == .codeInactive)
        #expect(replay.replayed)
        #expect(replay.redemptionId.isEmpty)
        // A new key is a new attempt.
        #expect(try await admin.redeem(code: code, user: player).verdict == .ok)
        await admin.close()
    }

    @Test func theSameKeyWithOtherParametersIsFailedPrecondition() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("MISMATCH")
        let otherCode = Unique.code("OTHER")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: code)
        _ = try await admin.createCampaign(bonusCampaign(), code: otherCode)
        let player = user(Unique.user())
        let key = Unique.key()
        let base = RedeemRequest.with {
            $0.code = code
            $0.user = player
            $0.idempotencyKey = key
            $0.depositMinor = 2_000
            $0.currency = "EUR"
            $0.source = "web"
        }
        let first = try await admin.redeem(base)
        #expect(first.verdict == .ok)

        var variants: [(String, RedeemRequest)] = []
        func variant(_ label: String, _ change: (inout RedeemRequest) -> Void) {
            var request = base
            change(&request)
            variants.append((label, request))
        }
        variant("code") { $0.code = otherCode }
        variant("user_id") { $0.user = user(Unique.user()) }
        variant("deposit") { $0.depositMinor = 2_001 }
        variant("currency") { $0.currency = "USD" }
        variant("source") { $0.source = "app" }
        variant("reservation_id") { $0.reservationId = "some-reservation" }
        for (label, request) in variants {
            let response = try await admin.send(.redeem(request))
            #expect(response.status.code == .failedPrecondition, "\(label) differs: \(response.status)")
        }
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 1)
        let same = try await admin.redeem(base)
        #expect(same.replayed && same.redemptionId == first.redemptionId)
        await admin.close()
    }

    @Test func idempotencyKeysBelongToOneApiKey() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("PERKEY")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: code)
        let game = try await server.session(key: try await admin.createKey(role: "redeemer"))
        let key = Unique.key()
        let player = user(Unique.user())

        let mine = try await admin.redeem(code: code, user: player, idempotencyKey: key)
        let theirs = try await game.redeem(code: code, user: player, idempotencyKey: key)
        #expect(mine.verdict == .ok && !mine.replayed)
        #expect(theirs.verdict == .ok && !theirs.replayed)
        #expect(mine.redemptionId != theirs.redemptionId)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 2)
        await game.close()
        await admin.close()
    }

    @Test func concurrentRetriesWithOneKeyRedeemOnce() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("RETRY")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: code)
        var clients: [PromoClient] = []
        for _ in 0..<4 { clients.append(try await server.session()) }
        let player = user(Unique.user())
        let key = Unique.key()

        let answers = try await withThrowingTaskGroup(of: RedeemResponse.self) { group in
            for index in 0..<20 {
                let client = clients[index % clients.count]
                group.addTask { try await client.redeem(code: code, user: player, idempotencyKey: key) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.allSatisfy { $0.verdict == .ok })
        #expect(Set(answers.map(\.redemptionId)).count == 1)
        #expect(answers.filter { !$0.replayed }.count == 1)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 1)
        for client in clients { await client.close() }
        await admin.close()
    }

    @Test func depositMatchGrantsAPercentOfTheDepositUpToTheCap() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let half = Unique.code("HALF")
        let halfReward = Reward.with {
            $0.kind = .depositMatch
            $0.percent = 50
            $0.capMinor = 10_000
            $0.currency = "EUR"
        }
        let campaign = try await admin.createCampaign(bonusCampaign { $0.kind = .deposit; $0.reward = halfReward }, code: half)

        // (deposit, granted): half the deposit, rounded down, at most the cap.
        for (deposit, granted) in [(4_000, 2_000), (3, 1), (19_999, 9_999), (20_000, 10_000), (50_000, 10_000)] as [(Int64, Int64)] {
            let player = user(Unique.user())
            let answer = try await admin.redeem(code: half, user: player, depositMinor: deposit, currency: "EUR")
            #expect(answer.verdict == .ok, "deposit \(deposit)")
            let reward = try #require(answer.reward)
            #expect(reward.kind == .depositMatch)
            #expect(reward.amountMinor == granted, "deposit \(deposit)")
            #expect(reward.currency == "EUR")
            let history = try await admin.rewardHistory(userId: player.userId)
            #expect(history.redemptions.first?.reward?.amountMinor == granted, "history of deposit \(deposit)")
        }
        // Nothing to match: no deposit, or one in another currency.
        try await expectVerdict(.minDepositNotMet, admin, code: half, user: user(Unique.user()), "no deposit")
        try await expectVerdict(.minDepositNotMet, admin, code: half, user: user(Unique.user()), depositMinor: 10_000, currency: "USD", "dollars")
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 5)

        // More than 100 %, with a minimum deposit.
        let triple = Unique.code("TRIPLE")
        _ = try await admin.createCampaign(bonusCampaign {
            $0.kind = .deposit
            $0.reward = Reward.with { r in
                r.kind = .depositMatch
                r.percent = 250
                r.capMinor = 1_000_000
                r.currency = "GBP"
            }
            $0.eligibility = Eligibility.with { e in e.minDepositMinor = 1_000 }
        }, code: triple)
        try await expectVerdict(.minDepositNotMet, admin, code: triple, user: user(Unique.user()), depositMinor: 999, currency: "GBP", "below the minimum")
        let tripled = try await admin.redeem(code: triple, user: user(Unique.user()), depositMinor: 3_000, currency: "GBP")
        #expect(tripled.verdict == .ok)
        #expect(tripled.reward?.amountMinor == 7_500)
        await admin.close()
    }

    /// The reward in a redeem answer is the campaign's reward terms with the granted amount, as validate
    /// answers it: a deposit match keeps its percent and cap.
    @Test func redeemAnswersTheSameRewardAsValidate() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("SAMEREWARD")
        let terms = Reward.with {
            $0.kind = .depositMatch
            $0.percent = 50
            $0.capMinor = 10_000
            $0.currency = "EUR"
        }
        _ = try await admin.createCampaign(bonusCampaign { $0.kind = .deposit; $0.reward = terms }, code: code)
        let player = user(Unique.user())

        let validated = try await admin.validate(code: code, user: player, depositMinor: 4_000, currency: "EUR")
        #expect(validated.verdict == .ok)
        #expect(validated.reward == Reward.with {
            $0 = terms
            $0.amountMinor = 2_000
        })
        let redeemed = try await admin.redeem(code: code, user: player, depositMinor: 4_000, currency: "EUR")
        #expect(redeemed.verdict == .ok)
        #expect(redeemed.reward == validated.reward)
        await admin.close()
    }

    @Test func fixedRewardsAreGrantedAsConfigured() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let rewards: [Reward] = [
            .with { $0.kind = .bonus; $0.amountMinor = 1_500; $0.currency = "EUR" },
            .with { $0.kind = .freeSpins; $0.freeSpins = 50; $0.gameId = "starburst" },
            .with { $0.kind = .loyaltyPoints; $0.amountMinor = 300 },
        ]
        for reward in rewards {
            let code = Unique.code("FIXED")
            _ = try await admin.createCampaign(bonusCampaign { $0.reward = reward }, code: code)
            let answer = try await admin.redeem(code: code, user: user(Unique.user()), depositMinor: 99_999, currency: "EUR")
            #expect(answer.verdict == .ok, "\(reward.kind)")
            #expect(answer.reward?.kind == reward.kind)
            switch reward.kind {
            case .bonus:
                #expect(answer.reward?.amountMinor == 1_500)
                #expect(answer.reward?.currency == "EUR")
            case .freeSpins:
                #expect(answer.reward?.freeSpins == 50)
                #expect(answer.reward?.gameId == "starburst")
            default:
                #expect(answer.reward?.amountMinor == 300)
            }
        }
        await admin.close()
    }
}
