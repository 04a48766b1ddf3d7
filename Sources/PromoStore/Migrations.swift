/// The schema, as an append-only list of steps. `PRAGMA user_version` records how many have run.
///
/// Never edit a step that has shipped: add a new one. Each step runs in its own transaction, so a crash
/// mid-upgrade leaves the file at the previous version.
enum Migrations {
    static let steps: [String] = [
        // 1: API keys and the audit trail.
        """
        CREATE TABLE api_keys (
            id             TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
            name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            role           TEXT NOT NULL CHECK (role IN ('redeemer', 'issuer', 'analyst', 'manager', 'admin')),
            secret_sha256  BLOB NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
            created_at_ms  INTEGER NOT NULL,
            revoked_at_ms  INTEGER
        ) STRICT;
        CREATE TABLE api_key_campaigns (
            key_id       TEXT NOT NULL REFERENCES api_keys(id),
            campaign_id  TEXT NOT NULL,
            PRIMARY KEY (key_id, campaign_id)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE audit_log (
            id            INTEGER PRIMARY KEY,
            at_ms         INTEGER NOT NULL,
            actor_key_id  TEXT NOT NULL,
            action        TEXT NOT NULL,
            target        TEXT NOT NULL,
            detail        TEXT NOT NULL
        ) STRICT;
        CREATE INDEX audit_log_by_time ON audit_log(at_ms);
        """,
    ]

    static var latestVersion: Int { steps.count }

    static func migrate(_ connection: Connection) throws(StoreError) {
        let current = try version(of: connection)
        guard current <= latestVersion else {
            throw StoreError(.unusable, "database schema version \(current) is newer than this build's \(latestVersion)")
        }
        for (index, step) in steps.enumerated() where index >= current {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try connection.execute(step)
                try connection.execute("PRAGMA user_version = \(index + 1)")
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    static func version(of connection: Connection) throws(StoreError) -> Int {
        try connection.statement("PRAGMA user_version").firstRow { $0.int(0) } ?? 0
    }
}
