import PromoDomain
import PromoStore

/// Failed validate/redeem attempts per user and per IP, shared by every connection, behind one lock.
///
/// The decision (may this attempt be judged, may this failure be shown) and the recording of the failure
/// happen in the same critical section, so the limit is exact however a guesser pipelines or spreads the
/// attempts over connections and event loops. One lock for users and IPs together: each call is one lock
/// acquisition and two hash probes, held for well under a microsecond.
final class AttemptLimiter: Sendable {
    private let limit: LockedValue<GuessingLimit>

    init(configuration: ServerConfiguration) {
        func policy(_ failuresMax: Int) -> FailedAttemptWindow.Policy {
            FailedAttemptWindow.Policy(
                failuresMax: failuresMax, windowMs: Int64(configuration.rateLimitWindowMs),
                cooldownMs: Int64(configuration.rateLimitCooldownMs))
        }
        limit = LockedValue(
            GuessingLimit(
                userPolicy: policy(configuration.rateLimitUserFailuresMax),
                ipPolicy: policy(configuration.rateLimitIpFailuresMax),
                callersMax: configuration.rateLimitTrackedCallersMax))
    }

    /// True while the user or their IP is in a cool-down. A cheap early refusal before queueing work; the
    /// binding decision is `admit` or `reserve`.
    func isLockedOut(_ user: UserContext, nowMs: Int64) -> Bool {
        limit.withLock { $0.isLockedOut(userId: user.userId, ip: user.ip, nowMs: nowMs) }
    }

    /// For an attempt judged without side effects (a plain validate): the verdict to answer, `verdict` or
    /// RATE_LIMITED, with a shown failure recorded in the same step.
    func admit(_ verdict: Verdict, for user: UserContext, nowMs: Int64) -> Verdict {
        limit.withLock { $0.admit(verdict, userId: user.userId, ip: user.ip, nowMs: nowMs) }
    }

    /// Runs `judge` holding an attempt slot of the user and their IP, for attempts with effects (a redeem, a
    /// reserving validate): nil, without running it, when there is no room (answer RATE_LIMITED). The slot is
    /// given back after `judge`, counted as a failure when `verdictOf` its result is one; a throw never counts.
    func withSlot<Judged>(
        for user: UserContext, nowMs: Int64, verdictOf: (Judged) -> Verdict?, _ judge: () throws -> Judged
    ) rethrows -> Judged? {
        guard limit.withLock({ $0.reserve(userId: user.userId, ip: user.ip, nowMs: nowMs) }) else { return nil }
        let result: Judged
        do {
            result = try judge()
        } catch {
            limit.withLock { $0.settle(nil, userId: user.userId, ip: user.ip, nowMs: WallClock.nowMs()) }
            throw error
        }
        let verdict = verdictOf(result)
        limit.withLock { $0.settle(verdict, userId: user.userId, ip: user.ip, nowMs: WallClock.nowMs()) }
        return result
    }
}
