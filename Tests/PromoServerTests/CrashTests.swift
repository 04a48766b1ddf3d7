import PromoClient
import PromoStore
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Crash suite: redeem load from several clients against a real promo-server process that is killed with
// SIGKILL three times mid-load and restarted on the same data folder. Every redemption a client saw
// acknowledged must be there afterwards, no limit may be exceeded, and the maintained totals must agree
// with the raw rows (PRAGMA integrity_check included). The scripted, longer version is scripts/crash.

/// The server generation the clients talk to; the killer replaces it.
private final class CrashCluster: Sendable {
    private let state: LockedValue<(server: ServerProcess, generation: Int)>

    init(_ server: ServerProcess) { state = LockedValue((server, 0)) }

    var current: (server: ServerProcess, generation: Int) { state.withLock { $0 } }

    func replace(_ server: ServerProcess) { state.withLock { $0 = (server, $0.generation + 1) } }
}

/// What the clients saw, shared by all of them.
private final class CrashLedger: Sendable {
    struct Acknowledged: Sendable {
        let user: String
        let key: String
        let redemptionId: String
    }

    private let state = LockedValue((attempts: 0, acknowledged: [Acknowledged](), refusals: [Verdict: Int](),
                              retriesAfterErrors: 0, replays: 0, problems: [String]()))

    func attemptDone() { state.withLock { $0.attempts += 1 } }
    func acknowledge(_ entry: Acknowledged) { state.withLock { $0.acknowledged.append(entry) } }
    func refused(_ verdict: Verdict) { state.withLock { $0.refusals[verdict, default: 0] += 1 } }
    func retriedAfterError() { state.withLock { $0.retriesAfterErrors += 1 } }
    func replayed() { state.withLock { $0.replays += 1 } }
    func problem(_ text: String) { state.withLock { $0.problems.append(text) } }

    var attempts: Int { state.withLock { $0.attempts } }
    var acknowledged: [Acknowledged] { state.withLock { $0.acknowledged } }
    var refusals: [Verdict: Int] { state.withLock { $0.refusals } }
    var retriesAfterErrors: Int { state.withLock { $0.retriesAfterErrors } }
    var replays: Int { state.withLock { $0.replays } }
    var problems: [String] { state.withLock { $0.problems } }
}

@Suite("Crash: kill -9 under redeem load, restart, nothing acknowledged lost, totals consistent", .serialized, .serverCleanup)
struct CrashTests {
    static let campaignLimit: UInt64 = 300
    static let perUserLimit: UInt32 = 2
    static let clientCount = 6
    static let usersPerClient = 34  // 204 users x 3 attempts: the per-user and the campaign limit are both hit
    static let attemptsPerUser = 3
    static let kills = 3

    @Test func acknowledgedRedemptionsSurviveRepeatedKills() async throws {
        var random = SplitMix64(state: 0xC0FF_EE15_DEAD_BEEF)
        let directory = makeTemporaryDirectory()
        let cluster = CrashCluster(try await ServerProcess.start(dataDirectory: directory))
        var stopped = false
        defer { if !stopped { cluster.current.server.stop(signal: SIGKILL) } }

        let admin = try await cluster.current.server.session()
        let code = Unique.code("CRASH")
        let campaign = try await admin.createCampaign(
            bonusCampaign("Crash") {
                $0.maxRedemptions = Self.campaignLimit
                $0.maxPerUser = Self.perUserLimit
            }, code: code)
        await admin.close()

        // Seeded work: each client has its own users; each user tries `attemptsPerUser` redeems, each with
        // its own idempotency key, and some acknowledged redeems are sent again with the same key.
        let clients = (0..<Self.clientCount).map { client in
            (0..<Self.usersPerClient).map { _ in Unique.user("crash\(client)") }
        }
        let resendChances = (0..<Self.clientCount).map { _ in random.next() }
        let totalAttempts = Self.clientCount * Self.usersPerClient * Self.attemptsPerUser
        // Kill points: the k-th kill once a seeded share of the attempts is answered (spread over the run,
        // so every kill lands mid-load), plus a seeded delay of 0–20 ms.
        let killAt = (0..<Self.kills).map { k in
            let slot = totalAttempts / (Self.kills + 1)
            return slot * k + slot / 2 + Int(random.next() % UInt64(slot))
        }
        let killDelaysMs = (0..<Self.kills).map { _ in Int(random.next() % 21) }

        let ledger = CrashLedger()
        let deadline = ContinuousClock.now + .seconds(240)  // a stall detector: generous for a loaded machine

        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, users) in clients.enumerated() {
                let seed = resendChances[index]
                group.addTask {
                    try await Self.runClient(
                        users: users, code: code, cluster: cluster, ledger: ledger, seed: seed, deadline: deadline)
                }
            }
            group.addTask {
                for k in 0..<Self.kills {
                    while ledger.attempts < killAt[k] {
                        guard ContinuousClock.now < deadline else { throw ServerProcessError(description: "load stalled") }
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    try await Task.sleep(for: .milliseconds(killDelaysMs[k]))
                    cluster.current.server.stop(signal: SIGKILL)
                    cluster.replace(try await ServerProcess.start(dataDirectory: directory))
                }
            }
            try await group.waitForAll()
        }
        #expect(cluster.current.generation == Self.kills, "every kill happened during the load")
        #expect(ledger.problems == [])

