import PromoDomain
import Synchronization

/// The guessing lock-outs this process has seen in the database, its own callers' and other servers' alike, so
/// that a locked-out caller is refused before any database work (`RedeemStorage.isLockedOut`). Only a
/// shortcut: the binding decision is always taken in the database under the caller's keys, so a lock-out
/// this cache has not seen yet, or has forgotten, costs a round trip, never a guess.
///
/// At most `callersMax` callers are remembered; when full, the lock-outs that have ended are dropped first,
/// then the ones ending soonest.
final class LockoutCache: Sendable {
    private struct State {
        var lockedUntilMs: [String: Int64] = [:]
        /// Nobody is locked out from this instant on (the latest end noted); lets the common case skip the lock.
        var allEndMs: Int64 = .min
    }

    private let state = Mutex(State())
    private let allEndMs = Atomic<Int64>(.min)
    private let callersMax: Int

    init(callersMax: Int) {
        precondition(callersMax >= 1)
        self.callersMax = callersMax
    }

    func isLockedOut(_ user: UserContext, nowMs: Int64) -> Bool {
        if nowMs >= allEndMs.load(ordering: .acquiring) { return false }
        return state.withLock { state in
            (state.lockedUntilMs[Self.userKey(user.userId)].map { nowMs < $0 } ?? false)
                || (!user.ip.isEmpty && (state.lockedUntilMs[Self.ipKey(user.ip)].map { nowMs < $0 } ?? false))
        }
    }

    /// Remembers the lock-outs in force at `nowMs` among `windows`.
    func note(_ windows: AttemptWindows, nowMs: Int64) {
        var ends: [(String, Int64)] = []
        if let window = windows.user, window.isLockedOut(nowMs: nowMs) {
            ends.append((Self.userKey(windows.userId), window.lockedUntilMs))
        }
        if !windows.ipAddress.isEmpty, let window = windows.ip, window.isLockedOut(nowMs: nowMs) {
            ends.append((Self.ipKey(windows.ipAddress), window.lockedUntilMs))
        }
        guard !ends.isEmpty else { return }
        state.withLock { state in
            for (key, endMs) in ends {
                if state.lockedUntilMs[key] == nil, state.lockedUntilMs.count >= callersMax { evict(&state, nowMs: nowMs) }
                state.lockedUntilMs[key] = max(state.lockedUntilMs[key] ?? .min, endMs)
                state.allEndMs = max(state.allEndMs, endMs)
            }
            allEndMs.store(state.allEndMs, ordering: .releasing)
        }
    }

    private func evict(_ state: inout State, nowMs: Int64) {
        state.lockedUntilMs = state.lockedUntilMs.filter { $0.value > nowMs }
        let target = callersMax - max(1, callersMax / 8)
        guard state.lockedUntilMs.count > target else { return }
        for (key, _) in state.lockedUntilMs.sorted(by: { $0.value < $1.value }).prefix(state.lockedUntilMs.count - target) {
            state.lockedUntilMs[key] = nil
        }
    }

    private static func userKey(_ userId: String) -> String { "u\u{1F}\(userId)" }
    private static func ipKey(_ ip: String) -> String { "i\u{1F}\(ip)" }
}
