import PromoClient
import PromoStore
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

// kill -9 in the middle of a group run: 50 players each redeem the codes of the three campaigns of a group
// with max_per_user 1 over 10 connections, while the real promo-server process is killed twice and restarted
// on the same data folder. No acknowledged redemption may be lost, no player may end above the group's limit,
// and the group counters must agree with the raw rows.

private final class GroupCrashLedger: Sendable {
    private let state = LockedValue((attempts: 0, acknowledged: [String: String](), verdicts: [String: [Verdict]](),
                                     retries: 0))

    func answered(_ player: String, _ answer: RedeemResponse) {
        state.withLock {
            $0.attempts += 1
            $0.verdicts[player, default: []].append(answer.verdict)
            if answer.verdict == .ok { $0.acknowledged[answer.redemptionId] = player }
        }
    }
    func retried() { state.withLock { $0.retries += 1 } }

    var attempts: Int { state.withLock { $0.attempts } }
    var acknowledged: [String: String] { state.withLock { $0.acknowledged } }
    var verdicts: [String: [Verdict]] { state.withLock { $0.verdicts } }
    var retries: Int { state.withLock { $0.retries } }
}

/// The server the lanes talk to now; the killer replaces it.
private final class CurrentServer: Sendable {
    private let state: LockedValue<(server: ServerProcess, generation: Int)>
    init(_ server: ServerProcess) { state = LockedValue((server, 0)) }
    var current: (server: ServerProcess, generation: Int) { state.withLock { $0 } }
    func replace(_ server: ServerProcess) { state.withLock { $0 = (server, $0.generation + 1) } }
}

@Suite("Exclusive groups: kill -9 mid-run loses nothing and passes no limit", .serialized, .serverCleanup)
struct GroupCrashTests {
    static let players = 50
    static let lanes = 10
    static let kills = 2

    @Test func acknowledgedGroupRedemptionsSurviveKills() async throws {
        let directory = makeTemporaryDirectory()
        let cluster = CurrentServer(try await ServerProcess.start(dataDirectory: directory))
        var stopped = false
        defer { if !stopped { cluster.current.server.stop(signal: SIGKILL) } }

        let admin = try await cluster.current.server.session()
        let group = try await admin.createGroup("Crash group", maxPerUser: 1)
        var codes: [String] = []
        for index in 0..<3 {
            let code = Unique.code("GCRASH\(index)")
            _ = try await admin.createCampaign(bonusCampaign("Crash \(index)") { $0.groupId = group.id }, code: code)
            codes.append(code)
        }
        await admin.close()

        var random = SplitMix64(state: 0x6C0_FFEE)
        let players = (0..<Self.players).map { _ in Unique.user("gcrash") }
        let work = players.flatMap { player in (0..<3).map { (player, $0) } }.shuffled(using: &random)
        let lanes = (0..<Self.lanes).map { lane in work.enumerated().filter { $0.offset % Self.lanes == lane }.map(\.element) }
        let total = work.count
        let killAt = (1...Self.kills).map { total * $0 / (Self.kills + 1) }
        let ledger = GroupCrashLedger()
        let deadline = ContinuousClock.now + .seconds(90)

        let campaignCodes = codes
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for lane in lanes {
                tasks.addTask {
                    var connection: (client: PromoClient, generation: Int)?
                    for (player, campaign) in lane {
                        // The same idempotency key on every retry: a redeem that committed before the kill is
                        // answered from its stored outcome rather than made twice.
                        let request = RedeemRequest.with {
                            $0.code = campaignCodes[campaign]
                            $0.user = user(player)
                            $0.idempotencyKey = "gcrash-\(player)-\(campaign)"
                        }
                        while true {
                            guard ContinuousClock.now < deadline else {
                                throw ServerProcessError(description: "no answer for \(request.idempotencyKey) in time")
                            }
                            do {
                                if connection == nil {
                                    let current = cluster.current
                                    connection = (try await current.server.session(), current.generation)
                                }
                                ledger.answered(player, try await connection!.client.redeem(request))
                                break
                            } catch let error as UnexpectedAnswer {
                                throw error
                            } catch {
                                ledger.retried()
                                if let stale = connection { await stale.client.close() }
                                connection = nil
                                try await Task.sleep(for: .milliseconds(10))
                            }
                        }
                    }
                    if let connection { await connection.client.close() }
                }
            }
            tasks.addTask {
                for point in killAt {
                    while ledger.attempts < point {
                        guard ContinuousClock.now < deadline else { throw ServerProcessError(description: "load stalled") }
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    cluster.current.server.stop(signal: SIGKILL)
                    cluster.replace(try await ServerProcess.start(dataDirectory: directory))
                }
            }
            try await tasks.waitForAll()
        }
        #expect(cluster.current.generation == Self.kills)
        #expect(ledger.attempts == total)
        #expect(ledger.retries > 0, "the kills interrupted calls in flight")
        let acknowledged = ledger.acknowledged
        // Every player tried all three campaigns and every try was answered: exactly one each.
        for (player, verdicts) in ledger.verdicts {
            #expect(Set(verdicts).isSubset(of: [.ok, .groupLimitReached]), "\(player): \(verdicts)")
        }
        let perPlayer = Dictionary(grouping: acknowledged, by: \.value).mapValues(\.count)
        #expect(perPlayer.count == Self.players)
        #expect(perPlayer.values.allSatisfy { $0 == 1 }, "\(perPlayer.filter { $0.value != 1 })")

        cluster.current.server.stop(signal: SIGKILL)
        stopped = true
        let stored = try inspectDatabase(directory) { connection in
            let rows = try connection.statement("SELECT id, user_id FROM redemptions WHERE voided_at_ms IS NULL")
            var found: [String: String] = [:]
            while try rows.step() { found[rows.string(0)] = rows.string(1) }
            let overLimit = try scalar(
                connection,
                """
                SELECT count(*) FROM (SELECT r.user_id FROM redemptions r JOIN campaigns c ON c.id = r.campaign_id
                WHERE c.group_id = ?1 AND r.voided_at_ms IS NULL GROUP BY r.user_id HAVING count(*) > 1)
                """, group.id)
            return (found, overLimit, try connection.consistencyProblems())
        }
        #expect(stored.0 == acknowledged, "the file holds exactly the acknowledged redemptions")
        #expect(stored.1 == 0, "no player above the group's limit")
        #expect(stored.2 == [])
        print("group crash test: \(Self.kills) kills, \(ledger.attempts) redeems answered, \(acknowledged.count) acknowledged, \(ledger.retries) retries")
    }
}
