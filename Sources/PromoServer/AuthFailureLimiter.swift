import PromoDomain
import PromoStore

/// Failed authentications per peer IP, shared by every door: a wrong key in a `hello` on the protocol port and
/// a wrong `Authorization: Bearer` key on the console's HTTP port count against the same limit.
///
/// Past `authFailuresPerIpMax` failures within `rateLimitWindowMs`, every authentication from that address is
/// refused with RESOURCE_EXHAUSTED for `rateLimitCooldownMs`, whatever key it presents, so keys cannot be
/// guessed by opening connection after connection (the per-connection `helloAttemptsMax` alone does not stop
/// that). The table is bounded by `rateLimitTrackedCallersMax` like the guessing limit's.
final class AuthFailureLimiter: Sendable {
    private let table: LockedValue<FailedAttemptTable<String>>

    init(configuration: ServerConfiguration) {
        table = LockedValue(
            FailedAttemptTable(
                policy: FailedAttemptWindow.Policy(
                    failuresMax: configuration.authFailuresPerIpMax, windowMs: Int64(configuration.rateLimitWindowMs),
                    cooldownMs: Int64(configuration.rateLimitCooldownMs)),
                callersMax: configuration.rateLimitTrackedCallersMax))
    }

    /// Authenticates `attempt` for `peerIP` unless that address is in a cool-down; a nil answer from `attempt`
    /// is a failure and counts. Decided and recorded under one lock, so concurrent guesses cannot overshoot.
    func authenticate(peerIP: String, nowMs: Int64, _ attempt: () -> Caller?) throws(ServerError) -> Caller {
        let outcome: Caller?? = table.withLock { table in
            if table.isLockedOut(peerIP, nowMs: nowMs) { return .none }
            let caller = attempt()
            if caller == nil { _ = table.recordFailure(peerIP, nowMs: nowMs) }
            return .some(caller)
        }
        switch outcome {
        case .none:
            throw ServerError(.resourceExhausted, "too many failed authentications from this address; retry later")
        case .some(.none):
            throw ServerError(.unauthenticated, "unknown or revoked API key")
        case .some(.some(let caller)):
            return caller
        }
    }
}
