import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

@Suite("Voiding redemptions and the reward history", .serverCleanup)
struct VoidTests {
    @Test func aVoidRestoresTheUseAndStaysInTheHistory() async throws {
        let directory = makeTemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: directory)
        let admin = try await server.session()
        let code = Unique.code("UNDO")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 1 }, code: code, codeMaxUses: 1)
        let alice = user(Unique.user("alice"))
        let bob = user(Unique.user("bob"))

        let first = try await admin.redeem(code: code, user: alice, source: "web")
        #expect(first.verdict == .ok)
        #expect(try await admin.redeem(code: code, user: bob).verdict == .limitReached)

        let before = nowMs()
        let voided = try await admin.voidRedemption(first.redemptionId, reason: "chargeback")
        let after = nowMs()
        #expect(voided.redemptionId == first.redemptionId)
        #expect(voided.voided)
        #expect(voided.voidReason == "chargeback")
        #expect(voided.voidedAtMs >= before - 1_000 && voided.voidedAtMs <= after + 1_000)
        #expect(voided.userId == alice.userId)
        #expect(voided.campaignId == campaign.id)

        // The campaign's and the code's use are back.
        let stats = try #require(try await admin.getCampaign(campaign.id).stats)
        #expect(stats.redemptions == 0)
        #expect(stats.remaining == 1)
        #expect(try await admin.setCodeStatus(code, active: true).uses == 0)
        let second = try await admin.redeem(code: code, user: bob)
        #expect(second.verdict == .ok)
        #expect(second.redemptionId != first.redemptionId)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .limitReached)

        // Alice's history still shows the voided redemption.
        let history = try await admin.rewardHistory(userId: alice.userId)
        #expect(history.redemptions.count == 1)
        let entry = try #require(history.redemptions.first)
        #expect(entry.redemptionId == first.redemptionId)
        #expect(entry.voided)
        #expect(entry.voidReason == "chargeback")
        #expect(entry.voidedAtMs == voided.voidedAtMs)
        #expect(entry.source == "web")
        #expect(entry.campaignId == campaign.id)
        #expect(entry.code.uppercased().filter { $0 != "-" && $0 != " " } == code)
        #expect(!(try await admin.rewardHistory(userId: bob.userId).redemptions.first?.voided ?? true))
        await admin.close()
        await server.stop()

        let (all, live) = try inspectDatabase(directory) { db in
            (try scalar(db, "SELECT count(*) FROM redemptions WHERE campaign_id = ?", campaign.id),
             try scalar(db, "SELECT count(*) FROM redemptions WHERE campaign_id = ? AND voided_at_ms IS NULL", campaign.id))
        }
        #expect(all == 2)
        #expect(live == 1)
    }

    @Test func aVoidGivesTheUserTheirUseBack() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("AGAIN")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.maxPerUser = 1 }, code: code)
        let player = user(Unique.user())

        let first = try await admin.redeem(code: code, user: player)
        #expect(first.verdict == .ok)
        #expect(try await admin.redeem(code: code, user: player).verdict == .userLimitReached)
        _ = try await admin.voidRedemption(first.redemptionId, reason: "support ticket 42")
        let second = try await admin.redeem(code: code, user: player)
        #expect(second.verdict == .ok)
        #expect(try await admin.redeem(code: code, user: player).verdict == .userLimitReached)

        let stats = try #require(try await admin.getCampaign(campaign.id).stats)
        #expect(stats.redemptions == 1)
        #expect(stats.uniqueUsers == 1)

        // Newest first: the live redemption, then the voided one.
        let history = try await admin.rewardHistory(userId: player.userId)
        #expect(history.redemptions.map(\.redemptionId) == [second.redemptionId, first.redemptionId])
        #expect(history.redemptions.map(\.voided) == [false, true])
        await admin.close()
    }

    @Test func badVoidsAreRefused() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("BADVOID")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: code)
        let player = user(Unique.user())
        let redeemed = try await admin.redeem(code: code, user: player)
        #expect(redeemed.verdict == .ok)

        let noReason = try await admin.send(.voidRedemption(.with { $0.redemptionId = redeemed.redemptionId }))
        #expect(noReason.status.code == .invalidArgument)
        let unknown = try await admin.send(.voidRedemption(.with {
            $0.redemptionId = "no-such-redemption"
            $0.reason = "typo"
        }))
        #expect(unknown.status.code == .notFound)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 1)

        _ = try await admin.voidRedemption(redeemed.redemptionId, reason: "fraud")
        let twice = try await admin.send(.voidRedemption(.with {
            $0.redemptionId = redeemed.redemptionId
            $0.reason = "fraud again"
        }))
        #expect(twice.status.code == .failedPrecondition)
        // The second void changed nothing: the count was restored once and the first reason stands.
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 0)
        let history = try await admin.rewardHistory(userId: player.userId)
        #expect(history.redemptions.map(\.voidReason) == ["fraud"])

        // Only managers and admins may void.
        let game = try await server.session(key: try await admin.createKey(role: "redeemer"))
        let denied = try await game.send(.voidRedemption(.with {
            $0.redemptionId = redeemed.redemptionId
            $0.reason = "x"
        }))
        #expect(denied.status.code == .permissionDenied)
        await game.close()
        await admin.close()
    }

    @Test func theHistoryPagesNewestFirst() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("LOYAL")
        _ = try await admin.createCampaign(bonusCampaign(), code: code)
        let player = user(Unique.user("loyal"))
        let bystander = user(Unique.user("other"))

        var ids: [String] = []
        for index in 0..<7 {
            let answer = try await admin.redeem(code: code, user: player, source: "round-\(index)")
            #expect(answer.verdict == .ok)
            ids.append(answer.redemptionId)
            #expect(try await admin.redeem(code: code, user: bystander).verdict == .ok)
            try await Task.sleep(for: .milliseconds(3))
        }
        _ = try await admin.voidRedemption(ids[2], reason: "duplicate")

        var pages: [[RedemptionInfo]] = []
        var token = ""
        repeat {
            let page = try await admin.rewardHistory(userId: player.userId, pageToken: token, pageSize: 3)
            pages.append(page.redemptions)
            token = page.nextPageToken
        } while !token.isEmpty && pages.count < 10
        #expect(pages.map(\.count) == [3, 3, 1])
        let seen = pages.flatMap { $0 }
        #expect(seen.map(\.redemptionId) == Array(ids.reversed()))
        #expect(seen.map(\.source) == (0..<7).reversed().map { "round-\($0)" })
        #expect(seen.allSatisfy { $0.userId == player.userId })
        #expect(seen.map(\.voided) == [false, false, false, false, true, false, false])
        let times = seen.map(\.redeemedAtMs)
        #expect(times == times.sorted(by: >))

        // The default page holds all seven.
        let whole = try await admin.rewardHistory(userId: player.userId)
        #expect(whole.redemptions.map(\.redemptionId) == Array(ids.reversed()))
        #expect(whole.nextPageToken.isEmpty)
        // Someone who never redeemed has an empty history.
        let empty = try await admin.rewardHistory(userId: Unique.user("nobody"))
        #expect(empty.redemptions.isEmpty)
        #expect(empty.nextPageToken.isEmpty)
        await admin.close()
    }
}
