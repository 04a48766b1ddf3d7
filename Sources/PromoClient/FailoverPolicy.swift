/// How far a `FailoverClient` goes to reach a server and to repeat a call after a connection failure.
/// Every limit is bounded so that a client never loops: when they run out, the last failure is reported.
public struct FailoverPolicy: Sendable {
    /// Passes over the address list one reconnection makes (each pass tries every address once, starting
    /// with the one after the address that failed) before it reports every address as unreachable.
    /// Default 2: a server restarting during the first pass is found on the second.
    public var connectRoundsMax = 2
    /// Times one call is sent in all, the first send included, when it may be repeated (see
    /// `FailoverClient.isSafeToRepeat`) and its connection keeps failing. Default 3: one server lost, a second
    /// lost while the call is re-sent, the third answers. 1 turns re-sending off (a lost call is reported,
    /// the next call still moves to the next address).
    public var sendAttemptsMax = 3
    /// The pause before the second pass over the address list, doubled before each later pass up to
    /// `backoffMaxMs`. Each pause is drawn from its upper half at random, so that clients which lost the same
    /// server do not return in step. Moving from a failed address to the next one in the same pass never
    /// waits. Default 100 ms.
    public var backoffInitialMs = 100
    /// The longest pause between two passes. Default 2,000 ms.
    public var backoffMaxMs = 2_000

    public init() {}

    /// The pause before pass `round` (0 for the first pass, which starts at once).
    func backoffMs(beforeRound round: Int) -> Int {
        guard round > 0 else { return 0 }
        let shift = min(round - 1, 20)
        let ceiling = min(backoffMaxMs, backoffInitialMs.multipliedReportingOverflow(by: 1 << shift).partialValue)
        guard ceiling > 1 else { return max(ceiling, 0) }
        return Int.random(in: (ceiling / 2)...ceiling)
    }

    /// Refuses settings that could not work.
    func validated() throws(PromoClientError) -> FailoverPolicy {
        guard connectRoundsMax >= 1, connectRoundsMax <= 100 else {
            throw PromoClientError(.invalidConfiguration, "connectRoundsMax must be 1...100 (got \(connectRoundsMax))")
        }
        guard sendAttemptsMax >= 1, sendAttemptsMax <= 100 else {
            throw PromoClientError(.invalidConfiguration, "sendAttemptsMax must be 1...100 (got \(sendAttemptsMax))")
        }
        guard backoffInitialMs >= 0, backoffMaxMs >= backoffInitialMs, backoffMaxMs <= 60_000 else {
            throw PromoClientError(
                .invalidConfiguration, "backoffInitialMs must be >= 0 and <= backoffMaxMs <= 60000 (got \(backoffInitialMs), \(backoffMaxMs))")
        }
        return self
    }
}
