/// Counts one caller's failed attempts (one user, or one IP) in a sliding window and locks the caller out
/// for a cool-down once they reach the limit, so codes cannot be guessed through us.
///
/// The window is the sliding-window-counter approximation: the previous fixed window's count, weighted by
/// how much of it still overlaps the sliding window, plus the current window's count. Two counters per
/// caller instead of a timestamp per attempt, so memory per tracked caller is constant whatever the limit.
/// The estimate never undercounts a steady attacker by more than one window's worth of drift and is exact
/// for bursts inside one window, which is what guessing looks like.
///
/// Attempts being judged concurrently hold a *slot* (`pending`): a slot counts against the limit until its
/// verdict is known, so however many attempts are in flight at once, no more than `failuresMax` of them can
/// end up judged failures.
public struct FailedAttemptWindow: Sendable, Hashable {
    public struct Policy: Sendable, Hashable {
        /// Failed attempts allowed inside `windowMs`; reaching it starts the cool-down. 0 = never limited.
        public var failuresMax: Int
        public var windowMs: Int64
        /// How long every attempt of a locked-out caller is answered RATE_LIMITED.
        public var cooldownMs: Int64

        public init(failuresMax: Int, windowMs: Int64, cooldownMs: Int64) {
            precondition(failuresMax >= 0 && windowMs > 0 && cooldownMs >= 0)
            self.failuresMax = failuresMax
            self.windowMs = windowMs
            self.cooldownMs = cooldownMs
        }
    }

    /// The stored state, for a store that keeps the windows itself (the PostgreSQL store counts them
    /// cluster-wide, in a row per caller read and written under a lock of that caller).
    public private(set) var windowStartMs: Int64
    public private(set) var current: Int = 0
    public private(set) var previous: Int = 0
    /// Attempts holding a slot whose verdict is not known yet.
    public private(set) var pending: Int = 0
    /// Attempts before this instant are refused without being looked at.
    public private(set) var lockedUntilMs: Int64 = .min

    public init(nowMs: Int64, policy: Policy) {
        windowStartMs = nowMs - nowMs % policy.windowMs
    }

    /// A window as stored (no slot pending: a store that keeps windows judges one attempt at a time per
    /// caller, under a lock of that caller).
    public init(windowStartMs: Int64, current: Int, previous: Int, lockedUntilMs: Int64) {
        self.windowStartMs = windowStartMs
        self.current = max(0, current)
        self.previous = max(0, previous)
        self.lockedUntilMs = lockedUntilMs
    }

    public func isLockedOut(nowMs: Int64) -> Bool { nowMs < lockedUntilMs }

    /// True when one more failed attempt may be judged now: no cool-down, and the failures in the window
    /// plus the slots still pending stay below the limit.
    public func hasRoom(nowMs: Int64, policy: Policy) -> Bool {
        guard policy.failuresMax > 0 else { return true }
        guard !isLockedOut(nowMs: nowMs) else { return false }
        var rolled = self
        rolled.roll(to: nowMs, policy: policy)
        return rolled.estimate(nowMs: nowMs, policy: policy) + Double(pending) < Double(policy.failuresMax)
    }

    /// Takes a slot for an attempt about to be judged; false (and nothing taken) when there is no room.
    public mutating func reserve(nowMs: Int64, policy: Policy) -> Bool {
        guard policy.failuresMax > 0 else { return true }
        guard hasRoom(nowMs: nowMs, policy: policy) else { return false }
        pending += 1
        return true
    }

    /// Gives back a slot taken by `reserve`, counting it as a failure when the verdict was one.
    /// Returns true when that failure starts a cool-down.
    @discardableResult
    public mutating func settle(failed: Bool, nowMs: Int64, policy: Policy) -> Bool {
        guard policy.failuresMax > 0 else { return false }
        precondition(pending > 0, "settle without a reserved slot")
        pending -= 1
        return failed ? recordFailure(nowMs: nowMs, policy: policy) : false
    }

    /// Adds one failed attempt at `nowMs`; returns true when it starts a cool-down (the failure that reaches
    /// `failuresMax`).
    public mutating func recordFailure(nowMs: Int64, policy: Policy) -> Bool {
        guard policy.failuresMax > 0 else { return false }
        roll(to: nowMs, policy: policy)
        current += 1
        guard !isLockedOut(nowMs: nowMs), estimate(nowMs: nowMs, policy: policy) >= Double(policy.failuresMax) else {
            return false
        }
        lockedUntilMs = nowMs + policy.cooldownMs
        // The cool-down is the penalty; afterwards the caller starts with a clean window rather than being
        // locked out again by the first mistake.
        (current, previous) = (0, 0)
        return true
    }

    /// True when nothing about this caller is worth keeping: no cool-down, no slot pending and no failure
    /// in the window.
    public func isForgettable(nowMs: Int64, policy: Policy) -> Bool {
        pending == 0 && !isLockedOut(nowMs: nowMs) && nowMs - windowStartMs >= 2 * policy.windowMs
    }

    func estimate(nowMs: Int64, policy: Policy) -> Double {
        let elapsed = Double(nowMs - windowStartMs) / Double(policy.windowMs)
        return Double(previous) * max(0, 1 - elapsed) + Double(current)
    }

    private mutating func roll(to nowMs: Int64, policy: Policy) {
        let start = nowMs - nowMs % policy.windowMs
        guard start > windowStartMs else { return }
        previous = start - windowStartMs == policy.windowMs ? current : 0
        current = 0
        windowStartMs = start
    }
}

extension Verdict {
    /// Whether this refusal is what guessing produces, and so counts against the caller's failed attempts.
    ///
    /// Counted: the code does not exist or cannot be used at all (a guesser meets these). Not counted: refusals
    /// about a real code the caller plainly holds (limits used up, eligibility, deposit, a lapsed reservation),
    /// so a sold-out campaign does not lock out the players behind one carrier NAT who all typed it correctly.
    public var countsAsFailedAttempt: Bool {
        switch self {
        case .codeNotFound, .codeInactive, .campaignInactive, .notYetValid, .expired, .reservationNotFound:
            true
        case .ok, .limitReached, .codeLimitReached, .userLimitReached, .groupLimitReached, .budgetExhausted, .notEligible,
            .minDepositNotMet, .rateLimited, .reservationExpired, .userBlocked:
            // A blocked player is refused whatever they type: no guessing to count.
            false
        }
    }
}
