/// One table of the SQLite store (PromoStore/Migrations.swift) and where its rows go in the PostgreSQL store
/// (PromoPostgres/PostgresSchema*.swift), column by column.
///
/// `sourceColumns` names every column the SQLite table has, each either copied or carried another way (an
/// integer reference turned into the text id it stands for); `columns` names every column the PostgreSQL
/// table has, in the order `select` yields them. The migration compares both with the two live schemas
/// first and refuses when either has a column not named here: a column added by a later step must be mapped
/// before its data can move, never dropped silently.
struct TableMapping: Sendable {
    /// The PostgreSQL table (and, unless `sourceTable` says otherwise, the SQLite one).
    let table: String
    let sourceTable: String
    let sourceColumns: [String]
    let columns: [CopyColumn]
    /// SQLite query yielding `columns` in order.
    let select: String
    /// An identity column whose values are copied (COPY writes them as given, like OVERRIDING SYSTEM VALUE);
    /// its sequence is moved past the largest afterwards, so new rows get new numbers.
    let identityColumn: String?

    init(
        _ table: String, sourceTable: String? = nil, sourceColumns: [String]? = nil, columns: [CopyColumn],
        select: String? = nil, identityColumn: String? = nil
    ) {
        self.table = table
        self.sourceTable = sourceTable ?? table
        self.sourceColumns = sourceColumns ?? columns.map(\.name)
        self.columns = columns
        self.select = select ?? "SELECT \(columns.map(\.name).joined(separator: ", ")) FROM \(sourceTable ?? table)"
        self.identityColumn = identityColumn
    }
}

