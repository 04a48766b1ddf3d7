/// The PostgreSQL schema, versions 1–9 (the back office and the tables every area shares); the hot path's
/// own steps are 10–19 (`PostgresSchema.hotPathSteps`). It means what the SQLite schema means
/// (`PromoStore/Migrations.swift`), written for PostgreSQL: bigint counters, text ids, text[] lists, bytea
/// digests, and the same CHECKs, so that no bug above the schema can push a count past its limit (the commit
/// fails instead). Unlike SQLite's, it was written in one go, so it has no upgrade steps of its own yet.
///
/// Never edit a step that has shipped: add a new one.
enum PostgresSchema {
    static let backOfficeSteps: [PostgresMigration] = [
        PostgresMigration(
            version: 1, name: "api keys and the audit trail",
            sql: """
                CREATE TABLE api_keys (
                    id             text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
                    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                    role           text NOT NULL CHECK (role IN ('redeemer', 'issuer', 'analyst', 'manager', 'admin')),
                    secret_sha256  bytea NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
                    created_at_ms  bigint NOT NULL,
                    revoked_at_ms  bigint
                );
                CREATE TABLE api_key_campaigns (
                    key_id       text NOT NULL REFERENCES api_keys(id),
                    campaign_id  text NOT NULL,
                    PRIMARY KEY (key_id, campaign_id)
                );
                CREATE TABLE audit_log (
                    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    at_ms         bigint NOT NULL,
                    actor_key_id  text NOT NULL,
                    action        text NOT NULL,
                    target        text NOT NULL,
                    detail        text NOT NULL
                );
                -- The reader pages newest first by (at_ms, id), filtered by at most one of these: each filter's
                -- page is an index range, never a sort.
                CREATE INDEX audit_log_by_time ON audit_log (at_ms, id);
                CREATE INDEX audit_log_by_actor ON audit_log (actor_key_id, at_ms, id);
                CREATE INDEX audit_log_by_action ON audit_log (action, at_ms, id);
                CREATE INDEX audit_log_by_target ON audit_log (target, at_ms, id);
                """),
        PostgresMigration(
            version: 2, name: "groups and campaigns",
            sql: """
                CREATE TABLE campaign_groups (
                    id             text PRIMARY KEY,
                    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                    max_per_user   bigint NOT NULL CHECK (max_per_user >= 0),
                    created_at_ms  bigint NOT NULL
                );
                CREATE INDEX campaign_groups_by_creation ON campaign_groups (created_at_ms, id);
                CREATE TABLE campaigns (
                    id                   text PRIMARY KEY,
                    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                    kind                 text NOT NULL,
                    reward_kind          text NOT NULL,
                    reward_amount        bigint NOT NULL CHECK (reward_amount >= 0),
                    reward_currency      text NOT NULL,
                    reward_percent       bigint NOT NULL CHECK (reward_percent >= 0),
                    reward_cap_minor     bigint NOT NULL CHECK (reward_cap_minor >= 0),
                    reward_game_id       text NOT NULL,
                    starts_at_ms         bigint NOT NULL,
                    expires_at_ms        bigint NOT NULL,
                    active               boolean NOT NULL,
                    max_redemptions      bigint NOT NULL CHECK (max_redemptions >= 0),
                    max_per_user         bigint NOT NULL CHECK (max_per_user >= 0),
                    segments             text[] NOT NULL,
                    new_users_only       boolean NOT NULL,
                    new_user_window_ms   bigint NOT NULL,
                    min_deposit_minor    bigint NOT NULL,
                    countries            text[] NOT NULL,
                    min_vip_level        bigint NOT NULL,
                    source               text NOT NULL,
                    created_at_ms        bigint NOT NULL,
                    group_id             text REFERENCES campaign_groups(id),
                    auto_apply           boolean NOT NULL DEFAULT false,
                    budget_minor         bigint NOT NULL DEFAULT 0 CHECK (budget_minor >= 0),
                    -- Maintained in the transaction of each redemption, void, grant and code change.
                    redemptions          bigint NOT NULL DEFAULT 0,
                    unique_users         bigint NOT NULL DEFAULT 0,
                    codes_issued         bigint NOT NULL DEFAULT 0 CHECK (codes_issued >= 0),
                    codes_redeemed       bigint NOT NULL DEFAULT 0 CHECK (codes_redeemed >= 0),
                    repeat_users         bigint NOT NULL DEFAULT 0 CHECK (repeat_users >= 0),
                    budget_spent_minor   bigint NOT NULL DEFAULT 0,
                    CHECK (redemptions >= 0 AND (max_redemptions = 0 OR redemptions <= max_redemptions)),
                    CHECK (unique_users >= 0 AND unique_users <= redemptions),
                    CHECK (budget_spent_minor >= 0 AND (budget_minor = 0 OR budget_spent_minor <= budget_minor))
                );
                CREATE INDEX campaigns_by_creation ON campaigns (created_at_ms, id);
                CREATE INDEX campaigns_by_group ON campaigns (group_id) WHERE group_id IS NOT NULL;
                -- Offers read a bounded range of the auto-apply campaigns in creation order, never the codes.
                CREATE INDEX campaigns_auto_apply ON campaigns (created_at_ms, id) WHERE auto_apply;
                """),
        PostgresMigration(
            version: 3, name: "code batches and codes",
            sql: """
                CREATE TABLE code_batches (
                    id               text PRIMARY KEY,
                    campaign_id      text NOT NULL REFERENCES campaigns(id),
                    kind             text NOT NULL CHECK (kind IN ('generated', 'imported', 'personal')),
                    template         text NOT NULL,
                    requested        bigint NOT NULL CHECK (requested >= 0),
                    created          bigint NOT NULL DEFAULT 0,
                    max_uses         bigint NOT NULL CHECK (max_uses >= 0),
                    owner_id         text,
                    api_key_id       text NOT NULL,
                    idempotency_key  text,
                    created_at_ms    bigint NOT NULL,
                    CHECK (created >= 0 AND created <= requested)
                );
                CREATE UNIQUE INDEX code_batches_by_idempotency ON code_batches (api_key_id, idempotency_key)
                    WHERE idempotency_key IS NOT NULL;
                CREATE INDEX code_batches_by_template ON code_batches (template);
                CREATE INDEX code_batches_by_campaign ON code_batches (campaign_id);
                -- `id` orders codes for chunked bulk work (switching a batch on or off) and export pages.
                CREATE TABLE codes (
                    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    key            text NOT NULL UNIQUE,
                    display        text NOT NULL,
                    campaign_id    text NOT NULL REFERENCES campaigns(id),
                    max_uses       bigint NOT NULL CHECK (max_uses >= 0),
                    uses           bigint NOT NULL DEFAULT 0,
                    active         boolean NOT NULL,
                    owner_id       text,
                    batch_id       text REFERENCES code_batches(id),
                    created_at_ms  bigint NOT NULL,
                    CHECK (uses >= 0 AND (max_uses = 0 OR uses <= max_uses))
                );
                CREATE INDEX codes_by_campaign ON codes (campaign_id, id);
                CREATE INDEX codes_by_batch ON codes (batch_id, id) WHERE batch_id IS NOT NULL;
                -- A personal code is one per (campaign, owner), whether generated or imported.
                CREATE UNIQUE INDEX codes_one_per_owner ON codes (campaign_id, owner_id) WHERE owner_id IS NOT NULL;
                """),
        PostgresMigration(
            version: 4, name: "redemptions, per-user counts and grants",
            sql: """
                CREATE TABLE redemptions (
                    id               text PRIMARY KEY,
                    campaign_id      text NOT NULL REFERENCES campaigns(id),
                    code_key         text NOT NULL REFERENCES codes(key),
                    code_display     text NOT NULL,
                    user_id          text NOT NULL,
                    ip               text NOT NULL,
                    device_id        text NOT NULL,
                    source           text NOT NULL,
                    deposit_minor    bigint NOT NULL,
                    deposit_currency text NOT NULL,
                    reward_kind      text NOT NULL,
                    reward_amount    bigint NOT NULL,
                    reward_currency  text NOT NULL,
                    reward_percent   bigint NOT NULL,
                    reward_cap_minor bigint NOT NULL,
                    reward_game_id   text NOT NULL,
                    redeemed_at_ms   bigint NOT NULL,
                    voided_at_ms     bigint,
                    void_reason      text,
                    CHECK ((voided_at_ms IS NULL) = (void_reason IS NULL))
                );
                CREATE INDEX redemptions_by_user ON redemptions (user_id, redeemed_at_ms DESC, id DESC);
                CREATE INDEX redemptions_by_code ON redemptions (code_key);
                -- Distinct users of a time range from the index alone; voided_at_ms is in it for the standing filter.
                CREATE INDEX redemptions_standing_by_time ON redemptions (campaign_id, redeemed_at_ms, user_id, voided_at_ms);
                -- A user's standing neighbours, for the repeat-user totals (EffectTotals in the SQLite store).
                CREATE INDEX redemptions_standing_by_user ON redemptions (campaign_id, user_id, redeemed_at_ms)
                    WHERE voided_at_ms IS NULL;

                -- One row per (campaign, user) that ever redeemed; max_per_user is copied at each increment so
                -- that the CHECK enforces the limit in force when the row last grew.
                CREATE TABLE user_redemptions (
                    campaign_id   text NOT NULL REFERENCES campaigns(id),
                    user_id       text NOT NULL,
                    redemptions   bigint NOT NULL,
                    max_per_user  bigint NOT NULL,
                    first_at_ms   bigint NOT NULL DEFAULT 0,
                    PRIMARY KEY (campaign_id, user_id),
                    CHECK (redemptions >= 0 AND (max_per_user = 0 OR redemptions <= max_per_user))
                );
                CREATE INDEX user_redemptions_by_count ON user_redemptions (campaign_id, redemptions DESC, user_id);
                CREATE TABLE group_user_redemptions (
                    group_id      text NOT NULL REFERENCES campaign_groups(id),
                    user_id       text NOT NULL,
                    redemptions   bigint NOT NULL,
                    max_per_user  bigint NOT NULL,
                    PRIMARY KEY (group_id, user_id),
                    CHECK (redemptions >= 0 AND (max_per_user = 0 OR redemptions <= max_per_user))
                );

                CREATE TABLE grants (
                    id               text PRIMARY KEY,
                    user_id          text NOT NULL,
                    campaign_id      text REFERENCES campaigns(id),
                    reward_kind      text NOT NULL CHECK (reward_kind IN ('bonus', 'free_spins', 'loyalty_points')),
                    reward_amount    bigint NOT NULL CHECK (reward_amount >= 0),
                    reward_currency  text NOT NULL,
                    reward_game_id   text NOT NULL,
                    reason           text NOT NULL CHECK (length(reason) >= 1),
                    granted_by       text NOT NULL,
                    idempotency_key  text,
                    fingerprint      text NOT NULL,
                    granted_at_ms    bigint NOT NULL,
                    voided_at_ms     bigint,
                    void_reason      text,
                    CHECK ((voided_at_ms IS NULL) = (void_reason IS NULL))
                );
                CREATE INDEX grants_by_user ON grants (user_id, granted_at_ms DESC, id DESC);
                CREATE INDEX grants_by_campaign ON grants (campaign_id, granted_at_ms) WHERE campaign_id IS NOT NULL;
                CREATE UNIQUE INDEX grants_by_idempotency ON grants (granted_by, idempotency_key)
                    WHERE idempotency_key IS NOT NULL;
                """),
        PostgresMigration(
            version: 5, name: "reservations and idempotency",
            sql: """
                CREATE TABLE reservations (
                    id             text PRIMARY KEY,
                    campaign_id    text NOT NULL REFERENCES campaigns(id),
                    code_key       text NOT NULL REFERENCES codes(key),
                    user_id        text NOT NULL,
                    expires_at_ms  bigint NOT NULL,
                    redemption_id  text REFERENCES redemptions(id)
                );
                CREATE INDEX reservations_held_by_campaign ON reservations (campaign_id, expires_at_ms) WHERE redemption_id IS NULL;
                CREATE INDEX reservations_held_by_code ON reservations (code_key, expires_at_ms) WHERE redemption_id IS NULL;
                CREATE INDEX reservations_held_by_user ON reservations (campaign_id, user_id, expires_at_ms) WHERE redemption_id IS NULL;
                CREATE INDEX reservations_held_by_user_only ON reservations (user_id, expires_at_ms) WHERE redemption_id IS NULL;
                CREATE INDEX reservations_held_by_expiry ON reservations (expires_at_ms) WHERE redemption_id IS NULL;
                CREATE INDEX reservations_by_code ON reservations (code_key);
                CREATE INDEX reservations_by_redemption ON reservations (redemption_id) WHERE redemption_id IS NOT NULL;

                -- The first answer to each (API key, idempotency key), cluster-wide: replays return it, mismatches
                -- are refused.
                CREATE TABLE idempotency (
                    api_key_id     text NOT NULL,
                    key            text NOT NULL,
                    fingerprint    text NOT NULL,
                    verdict        text NOT NULL,
                    campaign_id    text NOT NULL,
                    redemption_id  text REFERENCES redemptions(id),
                    created_at_ms  bigint NOT NULL,
                    PRIMARY KEY (api_key_id, key)
                );
                CREATE INDEX idempotency_by_age ON idempotency (created_at_ms);
                """),
        PostgresMigration(
            version: 6, name: "report totals",
            sql: """
                -- Maintained in the same transaction as each redemption, void and failure, so that a report reads
                -- a few hundred rows whatever the campaign's size. Hours are UTC hour starts in ms.
                CREATE TABLE campaign_hours (
                    campaign_id     text NOT NULL REFERENCES campaigns(id),
                    hour_ms         bigint NOT NULL,
                    redemptions     bigint NOT NULL DEFAULT 0 CHECK (redemptions >= 0),
                    voided          bigint NOT NULL DEFAULT 0 CHECK (voided >= 0 AND voided <= redemptions),
                    new_users       bigint NOT NULL DEFAULT 0 CHECK (new_users >= 0),
                    free_spins      bigint NOT NULL DEFAULT 0 CHECK (free_spins >= 0),
                    loyalty_points  bigint NOT NULL DEFAULT 0 CHECK (loyalty_points >= 0),
                    PRIMARY KEY (campaign_id, hour_ms)
                );
                CREATE TABLE campaign_money_hours (
                    campaign_id   text NOT NULL REFERENCES campaigns(id),
                    hour_ms       bigint NOT NULL,
                    currency      text NOT NULL,
                    amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
                    PRIMARY KEY (campaign_id, hour_ms, currency)
                );
                -- Failed attempts have no raw rows: these counts are all there is of them.
                CREATE TABLE campaign_failure_hours (
                    campaign_id  text NOT NULL REFERENCES campaigns(id),
                    hour_ms      bigint NOT NULL,
                    verdict      text NOT NULL,
                    failures     bigint NOT NULL CHECK (failures >= 0),
                    PRIMARY KEY (campaign_id, hour_ms, verdict)
                );
                -- Standing redemptions per source, owner (affiliate), ip and device, and failed attempts per ip,
                -- device and user: by hour for ranges, and all-time with count indexes for the top lists.
                CREATE TABLE campaign_dimension_hours (
                    campaign_id  text NOT NULL REFERENCES campaigns(id),
                    dimension    text NOT NULL CHECK (dimension IN ('source', 'owner', 'ip', 'device', 'user')),
                    key          text NOT NULL,
                    hour_ms      bigint NOT NULL,
                    redemptions  bigint NOT NULL DEFAULT 0 CHECK (redemptions >= 0),
                    failures     bigint NOT NULL DEFAULT 0 CHECK (failures >= 0),
                    PRIMARY KEY (campaign_id, dimension, hour_ms, key)
                );
                CREATE TABLE campaign_dimensions (
                    campaign_id  text NOT NULL REFERENCES campaigns(id),
                    dimension    text NOT NULL,
                    key          text NOT NULL,
                    redemptions  bigint NOT NULL DEFAULT 0 CHECK (redemptions >= 0),
                    failures     bigint NOT NULL DEFAULT 0 CHECK (failures >= 0),
                    PRIMARY KEY (campaign_id, dimension, key)
                );
                CREATE INDEX campaign_dimensions_by_redemptions ON campaign_dimensions (campaign_id, dimension, redemptions DESC, key);
                CREATE INDEX campaign_dimensions_by_failures ON campaign_dimensions (campaign_id, dimension, failures DESC, key);
                """),
        PostgresMigration(
            version: 7, name: "effectiveness totals",
            sql: """
                -- Deposits of standing redemptions, and pairs of each user's consecutive standing redemptions by
                -- hour (repeat users of any range of whole hours; see EffectTotals in the SQLite store).
                CREATE TABLE campaign_deposit_hours (
                    campaign_id   text NOT NULL REFERENCES campaigns(id),
                    hour_ms       bigint NOT NULL,
                    currency      text NOT NULL,
                    deposits      bigint NOT NULL CHECK (deposits >= 0),
                    amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
                    PRIMARY KEY (campaign_id, hour_ms, currency)
                );
                CREATE TABLE campaign_repeat_pairs (
                    campaign_id   text NOT NULL REFERENCES campaigns(id),
                    from_hour_ms  bigint NOT NULL,
                    to_hour_ms    bigint NOT NULL,
                    step          bigint NOT NULL CHECK (step IN (1, 2)),
                    pairs         bigint NOT NULL CHECK (pairs >= 0),
                    PRIMARY KEY (campaign_id, from_hour_ms, to_hour_ms, step)
                );
                """),
        PostgresMigration(
            version: 8, name: "user blocks",
            sql: """
                -- One block per (user, campaign; '' = every campaign), looked up by that key on every validate
                -- and redeem, paged newest first by (created_at_ms, id).
                CREATE TABLE user_blocks (
                    id             text PRIMARY KEY,
                    user_id        text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 128),
                    campaign_id    text NOT NULL,
                    reason         text NOT NULL CHECK (length(reason) >= 1),
                    until_ms       bigint NOT NULL CHECK (until_ms >= 0),
                    created_at_ms  bigint NOT NULL,
                    created_by     text NOT NULL,
                    UNIQUE (user_id, campaign_id)
                );
                CREATE INDEX user_blocks_by_creation ON user_blocks (created_at_ms, id);
                CREATE INDEX user_blocks_by_end ON user_blocks (until_ms) WHERE until_ms > 0;
                """),
    ]

