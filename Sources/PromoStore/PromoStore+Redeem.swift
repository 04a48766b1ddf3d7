import PromoDomain

// `RedeemStorage` on SQLite: the hot path. Reserving validates and redeems are interactive writer jobs that
// hold the guessing limit's slot around their judgement (`AttemptLimiter`, one lock, in this process) and
// complete their caller from the writer's thread after the durable commit: no task, no extra hop. Plain
// validates are answered in process (`LocalValidation`); `validate` is the path for callers without a loop
// reader, on the reader pool.

extension PromoStore: RedeemStorage {
    public func isLockedOut(_ user: UserContext, nowMs: Int64) -> Bool {
        attempts.isLockedOut(user, nowMs: nowMs)
    }

    public var inProcessValidation: (any InProcessValidation)? { localValidation }

    public func validate(_ request: RedemptionRequest, now: @escaping @Sendable () -> Int64) async throws
        -> Admission<CheckResult>
    {
        let attempts = attempts
        let nowMs = now()
        if let result = validateView?.check(request, nowMs: nowMs) {
            return Self.admitted(result, attempts.admit(result.outcome.verdict, for: request.user, nowMs: nowMs))
        }
        return try await readers.read { connection in
            try connection.readTransaction {
                let nowMs = now()
                let result = try connection.check(request, nowMs: nowMs)
                return Self.admitted(result, attempts.admit(result.outcome.verdict, for: request.user, nowMs: nowMs))
            }
        }
    }

    public func reserve(
        _ request: RedemptionRequest, reservationId: String, holdMs: Int64, now: @escaping @Sendable () -> Int64,
        completion: @escaping @Sendable (Result<Admission<Reservation>, any Error>) -> Void
    ) {
        let attempts = attempts
        writer.submit({ connection -> Admission<Reservation> in
            let nowMs = now()
            let (untilMs, overflow) = nowMs.addingReportingOverflow(holdMs)
            let judged = try attempts.withSlot(
                for: request.user, nowMs: nowMs, now: now, verdictOf: { $0.outcome.verdict }
            ) {
                try connection.reserve(request, reservationId: reservationId, untilMs: overflow ? .max : untilMs, nowMs: nowMs)
            }
            guard let result = judged else { return .rateLimited }
            if result.outcome.verdict != .ok, let campaign = result.campaign {
                // Already in the writer: counted in this transaction rather than through the server's buffer.
                try connection.recordFailures([
                    FailureEvent(
                        campaignId: campaign.id, verdict: result.outcome.verdict, atMs: nowMs, ip: request.user.ip,
                        deviceId: request.user.deviceId, userId: request.user.userId)
                ])
            }
            return .admitted(Reservation(check: result, heldUntilMs: overflow ? .max : untilMs))
        }, completion: completion)
    }

    public func redeem(
        _ command: RedeemCommand, now: @escaping @Sendable () -> Int64,
        completion: @escaping @Sendable (Result<Admission<RedeemResult>, any Error>) -> Void
    ) {
        let attempts = attempts
        writer.submit({ connection -> Admission<RedeemResult> in
            var command = command
            command.nowMs = now()
            // A replay repeats an earlier judgement rather than making a new one, so it never counts.
            let judged = try attempts.withSlot(
                for: command.request.user, nowMs: command.nowMs, now: now, verdictOf: { $0.replayed ? nil : $0.verdict }
            ) { try connection.redeem(command) }
            return judged.map { .admitted($0) } ?? .rateLimited
        }, completion: completion)
    }

    private static func admitted(_ result: CheckResult, _ verdict: Verdict) -> Admission<CheckResult> {
        verdict == .rateLimited ? .rateLimited : .admitted(result)
    }
}
