import PromoDomain
import PromoSync

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
    /// is a failure and counts. The key check itself (a SHA-256 and a registry look-up) runs outside the lock,
    /// so hellos on different event loops do not queue behind each other: a guesser with N attempts in flight
    /// at the moment the limit is reached may get N - 1 more answered UNAUTHENTICATED before the cool-down
    /// refuses the rest. With 256-bit keys that changes nothing an attacker could use.
    func authenticate(peerIP: String, nowMs: Int64, _ attempt: () -> Caller?) throws(ServerError) -> Caller {
        if table.withLock({ $0.isLockedOut(peerIP, nowMs: nowMs) }) {
            throw ServerError(.resourceExhausted, "too many failed authentications from this address; retry later")
        }
        guard let caller = attempt() else {
            table.withLock { _ = $0.recordFailure(peerIP, nowMs: nowMs) }
            throw ServerError(.unauthenticated, "unknown or revoked API key")
        }
        return caller
    }
}
