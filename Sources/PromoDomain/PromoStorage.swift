/// What the server needs of storage, in domain terms: the seam between the services and a concrete store
/// (SQLite embedded in the process today, `PromoStore`; a shared database later).
///
/// Rules every implementation keeps:
/// - One method is one transaction: it sees one consistent state and its changes commit together, audit
///   entry included, or not at all. A write returns only once its commit is durable.
/// - Failures are `StoreError`s. Refusals found in the stored state (a campaign that does not exist, a
///   code already taken) carry a message meant for the caller (`notFound`, `alreadyExists`,
///   `failedPrecondition`, `resourceExhausted`); the server maps every code to a wire status in one place.
/// - A closure passed in (`change`, `audit`) runs inside the method's transaction, may run on any thread,
///   and must be pure: it decides, the store does the I/O. An error it throws aborts the method's
///   transaction and reaches the caller unchanged.
///
/// The areas are small protocols of their own (as GRDB splits reading from writing), so a reader of one
/// service sees only what that service may ask; `PromoStorage` is all of them. The hot path's calls are in
/// `RedeemStorage`, codes in bulk in `CodeStorage`, and health, metrics and closing in `StorageLifecycle`.
public protocol PromoStorage: CampaignStorage, GroupStorage, BlockStorage, ApiKeyStorage, AuditStorage,
    ReportStorage, MaintenanceStorage, BackupStorage, RedemptionStorage, RedeemStorage, CodeStorage,
    StorageLifecycle
{}

/// Campaigns and the switching of their codes on and off.
public protocol CampaignStorage: Sendable {
    /// Inserts `campaign`, its shared code (if any) and `audit`. `notFound` when `campaign.groupId` names no
    /// group; `alreadyExists` when the shared code exists.
    func createCampaign(_ campaign: Campaign, sharedCode: PromoCode?, audit: AuditEntry) async throws

    /// Reads campaign `id` (`notFound` when missing), lets `change` compute its new version, refuses what
    /// history forbids (`failedPrecondition`: a limit below the redemptions made, a budget below what is
    /// spent; `notFound`: a group that does not exist), moves the group counts when the group changes, and
    /// stores it with `audit`. Returns the stored campaign and its counters.
    func updateCampaign(
        id: String, audit: AuditEntry, _ change: @escaping @Sendable (Campaign) throws -> Campaign
    ) async throws -> (Campaign, CampaignCounters)

    func campaign(id: String) async throws -> (Campaign, CampaignCounters)?

    /// Campaigns by creation time, after `cursor`, at most `limit`.
    func campaigns(after cursor: CampaignCursor?, limit: Int, activeOnly: Bool) async throws
        -> [(Campaign, CampaignCounters)]

    /// Switches one code on or off, with `audit`; `notFound` when it does not exist.
    func setCodeActive(_ code: CodeText, active: Bool, audit: AuditEntry) async throws -> PromoCode

    /// Switches the next chunk of at most `limit` codes of a batch or a campaign (exactly one of the two)
    /// after row `afterId` (0: the first chunk, which first checks that the batch or campaign exists:
    /// `notFound`). The last chunk (`nextAfterId` nil) also appends `audit(changed in this chunk)`. Bulk work:
    /// interactive calls queued meanwhile commit first.
    func setCodesActive(
        batchId: String?, campaignId: String?, active: Bool, afterId: Int64, limit: Int,
        audit: @escaping @Sendable (Int) -> AuditEntry
    ) async throws -> (nextAfterId: Int64?, changed: Int)
}

/// Redemptions and grants around the hot path: the support desk's explained validate, offers, manual
/// credits, voids, the history, and the failed attempts counted for reports. (Validate, reserve and redeem
/// themselves are in `RedeemStorage`.)
///
/// `now` is read inside the method's transaction, as the time the call is judged at.
public protocol RedemptionStorage: Sendable {
    /// The verdict a game server would get now, with every rule and its detail, on one consistent state.
    /// `isRateLimited(nowMs)` says whether the caller is locked out (one of the checks).
    func explain(
        _ request: RedemptionRequest, now: @escaping @Sendable () -> Int64,
        isRateLimited: @escaping @Sendable (Int64) -> Bool
    ) async throws -> CheckResult

    /// The active auto-apply campaigns for `user` now (at most `limit`), each judged as a codeless redeem
    /// would be, on one consistent state.
    func offers(
        user: UserContext, deposit: Deposit, limit: Int, now: @escaping @Sendable () -> Int64,
        isRateLimited: @escaping @Sendable (Int64) -> Bool
    ) async throws -> [OfferResult]

    /// Records a manual credit (its `nowMs` set from `now`) with its budget spend and, unless it replays an
    /// earlier grant of the same idempotency key, `audit(result, nowMs)`.
    func grant(
        _ command: GrantCommand, now: @escaping @Sendable () -> Int64,
        audit: @escaping @Sendable (GrantResult, Int64) -> AuditEntry
    ) async throws -> GrantResult

