import PromoDomain

// The redemption side of `PromoStorage` on SQLite, around the hot path. Reads that must see one state run in
// one read transaction on the reader pool; writes are writer jobs (the failure flush: bulk slices).

extension PromoStore: RedemptionStorage {
    public func explain(
        _ request: RedemptionRequest, now: @escaping @Sendable () -> Int64,
        isRateLimited: @escaping @Sendable (Int64) -> Bool
    ) async throws -> CheckResult {
        try await readers.read { connection in
            try connection.readTransaction {
                let nowMs = now()
                return try connection.explain(request, nowMs: nowMs, isRateLimited: isRateLimited(nowMs))
            }
        }
    }

    public func offers(
        user: UserContext, deposit: Deposit, limit: Int, now: @escaping @Sendable () -> Int64,
        isRateLimited: @escaping @Sendable (Int64) -> Bool
    ) async throws -> [OfferResult] {
        try await readers.read { connection in
            try connection.readTransaction {
                let nowMs = now()
                return try connection.offers(
                    user: user, deposit: deposit, nowMs: nowMs, limit: limit, isRateLimited: isRateLimited(nowMs))
            }
        }
    }

    public func grant(
        _ command: GrantCommand, now: @escaping @Sendable () -> Int64,
        audit: @escaping @Sendable (GrantResult, Int64) -> AuditEntry
    ) async throws -> GrantResult {
        try await writer.submit { connection in
            var command = command
            command.nowMs = now()
            let result = try connection.grant(command)
            if !result.replayed { try connection.appendAudit(audit(result, command.nowMs)) }
            return result
        }
    }

    public func voidRedemption(
        id: String, reason: String, now: @escaping @Sendable () -> Int64,
        audit: @escaping @Sendable (Redemption, Int64) -> AuditEntry
    ) async throws -> Redemption {
        try await writer.submit { connection in
            let nowMs = now()
            let voided = try connection.voidRedemption(id: id, reason: reason, nowMs: nowMs)
            try connection.appendAudit(audit(voided, nowMs))
            return voided
        }
    }

    public func redemptions(userId: String, after cursor: RedemptionCursor?, limit: Int) async throws -> [Redemption] {
        try await readers.read { connection in try connection.redemptions(userId: userId, after: cursor, limit: limit) }
    }

    public func recordFailures(_ events: [FailureEvent], sliceRows: Int) async throws {
        let sliceRows = max(1, sliceRows)
        let slices: [@Sendable (Connection) throws -> Void] = stride(from: 0, to: events.count, by: sliceRows).map { start in
            let range = start..<min(events.count, start + sliceRows)
            return { connection in try connection.recordFailures(Array(events[range])) }
        }
        _ = try await writer.submitSlices(slices)
    }
}
