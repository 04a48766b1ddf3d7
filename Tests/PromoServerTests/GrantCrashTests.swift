import PromoClient
import PromoStore
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Crash suite for grants: managers' clients grant against a campaign budget while a real promo-server process
// is killed with SIGKILL twice mid-load and restarted on the same data folder. Every grant a client saw
// acknowledged must be there afterwards, exactly once (each is retried with its idempotency key until
// answered), the budget is spent exactly and never passed, and the maintained spend agrees with the raw rows.

private final class GrantCrashLedger: Sendable {
    private let state = LockedValue((answered: 0, acknowledged: [String: String](), refused: 0, retries: 0, problems: [String]()))

    func answered() { state.withLock { $0.answered += 1 } }
    func acknowledge(_ id: String, user: String) { state.withLock { $0.acknowledged[id] = user } }
    func refused() { state.withLock { $0.refused += 1 } }
    func retried() { state.withLock { $0.retries += 1 } }
    func problem(_ text: String) { state.withLock { $0.problems.append(text) } }
    var snapshot: (answered: Int, acknowledged: [String: String], refused: Int, retries: Int, problems: [String]) {
        state.withLock { $0 }
    }
}

private final class GrantCrashCluster: Sendable {
    private let state: LockedValue<(server: ServerProcess, generation: Int)>
    init(_ server: ServerProcess) { state = LockedValue((server, 0)) }
    var current: (server: ServerProcess, generation: Int) { state.withLock { $0 } }
    func replace(_ server: ServerProcess) { state.withLock { $0 = (server, $0.generation + 1) } }
}

@Suite("Crash: kill -9 under grant load, no acknowledged grant lost, budget exact", .serialized, .serverCleanup)
struct GrantCrashTests {
    static let clientCount = 4
    static let grantsPerClient = 40  // 160 grants of 10.00 EUR against a budget of 1,000.00: 100 fit
    static let grantMinor: Int64 = 1_000
    static let budgetMinor: Int64 = 100_000
    static let kills = 2

    @Test func acknowledgedGrantsSurviveKills() async throws {
        let directory = makeTemporaryDirectory()
        let cluster = GrantCrashCluster(try await ServerProcess.start(dataDirectory: directory))
        var stopped = false
        defer { if !stopped { cluster.current.server.stop(signal: SIGKILL) } }
        let admin = try await cluster.current.server.session()
        let campaign = try await admin.createCampaign(bonusCampaign("Grant crash") { $0.budgetMinor = Self.budgetMinor })
        await admin.close()

        let total = Self.clientCount * Self.grantsPerClient
        let killAt = (0..<Self.kills).map { k in total * (2 * k + 1) / (2 * Self.kills + 1) }
        let ledger = GrantCrashLedger()
        let deadline = ContinuousClock.now + .seconds(240)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<Self.clientCount {
                group.addTask {
                    try await Self.runClient(
                        client, campaignId: campaign.id, cluster: cluster, ledger: ledger, deadline: deadline)
                }
            }
            group.addTask {
                for k in 0..<Self.kills {
                    while ledger.snapshot.answered < killAt[k] {
                        guard ContinuousClock.now < deadline else { throw ServerProcessError(description: "grant load stalled") }
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    cluster.current.server.stop(signal: SIGKILL)
                    cluster.replace(try await ServerProcess.start(dataDirectory: directory))
                }
            }
            try await group.waitForAll()
        }
        let seen = ledger.snapshot
        #expect(cluster.current.generation == Self.kills)
        #expect(seen.problems == [])
        #expect(seen.answered == total)
        // Every grant was answered, so the budget was spent exactly: 100 acknowledged, the rest refused.
        #expect(seen.acknowledged.count == Int(Self.budgetMinor / Self.grantMinor), "\(seen.acknowledged.count) acknowledged")
        #expect(seen.refused == total - seen.acknowledged.count)

        // One more kill, then read back through a fresh server.
        cluster.current.server.stop(signal: SIGKILL)
        let last = try await ServerProcess.start(dataDirectory: directory)
        cluster.replace(last)
        let reader = try await last.session()
        let byUser = Dictionary(grouping: seen.acknowledged, by: \.value)
        for (player, grants) in byUser {
            let history = try await reader.wholeRewardHistory(userId: player).redemptions
            #expect(Set(history.map(\.redemptionId)) == Set(grants.map(\.key)), "\(player)")
            #expect(history.allSatisfy { $0.grant && !$0.voided && $0.campaignId == campaign.id })
        }
        let stats = try #require(try await reader.getCampaign(campaign.id).stats)
        #expect(stats.budgetSpentMinor == Self.budgetMinor && stats.budgetRemainingMinor == 0)
        await reader.close()
        last.stop(signal: SIGTERM)
        stopped = true

        let stored = try inspectDatabase(directory) { connection in
            let rows = try connection.statement("SELECT id, user_id FROM grants WHERE campaign_id = ?1 AND voided_at_ms IS NULL")
            try rows.bind(1, campaign.id)
            var found: [String: String] = [:]
            while try rows.step() { found[rows.string(0)] = rows.string(1) }
            return (found, try connection.consistencyProblems())
        }
        #expect(stored.0 == seen.acknowledged, "the file holds exactly the acknowledged grants")
        #expect(stored.1 == [])
        #expect(seen.retries > 0, "the kills interrupted calls in flight")
    }

    /// One manager's client: its grants in turn, each retried with the same idempotency key across connection
    /// failures until answered.
    private static func runClient(
        _ index: Int, campaignId: String, cluster: GrantCrashCluster, ledger: GrantCrashLedger,
        deadline: ContinuousClock.Instant
    ) async throws {
        var connection: PromoClient?
        defer { if let connection { Task { await connection.close() } } }
        for number in 0..<grantsPerClient {
            let player = "grant-crash-\(index)-\(number % 7)"
            let request = grantRequest(
                player, bonusReward(grantMinor), reason: "crash test \(number)", campaignId: campaignId,
                idempotencyKey: "grant-crash-\(index)-\(number)")
            while true {
                guard ContinuousClock.now < deadline else {
                    throw ServerProcessError(description: "no answer to grant \(request.idempotencyKey) before the deadline")
                }
                do {
                    if connection == nil { connection = try await cluster.current.server.session() }
                    let response = try await connection!.send(.grantReward(request))
                    if response.status.code == .ok, case .grantReward(let granted) = response.result {
                        if granted.redemptionId.isEmpty { ledger.problem("\(request.idempotencyKey): OK without an id") }
                        ledger.acknowledge(granted.redemptionId, user: player)
                    } else if response.status.code == .failedPrecondition {
                        ledger.refused()
                    } else {
                        ledger.problem("\(request.idempotencyKey): \(response.status)")
                    }
                    ledger.answered()
                    break
                } catch {
                    ledger.retried()
                    if let stale = connection { await stale.close() }
                    connection = nil
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
        }
    }
}
