import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

// Exclusive groups end to end: a real server over TCP on a real SQLite file. A player may redeem the
// campaigns of a group only max_per_user times in all; past it the verdict is GROUP_LIMIT_REACHED, exactly,
// however many connections race for it.

extension PromoClient {
    func createGroup(_ name: String = "Group", maxPerUser: UInt32) async throws -> Group {
        let result = try await call(.createGroup(.with {
            $0.name = name
            $0.maxPerUser = maxPerUser
        }))
        guard case .createGroup(let answer) = result, let group = answer.group else {
            throw UnexpectedAnswer("create_group answered \(result)")
        }
        return group
    }

    func getGroup(_ id: String) async throws -> Group {
        let result = try await call(.getGroup(.with { $0.groupId = id }))
        guard case .getGroup(let answer) = result, let group = answer.group else {
            throw UnexpectedAnswer("get_group answered \(result)")
        }
        return group
    }

    func updateGroup(_ id: String, mask: [String], _ configure: (inout Group) -> Void) async throws -> Group {
        var changes = Group()
        configure(&changes)
        let result = try await call(.updateGroup(.with {
            $0.groupId = id
            $0.group = changes
            $0.updateMask = mask
        }))
        guard case .updateGroup(let answer) = result, let group = answer.group else {
            throw UnexpectedAnswer("update_group answered \(result)")
        }
        return group
    }

    func listGroups(pageToken: String = "", pageSize: UInt32 = 0) async throws -> ListGroupsResponse {
        let result = try await call(.listGroups(.with {
            $0.pageToken = pageToken
            $0.pageSize = pageSize
        }))
        guard case .listGroups(let answer) = result else { throw UnexpectedAnswer("list_groups answered \(result)") }
        return answer
    }

    func consistencyCheck() async throws -> CheckResponse {
        let result = try await call(.check(CheckRequest()))
        guard case .check(let answer) = result else { throw UnexpectedAnswer("check answered \(result)") }
        return answer
    }
}

/// A group with three campaigns, each with its own shared code and no limit of its own.
private struct GroupSetup {
    let group: Group
    let campaigns: [Campaign]
    let codes: [String]

    /// The first two campaigns join at creation, the third through the update mask.
    static func make(_ admin: PromoClient, maxPerUser: UInt32) async throws -> GroupSetup {
        let group = try await admin.createGroup("Welcome offers", maxPerUser: maxPerUser)
        var campaigns: [Campaign] = []
        var codes: [String] = []
        for index in 0..<3 {
            let code = Unique.code("GRP\(index)")
            var campaign = try await admin.createCampaign(
                bonusCampaign("Affiliate \(index)") { if index < 2 { $0.groupId = group.id } }, code: code)
            if index == 2 {
                campaign = try await admin.updateCampaign(campaign.id, mask: ["group_id"]) { $0.groupId = group.id }
            }
            #expect(campaign.groupId == group.id)
            campaigns.append(campaign)
            codes.append(code)
        }
        return GroupSetup(group: group, campaigns: campaigns, codes: codes)
    }
}

/// Deals `items` over `lanes` after a seeded shuffle, so one player's attempts land on different connections.
private func dealt<T>(_ items: [T], lanes: Int, seed: UInt64) -> [[T]] {
    var random = SplitMix64(state: seed)
    let shuffled = items.shuffled(using: &random)
    var result = Array(repeating: [T](), count: lanes)
    for (index, item) in shuffled.enumerated() { result[index % lanes].append(item) }
    return result
}

@Suite("Exclusive groups over TCP", .serverCleanup)
struct GroupTests {
    static let players = 50
    static let connections = 30

    @Test func fiftyPlayersRacingForThreeCampaignsGetExactlyOneEach() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let setup = try await GroupSetup.make(admin, maxPerUser: 1)
        let players = (0..<Self.players).map { _ in Unique.user("grp") }
        var clients: [PromoClient] = []
        for _ in 0..<Self.connections { clients.append(try await server.session()) }