enum StoreTables {
    /// In an order that satisfies every foreign key of the PostgreSQL schema.
    static let all: [TableMapping] = [
        TableMapping(
            "api_keys",
            columns: [
                CopyColumn("id"), CopyColumn("name"), CopyColumn("role"), CopyColumn("secret_sha256", .blob),
                CopyColumn("created_at_ms", .int), CopyColumn("revoked_at_ms", .optionalInt),
            ]),
        TableMapping("api_key_campaigns", columns: [CopyColumn("key_id"), CopyColumn("campaign_id")]),
        TableMapping(
            "audit_log",
            columns: [
                CopyColumn("id", .int), CopyColumn("at_ms", .int), CopyColumn("actor_key_id"), CopyColumn("action"),
                CopyColumn("target"), CopyColumn("detail"),
            ],
            select: "SELECT id, at_ms, actor_key_id, action, target, detail FROM audit_log ORDER BY id",
            identityColumn: "id"),
        // `number` is SQLite's compact reference; PostgreSQL refers to a group by its id.
        TableMapping(
            "campaign_groups",
            sourceColumns: ["number", "id", "name", "max_per_user", "created_at_ms"],
            columns: [CopyColumn("id"), CopyColumn("name"), CopyColumn("max_per_user", .int), CopyColumn("created_at_ms", .int)]),
        // `number` is SQLite's compact reference for codes (codes.campaign); PostgreSQL's codes name the id.
        TableMapping(
            "campaigns",
            sourceColumns: ["number"] + campaignColumns.map(\.name),
            columns: campaignColumns,
            select: "SELECT \(campaignColumns.map(\.name).joined(separator: ", ")) FROM campaigns ORDER BY number"),
        TableMapping(
            "code_batches",
            sourceColumns: ["number"] + batchColumns.map(\.name),
            columns: batchColumns,
            select: "SELECT \(batchColumns.map(\.name).joined(separator: ", ")) FROM code_batches ORDER BY number"),
        // codes.campaign and codes.batch are integer references in SQLite; PostgreSQL's campaign_id and
        // batch_id are the text ids they stand for. `id` keeps the order of generation (export pages use it).
        TableMapping(
            "codes",
            sourceColumns: [
                "id", "key", "display", "campaign", "max_uses", "uses", "active", "owner_id", "batch", "created_at_ms",
            ],
            columns: [
                CopyColumn("id", .int), CopyColumn("key"), CopyColumn("display"), CopyColumn("campaign_id"),
                CopyColumn("max_uses", .int), CopyColumn("uses", .int), CopyColumn("active", .bool),
                CopyColumn("owner_id", .optionalText), CopyColumn("batch_id", .optionalText),
                CopyColumn("created_at_ms", .int),
            ],
            select: """
                SELECT k.id, k.key, k.display, c.id, k.max_uses, k.uses, k.active, k.owner_id, b.id, k.created_at_ms
                FROM codes k JOIN campaigns c ON c.number = k.campaign LEFT JOIN code_batches b ON b.number = k.batch
                ORDER BY k.id
                """,
            identityColumn: "id"),
        TableMapping(
            "redemptions",
            columns: [
                CopyColumn("id"), CopyColumn("campaign_id"), CopyColumn("code_key"), CopyColumn("code_display"),
                CopyColumn("user_id"), CopyColumn("ip"), CopyColumn("device_id"), CopyColumn("source"),
                CopyColumn("deposit_minor", .int), CopyColumn("deposit_currency"), CopyColumn("reward_kind"),
                CopyColumn("reward_amount", .int), CopyColumn("reward_currency"), CopyColumn("reward_percent", .int),
                CopyColumn("reward_cap_minor", .int), CopyColumn("reward_game_id"), CopyColumn("redeemed_at_ms", .int),
                CopyColumn("voided_at_ms", .optionalInt), CopyColumn("void_reason", .optionalText),
            ]),
        TableMapping(
            "user_redemptions",
            columns: [
                CopyColumn("campaign_id"), CopyColumn("user_id"), CopyColumn("redemptions", .int),
                CopyColumn("max_per_user", .int), CopyColumn("first_at_ms", .int),
            ]),
        TableMapping(
            "group_user_redemptions",
            columns: [
                CopyColumn("group_id"), CopyColumn("user_id"), CopyColumn("redemptions", .int), CopyColumn("max_per_user", .int),
            ]),
        TableMapping(
            "grants",
            columns: [
                CopyColumn("id"), CopyColumn("user_id"), CopyColumn("campaign_id", .optionalText), CopyColumn("reward_kind"),
                CopyColumn("reward_amount", .int), CopyColumn("reward_currency"), CopyColumn("reward_game_id"),
                CopyColumn("reason"), CopyColumn("granted_by"), CopyColumn("idempotency_key", .optionalText),
                CopyColumn("fingerprint"), CopyColumn("granted_at_ms", .int), CopyColumn("voided_at_ms", .optionalInt),
                CopyColumn("void_reason", .optionalText),
            ]),
        TableMapping(
            "reservations",
            columns: [
                CopyColumn("id"), CopyColumn("campaign_id"), CopyColumn("code_key"), CopyColumn("user_id"),
                CopyColumn("expires_at_ms", .int), CopyColumn("redemption_id", .optionalText),
            ]),
        TableMapping(
            "idempotency",
            columns: [
                CopyColumn("api_key_id"), CopyColumn("key"), CopyColumn("fingerprint"), CopyColumn("verdict"),
                CopyColumn("campaign_id"), CopyColumn("redemption_id", .optionalText), CopyColumn("created_at_ms", .int),
            ]),
        TableMapping(
            "campaign_hours",
            columns: [
                CopyColumn("campaign_id"), CopyColumn("hour_ms", .int), CopyColumn("redemptions", .int),
                CopyColumn("voided", .int), CopyColumn("new_users", .int), CopyColumn("free_spins", .int),
                CopyColumn("loyalty_points", .int),
            ]),
        TableMapping(
            "campaign_money_hours",
            columns: [
                CopyColumn("campaign_id"), CopyColumn("hour_ms", .int), CopyColumn("currency"), CopyColumn("amount_minor", .int),
            ]),
        // Failed attempts have no raw rows: these counts (and the dimensions' failures) are all there is of them.
        TableMapping(
            "campaign_failure_hours",
            columns: [CopyColumn("campaign_id"), CopyColumn("hour_ms", .int), CopyColumn("verdict"), CopyColumn("failures", .int)]),
        TableMapping(
            "campaign_dimension_hours",
            columns: [
                CopyColumn("campaign_id"), CopyColumn("dimension"), CopyColumn("key"), CopyColumn("hour_ms", .int),
                CopyColumn("redemptions", .int), CopyColumn("failures", .int),
            ]),
        TableMapping(
            "campaign_dimensions",
            columns: [
                CopyColumn("campaign_id"), CopyColumn("dimension"), CopyColumn("key"), CopyColumn("redemptions", .int),
                CopyColumn("failures", .int),
            ]),
        TableMapping(
            "campaign_deposit_hours",
            columns: [
                CopyColumn("campaign_id"), CopyColumn("hour_ms", .int), CopyColumn("currency"), CopyColumn("deposits", .int),
                CopyColumn("amount_minor", .int),
            ]),
        TableMapping(
            "campaign_repeat_pairs",
            columns: [
                CopyColumn("campaign_id"), CopyColumn("from_hour_ms", .int), CopyColumn("to_hour_ms", .int),
                CopyColumn("step", .int), CopyColumn("pairs", .int),
            ]),
        TableMapping(
            "user_blocks",
            columns: [
                CopyColumn("id"), CopyColumn("user_id"), CopyColumn("campaign_id"), CopyColumn("reason"),
                CopyColumn("until_ms", .int), CopyColumn("created_at_ms", .int), CopyColumn("created_by"),
            ]),
    ]

