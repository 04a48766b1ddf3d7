import Logging
import PostgresNIO

extension PostgresStore {
    /// One transaction on one pooled connection, for a bulk load that is no request's business
    /// (`promo-server migrate`, PromoMigrate): `body` locks what it needs and streams rows with `COPY … FROM
    /// STDIN`. Committed when `body` returns, rolled back when it throws, and never run again by itself: a
    /// load that PostgreSQL aborted is the operator's to re-run (the target is left as it was).
    /// PostgreSQL's errors come back as `StoreError`s; errors `body` throws pass unchanged.
    public func bulkLoadTransaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        do {
            return try await withConnection { connection in
                try await connection.query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: self.logger)
                do {
                    let result = try await body(connection, self.logger)
                    try await connection.query("COMMIT", logger: self.logger)
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: self.logger)
                    throw error
                }
            }
        } catch {
            throw PostgresErrorMapping.map(error)
        }
    }
}
