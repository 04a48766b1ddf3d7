/// Records the storage protocol (`PromoStorage`) reads and writes that are not rules of their own: keys, audit
/// entries, counters, cursors of paged listings, purge and backup outcomes.

/// An API key as stored: never the secret itself, only its SHA-256 digest.
public struct ApiKeyRecord: Sendable, Hashable {
    public var id: String
    public var name: String
    /// One of redeemer, issuer, analyst, manager, admin (checked by the schema).
    public var role: String
    public var secretSHA256: [UInt8]
    public var campaignIds: [String]
    public var createdAtMs: Int64
    public var revokedAtMs: Int64?

    public init(
        id: String, name: String, role: String, secretSHA256: [UInt8], campaignIds: [String] = [],
        createdAtMs: Int64, revokedAtMs: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.secretSHA256 = secretSHA256
        self.campaignIds = campaignIds
        self.createdAtMs = createdAtMs
        self.revokedAtMs = revokedAtMs
    }
}

/// One back-office change: who (key), what, when.
public struct AuditEntry: Sendable, Hashable {
    public var atMs: Int64
    public var actorKeyId: String
    public var action: String
    public var target: String
    public var detail: String

    public init(atMs: Int64, actorKeyId: String, action: String, target: String, detail: String = "") {
        self.atMs = atMs
        self.actorKeyId = actorKeyId
        self.action = action
        self.target = target
        self.detail = detail
    }
}

/// What the audit_log reader asks for: exact filters (nil = any), a time range and a cursor.
public struct AuditQuery: Sendable, Hashable {
    public var actorKeyId: String?
    public var action: String?
    public var target: String?
    /// Entries at or after this time.
    public var fromMs: Int64 = 0
    /// Entries before this time; nil = no upper bound.
    public var toMs: Int64?
    /// The last entry of the previous page, by (at_ms, id): the page continues below it.
    public var before: AuditCursor?
    public var limit: Int

    public init(limit: Int) {
        self.limit = limit
    }
}

public struct AuditCursor: Sendable, Hashable {
    public var atMs: Int64
    public var id: Int64

    public init(atMs: Int64, id: Int64) {
        self.atMs = atMs
        self.id = id
    }
}

/// One audit entry as stored, with its row id (which orders entries of the same millisecond).
public struct StoredAuditEntry: Sendable, Hashable {
    public var id: Int64
    public var entry: AuditEntry
    public init(id: Int64, entry: AuditEntry) {
        self.id = id
        self.entry = entry
    }
}

/// The headline numbers maintained with every redemption and void.
public struct CampaignCounters: Sendable, Hashable {
    /// Standing (not voided) redemptions.
    public var redemptions: UInt64
    /// Users with at least one standing redemption.
    public var uniqueUsers: UInt64
    public var codesIssued: UInt64
    /// Codes with at least one standing redemption.
    public var codesRedeemed: UInt64
    /// What standing redemptions and grants have spent of the budget, in its unit (kept without a budget too,
    /// so a budget set later starts from the truth).
    public var budgetSpentMinor: Int64
    public init(
        redemptions: UInt64 = 0, uniqueUsers: UInt64 = 0, codesIssued: UInt64 = 0, codesRedeemed: UInt64 = 0,
        budgetSpentMinor: Int64 = 0
    ) {
        self.redemptions = redemptions
        self.uniqueUsers = uniqueUsers
        self.codesIssued = codesIssued
        self.codesRedeemed = codesRedeemed
        self.budgetSpentMinor = budgetSpentMinor
    }
}

/// Where `list` continues: the last campaign of the previous page.
public struct CampaignCursor: Sendable, Hashable {
    public var createdAtMs: Int64
    public var id: String
    public init(createdAtMs: Int64, id: String) {
        self.createdAtMs = createdAtMs
        self.id = id
    }
}

/// Where `groups(after:)` continues: the last group of the previous page.
public struct GroupCursor: Sendable, Hashable {
    public var createdAtMs: Int64
    public var id: String
    public init(createdAtMs: Int64, id: String) {
        self.createdAtMs = createdAtMs
        self.id = id
    }
}

/// Where `blocks` continues: the last block of the previous page (newest first).
public struct BlockCursor: Sendable, Hashable {
    public var createdAtMs: Int64
    public var id: String
    public init(createdAtMs: Int64, id: String) {
        self.createdAtMs = createdAtMs
        self.id = id
    }
}

/// Removing what is kept only for a while: idempotency records past their retention and reservations that
/// expired unused long ago. Each call deletes a bounded number of rows, so that a purge runs as a series of
/// small writer jobs with redeems committing between them, never one long one.
public struct PurgeResult: Sendable, Hashable {
    public var idempotencyRecords: Int
    public var reservations: Int
    public init(idempotencyRecords: Int = 0, reservations: Int = 0) {
        self.idempotencyRecords = idempotencyRecords
        self.reservations = reservations
    }
}

/// How an online backup copies: pages per step and an optional pause between steps.
public struct BackupPacing: Sendable {
    /// Pages copied per step. Each step holds the destination lock and one CPU for its pages only, and the
    /// backup notices a closing store between steps.
    public var stepPages: Int
    /// Sleep between steps, to leave disk bandwidth to the writer on a busy machine. 0 = none.
    public var pauseMs: Int

    public init(stepPages: Int, pauseMs: Int = 0) {
        precondition(stepPages >= 1 && pauseMs >= 0)
        self.stepPages = stepPages
        self.pauseMs = pauseMs
    }
}

public struct BackupOutcome: Sendable, Hashable {
    /// Pages in the copy.
    public let pages: Int
    /// Copy steps it took.
    public let steps: Int
    public init(pages: Int, steps: Int) {
        self.pages = pages
        self.steps = steps
    }
}
