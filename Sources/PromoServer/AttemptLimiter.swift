import PromoDomain
import PromoStore

/// Failed validate/redeem attempts per user and per IP, shared by every connection. Callers past their
/// limit are refused with RATE_LIMITED before any lookup, so a locked-out guesser costs us a hash probe.
///
/// The tables are split into shards, each behind its own lock, so connections on different event loops
/// and reader queues rarely contend; a caller always lands in the same shard.
final class AttemptLimiter: Sendable {
    private struct Shard {
        var users: FailedAttemptTable<String>
        var ips: FailedAttemptTable<String>
    }

    private static let shardCount = 16
    private let shards: [LockedValue<Shard>]

    init(configuration: ServerConfiguration) {
        let callersPerShard = max(1, configuration.rateLimitTrackedCallersMax / Self.shardCount)
        func policy(_ failuresMax: Int) -> FailedAttemptWindow.Policy {
            FailedAttemptWindow.Policy(
                failuresMax: failuresMax, windowMs: Int64(configuration.rateLimitWindowMs),
                cooldownMs: Int64(configuration.rateLimitCooldownMs))
        }
        let shard = Shard(
            users: FailedAttemptTable(policy: policy(configuration.rateLimitUserFailuresMax), callersMax: callersPerShard),
            ips: FailedAttemptTable(policy: policy(configuration.rateLimitIpFailuresMax), callersMax: callersPerShard))
        shards = (0..<Self.shardCount).map { _ in LockedValue(shard) }
    }

    /// True while the user or their IP is in a cool-down.
    func isLockedOut(_ user: UserContext, nowMs: Int64) -> Bool {
        if shard(user.userId).withLock({ $0.users.isLockedOut(user.userId, nowMs: nowMs) }) { return true }
        guard !user.ip.isEmpty else { return false }
        return shard(user.ip).withLock { $0.ips.isLockedOut(user.ip, nowMs: nowMs) }
    }

    /// Counts `verdict` against the user and their IP when it is what guessing produces.
    func record(_ verdict: Verdict, for user: UserContext, nowMs: Int64) {
        guard verdict.countsAsFailedAttempt else { return }
        shard(user.userId).withLock { _ = $0.users.recordFailure(user.userId, nowMs: nowMs) }
        guard !user.ip.isEmpty else { return }
        shard(user.ip).withLock { _ = $0.ips.recordFailure(user.ip, nowMs: nowMs) }
    }

    private func shard(_ key: String) -> LockedValue<Shard> {
        shards[Int(UInt(bitPattern: key.hashValue) % UInt(Self.shardCount))]
    }
}
