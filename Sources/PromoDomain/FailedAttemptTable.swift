/// The failed-attempt windows of many callers of one kind (users, or IPs), in bounded memory.
///
/// At most `callersMax` callers are tracked. When the table is full it first forgets every caller with
/// nothing worth keeping; if that frees too little (a flood of distinct callers), it forgets callers that
/// are not locked out, and only then locked-out ones, so an attacker spraying new identities cannot push an
/// active lock-out out of the table cheaply. Eviction sweeps the whole table, but at most once per
/// `callersMax / 8` new callers, so its cost per attempt stays constant.
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
        for (caller, window) in windows where excess > 0 && !window.isLockedOut(nowMs: nowMs) {
            windows[caller] = nil
            excess -= 1
        }
        for caller in windows.keys where excess > 0 {
            windows[caller] = nil
            excess -= 1
        }
    }
}
