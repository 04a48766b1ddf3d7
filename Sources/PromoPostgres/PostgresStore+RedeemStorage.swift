import PromoDomain

// The hot path's calls (`RedeemStorage`) on PostgreSQL: PostgresStore+Judge.swift does the work; this is the seam's face
// of it. Every plain validate reads the database (a remote store has no in-process view), and the guessing limit
// is the database's: exact across every server sharing it.

extension PostgresStore: RedeemStorage {
    /// Lock-outs this process has seen in the database (its own callers' and other servers'): a cheap early
    /// refusal only; the binding one is taken under the caller's keys in `validate`, `reserve` and `redeem`.
    public func isLockedOut(_ user: UserContext, nowMs: Int64) -> Bool {
        hotPath.lockouts.isLockedOut(user, nowMs: nowMs)
    }

    public var inProcessValidation: (any InProcessValidation)? { nil }

    public func validate(_ request: RedemptionRequest, now: @escaping @Sendable () -> Int64) async throws
        -> Admission<CheckResult>
    {
        do {
            let nowMs = now()
            // A lock-out this server has seen: refused without a read (the database would say the same).
            if hotPath.lockouts.isLockedOut(request.user, nowMs: nowMs) { return .rateLimited }
            let (result, lockedOut) = try await checkJudged(request, nowMs: nowMs)
            if lockedOut { return .rateLimited }
            let verdict = try await admitJudged(result.outcome.verdict, for: request.user, now: now)
            return verdict == .rateLimited ? .rateLimited : .admitted(result)
        } catch {
            throw PostgresErrorMapping.map(error)
        }
    }

    public func reserve(
        _ request: RedemptionRequest, reservationId: String, holdMs: Int64, now: @escaping @Sendable () -> Int64,
        completion: @escaping @Sendable (Result<Admission<Reservation>, any Error>) -> Void
    ) {
        Task {
            do {
                let held = try await self.reserveJudged(request, reservationId: reservationId, reserveMs: holdMs, now: now)
                completion(.success(held.map { .admitted(Reservation(check: $0.result, heldUntilMs: $0.untilMs)) } ?? .rateLimited))
            } catch {
                completion(.failure(PostgresErrorMapping.map(error)))
            }
        }
    }

    public func redeem(
        _ command: RedeemCommand, now: @escaping @Sendable () -> Int64,
        completion: @escaping @Sendable (Result<Admission<RedeemResult>, any Error>) -> Void
    ) {
        Task {
            do {
                let result = try await self.redeemJudged(command, now: now)
                completion(.success(result.map { .admitted($0) } ?? .rateLimited))
            } catch {
                completion(.failure(PostgresErrorMapping.map(error)))
            }
        }
    }
}
