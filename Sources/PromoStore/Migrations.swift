import PromoDomain
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
        // 2: campaigns, codes, redemptions, reservations, idempotency. The maintained counters carry CHECKs
        // so that no bug above the schema can push a count past its limit: the commit would fail instead.
        """
        CREATE TABLE campaigns (
            number               INTEGER PRIMARY KEY,  -- compact reference for codes; `id` is the public one
            id                   TEXT NOT NULL UNIQUE,
            name                 TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            kind                 TEXT NOT NULL,
            reward_kind          TEXT NOT NULL,
            reward_amount        INTEGER NOT NULL CHECK (reward_amount >= 0),
            reward_currency      TEXT NOT NULL,
            reward_percent       INTEGER NOT NULL CHECK (reward_percent >= 0),
            reward_cap_minor     INTEGER NOT NULL CHECK (reward_cap_minor >= 0),
            reward_game_id       TEXT NOT NULL,
            starts_at_ms         INTEGER NOT NULL,
            expires_at_ms        INTEGER NOT NULL,
            active               INTEGER NOT NULL CHECK (active IN (0, 1)),
            max_redemptions      INTEGER NOT NULL CHECK (max_redemptions >= 0),
            max_per_user         INTEGER NOT NULL CHECK (max_per_user >= 0),
            segments             TEXT NOT NULL,
            new_users_only       INTEGER NOT NULL CHECK (new_users_only IN (0, 1)),
            new_user_window_ms   INTEGER NOT NULL,
            min_deposit_minor    INTEGER NOT NULL,
            countries            TEXT NOT NULL,
            min_vip_level        INTEGER NOT NULL,
            source               TEXT NOT NULL,
            created_at_ms        INTEGER NOT NULL,
            redemptions          INTEGER NOT NULL DEFAULT 0,
            unique_users         INTEGER NOT NULL DEFAULT 0,
            CHECK (redemptions >= 0 AND (max_redemptions = 0 OR redemptions <= max_redemptions)),
            CHECK (unique_users >= 0 AND unique_users <= redemptions)
        ) STRICT;
        CREATE INDEX campaigns_by_creation ON campaigns(created_at_ms, id);

        -- A rowid table: bulk-generated codes append in rowid order, so only the key index takes random
        -- inserts (a WITHOUT ROWID table keyed by the random code made every batch rewrite the whole tree).
        -- Campaign and batch are integer references: a million codes repeat them in every row and index
        -- entry, and each 28-byte text id there cost about half a second per million generated codes.
        CREATE TABLE codes (
            id             INTEGER PRIMARY KEY,
            key            TEXT NOT NULL UNIQUE,
            display        TEXT NOT NULL,
            campaign       INTEGER NOT NULL REFERENCES campaigns(number),
            max_uses       INTEGER NOT NULL CHECK (max_uses >= 0),
            uses           INTEGER NOT NULL DEFAULT 0,
            active         INTEGER NOT NULL CHECK (active IN (0, 1)),
            owner_id       TEXT,
            batch          INTEGER REFERENCES code_batches(number),
            created_at_ms  INTEGER NOT NULL,
            CHECK (uses >= 0 AND (max_uses = 0 OR uses <= max_uses))
        ) STRICT;
        CREATE INDEX codes_by_campaign ON codes(campaign, id);

        -- One row per (campaign, user) that ever redeemed; max_per_user is copied at each increment so that
        -- the CHECK enforces the limit that was in force when the row last grew.
        CREATE TABLE user_redemptions (
            campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
            user_id       TEXT NOT NULL,
            redemptions   INTEGER NOT NULL,
            max_per_user  INTEGER NOT NULL,
            PRIMARY KEY (campaign_id, user_id),
            CHECK (redemptions >= 0 AND (max_per_user = 0 OR redemptions <= max_per_user))
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE redemptions (
            id               TEXT PRIMARY KEY,
            campaign_id      TEXT NOT NULL REFERENCES campaigns(id),
            code_key         TEXT NOT NULL REFERENCES codes(key),
            code_display     TEXT NOT NULL,
            user_id          TEXT NOT NULL,
            ip               TEXT NOT NULL,
            device_id        TEXT NOT NULL,
            source           TEXT NOT NULL,
            deposit_minor    INTEGER NOT NULL,
            deposit_currency TEXT NOT NULL,
            reward_kind      TEXT NOT NULL,
            reward_amount    INTEGER NOT NULL,
            reward_currency  TEXT NOT NULL,
            reward_percent   INTEGER NOT NULL,
            reward_cap_minor INTEGER NOT NULL,
            reward_game_id   TEXT NOT NULL,
            redeemed_at_ms   INTEGER NOT NULL,
            voided_at_ms     INTEGER,
            void_reason      TEXT,
            CHECK ((voided_at_ms IS NULL) = (void_reason IS NULL))
        ) STRICT;
        CREATE INDEX redemptions_by_user ON redemptions(user_id, redeemed_at_ms DESC, id DESC);
        CREATE INDEX redemptions_by_campaign ON redemptions(campaign_id, redeemed_at_ms);

        CREATE TABLE reservations (
            id             TEXT PRIMARY KEY,
            campaign_id    TEXT NOT NULL REFERENCES campaigns(id),
            code_key       TEXT NOT NULL REFERENCES codes(key),
            user_id        TEXT NOT NULL,
            expires_at_ms  INTEGER NOT NULL,
            redemption_id  TEXT REFERENCES redemptions(id)
        ) STRICT;
        CREATE INDEX reservations_held_by_campaign ON reservations(campaign_id, expires_at_ms) WHERE redemption_id IS NULL;
        CREATE INDEX reservations_held_by_code ON reservations(code_key, expires_at_ms) WHERE redemption_id IS NULL;
        CREATE INDEX reservations_held_by_user ON reservations(campaign_id, user_id, expires_at_ms) WHERE redemption_id IS NULL;
        CREATE INDEX reservations_held_by_expiry ON reservations(expires_at_ms) WHERE redemption_id IS NULL;

        -- The first answer to each (API key, idempotency key): replays return it, mismatches are refused.
        CREATE TABLE idempotency (
            api_key_id     TEXT NOT NULL,
            key            TEXT NOT NULL,
            fingerprint    TEXT NOT NULL,
            verdict        TEXT NOT NULL,
            campaign_id    TEXT NOT NULL,
            redemption_id  TEXT REFERENCES redemptions(id),
            created_at_ms  INTEGER NOT NULL,
            PRIMARY KEY (api_key_id, key)
        ) STRICT, WITHOUT ROWID;
        """,
        // 3: code batches (generated, imported, personal) and the rules that make bulk issue safe to retry.
        """
        CREATE TABLE code_batches (
            number           INTEGER PRIMARY KEY,
            id               TEXT NOT NULL UNIQUE,
            campaign_id      TEXT NOT NULL REFERENCES campaigns(id),
            kind             TEXT NOT NULL CHECK (kind IN ('generated', 'imported', 'personal')),
            template         TEXT NOT NULL,
            requested        INTEGER NOT NULL CHECK (requested >= 0),
            created          INTEGER NOT NULL DEFAULT 0,
            max_uses         INTEGER NOT NULL CHECK (max_uses >= 0),
            owner_id         TEXT,
            api_key_id       TEXT NOT NULL,
            idempotency_key  TEXT,
            created_at_ms    INTEGER NOT NULL,
            CHECK (created >= 0 AND created <= requested)
        ) STRICT;
        CREATE UNIQUE INDEX code_batches_by_idempotency ON code_batches(api_key_id, idempotency_key)
            WHERE idempotency_key IS NOT NULL;
        CREATE INDEX code_batches_by_template ON code_batches(template);
        -- A personal code is one per (campaign, owner), whether generated or imported.
        CREATE UNIQUE INDEX codes_one_per_owner ON codes(campaign, owner_id) WHERE owner_id IS NOT NULL;
        CREATE INDEX codes_by_batch ON codes(batch, id) WHERE batch IS NOT NULL;
        """,
        // 4: report totals, maintained in the same transaction as each redemption, void and failure, so a
        // report reads a few hundred rows whatever the campaign's size. Hours are UTC hour starts in ms.
        """
        ALTER TABLE campaigns ADD COLUMN codes_issued INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE campaigns ADD COLUMN codes_redeemed INTEGER NOT NULL DEFAULT 0;
        UPDATE campaigns SET
            codes_issued = (SELECT count(*) FROM codes WHERE codes.campaign = campaigns.number),
            codes_redeemed = (SELECT count(*) FROM codes WHERE codes.campaign = campaigns.number AND uses > 0);

        -- Redemptions and voids count in the hour of the redemption; rewards and new users likewise.
        CREATE TABLE campaign_hours (
            campaign_id     TEXT NOT NULL REFERENCES campaigns(id),
            hour_ms         INTEGER NOT NULL,
            redemptions     INTEGER NOT NULL DEFAULT 0 CHECK (redemptions >= 0),
            voided          INTEGER NOT NULL DEFAULT 0 CHECK (voided >= 0 AND voided <= redemptions),
            new_users       INTEGER NOT NULL DEFAULT 0 CHECK (new_users >= 0),
            free_spins      INTEGER NOT NULL DEFAULT 0 CHECK (free_spins >= 0),
            loyalty_points  INTEGER NOT NULL DEFAULT 0 CHECK (loyalty_points >= 0),
            PRIMARY KEY (campaign_id, hour_ms)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE campaign_money_hours (
            campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
            hour_ms       INTEGER NOT NULL,
            currency      TEXT NOT NULL,
            amount_minor  INTEGER NOT NULL CHECK (amount_minor >= 0),
            PRIMARY KEY (campaign_id, hour_ms, currency)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE campaign_failure_hours (
            campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
            hour_ms      INTEGER NOT NULL,
            verdict      TEXT NOT NULL,
            failures     INTEGER NOT NULL CHECK (failures >= 0),
            PRIMARY KEY (campaign_id, hour_ms, verdict)
        ) STRICT, WITHOUT ROWID;
        -- Standing redemptions and failed attempts per source, owner, ip, device and user: by hour for
        -- ranges, and all-time with count indexes so the whole-campaign top lists are index scans.
        CREATE TABLE campaign_dimension_hours (
            campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
            dimension    TEXT NOT NULL CHECK (dimension IN ('source', 'owner', 'ip', 'device', 'user')),
            key          TEXT NOT NULL,
            hour_ms      INTEGER NOT NULL,
            redemptions  INTEGER NOT NULL DEFAULT 0 CHECK (redemptions >= 0),
            failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
            PRIMARY KEY (campaign_id, dimension, hour_ms, key)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE campaign_dimensions (
            campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
            dimension    TEXT NOT NULL,
            key          TEXT NOT NULL,
            redemptions  INTEGER NOT NULL DEFAULT 0 CHECK (redemptions >= 0),
            failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
            PRIMARY KEY (campaign_id, dimension, key)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX campaign_dimensions_by_redemptions ON campaign_dimensions(campaign_id, dimension, redemptions DESC);
        CREATE INDEX campaign_dimensions_by_failures ON campaign_dimensions(campaign_id, dimension, failures DESC);
        -- Distinct users of a time range, read from the index alone (voided_at_ms is in it so that the
        -- standing filter needs no table lookup).
        CREATE INDEX redemptions_standing_by_time ON redemptions(campaign_id, redeemed_at_ms, user_id, voided_at_ms);
        ALTER TABLE user_redemptions ADD COLUMN first_at_ms INTEGER NOT NULL DEFAULT 0;
        UPDATE user_redemptions SET first_at_ms = coalesce((SELECT min(redeemed_at_ms) FROM redemptions r
            WHERE r.campaign_id = user_redemptions.campaign_id AND r.user_id = user_redemptions.user_id
              AND r.voided_at_ms IS NULL), 0);
        \(ReportTotals.step4RebuildSQL)
        """,
        // 5: the audit_log reader filters by actor, action or target and pages newest first by (at_ms, id):
        // each filter gets an index in that order, so a filtered page is an index range, never a sort.
        """
        CREATE INDEX audit_log_by_actor ON audit_log(actor_key_id, at_ms, id);
        CREATE INDEX audit_log_by_action ON audit_log(action, at_ms, id);
        CREATE INDEX audit_log_by_target ON audit_log(target, at_ms, id);
        """,
        // 6: the user dimension keeps failures only. A user's standing redemptions are already in
        // user_redemptions (checked against the raw rows), so redeem and void stop writing them a second time;
        // the whole-campaign top users read them through this index in order, ranges count the raw rows.
        """
        CREATE INDEX user_redemptions_by_count ON user_redemptions(campaign_id, redemptions DESC, user_id);
        DELETE FROM campaign_dimension_hours WHERE dimension = 'user' AND failures = 0;
        UPDATE campaign_dimension_hours SET redemptions = 0 WHERE dimension = 'user' AND redemptions <> 0;
        DELETE FROM campaign_dimensions WHERE dimension = 'user' AND failures = 0;
        UPDATE campaign_dimensions SET redemptions = 0 WHERE dimension = 'user' AND redemptions <> 0;
        """,
        // 7: indexes for work the single writer does. Discarding a generate batch asks, per code, whether any
        // redemption names it, and deleting a code makes SQLite check both foreign keys that point at it:
        // without these, codes × (redemptions + reservations) while every redeem waits. The background purge
        // takes the oldest idempotency records first.
        """
        CREATE INDEX redemptions_by_code ON redemptions(code_key);
        CREATE INDEX reservations_by_code ON reservations(code_key);
        CREATE INDEX idempotency_by_age ON idempotency(created_at_ms);
        """,
    ]

    /// Steps numbered by hand, for a step written while an earlier number was still being written on another
    /// branch. `steps` holds versions 1...steps.count in order; these come after it, each at its own number,
    /// and may leave a gap below them that a later build fills.
    static let numberedSteps: [(version: Int, sql: String)] = [
        // 8: exclusive groups. A player may redeem the campaigns of one group at most max_per_user times in all;
        // group_user_redemptions counts each player's standing redemptions per group, maintained in the
        // redemption's transaction, with a copy of the limit taken at each increment for its CHECK (as
        // user_redemptions does per campaign). A campaign counts toward the group it is in now: moving a
        // campaign between groups moves its players' counts with it.
        (
            8,
            """
            CREATE TABLE campaign_groups (
                number         INTEGER PRIMARY KEY,
                id             TEXT NOT NULL UNIQUE,
                name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                max_per_user   INTEGER NOT NULL CHECK (max_per_user >= 0),
                created_at_ms  INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX campaign_groups_by_creation ON campaign_groups(created_at_ms, id);
            ALTER TABLE campaigns ADD COLUMN group_id TEXT REFERENCES campaign_groups(id);
            CREATE INDEX campaigns_by_group ON campaigns(group_id) WHERE group_id IS NOT NULL;
            CREATE TABLE group_user_redemptions (
                group_id      TEXT NOT NULL REFERENCES campaign_groups(id),
                user_id       TEXT NOT NULL,
                redemptions   INTEGER NOT NULL,
                max_per_user  INTEGER NOT NULL,
                PRIMARY KEY (group_id, user_id),
                CHECK (redemptions >= 0 AND (max_per_user = 0 OR redemptions <= max_per_user))
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX reservations_held_by_user_only ON reservations(user_id, expires_at_ms) WHERE redemption_id IS NULL;
            """
        ),
        // 9: budgets and manual grants. budget_spent_minor is what the campaign's standing redemptions and grants
        // cost in the budget's unit (minor units of the reward currency, spins or points), maintained in the
        // transaction of each redemption, grant, void and write-off; its CHECK refuses any commit that would
        // take it past budget_minor (0 = no budget). grants are manual credits without a code, in the player's
        // history beside the redemptions; the campaign is optional. A grant's idempotency key is unique per API
        // key, as a redeem's is.
        (
            9,
            """
            ALTER TABLE campaigns ADD COLUMN budget_minor INTEGER NOT NULL DEFAULT 0 CHECK (budget_minor >= 0);
            ALTER TABLE campaigns ADD COLUMN budget_spent_minor INTEGER NOT NULL DEFAULT 0
                CHECK (budget_spent_minor >= 0 AND (budget_minor = 0 OR budget_spent_minor <= budget_minor));
            UPDATE campaigns SET budget_spent_minor = \(BudgetSQL.spentFromRedemptions("campaigns"));
            CREATE TABLE grants (
                id               TEXT PRIMARY KEY,
                user_id          TEXT NOT NULL,
                campaign_id      TEXT REFERENCES campaigns(id),
                reward_kind      TEXT NOT NULL CHECK (reward_kind IN ('bonus', 'free_spins', 'loyalty_points')),
                reward_amount    INTEGER NOT NULL CHECK (reward_amount >= 0),
                reward_currency  TEXT NOT NULL,
                reward_game_id   TEXT NOT NULL,
                reason           TEXT NOT NULL CHECK (length(reason) >= 1),
                granted_by       TEXT NOT NULL,
                idempotency_key  TEXT,
                fingerprint      TEXT NOT NULL,
                granted_at_ms    INTEGER NOT NULL,
                voided_at_ms     INTEGER,
                void_reason      TEXT,
                CHECK ((voided_at_ms IS NULL) = (void_reason IS NULL))
            ) STRICT;
            CREATE INDEX grants_by_user ON grants(user_id, granted_at_ms DESC, id DESC);
            CREATE INDEX grants_by_campaign ON grants(campaign_id, granted_at_ms) WHERE campaign_id IS NOT NULL;
            CREATE UNIQUE INDEX grants_by_idempotency ON grants(granted_by, idempotency_key)
                WHERE idempotency_key IS NOT NULL;
            """
        ),
        // 10: offers that need no code, and disqualification. campaigns.auto_apply with a partial index over
        // the auto-apply campaigns in creation order (offers read a bounded range of it, never the codes);
        // an auto-apply campaign's codeless redemptions name a hidden entry row in codes (key '~auto:<id>',
        // see CodeText.autoEntry). user_blocks holds one block per (user, campaign; '' = every campaign),
        // looked up by that key on every validate and redeem, paged newest first by (created_at_ms, id).
        (
            10,
            """
            ALTER TABLE campaigns ADD COLUMN auto_apply INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX campaigns_auto_apply ON campaigns(created_at_ms, id) WHERE auto_apply = 1;
            CREATE TABLE user_blocks (
                id             TEXT PRIMARY KEY,
                user_id        TEXT NOT NULL CHECK (length(user_id) BETWEEN 1 AND 128),
                campaign_id    TEXT NOT NULL,
                reason         TEXT NOT NULL CHECK (length(reason) >= 1),
                until_ms       INTEGER NOT NULL CHECK (until_ms >= 0),
                created_at_ms  INTEGER NOT NULL,
                created_by     TEXT NOT NULL,
                UNIQUE (user_id, campaign_id)
            ) STRICT;
            CREATE INDEX user_blocks_by_creation ON user_blocks(created_at_ms, id);
            CREATE INDEX user_blocks_by_end ON user_blocks(until_ms) WHERE until_ms > 0;
            """
        ),
        // 11: effectiveness: the deposits of standing redemptions per campaign, hour and currency, and repeat
        // users (pairs of each user's consecutive standing redemptions by hour, and a whole-campaign counter),
        // maintained with the other report totals; see EffectTotals.swift.
        (11, EffectTotals.migrationSQL),
        // 12: one index fewer for every redemption to update. redemptions_by_campaign (campaign_id, redeemed_at_ms)
        // is a prefix of redemptions_standing_by_time (campaign_id, redeemed_at_ms, user_id, voided_at_ms),
        // which answers every query the shorter one did, from the index alone.
        (12, "DROP INDEX redemptions_by_campaign;"),
    ]

    /// Every step with its version, in order.
    static var versionedSteps: [(version: Int, sql: String)] {
        precondition(
            numberedSteps.allSatisfy { $0.version > steps.count },
            "Migrations: a numbered step shares its version with a listed one")
        return steps.enumerated().map { (version: $0.offset + 1, sql: $0.element) }
            + numberedSteps.sorted { $0.version < $1.version }
    }

    static var latestVersion: Int { versionedSteps.last?.version ?? 0 }

    /// Applies every step not yet applied, in version order, each in its own transaction.
    ///
    /// `PRAGMA user_version` is the highest version up to which every step has run. A step applied above a
    /// gap (8 in a build that has no 7) is recorded in `schema_steps` instead, and the pragma stays below
    /// the gap: a later build that fills the gap runs 7 and then skips 8, and only then moves the pragma up.
    /// So a file migrated by a build with a gap still upgrades correctly once the missing step lands
    /// (provided the two steps commute, as steps touching different tables do).
    static func migrate(
        _ connection: Connection, steps versionedSteps: [(version: Int, sql: String)] = versionedSteps
    ) throws(StoreError) {
        var contiguous = try contiguousVersion(of: connection)
        let recorded = try recordedSteps(connection)
        let known = Set(versionedSteps.map(\.version))
        let latestVersion = versionedSteps.last?.version ?? 0
        guard contiguous <= latestVersion, recorded.isSubset(of: known) else {
            let newest = max(contiguous, recorded.max() ?? 0)
            throw StoreError(.unusable, "database schema version \(newest) is newer than this build's \(latestVersion)")
        }
        for step in versionedSteps where step.version > contiguous {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                if !recorded.contains(step.version) { try connection.execute(step.sql) }
                if step.version == contiguous + 1 {
                    try connection.execute("PRAGMA user_version = \(step.version)")
                    if recorded.contains(step.version) {
                        try connection.execute("DELETE FROM schema_steps WHERE version = \(step.version)")
                    }
                    contiguous = step.version
                } else if !recorded.contains(step.version) {
                    try connection.execute(
                        """
                        CREATE TABLE IF NOT EXISTS schema_steps (version INTEGER PRIMARY KEY) STRICT;
                        INSERT INTO schema_steps (version) VALUES (\(step.version));
                        """)
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Versions applied above a gap (see `migrate`); empty when there is no gap.
    static func recordedSteps(_ connection: Connection) throws(StoreError) -> Set<Int> {
        let exists = try connection.statement(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_steps'"
        ).firstRow { $0.int(0) } ?? 0
        guard exists > 0 else { return [] }
        let select = try connection.statement("SELECT version FROM schema_steps ORDER BY version")
        var versions: Set<Int> = []
        while try select.step() { versions.insert(select.int(0)) }
        return versions
    }

    /// The highest version applied (with a gap below it, some lower version may still be missing).
    static func version(of connection: Connection) throws(StoreError) -> Int {
        max(try contiguousVersion(of: connection), try recordedSteps(connection).max() ?? 0)
    }

    /// `PRAGMA user_version`: every step up to it has run.
    static func contiguousVersion(of connection: Connection) throws(StoreError) -> Int {
        try connection.statement("PRAGMA user_version").firstRow { $0.int(0) } ?? 0
    }
}
