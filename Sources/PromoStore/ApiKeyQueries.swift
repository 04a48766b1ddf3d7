import PromoDomain
/// SQL for API keys and the audit trail, on whichever connection the caller owns.
extension Connection {
    public func insertApiKey(_ key: ApiKeyRecord) throws(StoreError) {
        let insert = try statement(
            "INSERT INTO api_keys (id, name, role, secret_sha256, created_at_ms, revoked_at_ms) VALUES (?, ?, ?, ?, ?, ?)")
        try insert.bind(1, key.id)
        try insert.bind(2, key.name)
        try insert.bind(3, key.role)
        try insert.bind(4, bytes: key.secretSHA256)
        try insert.bind(5, key.createdAtMs)
        try insert.bind(6, key.revokedAtMs)
        try insert.run()
        let link = try statement("INSERT INTO api_key_campaigns (key_id, campaign_id) VALUES (?, ?)")
        for campaignId in key.campaignIds {
            try link.bind(1, key.id)
            try link.bind(2, campaignId)
            try link.run()
            link.reset()
        }
    }

    /// Marks a key revoked; false when no unrevoked key has that id.
    public func revokeApiKey(id: String, atMs: Int64) throws(StoreError) -> Bool {
        let update = try statement("UPDATE api_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL")
        try update.bind(1, atMs)
        try update.bind(2, id)
        try update.run()
        return changes == 1
    }

    public func apiKeys() throws(StoreError) -> [ApiKeyRecord] {
        var campaignsByKey: [String: [String]] = [:]
        let links = try statement("SELECT key_id, campaign_id FROM api_key_campaigns ORDER BY key_id, campaign_id")
        while try links.step() { campaignsByKey[links.string(0), default: []].append(links.string(1)) }

        let keys = try statement(
            "SELECT id, name, role, secret_sha256, created_at_ms, revoked_at_ms FROM api_keys ORDER BY created_at_ms, id")
        var result: [ApiKeyRecord] = []
        while try keys.step() {
            let id = keys.string(0)
            result.append(
                ApiKeyRecord(
                    id: id, name: keys.string(1), role: keys.string(2), secretSHA256: keys.bytes(3),
                    campaignIds: campaignsByKey[id] ?? [], createdAtMs: keys.int64(4),
                    revokedAtMs: keys.optionalInt64(5)))
        }
        return result
    }

    public func appendAudit(_ entry: AuditEntry) throws(StoreError) {
        let insert = try statement(
            "INSERT INTO audit_log (at_ms, actor_key_id, action, target, detail) VALUES (?, ?, ?, ?, ?)")
        try insert.bind(1, entry.atMs)
        try insert.bind(2, entry.actorKeyId)
        try insert.bind(3, entry.action)
        try insert.bind(4, entry.target)
        try insert.bind(5, entry.detail)
        try insert.run()
    }

    public func auditEntries(limit: Int) throws(StoreError) -> [AuditEntry] {
        let select = try statement(
            "SELECT at_ms, actor_key_id, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?")
        try select.bind(1, limit)
        var result: [AuditEntry] = []
        while try select.step() {
            result.append(
                AuditEntry(
                    atMs: select.int64(0), actorKeyId: select.string(1), action: select.string(2),
                    target: select.string(3), detail: select.string(4)))
        }
        return result
    }
}
