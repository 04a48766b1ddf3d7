import PromoDomain

/// The whole storage protocol: the back-office areas, the redemption side and the hot path (each in its own
/// file), and the lifecycle. What the server's store opener returns for a `databaseUrl`.
extension PostgresStore: PromoStorage {}
