import Logging
import PostgresNIO
import PromoDomain

/// The guessing limit as the PostgreSQL store keeps it: one window per player and per IP in `attempt_windows`,
/// shared by every server. Read and written only under the caller's advisory keys (`HotPathLocks.user`,
/// `.ip`), so an attempt's room check, its judgement and the recording of its failure are one step for the
/// whole cluster: a guesser spreading attempts over N servers gets no more than the limit, not N times it.
/// Holding the keys for the judgement is the store's form of `FailedAttemptWindow`'s pending slot.
public struct GuessingPolicy: Sendable, Hashable {
    public var user: FailedAttemptWindow.Policy
    public var ip: FailedAttemptWindow.Policy

    public init(user: FailedAttemptWindow.Policy, ip: FailedAttemptWindow.Policy) {
        self.user = user
        self.ip = ip
    }

    /// Windows older than this hold nothing worth keeping (`FailedAttemptWindow.isForgettable`).
    func forgetBeforeMs(nowMs: Int64) -> Int64 {
        nowMs - 2 * max(user.windowMs, ip.windowMs)
    }

    var isEnabled: Bool { user.failuresMax > 0 || ip.failuresMax > 0 }

    /// Never limited.
    public static let unlimited = GuessingPolicy(
        user: FailedAttemptWindow.Policy(failuresMax: 0, windowMs: 60_000, cooldownMs: 0),
        ip: FailedAttemptWindow.Policy(failuresMax: 0, windowMs: 60_000, cooldownMs: 0))
}

/// The guessing windows of one attempt's player and IP, as read under their keys.
struct AttemptWindows {
    var user: FailedAttemptWindow?
    var ip: FailedAttemptWindow?
    let userId: String
    let ipAddress: String
    let policy: GuessingPolicy

    /// True while the player or their IP is in a cool-down.
    func isLockedOut(nowMs: Int64) -> Bool {
        (user?.isLockedOut(nowMs: nowMs) ?? false) || (!ipAddress.isEmpty && (ip?.isLockedOut(nowMs: nowMs) ?? false))
    }

    /// True when one more failed attempt may be judged now (`FailedAttemptWindow.hasRoom`).
    func hasRoom(nowMs: Int64) -> Bool {
        (user?.hasRoom(nowMs: nowMs, policy: policy.user) ?? true)
            && (ipAddress.isEmpty || (ip?.hasRoom(nowMs: nowMs, policy: policy.ip) ?? true))
    }

    /// Counts a failed attempt (when `verdict` is one) and returns the windows to store (nil: unchanged).
    mutating func settle(_ verdict: Verdict?, nowMs: Int64) -> (user: [Int64]?, ip: [Int64]?) {
        guard let verdict, verdict.countsAsFailedAttempt else { return (nil, nil) }
        var storedUser: [Int64]?
        var storedIp: [Int64]?
        if policy.user.failuresMax > 0 {
            var window = user ?? FailedAttemptWindow(nowMs: nowMs, policy: policy.user)
            _ = window.recordFailure(nowMs: nowMs, policy: policy.user)
            user = window
            storedUser = AttemptWindowRow.stored(window)
        }
        if !ipAddress.isEmpty, policy.ip.failuresMax > 0 {
            var window = ip ?? FailedAttemptWindow(nowMs: nowMs, policy: policy.ip)
            _ = window.recordFailure(nowMs: nowMs, policy: policy.ip)
            ip = window
            storedIp = AttemptWindowRow.stored(window)
        }
        return (storedUser, storedIp)
    }

    /// The advisory keys an attempt of `user` holds while it is judged.
    static func lockKeys(_ user: UserContext, policy: GuessingPolicy) -> [String] {
        guard policy.isEnabled else { return [] }
        return [HotPathLocks.user(user.userId)] + (user.ip.isEmpty ? [] : [HotPathLocks.ip(user.ip)])
    }
}

/// How the hot path batches and bounds its work; every value is a named configuration value of the server.
public struct HotPathLimits: Sendable, Hashable {
    /// Jobs (redeems, reserving validates, failed plain validates) of one campaign run in one transaction at
    /// most. Default 64: past it a batch's locks are held longer than its commit saves.
    public var batchJobsMax: Int = 64
    /// Jobs of one campaign waiting on this server at most; more are refused with RESOURCE_EXHAUSTED.
    /// Default 10,000.
    public var queuedJobsMax: Int = 10_000
    /// Unused reservations that expired longer ago than this are deleted by later reserves (a few each).
    /// Default one day, as in the SQLite store.
    public var reservationRetentionMs: Int64 = 86_400_000
    /// Distinct IPs, devices and users whose failed attempts the report totals track per campaign, dimension
    /// and hour. Default 1,000.
    public var dimensionKeysPerHourMax: Int = 1_000
    /// Lock-outs a server remembers for its early refusals (`LockoutCache`). Default 100,000.
    public var lockoutsRememberedMax: Int = 100_000
    /// Batches a server runs at once (of different campaigns); at most the pool's size minus one, leaving a
    /// connection for reads. Default 8.
    public var concurrentBatchesMax: Int = 8
    /// Codes whose campaign a server remembers (a code never moves; `CodeCampaignResolver`). Default 100,000.
    public var cachedCodesMax: Int = 100_000