    /// Every step this build knows, in version order.
    static var steps: [PostgresMigration] {
        let all = (backOfficeSteps + hotPathSteps).sorted { $0.version < $1.version }
        precondition(Set(all.map(\.version)).count == all.count, "PostgresSchema: two steps share a version")
        precondition(backOfficeSteps.allSatisfy { (1...9).contains($0.version) }, "back-office steps are 1–9")
        precondition(hotPathSteps.allSatisfy { $0.version >= 10 }, "hot-path steps are 10–19")
        return all
    }
}

/// One versioned schema step: statements run in one transaction, recorded in `schema_migrations`.
struct PostgresMigration: Sendable {
    let version: Int
    let name: String
    let sql: String

    /// The statements of `sql`, one per `;` that ends a line outside a `$$` body (the extended query protocol
    /// takes one at a time).
    var statements: [String] {
        var result: [String] = []
        var current = ""
        // Inside a dollar-quoted body (a function's), a `;` ends a statement of the body, not of the step.
        var insideDollarQuote = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingWhitespace
            if trimmed.hasPrefix("--") || trimmed.isEmpty { continue }
            current += line + "\n"
            if line.split(separator: "$$", omittingEmptySubsequences: false).count % 2 == 0 { insideDollarQuote.toggle() }
            if !insideDollarQuote && trimmed.hasSuffix(";") {
                result.append(String(current.trimmingWhitespace.dropLast()))
                current = ""
            }
        }
        if !current.trimmingWhitespace.isEmpty { result.append(String(current.trimmingWhitespace)) }
        return result
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        var text = self
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return text
    }
}

extension String {
    var trimmingWhitespace: Substring { Substring(self).trimmingWhitespace }
}
