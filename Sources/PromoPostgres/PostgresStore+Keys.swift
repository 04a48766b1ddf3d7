import NIOCore
import PostgresNIO
import PromoDomain

extension PostgresStore: ApiKeyStorage {
    public func apiKeys() async throws -> [ApiKeyRecord] {
        try await transaction(.repeatableReadOnly) { connection in
            var campaignsByKey: [String: [String]] = [:]
            for (keyId, campaignId) in try await connection.rows(
                "SELECT key_id, campaign_id FROM api_key_campaigns ORDER BY key_id, campaign_id", logger: self.logger,
                { (try $0.string(0), try $0.string(1)) })
            {
                campaignsByKey[keyId, default: []].append(campaignId)
            }
            return try await connection.rows(
                "SELECT id, name, role, secret_sha256, created_at_ms, revoked_at_ms FROM api_keys ORDER BY created_at_ms, id",
                logger: self.logger
            ) { row in
                let id = try row.string(0)
                return ApiKeyRecord(
                    id: id, name: try row.string(1), role: try row.string(2), secretSHA256: try row.bytes(3),
                    campaignIds: campaignsByKey[id] ?? [], createdAtMs: try row.int64(4), revokedAtMs: try row.optionalInt64(5))
            }
        }
    }

    public func insertApiKey(_ record: ApiKeyRecord, audit: AuditEntry) async throws {
        try await transaction { connection in
            // A unique violation (id or digest taken) aborts the transaction and surfaces as `constraint`.
            try await connection.execute(
                """
                INSERT INTO api_keys (id, name, role, secret_sha256, created_at_ms, revoked_at_ms)
                VALUES (\(record.id), \(record.name), \(record.role), \(ByteBuffer(bytes: record.secretSHA256)),
                    \(record.createdAtMs), \(record.revokedAtMs))
                """, logger: self.logger)
            if !record.campaignIds.isEmpty {
                try await connection.execute(
                    """
                    INSERT INTO api_key_campaigns (key_id, campaign_id)
                    SELECT \(record.id), unnest(\(record.campaignIds)::text[])
                    """, logger: self.logger)
            }
            try await self.appendAudit(audit, on: connection)
        }
    }

    public func revokeApiKey(id: String, atMs: Int64, audit: AuditEntry) async throws {
        try await transaction { connection in
            let revoked = try await connection.countRows(
                "UPDATE api_keys SET revoked_at_ms = \(atMs) WHERE id = \(id) AND revoked_at_ms IS NULL RETURNING 1",
                logger: self.logger
            )
            guard revoked > 0 else { throw StoreError(.notFound, "no active API key \(id)") }
            try await self.appendAudit(audit, on: connection)
        }
    }
}
