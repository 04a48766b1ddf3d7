import PostgresNIO
import PromoDomain

extension PostgresStore: AuditStorage {
    public func appendAudit(_ entry: AuditEntry) async throws {
        try await transaction { connection in try await self.appendAudit(entry, on: connection) }
    }

    /// Newest first by (at_ms, id). The SQL names only the filters in use, so that the planner can take the
    /// matching (filter, at_ms, id) index and read one range of it.
    public func auditLog(_ query: AuditQuery) async throws -> [StoredAuditEntry] {
        var bindings = PostgresBindings()
        var conditions: [String] = []
        bindings.append(query.fromMs)
        conditions.append("at_ms >= $\(bindings.count)")
        if let actor = query.actorKeyId {
            bindings.append(actor)
            conditions.append("actor_key_id = $\(bindings.count)")
        }
        if let action = query.action {
            bindings.append(action)
            conditions.append("action = $\(bindings.count)")
        }
        if let target = query.target {
            bindings.append(target)
            conditions.append("target = $\(bindings.count)")
        }
        if let toMs = query.toMs {
            bindings.append(toMs)
            conditions.append("at_ms < $\(bindings.count)")
        }
        if let before = query.before {
            bindings.append(before.atMs)
            bindings.append(before.id)
            conditions.append("(at_ms, id) < ($\(bindings.count - 1), $\(bindings.count))")
        }
        bindings.append(Int64(query.limit))
        let sql = """
            SELECT id, at_ms, actor_key_id, action, target, detail FROM audit_log
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY at_ms DESC, id DESC LIMIT $\(bindings.count)
            """
        let select = PostgresQuery(unsafeSQL: sql, binds: bindings)
        return try await transaction(.repeatableReadOnly) { connection in
            try await connection.rows(select, logger: self.logger) { row in
                StoredAuditEntry(
                    id: try row.int64(0),
                    entry: AuditEntry(
                        atMs: try row.int64(1), actorKeyId: try row.string(2), action: try row.string(3),
                        target: try row.string(4), detail: try row.string(5)))
            }
        }
    }

    func appendAudit(_ entry: AuditEntry, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            INSERT INTO audit_log (at_ms, actor_key_id, action, target, detail)
            VALUES (\(entry.atMs), \(entry.actorKeyId), \(entry.action), \(entry.target), \(entry.detail))
            """, logger: logger)
    }
}
