import Dispatch
import PromoDomain
@testable import PromoStore
import Testing

private let start: Int64 = 1_800_000_000_000
private let hour: Int64 = 3_600_000

private struct Boom: Error {}

/// A read connection used from the writer's completions only (one at a time: the writer's queue is serial).
private final class ReaderBox: @unchecked Sendable {
    let connection: Connection
    init(_ connection: Connection) { self.connection = connection }
}

/// Report totals are summed over a writer batch and written once per touched row just before its COMMIT
/// (`PendingTotals`). These jobs run as one batch: the writer is held by a first job while they queue.
@Suite("Report totals summed per writer batch")
struct BatchTotalsTests {
    private static func redeem(
        _ connection: Connection, user: String, id: String, atMs: Int64, deposit: Deposit = .none, source: String = "",
        ip: String = ""
    ) throws -> RedeemResult {
        try connection.redeem(
            RedeemCommand(
                request: RedemptionRequest(code: "SHARED", user: UserContext(userId: user, ip: ip), deposit: deposit),
                source: source, idempotencyKey: nil, apiKeyId: "key_b", newRedemptionId: id, nowMs: atMs))
    }

    private static func standingRedemptions(_ connection: Connection) throws -> Int64 {
        try connection.statement(
            "SELECT coalesce(sum(redemptions - voided), 0) FROM campaign_hours WHERE campaign_id = 'cmp_b'"
        ).firstRow { $0.int64(0) } ?? -1
    }

    @Test func aBatchWritesTheTotalsOfTheJobsThatRanBeforeAnyAnswerAndNoneOfTheFailedOnes() throws {
        let directory = makeStoreTestDirectory("batch-totals")
        let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.insertCampaign(
                Campaign(
                    id: "cmp_b", name: "Batch", kind: .deposit, reward: .bonus(amountMinor: 100, currency: "EUR"),
                    startsAtMs: 0, createdAtMs: start))
            try connection.insertCode(
                PromoCode(code: try CodeText("SHARED"), campaignId: "cmp_b", maxUses: 0, isActive: true, ownerId: nil, createdAtMs: start))
            // Standing before the batch: one of them is voided inside it.
            _ = try Self.redeem(connection, user: "u0", id: "r_old", atMs: start, deposit: Deposit(amountMinor: 700, currency: "EUR"))
            _ = try Self.redeem(connection, user: "u0", id: "r_old2", atMs: start + hour, source: "web", ip: "10.0.0.1")
        }

        let reader = ReaderBox(try store.makeReadConnection())
        let seen = LockedValue<[Int64]>([])
        let answered = DispatchSemaphore(value: 0)
        let gate = DispatchSemaphore(value: 0)
        store.writer.submit({ _ in gate.wait() }, completion: { _ in })

        // Every answer of the batch is sent after its COMMIT, which carried the totals of every job that ran.
        func submit(_ body: @escaping @Sendable (Connection) throws -> Void) {
            store.writer.submit(body) { result in
                if case .success = result {
                    let standing = (try? Self.standingRedemptions(reader.connection)) ?? -1
                    seen.withLock { $0.append(standing) }
                }
                answered.signal()
            }
        }
        var jobs = 0
        for index in 0..<20 {
            let user = "u\(index % 6)"  // repeat users: pairs move within the batch
            submit { connection in
                let result = try Self.redeem(
                    connection, user: user, id: "r\(index)", atMs: start + Int64(index) * hour / 3,
                    deposit: index % 3 == 0 ? Deposit(amountMinor: Int64(100 + index), currency: "USD") : .none,
                    source: index % 2 == 0 ? "app" : "", ip: "10.0.0.\(index % 4)")
                guard result.verdict == .ok else { throw Boom() }
            }
            jobs += 1
            if index == 7 {
                // Redeems, then fails: its totals go with its savepoint.
                submit { connection in
                    _ = try Self.redeem(connection, user: "u9", id: "r_failed", atMs: start + 2 * hour, source: "app")
                    throw Boom()
                }
                // Writes the earlier jobs' totals (failures read the dimension rows), then fails: they must stay.
                submit { connection in
                    try connection.recordFailures([
                        FailureEvent(campaignId: "cmp_b", verdict: .limitReached, atMs: start + hour, ip: "10.0.0.9", deviceId: "", userId: "u8")
                    ])
                    throw Boom()
                }
                jobs += 2
            }
            if index == 12 {
                // A void of a redemption made earlier in this batch, and one made before it.
                submit { connection in _ = try connection.voidRedemption(id: "r3", reason: "test", nowMs: start + 5 * hour) }
                submit { connection in _ = try connection.voidRedemption(id: "r_old2", reason: "test", nowMs: start + 5 * hour) }
                jobs += 2
            }
        }
        gate.signal()
        for _ in 0..<jobs { answered.wait() }

        // 2 before, 20 in the batch, 2 of the 22 voided; the failed job's redemption is not counted.
        #expect(seen.withLock { $0 } == Array(repeating: 20, count: 22))
        let problems = try store.writer.synchronously { try $0.consistencyProblems() }
        #expect(problems == [])
        let failedRow = try store.writer.synchronously { connection in
            try connection.statement("SELECT count(*) FROM redemptions WHERE id = 'r_failed'").firstRow { $0.int64(0) }
        }
        #expect(failedRow == 0)
    }

    @Test func aLostBatchLeavesNoTotalsBehindForTheNextOne() throws {
        let directory = makeStoreTestDirectory("batch-totals-lost")
        var limits = GroupCommitWriter.Limits()
        let failCommit = LockedValue(true)
        limits.statementFault = { sql in
            if sql == "COMMIT", failCommit.withLock({ $0 }) { throw StoreError(.sqlite, "disk I/O error (test)") }
        }
        let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"), writerLimits: limits)
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.insertCampaign(
                Campaign(
                    id: "cmp_b", name: "Batch", kind: .deposit, reward: .bonus(amountMinor: 100, currency: "EUR"),
                    startsAtMs: 0, createdAtMs: start))
            try connection.insertCode(
                PromoCode(code: try CodeText("SHARED"), campaignId: "cmp_b", maxUses: 0, isActive: true, ownerId: nil, createdAtMs: start))
        }
        let lost = DispatchSemaphore(value: 0)
        store.writer.submit({ connection in _ = try Self.redeem(connection, user: "u1", id: "r_lost", atMs: start) }) { result in
            if case .success = result { Issue.record("a batch whose COMMIT failed was acknowledged") }
            lost.signal()
        }
        lost.wait()
        failCommit.withLock { $0 = false }
        let kept = DispatchSemaphore(value: 0)
        store.writer.submit({ connection in _ = try Self.redeem(connection, user: "u2", id: "r_kept", atMs: start) }) { result in
            if case .failure(let error) = result { Issue.record("redeem failed: \(error)") }
            kept.signal()
        }
        kept.wait()
        try store.writer.synchronously { (connection: Connection) throws -> Void in
            #expect(try Self.standingRedemptions(connection) == 1)
            #expect(try connection.consistencyProblems() == [])
        }
    }
}
