import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

// Offers that need no code (auto-apply campaigns), codeless validate and redeem by campaign id, bulk code
// switches, and disqualification (blocks): a real server over TCP on a real SQLite file.

extension PromoClient {
    func offers(_ user: UserContext, depositMinor: Int64 = 0, currency: String = "") async throws -> [Offer] {
        let result = try await call(.offers(.with {
            $0.user = user
            $0.depositMinor = depositMinor
            $0.currency = currency
        }))
        guard case .offers(let answer) = result else { throw UnexpectedAnswer("offers answered \(result)") }
        return answer.offers
    }

    /// A codeless redeem of an auto-apply campaign.
    func redeemAuto(
        _ campaignId: String, user: UserContext, idempotencyKey: String = Unique.key(), depositMinor: Int64 = 0,
        currency: String = "", source: String = "", reservationId: String = ""
    ) async throws -> RedeemResponse {
        try await redeem(.with {
            $0.campaignId = campaignId
            $0.user = user
            $0.idempotencyKey = idempotencyKey
            $0.depositMinor = depositMinor
            $0.currency = currency
            $0.source = source
            $0.reservationId = reservationId
        })
    }

    func validateAuto(_ campaignId: String, user: UserContext, reserveMs: UInt32 = 0) async throws -> ValidateResponse {
        try await validate(.with {
            $0.campaignId = campaignId
            $0.user = user
            $0.reserveMs = reserveMs
        })
    }

    func blockUser(_ userId: String, reason: String = "bonus abuse", untilMs: Int64 = 0, campaignId: String = "")
        async throws -> String
    {
        let result = try await call(.blockUser(.with {
            $0.userId = userId
            $0.reason = reason
            $0.untilMs = untilMs
            $0.campaignId = campaignId
        }))
        guard case .blockUser(let answer) = result else { throw UnexpectedAnswer("block_user answered \(result)") }
        return answer.blockId
    }

    func unblockUser(_ userId: String, campaignId: String = "") async throws -> UInt64 {
        let result = try await call(.unblockUser(.with {
            $0.userId = userId
            $0.campaignId = campaignId
        }))
        guard case .unblockUser(let answer) = result else { throw UnexpectedAnswer("unblock_user answered \(result)") }
        return answer.removed
    }

    func listBlocks(pageToken: String = "", pageSize: UInt32 = 0) async throws -> ListBlocksResponse {
        let result = try await call(.listBlocks(.with {
            $0.pageToken = pageToken
            $0.pageSize = pageSize
        }))
        guard case .listBlocks(let answer) = result else { throw UnexpectedAnswer("list_blocks answered \(result)") }
        return answer
    }

    func setCodesStatus(batchId: String = "", campaignId: String = "", active: Bool) async throws -> UInt64 {
        let result = try await call(.setCodeStatus(.with {
            $0.batchId = batchId
            $0.campaignId = campaignId
            $0.active = active
        }))
        guard case .setCodeStatus(let answer) = result else { throw UnexpectedAnswer("set_code_status answered \(result)") }
        return answer.changed
    }

    func auditActions(target: String) async throws -> [String] {
        let result = try await call(.auditLog(.with { $0.target = target }))
        guard case .auditLog(let answer) = result else { throw UnexpectedAnswer("audit_log answered \(result)") }
        return answer.entries.map(\.action)
    }
}

func autoCampaign(_ name: String = "Auto", _ configure: (inout Campaign) -> Void = { _ in }) -> Campaign {
    bonusCampaign(name) {
        $0.autoApply = true
        configure(&$0)
    }
}

