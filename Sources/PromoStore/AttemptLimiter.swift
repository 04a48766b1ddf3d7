import PromoDomain
import Synchronization

/// The guessing limit of the embedded store: failed validate/redeem attempts per user and per IP, shared by
/// every connection of this process, behind one lock. (A store shared by several servers counts them in the
/// database instead: `RedeemStorage`.)
///
/// The decision (may this attempt be judged, may this failure be shown) and the recording of the failure
/// happen in the same critical section, so the limit is exact however a guesser pipelines or spreads the
/// attempts over connections and event loops. One lock for users and IPs together: each call is one lock
/// acquisition and two hash probes, held for well under a microsecond.
///
/// An attempt that does not fail (most validates) only needs to know that its caller is not locked out. It
/// skips the lock when no cool-down is running for anyone: every cool-down starts under the lock, which
/// publishes when the latest one ends (`lockoutsEndMs`) before it lets go, so a reader whose clock has
/// passed that instant knows nobody is locked out. Failures, slots and callers in a cool-down still go
/// through the one lock, so the limit stays exact.
final class AttemptLimiter: Sendable {
    private let limit: LockedValue<GuessingLimit>
    /// `GuessingLimit.lockoutsEndMs`, stored under the lock after every change that may start a cool-down.
    private let lockoutsEndMs = Atomic<Int64>(.min)

    /// `limit`: the policies and bounds, with nothing counted yet.
    init(_ limit: GuessingLimit) {
        self.limit = LockedValue(limit)
    }

    /// True while the user or their IP is in a cool-down. A cheap early refusal before queueing work; the
    /// binding decision is `admit` or `reserve`.
    func isLockedOut(_ user: UserContext, nowMs: Int64) -> Bool {
        if nobodyLockedOut(nowMs: nowMs) { return false }
        return limit.withLock { $0.isLockedOut(userId: user.userId, ip: user.ip, nowMs: nowMs) }
    }

    /// True when no cool-down of anyone runs at `nowMs` (then no caller is locked out), read without the lock.
    private func nobodyLockedOut(nowMs: Int64) -> Bool {
        nowMs >= lockoutsEndMs.load(ordering: .acquiring)
    }

    /// Runs `body` under the lock and publishes when the latest cool-down ends before letting go.
    private func changing<T>(_ body: (inout GuessingLimit) -> T) -> T {
        limit.withLock { limit in
            let result = body(&limit)
            lockoutsEndMs.store(limit.lockoutsEndMs, ordering: .releasing)
            return result
        }
    }

    /// For an attempt judged without side effects (a plain validate): the verdict to answer, `verdict` or
    /// RATE_LIMITED, with a shown failure recorded in the same step.
    func admit(_ verdict: Verdict, for user: UserContext, nowMs: Int64) -> Verdict {
        if !verdict.countsAsFailedAttempt && nobodyLockedOut(nowMs: nowMs) { return verdict }
        return changing { $0.admit(verdict, userId: user.userId, ip: user.ip, nowMs: nowMs) }
    }

    /// Runs `judge` holding an attempt slot of the user and their IP, for attempts with effects (a redeem, a
    /// reserving validate): nil, without running it, when there is no room (answer RATE_LIMITED). The slot is
    /// given back after `judge` at `now()`, counted as a failure when `verdictOf` its result is one; a throw
    /// never counts.
    func withSlot<Judged>(
        for user: UserContext, nowMs: Int64, now: () -> Int64, verdictOf: (Judged) -> Verdict?,
        _ judge: () throws -> Judged
    ) rethrows -> Judged? {
        guard changing({ $0.reserve(userId: user.userId, ip: user.ip, nowMs: nowMs) }) else { return nil }
        let result: Judged
        do {
            result = try judge()
        } catch {
            changing { $0.settle(nil, userId: user.userId, ip: user.ip, nowMs: now()) }
            throw error
        }
        let verdict = verdictOf(result)
        changing { $0.settle(verdict, userId: user.userId, ip: user.ip, nowMs: now()) }
        return result
    }
}
