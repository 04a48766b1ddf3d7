import PromoDomain

/// Every area of the storage protocol, on PostgreSQL: what the server's store opener returns for a `databaseUrl`.
extension PostgresStore: PromoStorage {}