@Suite("Offers and auto-apply campaigns over TCP", .serverCleanup)
struct OfferTests {
    /// Offers judge a campaign of an exclusive group as a redeem would: once the player took one campaign of
    /// the group, the others are offered with GROUP_LIMIT_REACHED, and a codeless redeem of one is refused so.
    @Test func offersShowTheGroupLimit() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let group = try await admin.createGroup("Welcome offers", maxPerUser: 1)
        let first = try await admin.createCampaign(autoCampaign("First") { $0.groupId = group.id })
        let second = try await admin.createCampaign(autoCampaign("Second") { $0.groupId = group.id })
        let player = user(Unique.user("grp-offers"))
        #expect(try await admin.offers(player).map(\.verdict) == [.ok, .ok])
        let taken = try await admin.redeem(.with {
            $0.campaignId = first.id
            $0.user = player
            $0.idempotencyKey = Unique.key()
        })
        #expect(taken.verdict == .ok)
        let after = try await admin.offers(player)
        #expect(Set(after.map { $0.campaign?.id ?? "" }) == [first.id, second.id])
        #expect(after.allSatisfy { $0.verdict == .groupLimitReached }, "\(after.map(\.verdict))")
        let refused = try await admin.redeem(.with {
            $0.campaignId = second.id
            $0.user = player
            $0.idempotencyKey = Unique.key()
        })
        #expect(refused.verdict == .groupLimitReached)
    }

    @Test func offersListTheAutoApplyCampaignsOkFirstWithRewardAndRemaining() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        // Created in this order; offers answer OK ones first, each part in creation order.
        let needsDeposit = try await admin.createCampaign(autoCampaign("Deposit match") {
            $0.reward = .with { reward in
                reward.kind = .depositMatch
                reward.percent = 50
                reward.capMinor = 10_000
                reward.currency = "EUR"
            }
            $0.eligibility = .with { $0.minDepositMinor = 2_000 }
        })
        let open = try await admin.createCampaign(autoCampaign("Open bonus") { $0.maxRedemptions = 10 })
        let vipOnly = try await admin.createCampaign(autoCampaign("VIP") { $0.eligibility = .with { $0.minVipLevel = 3 } })
        let match = try await admin.createCampaign(autoCampaign("Small match") {
            $0.reward = .with { reward in
                reward.kind = .depositMatch
                reward.percent = 100
                reward.capMinor = 5_000
                reward.currency = "EUR"
            }
        })
        // Not offered: needs a code, switched off, not started, expired.
        _ = try await admin.createCampaign(bonusCampaign("Code only"), code: Unique.code("OFR"))
        _ = try await admin.createCampaign(autoCampaign("Off") { $0.active = false })
        _ = try await admin.createCampaign(autoCampaign("Later") { $0.startsAtMs = nowMs() + 86_400_000 })
        _ = try await admin.createCampaign(autoCampaign("Over") {
            $0.startsAtMs = nowMs() - 2 * 86_400_000
            $0.expiresAtMs = nowMs() - 86_400_000
        })
        #expect(try await admin.getCampaign(open.id).autoApply)

        let player = user(Unique.user("offer"))
        let offers = try await admin.offers(player, depositMinor: 1_000, currency: "EUR")
        #expect(offers.map(\.campaign?.id) == [open.id, match.id, needsDeposit.id, vipOnly.id])
        #expect(offers.map(\.verdict) == [.ok, .ok, .minDepositNotMet, .notEligible])
        #expect(offers[0].reward?.amountMinor == 500)
        #expect(offers[0].remaining == 10 && !offers[0].unlimited)
        #expect(offers[1].reward?.amountMinor == 1_000, "100 % of the 10 EUR deposit")
        #expect(offers[1].unlimited)
        #expect(offers[2].reward == nil)

        // A redeem answers what the offer said, and the offer's remaining follows.
        let redeemed = try await admin.redeemAuto(open.id, user: player)
        #expect(redeemed.verdict == .ok && redeemed.reward?.amountMinor == 500)
        let after = try await admin.offers(player, depositMinor: 1_000, currency: "EUR")
        #expect(after.first { $0.campaign?.id == open.id }?.remaining == 9)
        // A redeemer key may ask; an issuer may not.
        let redeemer = try await server.session(key: try await admin.createKey(role: "redeemer"))
        #expect(try await redeemer.offers(player).count == 4)
        let issuer = try await server.session(key: try await admin.createKey(role: "issuer", campaignIds: [open.id]))
        #expect(try await issuer.send(.offers(.with { $0.user = player })).status.code == .permissionDenied)
        #expect(try await admin.send(.offers(OffersRequest())).status.code == .invalidArgument)
    }

    @Test func codelessValidateAndRedeemByCampaignId() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("AUT")
        let auto = try await admin.createCampaign(autoCampaign { $0.maxPerUser = 1 }, code: code)
        let plain = try await admin.createCampaign(bonusCampaign("Needs a code"), code: Unique.code("PLN"))
        let player = user(Unique.user("auto"))

        // Not auto-apply (or unknown): as if no code matched.
        #expect(try await admin.validateAuto(plain.id, user: player).verdict == .codeNotFound)
        #expect(try await admin.redeemAuto(plain.id, user: player).verdict == .codeNotFound)
        #expect(try await admin.validateAuto("cmp_nope", user: player).verdict == .codeNotFound)
        // Neither a code nor a campaign: the request is malformed.
        #expect(try await admin.send(.validate(.with { $0.user = player })).status.code == .invalidArgument)

        let validated = try await admin.validateAuto(auto.id, user: player)
        #expect(validated.verdict == .ok && validated.campaignId == auto.id && validated.reward?.amountMinor == 500)
        let key = Unique.key()
        let first = try await admin.redeemAuto(auto.id, user: player, idempotencyKey: key)
        #expect(first.verdict == .ok && first.campaignId == auto.id && !first.replayed)
        let replay = try await admin.redeemAuto(auto.id, user: player, idempotencyKey: key)
        #expect(replay.replayed && replay.redemptionId == first.redemptionId)
        // The same key for another campaign is a different request.
        #expect(try await admin.send(.redeem(.with {
            $0.campaignId = plain.id
            $0.user = player
            $0.idempotencyKey = key
        })).status.code == .failedPrecondition)
        // Same per-user limit as with the code: the code and the codeless way share it.
        #expect(try await admin.redeemAuto(auto.id, user: player).verdict == .userLimitReached)
        #expect(try await admin.redeem(code: code, user: player).verdict == .userLimitReached)
        let other = user(Unique.user("auto"))
        #expect(try await admin.redeem(code: code, user: other).verdict == .ok, "its codes keep working")

        // History: no code, source "auto" unless given.
        let history = try await admin.rewardHistory(userId: player.userId).redemptions
        #expect(history.count == 1 && history[0].code == "" && history[0].source == "auto")
        let third = user(Unique.user("auto"))
        #expect(try await admin.redeemAuto(auto.id, user: third, source: "lobby").verdict == .ok)
        let report = try await admin.report(auto.id)
        #expect(report.bySource.map(\.key).sorted() == ["auto", "lobby"], "the code's redeem named no source")
        #expect(report.codesIssued == 1, "the shared code only; the codeless entry is not a code")
        #expect(report.redemptions == 3)

        // Void gives the use back.
        _ = try await admin.voidRedemption(first.redemptionId, reason: "test")
        #expect(try await admin.validateAuto(auto.id, user: player).verdict == .ok)

        // Switched off: codeless calls find nothing; the code still works. Back on: works again.
        _ = try await admin.updateCampaign(auto.id, mask: ["auto_apply"]) { $0.autoApply = false }
        #expect(try await admin.validateAuto(auto.id, user: player).verdict == .codeNotFound)
        #expect(try await admin.offers(player).isEmpty)
        let reOn = try await admin.updateCampaign(auto.id, mask: ["auto_apply"]) { $0.autoApply = true }
        #expect(reOn.autoApply)
        #expect(try await admin.redeemAuto(auto.id, user: player).verdict == .ok)
        #expect(try await admin.auditActions(target: auto.id).contains("update_campaign"))
        let exported = try await admin.exportAll(campaignId: auto.id)
        #expect(exported.codes.count == 1, "the codeless entry is never exported")
        let check = try await admin.consistencyCheck()
        #expect(check.ok, "\(check.problems)")
    }

    @Test func codelessRedeemsAreExactUnderConcurrencyWithReservations() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let limit: UInt64 = 40
        let campaign = try await admin.createCampaign(autoCampaign { $0.maxRedemptions = limit; $0.maxPerUser = 1 })
        let players = (0..<120).map { _ in Unique.user("race") }
        var clients: [PromoClient] = []
        for _ in 0..<12 { clients.append(try await server.session()) }
        // Ten players hold a reservation first; they must get their use whatever the others do.
        var reservations: [String: String] = [:]
        for player in players.prefix(10) {
            let held = try await admin.validateAuto(campaign.id, user: user(player), reserveMs: 600_000)
            #expect(held.verdict == .ok)
            reservations[player] = held.reservationId
        }
        let answers = try await withThrowingTaskGroup(of: [(String, RedeemResponse)].self) { group in
            for lane in 0..<clients.count {
                let client = clients[lane]
                let work = players.enumerated().filter { $0.offset % clients.count == lane }.map(\.element)
                let held = reservations
                group.addTask {
                    let futures = work.flatMap { player in
                        // Each player twice with one key (a retry) and once with another: replays and limits.
                        let key = Unique.key()
                        return [key, key, Unique.key()].map { key in
                            client.sendFuture(.redeem(.with {
                                $0.campaignId = campaign.id
                                $0.user = user(player)
                                $0.idempotencyKey = key
                                $0.reservationId = held[player] ?? ""
                            }))
                        }
                    }
                    var answers: [(String, RedeemResponse)] = []
                    for (index, future) in futures.enumerated() {
                        let response = try await future.get()
                        guard case .redeem(let answer) = response.result else {
                            throw UnexpectedAnswer("redeem answered \(response.status.code): \(response.status.message)")
                        }
                        answers.append((work[index / 3], answer))
                    }
                    return answers
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let fresh = answers.filter { $0.1.verdict == .ok && !$0.1.replayed }
        #expect(UInt64(fresh.count) == limit, "exactly the campaign limit")
        #expect(Set(fresh.map(\.0)).count == fresh.count, "one per player")
        for player in players.prefix(10) {
            #expect(fresh.contains { $0.0 == player }, "\(player) held a reservation")
        }
        let byPlayer = Dictionary(grouping: answers, by: \.0)
        for (player, tries) in byPlayer {
            #expect(tries.filter { $0.1.verdict == .ok }.count <= 2, "\(player): \(tries.map(\.1.verdict))")
        }
        let report = try await admin.report(campaign.id)
        #expect(report.redemptions == limit)
        let check = try await admin.consistencyCheck()
        #expect(check.ok, "\(check.problems)")
        for client in clients { await client.close() }
    }

    @Test func bulkCodeStatusByBatchAndCampaignInChunks() async throws {
        let server = try await TestServer.start { $0.codeStatusChunkCodes = 7 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(autoCampaign("Bulk"), code: Unique.code("BLK"))
        let batch = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 25
            $0.pattern = "BLK-########"
        }
        let other = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 5
            $0.pattern = "OTH-########"
        }
        #expect(try await admin.setCodesStatus(batchId: batch.batchId, active: false) == 25)
        #expect(try await admin.setCodesStatus(batchId: batch.batchId, active: false) == 0, "already off")
        let player = user(Unique.user("bulk"))
        #expect(try await admin.validate(code: batch.codes[3], user: player).verdict == .codeInactive)
        #expect(try await admin.validate(code: other.codes[0], user: player).verdict == .ok)
        // The whole campaign: the 5 others and the shared code; never the codeless entry.
        #expect(try await admin.setCodesStatus(campaignId: campaign.id, active: false) == 6)
        #expect(try await admin.validate(code: other.codes[0], user: player).verdict == .codeInactive)
        #expect(try await admin.validateAuto(campaign.id, user: player).verdict == .ok)
        #expect(try await admin.setCodesStatus(campaignId: campaign.id, active: true) == 31)
        #expect(try await admin.validate(code: batch.codes[3], user: player).verdict == .ok)
        let actions = try await admin.auditActions(target: campaign.id)
        #expect(actions.filter { $0 == "set_code_status" }.count == 2)

        // Exactly one scope.
        for request in [
            SetCodeStatusRequest(),
            SetCodeStatusRequest.with { $0.batchId = batch.batchId; $0.campaignId = campaign.id },
            SetCodeStatusRequest.with { $0.code = batch.codes[0]; $0.campaignId = campaign.id },
        ] {
            #expect(try await admin.send(.setCodeStatus(request)).status.code == .invalidArgument, "\(request)")
        }
        #expect(try await admin.send(.setCodeStatus(.with { $0.batchId = "bat_nope" })).status.code == .notFound)
        #expect(try await admin.send(.setCodeStatus(.with { $0.campaignId = "cmp_nope" })).status.code == .notFound)
        let single = try await admin.send(.setCodeStatus(.with { $0.code = batch.codes[0]; $0.active = false }))
        guard case .setCodeStatus(let answer) = single.result else { throw UnexpectedAnswer("\(single)") }
        #expect(answer.changed == 1 && answer.code?.active == false)
        let check = try await admin.consistencyCheck()
        #expect(check.ok, "\(check.problems)")
    }
}

