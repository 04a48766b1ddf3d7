/// The failed-attempt windows of many callers of one kind (users, or IPs), in bounded memory.
///
/// At most `callersMax` callers are tracked. When the table is full it first forgets every caller with
/// nothing worth keeping; if that frees too little (a flood of distinct callers), it forgets callers that
/// are not locked out, and only then locked-out ones, so an attacker spraying new identities cannot push an
/// active lock-out out of the table cheaply. A caller holding a pending slot is never forgotten (there are
/// only as many of those as attempts being judged at once). Eviction sweeps the whole table, but at most
/// once per `callersMax / 8` new callers, so its cost per attempt stays constant.
public struct FailedAttemptTable<Caller: Hashable & Sendable>: Sendable {
    public let policy: FailedAttemptWindow.Policy
    public let callersMax: Int
    private var windows: [Caller: FailedAttemptWindow] = [:]

    public init(policy: FailedAttemptWindow.Policy, callersMax: Int) {
        precondition(callersMax >= 1)
        self.policy = policy
        self.callersMax = callersMax
    }

    public var trackedCount: Int { windows.count }

    public func isLockedOut(_ caller: Caller, nowMs: Int64) -> Bool {
        windows[caller]?.isLockedOut(nowMs: nowMs) ?? false
    }

    /// True when one more failed attempt of `caller` may be judged now (see `FailedAttemptWindow.hasRoom`).
    public func hasRoom(_ caller: Caller, nowMs: Int64) -> Bool {
        windows[caller]?.hasRoom(nowMs: nowMs, policy: policy) ?? true
    }

    /// Takes a slot for an attempt of `caller` about to be judged; false (nothing taken) when there is no room.
    /// Every successful reserve must be followed by exactly one `settle`.
    public mutating func reserve(_ caller: Caller, nowMs: Int64) -> Bool {
        guard policy.failuresMax > 0 else { return true }
        if windows[caller] == nil, windows.count >= callersMax { evict(nowMs: nowMs) }
        return windows[caller, default: FailedAttemptWindow(nowMs: nowMs, policy: policy)]
            .reserve(nowMs: nowMs, policy: policy)
    }

    /// Gives back the slot of a `reserve`, counting a failure when `failed`. Returns true when that failure
    /// starts the caller's cool-down.
    @discardableResult
    public mutating func settle(_ caller: Caller, failed: Bool, nowMs: Int64) -> Bool {
        guard policy.failuresMax > 0 else { return false }
        return windows[caller]?.settle(failed: failed, nowMs: nowMs, policy: policy) ?? false
    }

    /// Adds a failed attempt; returns true when it starts the caller's cool-down.
    @discardableResult
    public mutating func recordFailure(_ caller: Caller, nowMs: Int64) -> Bool {
        guard policy.failuresMax > 0 else { return false }
        if windows[caller] == nil, windows.count >= callersMax { evict(nowMs: nowMs) }
        return windows[caller, default: FailedAttemptWindow(nowMs: nowMs, policy: policy)]
            .recordFailure(nowMs: nowMs, policy: policy)
    }

    private mutating func evict(nowMs: Int64) {
        let target = callersMax - max(1, callersMax / 8)
        let policy = policy
        windows = windows.filter { !$0.value.isForgettable(nowMs: nowMs, policy: policy) }
        guard windows.count > target else { return }
        var excess = windows.count - target
        for (caller, window) in windows where excess > 0 && window.pending == 0 && !window.isLockedOut(nowMs: nowMs) {
            windows[caller] = nil
            excess -= 1
        }
        for (caller, window) in windows where excess > 0 && window.pending == 0 {
            windows[caller] = nil
            excess -= 1
        }
    }
}

