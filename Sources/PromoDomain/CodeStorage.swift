/// Codes in bulk and one at a time: generated batches (opened, filled in chunks, discarded when they cannot
/// be completed), personal codes, imports, exports and the look-up of one code.
///
/// The contract every implementation keeps, beyond `PromoStorage`'s rules:
/// - A code's key is unique across all campaigns, and an owner has at most one code per campaign: an insert
///   that would break either is skipped (never an error) and reported as such.
/// - A batch row counts exactly the codes it holds: the codes a call inserts and the `created` they add to
///   their batch commit together. So a batch interrupted anywhere can be resumed (its idempotency key finds
///   it) or discarded, and never counts a code that was rolled back.
/// - Every code inserted also counts in its campaign's `codesIssued`, in the same transaction.
/// - Bulk calls (`fillBatch`, `importCodes`) are cut into slices of at most `sliceRows` codes, each its own
///   transaction, run one after another and served behind interactive work (redeems commit between slices);
///   a slice never commits in part.
public protocol CodeStorage: Sendable {
    /// Opens a generated batch, or finds the one this caller opened before with the same idempotency key.
    /// One transaction:
    /// - `notFound` when `batch.campaignId` names no campaign;
    /// - when `batch.idempotencyKey` is set and `batch.apiKeyId` opened a batch with that key before: returns
    ///   `.existing` with that batch and its first `firstCodesMax` codes in issue order, and writes nothing
    ///   (whether the parameters match is the caller's to judge);
    /// - otherwise runs `checkRoom(codes requested so far under batch.template, across all campaigns and
    ///   in-progress batches included)`, which throws to refuse a pattern too small (the guessability guard:
    ///   its error reaches the caller unchanged and nothing is written), then stores `batch` and `audit`.
    func openBatch(
        _ batch: CodeBatch, audit: AuditEntry, firstCodesMax: Int,
        checkRoom: @escaping @Sendable (_ issuedUnderTemplate: UInt64) throws -> Void
    ) async throws -> BatchOpening

    /// Inserts `codes` (all of batch `batchId`, sorted by key: they go into the key index in order), skipping
    /// those whose key or owner is taken, as bulk slices of at most `sliceRows` codes. Each slice adds what
    /// it inserted to the batch's `created` in its own transaction. Returns how many went in and the first
    /// `firstInsertedMax` of them in the order given. Throws the first failed slice's error; every other slice
    /// may still have run, and whatever committed is counted in the batch.
    func fillBatch(_ codes: [PromoCode], batchId: String, sliceRows: Int, firstInsertedMax: Int) async throws
        -> BatchFill

    /// Deletes a batch that could not be completed: its codes that were never used nor reserved (and their
    /// `codesIssued`), and the batch row itself when no code is left in it. One transaction; nothing to do
    /// for a batch that does not exist.
    func discardBatch(id: String) async throws

    /// One personal code of `batch.ownerId` in `batch.campaignId` (`batch.kind` personal, `requested` 1),
    /// in one transaction:
    /// - `notFound` when the campaign does not exist;
    /// - `.existing` with the owner's code when they have one in the campaign (asking again never makes a
    ///   second one);
    /// - otherwise `checkRoom` as in `openBatch` (throws to refuse, nothing written), then stores the batch,
    ///   the first of `candidates` (codes of that batch, in order) whose key is free, the batch's `created`
    ///   1 and `audit`: `.issued` with it. `.noFreeCandidate`, with nothing written, when all are taken.
    func issuePersonalCode(
        _ batch: CodeBatch, candidates: [PromoCode], audit: AuditEntry,
        checkRoom: @escaping @Sendable (_ issuedUnderTemplate: UInt64) throws -> Void
    ) async throws -> PersonalCodeIssue

    /// Imports `codes` (all of `batch.campaignId` and batch `batch.id`, kind imported) as bulk slices of at
    /// most `sliceRows` codes, in the order given, so a code refused for any reason never blocks a later one.
    /// The first slice checks the campaign exists (`notFound`), stores `batch` and `audit`; each slice adds
    /// what it imported to the batch's `created` in its own transaction; when nothing was imported in the end
    /// the batch is dropped again (no row). A code is refused (`ImportRefusal`) when it repeats an imported
    /// code or owner of this import, or its key or owner (in the campaign) is taken. After a failed slice the
    /// later ones fail too (`StoreError.busy` or the first error), so the answer never counts codes rolled back:
    /// throws the first error.
    func importCodes(_ codes: [PromoCode], batch: CodeBatch, audit: AuditEntry, sliceRows: Int) async throws
        -> CodeImport

    /// Codes matching `filter` in issue order, after position `after` (nil: from the first), at most `limit`,
    /// on one consistent state. `notFound` when the filter's campaign does not exist.
    func codes(_ filter: CodeFilter, after position: Int64?, limit: Int) async throws -> [ListedCode]

    /// The code with canonical key `key`, its campaign and the campaign's counters, read together; nil when
    /// there is no such code.
    func codeWithCampaign(key: String) async throws -> (PromoCode, Campaign, CampaignCounters)?
}
