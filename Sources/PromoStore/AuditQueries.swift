import PromoDomain

extension Connection {
    /// Audit entries newest first, by (at_ms, id) descending. The SQL names only the filters in use, so
    /// SQLite can pick the matching (filter, at_ms, id) index; at most 2^3 texts are prepared and cached.
    public func auditLog(_ query: AuditQuery) throws(StoreError) -> [StoredAuditEntry] {
        var conditions: [String] = ["at_ms >= ?"]
        if query.actorKeyId != nil { conditions.append("actor_key_id = ?") }
        if query.action != nil { conditions.append("action = ?") }
        if query.target != nil { conditions.append("target = ?") }
        if query.toMs != nil { conditions.append("at_ms < ?") }
        if query.before != nil { conditions.append("(at_ms, id) < (?, ?)") }
        let select = try statement(
            "SELECT id, at_ms, actor_key_id, action, target, detail FROM audit_log WHERE "
                + conditions.joined(separator: " AND ") + " ORDER BY at_ms DESC, id DESC LIMIT ?")
        var index: Int32 = 1
        func next() -> Int32 {
            defer { index += 1 }
            return index
        }
        try select.bind(next(), query.fromMs)
        if let actor = query.actorKeyId { try select.bind(next(), actor) }
        if let action = query.action { try select.bind(next(), action) }
        if let target = query.target { try select.bind(next(), target) }
        if let toMs = query.toMs { try select.bind(next(), toMs) }
        if let before = query.before {
            try select.bind(next(), before.atMs)
            try select.bind(next(), before.id)
        }
        try select.bind(next(), query.limit)
        var result: [StoredAuditEntry] = []
        while try select.step() {
            result.append(
                StoredAuditEntry(
                    id: select.int64(0),
                    entry: AuditEntry(
                        atMs: select.int64(1), actorKeyId: select.string(2), action: select.string(3),
                        target: select.string(4), detail: select.string(5))))
        }
        return result
    }
}