    public init() {}
}

/// The hot path's state on one server: its batches, its memory of code campaigns and lock-outs. Owned by the
/// store; none of it refers back to the store (the store is passed to each call), so closing the store frees it.
final class HotPathParts: Sendable {
    let batcher: HotPathBatcher
    let limits: HotPathLimits
    let guessing: GuessingPolicy
    let lockouts: LockoutCache
    let resolver: CodeCampaignResolver
    let reads: ReadGate

    init(_ configuration: PostgresStoreConfiguration) {
        let limits = configuration.hotPath
        self.limits = limits
        guessing = configuration.guessing
        lockouts = LockoutCache(callersMax: limits.lockoutsRememberedMax)
        batcher = HotPathBatcher(
            batchJobsMax: limits.batchJobsMax, queuedJobsMax: limits.queuedJobsMax,
            concurrentBatchesMax: max(1, min(limits.concurrentBatchesMax, configuration.poolSize - 1)))
        resolver = CodeCampaignResolver(cachedCodesMax: limits.cachedCodesMax)
        reads = ReadGate(limit: max(1, configuration.poolSize - 1))
    }
}

/// Validate, reserve and redeem on PostgreSQL, with every guarantee across any number of servers (see
/// docs/postgres-hot-path.md): the campaign's row lock (`SELECT … FOR UPDATE`, taken first by every writer of
/// its counts) makes each judgement and its writes one step for the cluster; advisory keys do the same for
/// what spans campaigns (a player's group count, the guessing windows, an idempotency key). Each server's
/// concurrent jobs of one campaign share one transaction (`HotPathBatcher`).
extension PostgresStore {
    /// The campaign a call names, read without a lock (a code never moves; one deleted and made again in
    /// another campaign is caught under the lock, see `submitHotJob`). Nil: no such code.
    func campaignId(of request: RedemptionRequest) async throws -> String? {
        if request.code.isEmpty { return request.campaignId }
        guard let text = try? CodeText(request.code) else { return nil }
        return try await hotPath.resolver.campaignId(ofKey: text.key, on: self)
    }

    /// Runs `work` as a batched job of the campaign `request` names, and answers once its batch committed.
    /// When the code turns out to belong to another campaign under the lock (deleted and made again
    /// meanwhile), the job runs again under that campaign's lock.
    func submitHotJob<Result: Sendable>(
        _ request: RedemptionRequest, lockKeys: [String],
        _ work: @escaping @Sendable (PostgresConnection, _ lockedCampaign: String?) async throws -> HotPathStep<Result>
    ) async throws -> Result {
        var campaign = try await campaignId(of: request)
        for _ in 0..<3 {
            let locked = campaign
            let step: HotPathStep<Result> = try await withCheckedThrowingContinuation { continuation in
                hotPath.batcher.submit(
                    HotPathJob(
                        campaignId: locked, lockKeys: lockKeys, userId: request.user.userId,
                        work: { connection in try await work(connection, locked) },
                        complete: { outcome in
                            switch outcome {
                            case .success(let value): continuation.resume(returning: value as! HotPathStep<Result>)
                            case .failure(let error): continuation.resume(throwing: error)
                            }
                        }), on: self)
            }
            switch step {
            case .done(let result): return result
            case .moved(let actual):
                hotPath.resolver.forget(request.code)
                campaign = actual
            }
        }
        throw StoreError(.busy, "the code kept moving between campaigns while it was redeemed")
    }
}

/// What a job's work found: its answer, or that the code belongs to another campaign than the one locked.
enum HotPathStep<Result: Sendable>: Sendable {
    case done(Result)
    case moved(String?)
}

extension PostgresConnection {
    /// Runs one of the finish functions (which return NULL, or the error that undid their writes) and throws
    /// that error as a `StoreError`.
    func finish(_ query: PostgresQuery, logger: Logger) async throws {
        let failure = try await firstRow(query, logger: logger) { try $0.optionalString(0) } ?? nil
        guard let failure else { return }
        let state = String(failure.prefix(5))
        throw StoreError(PostgresErrorMapping.code(forSQLState: state), "PostgreSQL \(failure)")
    }
}