        struct Attempt: Sendable { let player: String; let campaign: Int }
        let attempts = players.flatMap { player in (0..<3).map { Attempt(player: player, campaign: $0) } }
        let lanes = dealt(attempts, lanes: Self.connections, seed: 0x6E0_0001)
        let answers = try await withThrowingTaskGroup(of: [(Attempt, RedeemResponse)].self) { group in
            for (lane, work) in lanes.enumerated() {
                let client = clients[lane]
                let codes = setup.codes
                group.addTask {
                    // Every attempt of the lane is sent before any answer is read: all 150 are in flight at once.
                    let futures = work.map { attempt in
                        client.sendFuture(.redeem(.with {
                            $0.code = codes[attempt.campaign]
                            $0.user = user(attempt.player)
                            $0.idempotencyKey = Unique.key()
                        }))
                    }
                    var answers: [(Attempt, RedeemResponse)] = []
                    for (attempt, future) in zip(work, futures) {
                        let response = try await future.get()
                        guard case .redeem(let answer) = response.result else {
                            throw UnexpectedAnswer("redeem answered \(response.status.code): \(response.status.message)")
                        }
                        answers.append((attempt, answer))
                    }
                    return answers
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(answers.count == 3 * Self.players)
        let byPlayer = Dictionary(grouping: answers, by: \.0.player)
        for (player, attempts) in byPlayer {
            let verdicts = attempts.map(\.1.verdict)
            #expect(verdicts.filter { $0 == .ok }.count == 1, "\(player): \(verdicts)")
            #expect(verdicts.filter { $0 == .groupLimitReached }.count == 2, "\(player): \(verdicts)")
        }

        // validate tells the same story, for every player and every campaign they did not get.
        var refusedValidates = [0, 0, 0]
        for (player, attempts) in byPlayer {
            for (attempt, answer) in attempts where answer.verdict != .ok {
                let validated = try await admin.validate(code: setup.codes[attempt.campaign], user: user(player))
                #expect(validated.verdict == .groupLimitReached)
                refusedValidates[attempt.campaign] += 1
            }
        }
        // A player new to the group still may.
        #expect(try await admin.validate(code: setup.codes[0], user: user(Unique.user())).verdict == .ok)

        // Each campaign's report counts the refusals it gave among its failures: the refused redeems (counted in
        // their own transaction) and the refused validates (counted at the next failure flush).
        func groupFailures(_ report: ReportResponse) -> UInt64 {
            report.failuresByVerdict.first { $0.key == "VERDICT_GROUP_LIMIT_REACHED" }?.count ?? 0
        }
        for (index, campaign) in setup.campaigns.enumerated() {
            let refused = answers.filter { $0.0.campaign == index && $0.1.verdict == .groupLimitReached }.count
                + refusedValidates[index]
            let report = try await admin.report(campaign.id, until: { groupFailures($0) >= UInt64(refused) }, timeoutMs: 30_000)
            #expect(groupFailures(report) == UInt64(refused), "\(campaign.id)")
            #expect(report.redemptions == UInt64(answers.filter { $0.0.campaign == index && $0.1.verdict == .ok }.count))
        }
        let check = try await admin.consistencyCheck()
        #expect(check.ok, "\(check.problems)")
        for client in clients { await client.close() }
        await admin.close()
    }

    @Test func reservationsInFlightHoldTheGroupSlot() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let setup = try await GroupSetup.make(admin, maxPerUser: 1)
        let players = (0..<Self.players).map { _ in Unique.user("rsv") }
        var clients: [PromoClient] = []
        for _ in 0..<Self.connections { clients.append(try await server.session()) }

        // Per player and campaign: a reservation (validate with reserve_ms) or a plain redeem, all at once.
        struct Attempt: Sendable { let player: String; let campaign: Int; let reserves: Bool }
        let attempts = players.enumerated().flatMap { number, player in
            (0..<3).map { Attempt(player: player, campaign: $0, reserves: (number + $0) % 2 == 0) }
        }
        enum Outcome: Sendable { case reserved(String), redeemed, refused(Verdict) }
        let lanes = dealt(attempts, lanes: Self.connections, seed: 0x6E0_0002)
        let outcomes = try await withThrowingTaskGroup(of: [(Attempt, Outcome)].self) { group in
            for (lane, work) in lanes.enumerated() {
                let client = clients[lane]
                let codes = setup.codes
                group.addTask {
                    let futures = work.map { attempt in
                        attempt.reserves
                            ? client.sendFuture(.validate(.with {
                                $0.code = codes[attempt.campaign]
                                $0.user = user(attempt.player)
                                $0.reserveMs = 600_000
                            }))
                            : client.sendFuture(.redeem(.with {
                                $0.code = codes[attempt.campaign]
                                $0.user = user(attempt.player)
                            }))
                    }
                    var outcomes: [(Attempt, Outcome)] = []
                    for (attempt, future) in zip(work, futures) {
                        let response = try await future.get()
                        switch response.result {
                        case .validate(let answer):
                            outcomes.append((attempt, answer.verdict == .ok ? .reserved(answer.reservationId) : .refused(answer.verdict)))
                        case .redeem(let answer):
                            outcomes.append((attempt, answer.verdict == .ok ? .redeemed : .refused(answer.verdict)))
                        default:
                            throw UnexpectedAnswer("answered \(response.status.code): \(response.status.message)")
                        }
                    }
                    return outcomes
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let byPlayer = Dictionary(grouping: outcomes, by: \.0.player)
        #expect(byPlayer.count == Self.players)
        var held: [(player: String, campaign: Int, reservationId: String)] = []
        for (player, outcomes) in byPlayer {
            var granted = 0
            for (attempt, outcome) in outcomes {
                switch outcome {
                case .reserved(let id):
                    granted += 1
                    held.append((player, attempt.campaign, id))
                case .redeemed: granted += 1
                case .refused(let verdict): #expect(verdict == .groupLimitReached, "\(player)")
                }
            }
            #expect(granted == 1, "\(player): one reservation or redemption in the group, got \(granted)")
        }
        // A held slot is the player's: redeeming with it succeeds, any other campaign is refused.
        for hold in held {
            let other = (hold.campaign + 1) % 3
            #expect(try await admin.redeem(code: setup.codes[other], user: user(hold.player)).verdict == .groupLimitReached)
            let answer = try await admin.redeem(code: setup.codes[hold.campaign], user: user(hold.player), reservationId: hold.reservationId)
            #expect(answer.verdict == .ok, "\(hold.player)")
        }
        for player in players {
            let standing = try await admin.wholeRewardHistory(userId: player).redemptions.filter { !$0.voided }
            #expect(standing.count == 1, "\(player)")
        }
        let check = try await admin.consistencyCheck()
        #expect(check.ok, "\(check.problems)")
        for client in clients { await client.close() }
        await admin.close()
    }

    @Test func aVoidGivesTheSlotBackForAnotherCampaignOfTheGroup() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let setup = try await GroupSetup.make(admin, maxPerUser: 1)
        let player = user(Unique.user())

        let first = try await admin.redeem(code: setup.codes[0], user: player)
        #expect(first.verdict == .ok)
        #expect(try await admin.redeem(code: setup.codes[1], user: player).verdict == .groupLimitReached)
        _ = try await admin.voidRedemption(first.redemptionId, reason: "wrong offer")
        #expect(try await admin.validate(code: setup.codes[1], user: player).verdict == .ok)
        #expect(try await admin.redeem(code: setup.codes[1], user: player).verdict == .ok)
        #expect(try await admin.redeem(code: setup.codes[0], user: player).verdict == .groupLimitReached)
        #expect(try await admin.redeem(code: setup.codes[2], user: player).verdict == .groupLimitReached)
        let check = try await admin.consistencyCheck()
        #expect(check.ok, "\(check.problems)")
        await admin.close()
    }

    @Test func loweringTheLimitBelowWhatAPlayerHoldsBlocksFurtherRedemptions() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let setup = try await GroupSetup.make(admin, maxPerUser: 2)
        let player = user(Unique.user())
        let a = try await admin.redeem(code: setup.codes[0], user: player)
        let b = try await admin.redeem(code: setup.codes[1], user: player)
        #expect([a.verdict, b.verdict] == [.ok, .ok])

        let lowered = try await admin.updateGroup(setup.group.id, mask: ["max_per_user"]) { $0.maxPerUser = 1 }
        #expect(lowered.maxPerUser == 1 && lowered.name == "Welcome offers")
        #expect(try await admin.getGroup(setup.group.id).maxPerUser == 1)
        #expect(try await admin.validate(code: setup.codes[2], user: player).verdict == .groupLimitReached)
        #expect(try await admin.redeem(code: setup.codes[2], user: player).verdict == .groupLimitReached)
        // The player keeps both; one void leaves them at the lowered limit, the second frees a slot.
        _ = try await admin.voidRedemption(a.redemptionId, reason: "support")
        #expect(try await admin.redeem(code: setup.codes[2], user: player).verdict == .groupLimitReached)
        _ = try await admin.voidRedemption(b.redemptionId, reason: "support")
        #expect(try await admin.redeem(code: setup.codes[2], user: player).verdict == .ok)
        // Another player is held to the lowered limit from the start.
        let other = user(Unique.user())
        #expect(try await admin.redeem(code: setup.codes[0], user: other).verdict == .ok)
        #expect(try await admin.redeem(code: setup.codes[1], user: other).verdict == .groupLimitReached)
        // Unlimited (0) lets them through.
        _ = try await admin.updateGroup(setup.group.id, mask: ["max_per_user"]) { $0.maxPerUser = 0 }
        #expect(try await admin.redeem(code: setup.codes[1], user: other).verdict == .ok)
        let check = try await admin.consistencyCheck()
        #expect(check.ok, "\(check.problems)")
        await admin.close()
    }

    @Test func movingACampaignMovesItsPlayersCountsAndCheckRecomputesThem() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let group = try await admin.createGroup("Late joiners", maxPerUser: 1)
        let codeA = Unique.code("MOVEA")
        let codeB = Unique.code("MOVEB")
        let a = try await admin.createCampaign(bonusCampaign("A"), code: codeA)
        let b = try await admin.createCampaign(bonusCampaign("B") { $0.groupId = group.id }, code: codeB)
        let player = user(Unique.user())
        #expect(try await admin.redeem(code: codeA, user: player).verdict == .ok)  // before A joins the group

        _ = try await admin.updateCampaign(a.id, mask: ["group_id"]) { $0.groupId = group.id }
        #expect(try await admin.getCampaign(a.id).groupId == group.id)
        #expect(try await admin.redeem(code: codeB, user: player).verdict == .groupLimitReached)
        var check = try await admin.consistencyCheck()
        #expect(check.ok, "\(check.problems)")

        // Out of the group again: its redemption no longer counts toward it.
        let left = try await admin.updateCampaign(a.id, mask: ["group_id"]) { $0.groupId = "" }
        #expect(left.groupId == "")
        #expect(try await admin.redeem(code: codeB, user: player).verdict == .ok)
        check = try await admin.consistencyCheck()
        #expect(check.ok, "\(check.problems)")
        _ = b

        // An unknown group is refused with a clear message, at create and at update.
        let unknown = try await admin.send(.createCampaign(.with { $0.campaign = bonusCampaign { $0.groupId = "grp_nope" } }))
        #expect(unknown.status.code == .notFound)
        #expect(unknown.status.message.contains("group grp_nope does not exist"))
        let badUpdate = try await admin.send(.updateCampaign(.with {
            $0.campaignId = a.id
            $0.campaign = .with { $0.groupId = "grp_nope" }
            $0.updateMask = ["group_id"]
        }))
        #expect(badUpdate.status.code == .notFound)
        #expect(badUpdate.status.message.contains("grp_nope"))
        await admin.close()
    }

    @Test func groupsAreListedPagedValidatedAndAudited() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        var created: [Group] = []
        for index in 0..<3 { created.append(try await admin.createGroup("Group \(index)", maxPerUser: UInt32(index))) }
        let first = try await admin.listGroups(pageSize: 2)
        #expect(first.groups.map(\.id) == created.prefix(2).map(\.id))
        #expect(!first.nextPageToken.isEmpty)
        let second = try await admin.listGroups(pageToken: first.nextPageToken, pageSize: 2)
        #expect(second.groups.map(\.id) == [created[2].id])
        #expect(second.nextPageToken.isEmpty)
        #expect(second.groups.first == created[2])

        let renamed = try await admin.updateGroup(created[0].id, mask: ["name"]) { $0.name = "Renamed" }
        #expect(renamed.name == "Renamed" && renamed.maxPerUser == 0)

        #expect(try await admin.send(.createGroup(.with { $0.name = "  " })).status.code == .invalidArgument)
        #expect(try await admin.send(.getGroup(.with { $0.groupId = "grp_nope" })).status.code == .notFound)
        let badMask = try await admin.send(.updateGroup(.with { $0.groupId = created[0].id; $0.updateMask = ["id"] }))
        #expect(badMask.status.code == .invalidArgument)
        #expect(try await admin.send(.updateGroup(.with { $0.groupId = "grp_nope"; $0.updateMask = ["name"]; $0.group = .with { $0.name = "x" } })).status.code == .notFound)

        for action in ["create_group", "update_group"] {
            guard case .auditLog(let log) = try await admin.call(.auditLog(.with { $0.action = action })) else {
                Issue.record("audit_log answered with another result")
                continue
            }
            #expect(!log.entries.isEmpty, "\(action) is audited")
        }
        guard case .auditLog(let log) = try await admin.call(.auditLog(.with { $0.target = created[0].id })) else {
            Issue.record("audit_log answered with another result")
            return
        }
        #expect(Set(log.entries.map(\.action)) == ["create_group", "update_group"])
        await admin.close()
    }
}
