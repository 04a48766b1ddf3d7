/// The calls game servers make on the hot path, judged on the stored state: plain validate, reserving
/// validate and redeem, with the guessing limit (failed attempts per user and per IP) kept by the store.
///
/// Why the store keeps the guessing limit: a redeem or a reserving validate has effects, so an attempt slot
/// must be held around its judgement, and the slot must be exact wherever the judgement runs. In one process
/// (the embedded store) that is one lock, taken inside the write transaction; across several servers sharing
/// a database it is counted in the database, inside the same transaction. Either way the server asks, the
/// store answers `.rateLimited` or the judgement, and nothing counts twice.
///
/// The guarantees, for every implementation and across every server sharing it:
/// - No limit is ever exceeded (campaign, code, player, group, budget), whatever the concurrency: a redeem
///   checks and consumes in one transaction.
/// - A redeem with an idempotency key is judged once per (API key, idempotency key): a repeat returns the first
///   result with `replayed` set (and is not counted as an attempt); a repeat with other parameters throws
///   (`DomainError` failedPrecondition).
/// - Within the guessing limit's window a user (and an IP) gets at most `failuresMax` failed attempts judged,
///   counting validates, reserving validates and redeems together; then RATE_LIMITED for the cool-down.
/// - A judgement is acknowledged only once its transaction is durable.
///
/// Completion handlers (plain Swift, no NIO) are how the hot path avoids a task per call: they are called
/// exactly once, on a thread of the store's (the embedded store's writer thread), and must be short: complete
/// a promise. The `async` forms in the extension below are for everyone else.
public protocol RedeemStorage: Sendable {
    /// True while the user or their IP is in a guessing cool-down, as far as this process knows. A cheap
    /// early refusal before any storage work (and the `isRateLimited` of explain and offers), never the
    /// binding decision: that is taken inside `validate`, `reserve` and `redeem`. Synchronous and
    /// non-blocking: callable on an event loop.
    func isLockedOut(_ user: UserContext, nowMs: Int64) -> Bool

    /// The synchronous validate path of a store that answers from this process (memory, a local file), or
    /// nil for a store that does not (a remote database): then every plain validate goes through `validate`.
    /// Asked once at start.
    var inProcessValidation: (any InProcessValidation)? { get }

    /// A plain validate (no reservation made): the verdict on one consistent state at `now()`, admitted by
    /// the guessing limit in the same step: `.rateLimited` when the caller is locked out, or when the verdict
    /// is a failure that the limit has no room for; a failure that is shown is counted. Reads only (the
    /// counting aside). Failed verdicts are not added to the report totals here (the server buffers them:
    /// `RedemptionStorage.recordFailures`).
    func validate(_ request: RedemptionRequest, now: @escaping @Sendable () -> Int64) async throws
        -> Admission<CheckResult>

    /// A reserving validate, in one write transaction: holds an attempt slot of the user and IP (none free:
    /// `.rateLimited`, nothing judged), judges `request` at `now()` (`reservationId` is ignored), and when the
    /// verdict is OK holds one use of the code, campaign, group and player until `now() + holdMs` under
    /// `reservationId`; a failed verdict is added to the report totals in the same transaction. The slot is
    /// given back counted by the verdict (a throw never counts). May also delete a few reservations that
    /// expired unused long ago (a day on the embedded store), keeping the table bounded.
    /// `completion` gets the result once it is durable.
    func reserve(
        _ request: RedemptionRequest, reservationId: String, holdMs: Int64, now: @escaping @Sendable () -> Int64,
        completion: @escaping @Sendable (Result<Admission<Reservation>, any Error>) -> Void)