        let acknowledged = ledger.acknowledged
        let byUser = Dictionary(grouping: acknowledged, by: \.user)
        #expect(ledger.attempts == totalAttempts)
        #expect(Set(acknowledged.map(\.redemptionId)).count == acknowledged.count, "one redemption per acknowledgement")
        // Every attempt got an answer, so the campaign limit was reached exactly.
        #expect(acknowledged.count == Int(Self.campaignLimit))
        #expect(byUser.values.allSatisfy { $0.count <= Int(Self.perUserLimit) })
        #expect((ledger.refusals[.limitReached] ?? 0) + (ledger.refusals[.userLimitReached] ?? 0)
            == totalAttempts - acknowledged.count)

        // One more kill after the load, then check through a fresh server what was acknowledged.
        cluster.current.server.stop(signal: SIGKILL)
        let last = try await ServerProcess.start(dataDirectory: directory)
        cluster.replace(last)
        let reader = try await last.session()
        for (player, entries) in byUser {
            let history = try await reader.wholeRewardHistory(userId: player).redemptions
            #expect(Set(history.map(\.redemptionId)) == Set(entries.map(\.redemptionId)), "\(player)")
            #expect(history.allSatisfy { $0.campaignId == campaign.id && !$0.voided })
        }
        let stats = try #require(try await reader.getCampaign(campaign.id).stats)
        #expect(stats.redemptions == Self.campaignLimit)
        #expect(stats.remaining == 0)
        #expect(try await reader.redeem(code: code, user: user(Unique.user())).verdict == .limitReached)
        await reader.close()
        last.stop(signal: SIGTERM)
        stopped = true

        // The file itself, opened with PromoStore after the final stop.
        let stored = try inspectDatabase(directory) { connection in
            let rows = try connection.statement("SELECT id, user_id FROM redemptions WHERE campaign_id = ?1 AND voided_at_ms IS NULL")
            try rows.bind(1, campaign.id)
            var found: [String: String] = [:]
            while try rows.step() { found[rows.string(0)] = rows.string(1) }
            let perUserMax = try scalar(
                connection, "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM redemptions WHERE campaign_id = ?1 GROUP BY user_id)",
                campaign.id)
            let counter = try scalar(connection, "SELECT redemptions FROM campaigns WHERE id = ?1", campaign.id)
            let problems = try connection.consistencyProblems()
            return (found, perUserMax, counter, problems)
        }
        #expect(stored.3 == [])
        #expect(Set(stored.0.keys) == Set(acknowledged.map(\.redemptionId)), "the file holds exactly the acknowledged redemptions")
        for entry in acknowledged { #expect(stored.0[entry.redemptionId] == entry.user) }
        #expect(stored.1 ?? 99 <= Int(Self.perUserLimit))
        #expect(stored.2 == Int(Self.campaignLimit))
        #expect(ledger.retriesAfterErrors > 0, "the kills interrupted calls in flight")
        print(
            "crash test: \(Self.kills) kills under load (+1 after), \(ledger.attempts) redeems answered, "
                + "\(acknowledged.count) acknowledged and verified, \(ledger.replays) idempotent resends, "
                + "\(ledger.retriesAfterErrors) retries after connection errors")
    }

    /// One client: its users' attempts in turn, each retried with the same idempotency key across
    /// connection failures until it is answered.
    private static func runClient(
        users: [String], code: String, cluster: CrashCluster, ledger: CrashLedger, seed: UInt64,
        deadline: ContinuousClock.Instant
    ) async throws {
        var random = SplitMix64(state: seed)
        var connection: (client: PromoClient, generation: Int)?
        defer { if let connection { Task { await connection.client.close() } } }

        func answer(_ request: RedeemRequest) async throws -> RedeemResponse {
            while true {
                guard ContinuousClock.now < deadline else {
                    throw ServerProcessError(description: "no answer to redeem \(request.idempotencyKey) before the deadline")
                }
                do {
                    if connection == nil {
                        let current = cluster.current
                        connection = (try await current.server.session(), current.generation)
                    }
                    return try await connection!.client.redeem(request)
                } catch let error as UnexpectedAnswer {
                    throw error
                } catch {
                    // The server died under us (or is still starting): reconnect and send the same key again.
                    ledger.retriedAfterError()
                    if let stale = connection { await stale.client.close() }
                    connection = nil
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
        }

        for attempt in 0..<attemptsPerUser {
            for player in users {
                let key = "crash-\(player)-\(attempt)"
                let request = RedeemRequest.with {
                    $0.code = code
                    $0.user = user(player)
                    $0.idempotencyKey = key
                    $0.source = "crash-test"
                }
                let first = try await answer(request)
                if first.verdict == .ok {
                    ledger.acknowledge(.init(user: player, key: key, redemptionId: first.redemptionId))
                    if first.redemptionId.isEmpty { ledger.problem("\(key): OK without a redemption id") }
                } else {
                    ledger.refused(first.verdict)
                }
                // An idempotent retry of an answered call: same answer, marked replayed.
                if random.next() % 100 < 15 {
                    let again = try await answer(request)
                    ledger.replayed()
                    if !again.replayed || again.verdict != first.verdict || again.redemptionId != first.redemptionId {
                        ledger.problem("\(key): replay \(again.verdict) \(again.redemptionId) after \(first.verdict) \(first.redemptionId)")
                    }
                }
                ledger.attemptDone()
            }
        }
    }
}
