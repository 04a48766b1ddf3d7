import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

/// Opens `connections` admin sessions, then sends `perConnection` redeems of `code` on each, all at once
/// (pipelined on each connection), and returns every answer. `userId(connection, index)` names the redeemer.
func redeemConcurrently(
    _ server: TestServer, code: String, connections: Int, perConnection: Int,
    userId: @escaping @Sendable (Int, Int) -> String
) async throws -> [RedeemResponse] {
    var clients: [PromoClient] = []
    for _ in 0..<connections { clients.append(try await server.session()) }
    let answers = try await withThrowingTaskGroup(of: [RedeemResponse].self) { group in
        for (connection, client) in clients.enumerated() {
            group.addTask {
                try await withThrowingTaskGroup(of: RedeemResponse.self) { calls in
                    for index in 0..<perConnection {
                        calls.addTask { try await client.redeem(code: code, user: user(userId(connection, index))) }
                    }
                    return try await calls.reduce(into: []) { $0.append($1) }
                }
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
    for client in clients { await client.close() }
    return answers
}

@Suite("Limits hold under concurrency", .serverCleanup)
struct RaceTests {
    /// The headline: 2,000 players race for 100 uses of one shared code over 50 connections.
    @Test func twoThousandRedeemsOfAHundredUseCampaignGrantExactlyAHundred() async throws {
        let directory = makeTemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: directory)
        let admin = try await server.session()
        let code = Unique.code("RACE")
        let campaign = try await admin.createCampaign(bonusCampaign("Race") { $0.maxRedemptions = 100 }, code: code)
        let prefix = Unique.user("racer")

        let answers = try await redeemConcurrently(server, code: code, connections: 50, perConnection: 40) {
            "\(prefix)-\($0)-\($1)"
        }

        #expect(answers.count == 2_000)
        #expect(tally(answers.map(\.verdict)) == [.ok: 100, .limitReached: 1_900])
        let granted = answers.filter { $0.verdict == .ok }
        #expect(Set(granted.map(\.redemptionId)).count == 100)
        #expect(!granted.contains { $0.redemptionId.isEmpty })
        #expect(granted.allSatisfy { $0.campaignId == campaign.id })

        let stats = try #require(try await admin.getCampaign(campaign.id).stats)
        #expect(stats.redemptions == 100)
        #expect(stats.uniqueUsers == 100)
        #expect(stats.remaining == 0)
        #expect(!stats.unlimited)
        await admin.close()
        await server.stop()

        let (rows, counter) = try inspectDatabase(directory) { db in
            (try scalar(db, "SELECT count(*) FROM redemptions WHERE campaign_id = ?", campaign.id),
             try scalar(db, "SELECT redemptions FROM campaigns WHERE id = ?", campaign.id))
        }
        #expect(rows == 100)
        #expect(counter == 100)
    }

    @Test func twoThousandRedeemsOfAHundredUseCodeGrantExactlyAHundred() async throws {
        let directory = makeTemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: directory)
        let admin = try await server.session()
        let code = Unique.code("CODERACE")
        let campaign = try await admin.createCampaign(bonusCampaign("Code race"), code: code, codeMaxUses: 100)
        let prefix = Unique.user("coderacer")

        let answers = try await redeemConcurrently(server, code: code, connections: 50, perConnection: 40) {
            "\(prefix)-\($0)-\($1)"
        }

        #expect(tally(answers.map(\.verdict)) == [.ok: 100, .codeLimitReached: 1_900])
        #expect(Set(answers.filter { $0.verdict == .ok }.map(\.redemptionId)).count == 100)
        let stats = try #require(try await admin.getCampaign(campaign.id).stats)
        #expect(stats.redemptions == 100)
        #expect(stats.uniqueUsers == 100)
        let info = try await admin.setCodeStatus(code, active: true)
        #expect(info.uses == 100)
        #expect(info.maxUses == 100)
        await admin.close()
        await server.stop()

        let (rows, uses) = try inspectDatabase(directory) { db in
            (try scalar(db, "SELECT count(*) FROM redemptions WHERE campaign_id = ?", campaign.id),
             try scalar(db, "SELECT uses FROM codes WHERE campaign = (SELECT number FROM campaigns WHERE id = ?)", campaign.id))
        }
        #expect(rows == 100)
        #expect(uses == 100)
    }

    @Test func oneUserRedeemingFiftyTimesAtOnceGetsOneUse() async throws {
        let directory = makeTemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: directory)
        let admin = try await server.session()
        let code = Unique.code("ONCE")
        let campaign = try await admin.createCampaign(bonusCampaign("Once each") { $0.maxPerUser = 1 }, code: code)
        let player = Unique.user("greedy")

        let answers = try await redeemConcurrently(server, code: code, connections: 5, perConnection: 10) { _, _ in player }

        #expect(tally(answers.map(\.verdict)) == [.ok: 1, .userLimitReached: 49])
        let stats = try #require(try await admin.getCampaign(campaign.id).stats)
        #expect(stats.redemptions == 1)
        #expect(stats.uniqueUsers == 1)
        // Another player is not affected.
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        await admin.close()
        await server.stop()

        let rows = try inspectDatabase(directory) { db in
            try scalar(db, "SELECT count(*) FROM redemptions WHERE campaign_id = ? AND user_id = ?", campaign.id, player)
        }
        #expect(rows == 1)
    }

    @Test func concurrentReservationsNeverHoldMoreThanTheLimit() async throws {
        let server = try await TestServer.start()
        let code = Unique.code("HOLD")
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign("Holds") { $0.maxRedemptions = 10 }, code: code)
        var clients: [PromoClient] = []
        for _ in 0..<5 { clients.append(try await server.session()) }
        let prefix = Unique.user("holder")

        let answers = try await withThrowingTaskGroup(of: ValidateResponse.self) { group in
            for index in 0..<50 {
                let client = clients[index % clients.count]
                group.addTask {
                    try await client.validate(code: code, user: user("\(prefix)-\(index)"), reserveMs: 60_000)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(tally(answers.map(\.verdict)) == [.ok: 10, .limitReached: 40])
        let held = answers.filter { $0.verdict == .ok }
        #expect(Set(held.map(\.reservationId)).count == 10)
        #expect(!held.contains { $0.reservationId.isEmpty })
        #expect(answers.filter { $0.verdict != .ok }.allSatisfy { $0.reservationId.isEmpty })

        // Nobody without a reservation gets through while the ten are held; reservations are not redemptions.
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .limitReached)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == 0)
        for client in clients { await client.close() }
        await admin.close()
    }
}
