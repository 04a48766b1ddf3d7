import PromoDomain
import CSQLite
import Dispatch

/// Copies the WAL back into the database file on a connection and thread of its own, so that the writer
/// never stops for a large checkpoint (issue 19).
///
/// SQLite's automatic checkpoint runs inside the COMMIT that pushed the WAL past `wal_autocheckpoint` pages,
/// on the committing connection: it writes every page changed since the last checkpoint into the database
/// file and fsyncs it, and the writer waits. After redeems alone that is a handful of hot pages; after bulk
/// work (a generate, an import) it is megabytes of fresh code and index pages, tens to hundreds of ms in
/// front of the next batch of redeems. Here the writer's connection checkpoints nothing by itself
/// (`wal_autocheckpoint = 0`): after each commit a WAL hook sees the WAL's length, and once it reaches
/// `walAutocheckpointPages` this type runs a PASSIVE checkpoint on its own connection while the writer goes
/// on committing (WAL lets both run at once; PASSIVE never blocks the writer or a reader).
///
/// A checkpoint running beside the writer cannot by itself let the WAL start over: SQLite restarts the WAL
/// only when a write transaction begins with every frame already copied, and under steady writes new
/// frames arrive while the copy runs. So the writer finishes the job itself, inside its WAL hook (between
/// two batches, as SQLite's own automatic checkpoint does), but only when little is left: when a background
/// pass has copied all but at most `walCatchUpPages` frames. That small checkpoint lets the next batch
/// restart the WAL. Should the WAL still grow past `walPagesMax` (the background passes never catching up,
/// say under a stream of bulk work on a slow disk), the writer checkpoints whatever is left, as SQLite would
/// have: the WAL stays bounded, at the cost of one such stall.
///
/// A checkpoint never changes what is committed or visible: it only moves committed pages from the WAL into
/// the database file, and a crash in the middle of one is repaired from the WAL on the next open.
final class WALCheckpointer: Sendable {
    private let queue = DispatchQueue(label: "promo.store.checkpoint")
    /// Touched only on `queue`.
    private let connection: CheckpointConnection
    private let policy: LockedValue<CheckpointPolicy>

    init(configuration: StoreConfiguration) throws(StoreError) {
        let connection = try Connection(path: configuration.path, busyTimeoutMs: configuration.busyTimeoutMs)
        // The checkpoint's fsyncs follow the store's durability like the writer's own would.
        try connection.execute("PRAGMA synchronous = \(configuration.durability == .full ? "FULL" : "NORMAL")")
        self.connection = CheckpointConnection(connection)
        self.policy = LockedValue(
            CheckpointPolicy(
                thresholdPages: configuration.walAutocheckpointPages, catchUpPages: configuration.walCatchUpPages,
                pagesMax: configuration.walPagesMax))
    }