    /// Check-and-consume, in one write transaction: sets `command.nowMs` from `now()`, holds an attempt slot
    /// of the user and IP (none free: `.rateLimited`, nothing judged or stored), then answers an earlier
    /// result of the same idempotency key as a replay (not counted), or judges and records the redemption with
    /// its counts, budget spend, report totals and consumed reservation (or a failed verdict in the report
    /// totals), and the idempotency record. The slot is given back counted by the verdict (a replay or a throw
    /// never counts). `completion` gets the result once it is durable.
    func redeem(
        _ command: RedeemCommand, now: @escaping @Sendable () -> Int64,
        completion: @escaping @Sendable (Result<Admission<RedeemResult>, any Error>) -> Void)
}

extension RedeemStorage {
    public func reserve(
        _ request: RedemptionRequest, reservationId: String, holdMs: Int64, now: @escaping @Sendable () -> Int64
    ) async throws -> Admission<Reservation> {
        try await withCheckedThrowingContinuation { continuation in
            reserve(request, reservationId: reservationId, holdMs: holdMs, now: now) { continuation.resume(with: $0) }
        }
    }

    public func redeem(_ command: RedeemCommand, now: @escaping @Sendable () -> Int64) async throws
        -> Admission<RedeemResult>
    {
        try await withCheckedThrowingContinuation { continuation in
            redeem(command, now: now) { continuation.resume(with: $0) }
        }
    }
}

/// A judgement, or RATE_LIMITED from the guessing limit (then nothing was judged or stored).
public enum Admission<Judged: Sendable>: Sendable {
    case admitted(Judged)
    case rateLimited
}

extension Admission: Equatable where Judged: Equatable {}
extension Admission: Hashable where Judged: Hashable {}

/// What a reserving validate judged, and until when the use is held (when the verdict is OK).
public struct Reservation: Sendable, Hashable {
    public var check: CheckResult
    /// `now() + holdMs` of the transaction; meaningful only when `check`'s verdict is OK.
    public var heldUntilMs: Int64
    public init(check: CheckResult, heldUntilMs: Int64) {
        self.check = check
        self.heldUntilMs = heldUntilMs
    }
}

/// A plain validate answered synchronously on the caller's thread, without a hop: what a store in this
/// process can offer (the embedded store: an in-memory view kept exact by its writer, then a read connection
/// per event loop). The server asks for it once at start (`RedeemStorage.inProcessValidation`).
///
/// The order of a validate: `checkInMemory`; on nil, the thread's `SnapshotReader`; then `admit`. Both reads
/// judge exactly like `RedeemStorage.validate`; only `admit` counts, so the guessing limit stays one limit.
public protocol InProcessValidation: Sendable {
    /// The verdict from memory alone, on any thread, without blocking on I/O: nil when something it needs is
    /// not resident (then ask a `SnapshotReader`).
    func checkInMemory(_ request: RedemptionRequest, nowMs: Int64) -> CheckResult?

    /// A reader for one thread (an event loop), owned by the caller and used only from that thread.
    func makeSnapshotReader() throws -> any SnapshotReader

    /// The guessing limit's answer for a verdict judged here: `verdict` itself, or RATE_LIMITED; a failure
    /// that is shown is counted in the same step, under the same limit `reserve` and `redeem` take slots of.
    /// Non-blocking.
    func admit(_ verdict: Verdict, for user: UserContext, nowMs: Int64) -> Verdict
}

/// One thread's synchronous read path. Its reads share one snapshot until `endSnapshot`: the server calls it
/// once the event loop iteration that first read has done its I/O, so all validates answered in one wake-up
/// cost one snapshot (and none reads a state older than an answer its client has already seen: that answer
/// went out in an earlier iteration, under an earlier snapshot).
public protocol SnapshotReader: AnyObject {
    /// The verdict of a plain validate in the current snapshot (begun by this call when none is open).
    /// Blocks only on local point reads. Throws `StoreError`.
    func check(_ request: RedemptionRequest, nowMs: Int64) throws -> CheckResult

    /// Ends the current snapshot, if one is open; the next `check` begins a new one.
    func endSnapshot()
}