@Suite("Blocked users over TCP", .serverCleanup)
struct BlockTests {
    @Test func aBlockedUserIsRefusedEverywhereUntilUnblocked() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("BLK")
        let campaign = try await admin.createCampaign(autoCampaign(), code: code)
        let player = user(Unique.user("cheat"))
        let bystander = user(Unique.user("fair"))

        let blockId = try await admin.blockUser(player.userId, reason: "multi-accounting")
        #expect(blockId.hasPrefix("blk"))
        #expect(try await admin.validate(code: code, user: player).verdict == .userBlocked)
        #expect(try await admin.redeem(code: code, user: player).verdict == .userBlocked)
        #expect(try await admin.redeemAuto(campaign.id, user: player).verdict == .userBlocked)
        #expect(try await admin.validate(code: Unique.code("NONE"), user: player).verdict == .userBlocked,
            "a global block answers before the code is looked up")
        #expect(try await admin.offers(player).map(\.verdict) == [.userBlocked])
        #expect(try await admin.redeem(code: code, user: bystander).verdict == .ok)
        // Staff see why.
        let explained = try await admin.validate(.with { $0.code = code; $0.user = player; $0.explain = true })
        let rule = explained.checks.first { $0.rule == "user_blocked" }
        #expect(rule?.passed == false && rule?.detail.contains("multi-accounting") == true, "\(explained.checks)")

        let listed = try await admin.listBlocks()
        #expect(listed.blocks.map(\.id) == [blockId])
        #expect(listed.blocks.first?.reason == "multi-accounting" && listed.blocks.first?.userId == player.userId)
        #expect(try await admin.unblockUser(player.userId) == 1)
        #expect(try await admin.unblockUser(player.userId) == 0)
        #expect(try await admin.redeem(code: code, user: player).verdict == .ok)
        #expect(try await admin.auditActions(target: player.userId) == ["unblock_user", "unblock_user", "block_user"])
        let check = try await admin.consistencyCheck()
        #expect(check.ok, "\(check.problems)")
    }

    @Test func aCampaignBlockCoversOnlyThatCampaign() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let (codeA, codeB) = (Unique.code("CBA"), Unique.code("CBB"))
        let a = try await admin.createCampaign(autoCampaign("A"), code: codeA)
        let b = try await admin.createCampaign(autoCampaign("B"), code: codeB)
        let player = user(Unique.user("scoped"))
        _ = try await admin.blockUser(player.userId, campaignId: a.id)
        #expect(try await admin.validate(code: codeA, user: player).verdict == .userBlocked)
        #expect(try await admin.validate(code: codeB, user: player).verdict == .ok)
        let offers = try await admin.offers(player)
        #expect(offers.map(\.campaign?.id) == [b.id, a.id])
        #expect(offers.map(\.verdict) == [.ok, .userBlocked])
        // Lifting the global block (there is none) leaves the campaign block.
        #expect(try await admin.unblockUser(player.userId) == 0)
        #expect(try await admin.redeem(code: codeA, user: player).verdict == .userBlocked)
        #expect(try await admin.unblockUser(player.userId, campaignId: a.id) == 1)
        #expect(try await admin.redeem(code: codeA, user: player).verdict == .ok)
    }

    @Test func aBlockEndsAtItsUntilTime() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("UNT")
        _ = try await admin.createCampaign(bonusCampaign(), code: code)
        let player = user(Unique.user("timed"))
        let blocked = try await withRoomToAct { windowMs -> Bool? in
            let untilMs = nowMs() + windowMs
            _ = try await admin.blockUser(player.userId, untilMs: untilMs)
            let verdict = try await admin.validate(code: code, user: player).verdict
            guard nowMs() < untilMs else { return nil }
            #expect(verdict == .userBlocked)
            return true
        }
        #expect(blocked == true)
        #expect(await eventually { (try? await admin.validate(code: code, user: player).verdict) == .ok })
        #expect(try await admin.listBlocks().blocks.isEmpty, "ended blocks are not listed")
    }

    @Test func blocksAreCheckedBoundedAndPaged() async throws {
        let server = try await TestServer.start { $0.blocksMax = 3 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        func status(_ configure: (inout BlockUserRequest) -> Void) async throws -> StatusCode {
            var request = BlockUserRequest.with {
                $0.userId = "u1"
                $0.reason = "r"
            }
            configure(&request)
            return try await admin.send(.blockUser(request)).status.code
        }
        #expect(try await status { $0.reason = "" } == .invalidArgument)
        #expect(try await status { $0.userId = "" } == .invalidArgument)
        #expect(try await status { $0.reason = String(repeating: "x", count: 501) } == .invalidArgument)
        #expect(try await status { $0.untilMs = -1 } == .invalidArgument)
        #expect(try await status { $0.untilMs = 1 } == .invalidArgument, "an end in the past")
        #expect(try await status { $0.campaignId = "cmp_nope" } == .notFound)
        #expect(try await admin.send(.unblockUser(UnblockUserRequest())).status.code == .invalidArgument)

        var ids: [String] = []
        for index in 0..<3 { ids.append(try await admin.blockUser("user-\(index)")) }
        // Blocking the same pair again replaces it, within the bound.
        let replaced = try await admin.blockUser("user-0", reason: "again")
        #expect(try await status { $0.userId = "user-9" } == .resourceExhausted)
        #expect(try await admin.unblockUser("user-2") == 1)
        #expect(try await !admin.blockUser("user-1", campaignId: campaign.id).isEmpty, "a second scope of user-1")

        let first = try await admin.listBlocks(pageSize: 2)
        #expect(first.blocks.count == 2 && !first.nextPageToken.isEmpty)
        let second = try await admin.listBlocks(pageToken: first.nextPageToken, pageSize: 2)
        let all = first.blocks + second.blocks
        #expect(second.nextPageToken.isEmpty)
        #expect(Set(all.map(\.id)).count == all.count)
        #expect(all.contains { $0.id == replaced && $0.reason == "again" })
        #expect(!all.contains { $0.id == ids[0] }, "the replaced block is gone")
        #expect(all.allSatisfy { $0.createdBy != "" })

        // Managers and admins only.
        for role in ["redeemer", "issuer", "analyst"] {
            let client = try await server.session(
                key: try await admin.createKey(role: role, campaignIds: role == "issuer" ? [campaign.id] : []))
            #expect(try await client.send(.blockUser(.with { $0.userId = "x"; $0.reason = "r" })).status.code == .permissionDenied)
            #expect(try await client.send(.listBlocks(ListBlocksRequest())).status.code == .permissionDenied)
        }
    }

    @Test func theReportFlagsUsersWithManyFailuresOrRedemptions() async throws {
        let server = try await TestServer.start {
            $0.suspiciousFailuresMax = 3
            $0.suspiciousRedemptionsMax = 4
            $0.suspiciousRedemptionsMin = 1_000
            $0.rateLimitUserFailuresMax = 1_000
            $0.rateLimitIpFailuresMax = 1_000
        }
        let admin = try await server.session()
        let code = Unique.code("SUS")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.startsAtMs = 0 }, code: code)
        let hoarder = user(Unique.user("hoard"))
        for _ in 0..<4 { #expect(try await admin.redeem(code: code, user: hoarder).verdict == .ok) }
        // Failures need the campaign: an inactive code of it.
        let inactive = Unique.code("SUSOFF")
        _ = try await admin.importCodes(campaign.id, [ImportCode.with { $0.code = inactive }])
        _ = try await admin.setCodeStatus(inactive, active: false)
        let guesser = user(Unique.user("guess"))
        for _ in 0..<3 { #expect(try await admin.redeem(code: inactive, user: guesser).verdict == .codeInactive) }
        let fair = user(Unique.user("fair"))
        #expect(try await admin.redeem(code: code, user: fair).verdict == .ok)

        let report = try await admin.report(campaign.id, until: { report in
            report.suspicious.filter { $0.kind == "user" }.count >= 2
        })
        let users = report.suspicious.filter { $0.kind == "user" }
        #expect(Set(users.map(\.key)) == [hoarder.userId, guesser.userId], "\(report.suspicious)")
        #expect(users.first { $0.key == hoarder.userId }?.redemptions == 4)
        #expect(users.first { $0.key == guesser.userId }?.failures == 3)
        // From the report to a block in one step.
        _ = try await admin.blockUser(users[0].key, reason: users[0].reason)
        #expect(try await admin.validate(code: code, user: user(users[0].key)).verdict == .userBlocked)
    }
}