    /// Voids a redemption or writes off a grant, restoring the counts, with `audit(voided, nowMs)`.
    func voidRedemption(
        id: String, reason: String, now: @escaping @Sendable () -> Int64,
        audit: @escaping @Sendable (Redemption, Int64) -> AuditEntry
    ) async throws -> Redemption

    /// A player's redemptions and grants, newest first, after `cursor`, at most `limit`.
    func redemptions(userId: String, after cursor: RedemptionCursor?, limit: Int) async throws -> [Redemption]

    /// Adds failed attempts to the report totals, as bulk work in slices of `sliceRows` events (interactive
    /// calls commit between slices). Throws the first slice's error; the others still ran.
    func recordFailures(_ events: [FailureEvent], sliceRows: Int) async throws
}

/// Exclusive groups of campaigns.
public protocol GroupStorage: Sendable {
    func createGroup(_ group: Group, audit: AuditEntry) async throws

    /// Reads group `id` (`notFound` when missing), lets `change` compute its new version and the audit entry
    /// that says what changed, and stores both. Returns the stored group.
    func updateGroup(id: String, _ change: @escaping @Sendable (Group) throws -> (Group, AuditEntry)) async throws
        -> Group

    func group(id: String) async throws -> Group?

    /// Groups by creation time, after `cursor`, at most `limit`.
    func groups(after cursor: GroupCursor?, limit: Int) async throws -> [Group]
}

/// Disqualified players.
public protocol BlockStorage: Sendable {
    /// Stores `block` (replacing the player's block of the same scope) with `audit(stored block)`; returns
    /// the stored block. `notFound` when its campaign does not exist; `resourceExhausted` when a new block
    /// would make more than `blocksMax`.
    func putBlock(
        _ block: UserBlock, nowMs: Int64, blocksMax: Int, audit: @escaping @Sendable (UserBlock) -> AuditEntry
    ) async throws -> UserBlock

    /// Lifts the player's block of one campaign (or the global one, `campaignId` nil), with
    /// `audit(blocks removed)`; returns how many were removed.
    func deleteBlock(userId: String, campaignId: String?, audit: @escaping @Sendable (UInt64) -> AuditEntry)
        async throws -> UInt64

    /// Blocks in force at `nowMs`, newest first, after `cursor`, at most `limit`.
    func blocks(after cursor: BlockCursor?, limit: Int, nowMs: Int64) async throws -> [UserBlock]
}

/// API keys (hashed; the registry in front of them lives in the server).
public protocol ApiKeyStorage: Sendable {
    /// Every key, revoked ones included.
    func apiKeys() async throws -> [ApiKeyRecord]
    /// `constraint` when the id or the digest exists.
    func insertApiKey(_ record: ApiKeyRecord, audit: AuditEntry) async throws
    /// `notFound` when there is no active key `id`.
    func revokeApiKey(id: String, atMs: Int64, audit: AuditEntry) async throws
}

/// The audit trail of back-office changes.
public protocol AuditStorage: Sendable {
    func appendAudit(_ entry: AuditEntry) async throws
    /// Newest first, as `query` filters and pages.
    func auditLog(_ query: AuditQuery) async throws -> [StoredAuditEntry]
}

/// Reports from the maintained totals, and the check of those totals.
public protocol ReportStorage: Sendable {
    /// Nil when the campaign does not exist.
    func report(_ query: ReportQuery) async throws -> CampaignReport?
    /// `report` for each query in order, read together; stops after the first campaign that does not exist
    /// (its nil is the last element).
    func reports(_ queries: [ReportQuery]) async throws -> [CampaignReport?]
    /// Every maintained total recomputed from the raw rows on one consistent state: what disagrees, in words
    /// (empty when all agree).
    func consistencyProblems() async throws -> [String]
}

/// Housekeeping that runs in the background as bulk work, behind interactive requests.
public protocol MaintenanceStorage: Sendable {
    /// Deletes at most `limit` idempotency records created before `idempotencyBeforeMs` and at most `limit`
    /// unused reservations that expired before `reservationsBeforeMs`, oldest first.
    func purgeExpired(idempotencyBeforeMs: Int64, reservationsBeforeMs: Int64, limit: Int) async throws
        -> PurgeResult
}

/// Online backups of a store that keeps its data in a file of its own.
public protocol BackupStorage: Sendable {
    /// Copies one consistent state of the whole database to the new file `path` while writes go on, blocking
    /// the calling thread for as long as it takes (call it off the event loops). `failedPrecondition` for a
    /// store that cannot be copied this way.
    func backup(to path: String, pacing: BackupPacing) throws -> BackupOutcome
}
