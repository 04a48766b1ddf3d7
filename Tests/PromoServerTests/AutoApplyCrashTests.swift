import PromoClient
import PromoStore
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Codeless redeems of an auto-apply campaign under kill -9: a real promo-server process killed mid-load and
// restarted on the same data folder. Every acknowledged redemption is in the file afterwards, the limits
// hold, and the maintained totals agree with the raw rows.

private final class AutoApplyCrashState: Sendable {
    let server: LockedValue<ServerProcess>
    let acknowledged = LockedValue([String: String]())  // redemption id -> user
    let answered = LockedValue(0)
    let retries = LockedValue(0)
    let problems = LockedValue([String]())

    init(_ server: ServerProcess) { self.server = LockedValue(server) }
}

@Suite("Crash: kill -9 during codeless auto-apply redeems", .serialized, .serverCleanup)
struct AutoApplyCrashTests {
    static let campaignLimit: UInt64 = 80
    static let clientCount = 4
    static let usersPerClient = 30
    static let attemptsPerUser = 2  // with max_per_user 1: the second is USER_LIMIT_REACHED or LIMIT_REACHED

    @Test func acknowledgedCodelessRedemptionsSurviveAKill() async throws {
        let directory = makeTemporaryDirectory()
        let state = AutoApplyCrashState(try await ServerProcess.start(dataDirectory: directory))

        let admin = try await state.server.withLock { $0 }.session()
        let campaign = try await admin.createCampaign(autoCampaign("Crash auto") {
            $0.maxRedemptions = Self.campaignLimit
            $0.maxPerUser = 1
        })
        await admin.close()
        let campaignId = campaign.id
        let total = Self.clientCount * Self.usersPerClient * Self.attemptsPerUser
        let deadline = ContinuousClock.now + .seconds(240)

        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<Self.clientCount {
                group.addTask {
                    var connection: PromoClient?
                    for attempt in 0..<Self.attemptsPerUser {
                        for number in 0..<Self.usersPerClient {
                            let player = "auto-crash-\(client)-\(number)"
                            let request = RedeemRequest.with {
                                $0.campaignId = campaignId
                                $0.user = user(player)
                                $0.idempotencyKey = "auto-crash-\(player)-\(attempt)"
                            }
                            while true {
                                guard ContinuousClock.now < deadline else { throw ServerProcessError(description: "stalled") }
                                do {
                                    if connection == nil { connection = try await state.server.withLock { $0 }.session() }
                                    let answer = try await connection!.redeem(request)
                                    if answer.verdict == .ok {
                                        state.acknowledged.withLock { $0[answer.redemptionId] = player }
                                    } else if answer.verdict != .userLimitReached && answer.verdict != .limitReached {
                                        state.problems.withLock { $0.append("\(player): \(answer.verdict)") }
                                    }
                                    break
                                } catch let error as UnexpectedAnswer {
                                    throw error
                                } catch {
                                    // Killed under us: reconnect and send the same key again.
                                    state.retries.withLock { $0 += 1 }
                                    if let stale = connection { await stale.close() }
                                    connection = nil
                                    try await Task.sleep(for: .milliseconds(10))
                                }
                            }
                            state.answered.withLock { $0 += 1 }
                        }
                    }
                    if let connection { await connection.close() }
                }
            }
            group.addTask {
                // One kill a third of the way in, mid-load.
                while state.answered.withLock({ $0 }) < total / 3 {
                    guard ContinuousClock.now < deadline else { throw ServerProcessError(description: "load stalled") }
                    try await Task.sleep(for: .milliseconds(2))
                }
                let old = state.server.withLock { $0 }
                old.stop(signal: SIGKILL)
                let fresh = try await ServerProcess.start(dataDirectory: directory)
                state.server.withLock { $0 = fresh }
            }
            try await group.waitForAll()
        }
        #expect(state.problems.withLock { $0 } == [])
        let acknowledged = state.acknowledged.withLock { $0 }
        #expect(acknowledged.count == Int(Self.campaignLimit), "every attempt was answered: the limit is reached exactly")
        #expect(Set(acknowledged.values).count == acknowledged.count, "one per player")

        // Kill once more after the load, then read the file.
        state.server.withLock { $0 }.stop(signal: SIGKILL)
        let stored = try inspectDatabase(directory) { connection in
            let rows = try connection.statement(
                "SELECT id, user_id, source, code_display FROM redemptions WHERE campaign_id = ?1 AND voided_at_ms IS NULL")
            try rows.bind(1, campaignId)
            var found: [String: String] = [:]
            var sources = Set<String>()
            while try rows.step() {
                found[rows.string(0)] = rows.string(1)
                sources.insert(rows.string(2) + "/" + rows.string(3))
            }
            return (found, sources, try connection.consistencyProblems())
        }
        #expect(stored.0 == acknowledged, "the file holds exactly the acknowledged redemptions")
        #expect(stored.1 == ["auto/"], "source auto, no code")
        #expect(stored.2 == [])
        #expect(state.retries.withLock { $0 } > 0, "the kill interrupted calls in flight")
    }
}