    /// Turns off the writer connection's own automatic checkpoint and installs the hook that drives this
    /// checkpointer instead. The writer must keep a strong reference to `self` for as long as `writer` lives.
    func attach(to writer: Connection) throws(StoreError) {
        try writer.execute("PRAGMA wal_autocheckpoint = 0")
        // Set after the pragma, which installs SQLite's own hook (or clears it): this one replaces it.
        sqlite3_wal_hook(
            writer.handle,
            { context, handle, _, pages in
                guard let context, let handle else { return SQLITE_OK }
                Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(walPages: Int(pages), on: handle)
                // Never an error: the commit has happened, and an error here would make COMMIT report one.
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    var counts: CheckpointPolicy.Counts { policy.withLock { $0.counts } }

    /// Waits for a running background pass and starts no more.
    func close() {
        policy.withLock { $0.closed = true }
        queue.sync {}
    }

    /// Called by SQLite on the writer's thread after every commit, with the WAL's length in frames.
    private func committed(walPages pages: Int, on writer: OpaquePointer) {
        switch policy.withLock({ $0.committed(walPages: pages) }) {
        case .none:
            return
        case .catchUp, .forced:
            // PASSIVE: copies what no reader still needs; the next write transaction restarts the WAL when
            // everything was copied. A failure needs no handling: the next commit looks again.
            var log: Int32 = 0
            var copied: Int32 = 0
            let rc = sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &copied)
            policy.withLock { $0.writerCheckpointed(copied: rc == SQLITE_OK ? Int(copied) : nil) }
        case .background(let generation):
            queue.async { self.runBackgroundPass(generation) }
        }
    }

    private func runBackgroundPass(_ generation: Int) {
        var log: Int32 = 0
        var copied: Int32 = 0
        // Busy (another checkpoint holds the lock) or a fault (a full disk): the next commit past the threshold
        // tries again, and the WAL keeps every committed page meanwhile.
        let closed = policy.withLock { $0.closed }
        let rc = closed ? SQLITE_MISUSE : sqlite3_wal_checkpoint_v2(connection.value.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &copied)
        policy.withLock { $0.passEnded(generation: generation, copied: rc == SQLITE_OK ? Int(copied) : nil) }
    }
}

/// When to checkpoint, and where: the decisions of `WALCheckpointer`, without I/O, after every commit.
struct CheckpointPolicy: Sendable {
    /// What the checkpointer did, for tests and metrics.
    struct Counts: Sendable, Equatable {
        /// PASSIVE checkpoints run on the checkpointer's own connection.
        var background = 0
        /// Small catch-up checkpoints the writer ran (at most `catchUpPages` frames left).
        var catchUp = 0
        /// Checkpoints the writer ran because the WAL reached `pagesMax`.
        var forced = 0
        /// Times the WAL started over from its first frame.
        var restarts = 0
        /// The most frames the WAL held after a commit.
        var walPagesPeak = 0
    }

    enum Step: Equatable {
        case none
        /// Start a pass on the checkpointer's connection; hand `generation` back to `passEnded`.
        case background(generation: Int)
        /// The writer copies the few frames left itself, so that the WAL can restart.
        case catchUp
        /// The WAL is at its bound: the writer copies whatever is left itself.
        case forced
    }

    let thresholdPages: Int
    let catchUpPages: Int
    let pagesMax: Int
    private(set) var counts = Counts()
    var closed = false
    /// A background pass is queued or running.
    private var running = false
    /// Frames of the WAL known to be copied (all up to this one), nil when it restarted since or nothing is known.
    private var copied: Int?
    /// The WAL's length after the last commit, to see it start over.
    private var lastPages = 0
    /// Times the WAL started over: a pass's count is kept only if none happened while it ran.
    private var generation = 0

    init(thresholdPages: Int, catchUpPages: Int, pagesMax: Int) {
        self.thresholdPages = max(1, thresholdPages)
        self.catchUpPages = max(0, catchUpPages)
        self.pagesMax = max(self.thresholdPages, pagesMax)
    }

    /// After a commit that left `pages` frames in the WAL.
    mutating func committed(walPages pages: Int) -> Step {
        if pages < lastPages {
            copied = nil
            generation += 1
            counts.restarts += 1
        }
        lastPages = pages
        counts.walPagesPeak = max(counts.walPagesPeak, pages)
        guard pages >= thresholdPages, !closed else { return .none }
        if pages >= pagesMax {
            counts.forced += 1
            return .forced
        }
        if running { return .none }
        if let copied, copied <= pages, pages - copied <= catchUpPages {
            counts.catchUp += 1
            return .catchUp
        }
        running = true
        return .background(generation: generation)
    }

    /// A background pass ended, having copied the WAL's first `copied` frames (nil: it failed).
    mutating func passEnded(generation: Int, copied: Int?) {
        running = false
        guard let copied else { return }
        counts.background += 1
        // Counted against the WAL as it was when the pass began: meaningless once it restarted.
        if generation == self.generation { self.copied = copied }
    }

    /// The writer checkpointed itself, copying the WAL's first `copied` frames (nil: it failed).
    mutating func writerCheckpointed(copied: Int?) {
        self.copied = copied
    }
}

/// The checkpointer's connection, used on its queue only.
private final class CheckpointConnection: @unchecked Sendable {
    let value: Connection
    init(_ value: Connection) { self.value = value }
}