/// The guessing limit of one service: failed attempts per user and per player IP, decided and recorded
/// together so that it holds exactly, however attempts are pipelined or spread over connections.
///
/// Two ways to use it, both one call before and (for slots) one after judging:
/// - `admit`: the attempt was judged without side effects (a plain validate); the verdict goes out only if
///   the caller is not locked out and, for a failure, the failure fits under both limits (it is then
///   recorded in the same step). Otherwise the answer is RATE_LIMITED.
/// - `reserve` then `settle`: the attempt has effects once judged (a redeem, a reserving validate), so a slot
///   is taken before judging (refused: RATE_LIMITED, nothing judged) and given back afterwards, counted as a
///   failure or not by the verdict.
public struct GuessingLimit: Sendable {
    public private(set) var users: FailedAttemptTable<String>
    public private(set) var ips: FailedAttemptTable<String>
    /// When the latest cool-down started so far ends (`Int64.min`: none ever started). From this instant on
    /// nobody is locked out, so a caller that shares the limit across threads may answer "not locked out"
    /// without its lock once its clock reached this value (see AttemptLimiter). Only ever grows.
    public private(set) var lockoutsEndMs: Int64 = .min

    public init(userPolicy: FailedAttemptWindow.Policy, ipPolicy: FailedAttemptWindow.Policy, callersMax: Int) {
        users = FailedAttemptTable(policy: userPolicy, callersMax: callersMax)
        ips = FailedAttemptTable(policy: ipPolicy, callersMax: callersMax)
    }

    /// True while the user or their IP (empty: none) is in a cool-down.
    public func isLockedOut(userId: String, ip: String, nowMs: Int64) -> Bool {
        users.isLockedOut(userId, nowMs: nowMs) || (!ip.isEmpty && ips.isLockedOut(ip, nowMs: nowMs))
    }

    /// The verdict to answer for an attempt judged without a slot: `verdict` itself, or RATE_LIMITED.
    public mutating func admit(_ verdict: Verdict, userId: String, ip: String, nowMs: Int64) -> Verdict {
        if isLockedOut(userId: userId, ip: ip, nowMs: nowMs) { return .rateLimited }
        guard verdict.countsAsFailedAttempt else { return verdict }
        guard users.hasRoom(userId, nowMs: nowMs), ip.isEmpty || ips.hasRoom(ip, nowMs: nowMs) else {
            return .rateLimited
        }
        if users.recordFailure(userId, nowMs: nowMs) { noteLockout(users.policy, nowMs: nowMs) }
        if !ip.isEmpty, ips.recordFailure(ip, nowMs: nowMs) { noteLockout(ips.policy, nowMs: nowMs) }
        return verdict
    }

    private mutating func noteLockout(_ policy: FailedAttemptWindow.Policy, nowMs: Int64) {
        let (endMs, overflow) = nowMs.addingReportingOverflow(policy.cooldownMs)
        lockoutsEndMs = max(lockoutsEndMs, overflow ? .max : endMs)
    }

    /// Takes a slot for the user and their IP before judging; false (nothing taken) when either has no room.
    public mutating func reserve(userId: String, ip: String, nowMs: Int64) -> Bool {
        guard users.hasRoom(userId, nowMs: nowMs), ip.isEmpty || ips.hasRoom(ip, nowMs: nowMs) else { return false }
        let userTaken = users.reserve(userId, nowMs: nowMs)
        let ipTaken = ip.isEmpty || ips.reserve(ip, nowMs: nowMs)
        precondition(userTaken && ipTaken, "a slot with room must be taken")
        return true
    }

    /// Gives back the slot of a successful `reserve`; `verdict` nil when the attempt ended without one (an
    /// error, a replayed answer), which never counts.
    public mutating func settle(_ verdict: Verdict?, userId: String, ip: String, nowMs: Int64) {
        let failed = verdict?.countsAsFailedAttempt ?? false
        if users.settle(userId, failed: failed, nowMs: nowMs) { noteLockout(users.policy, nowMs: nowMs) }
        if !ip.isEmpty, ips.settle(ip, failed: failed, nowMs: nowMs) { noteLockout(ips.policy, nowMs: nowMs) }
    }
}
