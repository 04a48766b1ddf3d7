import PromoDomain

extension Connection {
    /// Deletes at most `limit` idempotency records created before `idempotencyBeforeMs` and at most `limit`
    /// unused reservations that expired before `reservationsBeforeMs`, oldest first. A redeem replayed after
    /// its record is gone is a new request.
    /// Covered for the validate view: idempotency records are not among its inputs, and a reservation that
    /// expired is held by none (the view's held-until bound can only fall).
    public func purgeExpired(idempotencyBeforeMs: Int64, reservationsBeforeMs: Int64, limit: Int) throws(StoreError)
        -> PurgeResult
    {
        try coveringViewChanges { () throws(StoreError) in
            try purgeExpiredRows(
                idempotencyBeforeMs: idempotencyBeforeMs, reservationsBeforeMs: reservationsBeforeMs, limit: limit)
        }
    }

    private func purgeExpiredRows(idempotencyBeforeMs: Int64, reservationsBeforeMs: Int64, limit: Int)
        throws(StoreError) -> PurgeResult
    {
        let idempotency = try statement(
            """
            DELETE FROM idempotency WHERE (api_key_id, key) IN (
                SELECT api_key_id, key FROM idempotency INDEXED BY idempotency_by_age
                WHERE created_at_ms < ?1 ORDER BY created_at_ms LIMIT ?2)
            """)
        try idempotency.bind(1, idempotencyBeforeMs)
        try idempotency.bind(2, limit)
        try idempotency.run()
        let records = changes
        let reservations = try statement(
            """
            DELETE FROM reservations WHERE id IN (
                SELECT id FROM reservations INDEXED BY reservations_held_by_expiry
                WHERE redemption_id IS NULL AND expires_at_ms < ?1 ORDER BY expires_at_ms LIMIT ?2)
            """)
        try reservations.bind(1, reservationsBeforeMs)
        try reservations.bind(2, limit)
        try reservations.run()
        return PurgeResult(idempotencyRecords: records, reservations: changes)
    }
}