    /// SQLite tables that hold nothing to move: `schema_steps` records steps applied above a gap in the
    /// numbering (PostgreSQL keeps its own `schema_migrations`).
    static let sourceTablesNotCopied: Set<String> = ["schema_steps"]

    /// PostgreSQL tables the SQLite store has no counterpart for: the schema's own bookkeeping, and the
    /// guessing limit's windows, which a SQLite server keeps in memory (they are not in its file; a migrated
    /// installation starts with fresh windows, as after a restart of the SQLite server).
    static let targetTablesNotFilled: Set<String> = ["schema_migrations", "attempt_windows"]

    static let campaignColumns: [CopyColumn] = [
        CopyColumn("id"), CopyColumn("name"), CopyColumn("kind"), CopyColumn("reward_kind"),
        CopyColumn("reward_amount", .int), CopyColumn("reward_currency"), CopyColumn("reward_percent", .int),
        CopyColumn("reward_cap_minor", .int), CopyColumn("reward_game_id"), CopyColumn("starts_at_ms", .int),
        CopyColumn("expires_at_ms", .int), CopyColumn("active", .bool), CopyColumn("max_redemptions", .int),
        CopyColumn("max_per_user", .int), CopyColumn("segments", .lineList), CopyColumn("new_users_only", .bool),
        CopyColumn("new_user_window_ms", .int), CopyColumn("min_deposit_minor", .int), CopyColumn("countries", .lineList),
        CopyColumn("min_vip_level", .int), CopyColumn("source"), CopyColumn("created_at_ms", .int),
        CopyColumn("group_id", .optionalText), CopyColumn("auto_apply", .bool), CopyColumn("budget_minor", .int),
        CopyColumn("redemptions", .int), CopyColumn("unique_users", .int), CopyColumn("codes_issued", .int),
        CopyColumn("codes_redeemed", .int), CopyColumn("repeat_users", .int), CopyColumn("budget_spent_minor", .int),
    ]

    static let batchColumns: [CopyColumn] = [
        CopyColumn("id"), CopyColumn("campaign_id"), CopyColumn("kind"), CopyColumn("template"),
        CopyColumn("requested", .int), CopyColumn("created", .int), CopyColumn("max_uses", .int),
        CopyColumn("owner_id", .optionalText), CopyColumn("api_key_id"), CopyColumn("idempotency_key", .optionalText),
        CopyColumn("created_at_ms", .int),
    ]
}
