import Logging
import PostgresNIO
import PromoDomain
import Synchronization

/// One write of the hot path (a redeem, a reserving validate): what it must lock, and its work inside the
/// batch's transaction.
struct HotPathJob: Sendable {
    /// The campaign whose row lock the job needs (nil: a code that does not exist, judged without one).
    var campaignId: String?
    /// Advisory keys the job needs besides the campaign (the player's and the IP's guessing windows, the
    /// idempotency key): `HotPathLocks`.
    var lockKeys: [String]
    /// The player whose count over the campaign's exclusive group the job may change (the group is read
    /// under the campaign's row lock, so a campaign moved to another group meanwhile locks the right one).
    var userId: String
    /// Runs inside the batch's transaction, which already holds every lock of every job in it. Returns what
    /// to answer once the batch has committed. A thrown `PSQLError` means the transaction is aborted (the batch
    /// runs again, each job alone); any other error is this job's answer, and the batch goes on.
    var work: @Sendable (PostgresConnection) async throws -> any Sendable
    /// Called exactly once: with the work's result after COMMIT, or with the error that ended the job.
    var complete: @Sendable (Result<any Sendable, any Error>) -> Void
}

/// A small group-commit writer for PostgreSQL. Redeems of one campaign serialise on its row lock whichever
/// server runs them; so each server gathers its own concurrent jobs per campaign and runs up to
/// `batchJobsMax` of them in one transaction: the locks are taken once (campaign row first, then the advisory
/// keys in hash order, so two batches never wait on each other in a cycle), each job is its own subtransaction
/// (the record functions' exception blocks, see PostgresStore+Redeem.swift), and one COMMIT makes them all
/// durable before any is answered. A server's throughput on a hot code is then one lock hand-over and one
/// commit per batch, not per redeem.
///
/// At most one batch per campaign runs at a time on a server (a second would only wait on the row lock
/// while holding a pooled connection); batches of different campaigns run side by side, at most
/// `concurrentBatchesMax` (below the pool's size, leaving connections for reads).
final class HotPathBatcher: Sendable {
    private struct State {
        var queued: [String: [HotPathJob]] = [:]
        /// Campaigns with a batch in flight.
        var running: Set<String> = []
        /// Campaigns with jobs waiting and no batch in flight, oldest first (each gets its turn).
        var ready: [String] = []
        var drains = 0
        var closed = false
    }

    private let state = Mutex(State())
    private let batchJobsMax: Int
    private let queuedJobsMax: Int
    private let concurrentBatchesMax: Int

    init(batchJobsMax: Int, queuedJobsMax: Int, concurrentBatchesMax: Int) {
        precondition(batchJobsMax >= 1 && queuedJobsMax >= 1 && concurrentBatchesMax >= 1)
        self.batchJobsMax = batchJobsMax
        self.queuedJobsMax = queuedJobsMax
        self.concurrentBatchesMax = concurrentBatchesMax
    }

    /// Queues `job`; its `complete` is called later. Refused at once (`resourceExhausted`) past
    /// `queuedJobsMax` jobs waiting for one campaign, and (`closed`) after `close()`.
    func submit(_ job: HotPathJob, on store: PostgresStore) {
        let key = job.campaignId ?? ""
        enum Admission { case startDrain, queued, full, closed }
        let admission: Admission = state.withLock { state in
            if state.closed { return .closed }
            let waiting = state.queued[key]?.count ?? 0
            if waiting >= queuedJobsMax { return .full }
            state.queued[key, default: []].append(job)
            if waiting == 0 && !state.running.contains(key) { state.ready.append(key) }
            guard state.drains < concurrentBatchesMax else { return .queued }
            state.drains += 1
            return .startDrain
        }
        switch admission {
        case .queued: return
        case .full:
            job.complete(.failure(StoreError(.resourceExhausted, "too many redeems waiting for one campaign on this server")))
        case .closed: job.complete(.failure(StoreError(.closed, "the PostgreSQL store is closed")))
        case .startDrain: Task { await self.drain(on: store) }
        }
    }

    /// Later submissions fail with `closed`; queued jobs still run.
    func close() { state.withLock { $0.closed = true } }

