/// A store's life around its requests: whether it can serve, how it reports on its work, how it closes.
/// `PromoStorage` includes it; a store is opened by the server's one opener (`PromoServer/StoreOpener.swift`),
/// which picks the implementation from the configuration.
public protocol StorageLifecycle: Sendable {
    /// False while the store knows it cannot serve (a shared database that cannot be reached); `/readyz`
    /// says not ready meanwhile, and calls fail quickly with `StoreError` `unreachable` rather than hang.
    /// True for an embedded store while it is open (a full disk still serves reads: it is reported through
    /// `StorageObserver.storageFault`). Non-blocking.
    var isAvailable: Bool { get }

    /// Stops running backups, finishes the writes already accepted and waits for them; later calls fail with
    /// `closed`. Called once, after the last request was answered.
    func close() async
}

/// How a store reports on its work: the server's metrics and its storage-fault log implement it, and the
/// opener hands it to the store. Every method is called on a thread of the store's, after the work it
/// reports on: keep it short (update a metric, note a time) and never call back into the store.
public protocol StorageObserver: Sendable {
    /// A commit of write work: on the embedded store one group commit, on a shared database one transaction
    /// carrying several calls' work (0 nanoseconds or 1 job where a store does not batch).
    func committed(_ commit: CommitReport)

    /// A unit of write work started, after waiting `nanoseconds` for its turn (the writer's queue, a free
    /// pooled connection), by class.
    func waited(_ work: WorkClass, nanoseconds: UInt64)

    /// After each commit attempt: the storage fault (`StoreError.isStorageFault`) its work failed with, or nil
    /// when it committed changes without one, which after a fault means storage works again.
    func storageFault(_ fault: StoreError?)
}

/// What one commit of write work carried, for metrics.
public struct CommitReport: Sendable, Hashable {
    /// Calls (or slices of bulk calls) committed together.
    public var jobs: Int
    /// From the start of the transaction until every call in it was answered after its commit (monotonic).
    public var nanoseconds: UInt64
    /// Write work left waiting when this commit's work was taken.
    public var queuedBehind: Int
    public init(jobs: Int, nanoseconds: UInt64, queuedBehind: Int) {
        self.jobs = jobs
        self.nanoseconds = nanoseconds
        self.queuedBehind = queuedBehind
    }
}

/// How a store schedules write work. Interactive work (a game server or a person waits for it: redeems,
/// reserving validates, single-row changes) goes first; bulk work is cut into slices (generate, import, the
/// failure flush, the purge) that run between interactive calls, one slice at a time.
public enum WorkClass: Sendable, Hashable {
    case interactive
    case bulk
}

/// When a write is acknowledged, for stores that let the operator trade safety for speed.
public enum CommitDurability: String, Sendable, CaseIterable {
    /// Acknowledged once on stable storage: survives power loss (SQLite `synchronous=FULL`; PostgreSQL
    /// `synchronous_commit=on`). The default: an acknowledged redemption must survive a crash.
    case full
    /// Survives a crash of the process, may lose the last commits on power loss (SQLite `synchronous=NORMAL`
    /// in WAL mode; PostgreSQL `synchronous_commit=off`).
    case normal
}