    /// Runs batches, one campaign after another in the order they became ready, until none is ready. At most
    /// `concurrentBatchesMax` drains run at once, so queued work waits here rather than for a pooled
    /// connection (whose wait is bounded by `connectTimeoutMs`).
    private func drain(on store: PostgresStore) async {
        while true {
            let next: (String, [HotPathJob])? = state.withLock { state in
                guard !state.ready.isEmpty else {
                    state.drains -= 1
                    return nil
                }
                let key = state.ready.removeFirst()
                let queue = state.queued[key] ?? []
                let taken = Array(queue.prefix(batchJobsMax))
                state.queued[key] = queue.count > taken.count ? Array(queue.dropFirst(taken.count)) : nil
                state.running.insert(key)
                return (key, taken)
            }
            guard let (key, batch) = next else { return }
            await run(batch, on: store)
            state.withLock { state in
                state.running.remove(key)
                if state.queued[key] != nil { state.ready.append(key) }
            }
        }
    }

    /// Runs `batch` in one transaction; when PostgreSQL aborts it (a deadlock, a constraint a bug let
    /// through, a lost connection), runs each job again in a transaction of its own, so one bad job costs the
    /// others a retry, never their answer.
    private func run(_ batch: [HotPathJob], on store: PostgresStore) async {
        do {
            let outcomes = try await runTogether(batch, on: store)
            for (job, outcome) in zip(batch, outcomes) { job.complete(outcome) }
        } catch {
            guard batch.count > 1 else {
                batch[0].complete(.failure(PostgresErrorMapping.map(error)))
                return
            }
            for job in batch {
                do {
                    let outcome = try await runTogether([job], on: store)
                    job.complete(outcome[0])
                } catch {
                    job.complete(.failure(PostgresErrorMapping.map(error)))
                }
            }
        }
    }

    private func runTogether(_ batch: [HotPathJob], on store: PostgresStore) async throws -> [Result<any Sendable, any Error>] {
        let campaigns = Array(Set(batch.compactMap(\.campaignId))).sorted()
        let logger = store.logger
        return try await store.transaction { connection in
            var groups: [String: String] = [:]
            if !campaigns.isEmpty {
                let rows = try await connection.query(
                    "SELECT id, group_id FROM campaigns WHERE id = ANY(\(campaigns)) ORDER BY id FOR UPDATE",
                    logger: logger)
                for try await (id, groupId) in rows.decode((String, String?).self) { groups[id] = groupId }
            }
            var keys = Set(batch.flatMap(\.lockKeys))
            for job in batch {
                if let campaignId = job.campaignId, let groupId = groups[campaignId] ?? nil {
                    keys.insert(HotPathLocks.group(groupId, userId: job.userId))
                }
            }
            if !keys.isEmpty {
                let keys = Array(keys)
                try await connection.query("SELECT promo_lock_keys(\(keys))", logger: logger)
            }
            var outcomes: [Result<any Sendable, any Error>] = []
            for job in batch {
                do {
                    outcomes.append(.success(try await job.work(connection)))
                } catch let error as PSQLError {
                    throw error
                } catch {
                    outcomes.append(.failure(error))
                }
            }
            return outcomes
        }
    }
}

/// The advisory keys of the hot path. Every transaction that takes several takes them in one order
/// (`promo_lock_keys` sorts their hashes), after any campaign row lock.
enum HotPathLocks {
    /// The guessing window of a player.
    static func user(_ userId: String) -> String { "attempts\u{1F}user\u{1F}\(userId)" }
    /// The guessing window of an IP.
    static func ip(_ ip: String) -> String { "attempts\u{1F}ip\u{1F}\(ip)" }
    /// A player's standing and held uses over the campaigns of one exclusive group (two campaigns of the group
    /// have two row locks, so the group needs a lock of its own).
    static func group(_ groupId: String, userId: String) -> String { "group\u{1F}\(groupId)\u{1F}\(userId)" }
    /// One idempotency key of one API key: two servers given the same key at once take turns, and the second
    /// finds the first's answer.
    static func idempotency(apiKeyId: String, key: String) -> String { "idempotency\u{1F}\(apiKeyId)\u{1F}\(key)" }
}
