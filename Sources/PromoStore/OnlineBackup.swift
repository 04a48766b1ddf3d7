import CSQLite
import Dispatch
import Synchronization
import PromoDomain

/// The backups running now, so that closing the store can stop them between two steps and wait for them.
final class RunningBackups: Sendable {
    private let closing = Atomic<Bool>(false)
    private let running = DispatchGroup()

    func enter() throws(StoreError) {
        running.enter()
        if closing.load(ordering: .acquiring) {
            running.leave()
            throw StoreError(.closed, "the store is closed")
        }
    }

    func leave() { running.leave() }

    var isClosing: Bool { closing.load(ordering: .acquiring) }

    /// Makes running backups give up at their next step and waits until they have.
    func closeAndWait() {
        closing.store(true, ordering: .releasing)
        running.wait()
    }
}

extension PromoStore {
    /// Copies the live database into a new SQLite file at `destination` with SQLite's online backup API,
    /// blocking the calling thread (never call it on an event loop).
    ///
    /// The copy is one consistent snapshot: the backup's own source connection holds a read transaction
    /// across every step, so in WAL mode the writer keeps committing redeems the whole time (readers never
    /// block the writer) and the backup never restarts because of them — without that pinned snapshot,
    /// `sqlite3_backup_step` would start over after every commit by another connection and, under steady
    /// redeems, might never finish. The cost: the WAL cannot be checkpointed past the snapshot until the
    /// backup ends, so it grows by the writes made meanwhile.
    ///
    /// `destination` should be a new, empty file; on failure it is left for the caller to delete.
    public func backup(
        to destination: String, pacing: BackupPacing,
        progress: ((_ remainingPages: Int, _ totalPages: Int) -> Void)? = nil
    ) throws(StoreError) -> BackupOutcome {
        try runningBackups.enter()
        defer { runningBackups.leave() }

        let source = try Connection(path: configuration.path, busyTimeoutMs: configuration.busyTimeoutMs)
        try source.execute("PRAGMA query_only = ON")
        try source.execute("BEGIN")
        // The first read starts the transaction and fixes the snapshot every step copies from.
        _ = try source.statement("SELECT count(*) FROM sqlite_schema").firstRow { $0.int(0) }
        defer { try? source.execute("COMMIT") }

        let target = try Connection(path: destination, busyTimeoutMs: configuration.busyTimeoutMs)
        guard let backup = sqlite3_backup_init(target.handle, "main", source.handle, "main") else {
            throw target.error(sqlite3_errcode(target.handle), "backup to \(destination)")
        }
        var steps = 0
        var busyWaitedMs = 0
        var rc: Int32 = SQLITE_OK
        while true {
            if runningBackups.isClosing {
                sqlite3_backup_finish(backup)
                throw StoreError(.closed, "the store is closing: backup abandoned")
            }
            rc = sqlite3_backup_step(backup, Int32(clamping: pacing.stepPages))
            steps += 1
            progress?(Int(sqlite3_backup_remaining(backup)), Int(sqlite3_backup_pagecount(backup)))
            if rc == SQLITE_DONE { break }
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED {
                // Retried like any lock wait, up to the store's busy timeout in total.
                guard busyWaitedMs < Int(configuration.busyTimeoutMs) else { break }
                sqlite3_sleep(10)
                busyWaitedMs += 10
                continue
            }
            guard rc == SQLITE_OK else { break }
            if pacing.pauseMs > 0 { sqlite3_sleep(Int32(clamping: pacing.pauseMs)) }
        }
        let pages = Int(sqlite3_backup_pagecount(backup))
        let finished = sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE, finished == SQLITE_OK else {
            throw target.error(rc == SQLITE_DONE ? finished : rc, "backup to \(destination)")
        }
        return BackupOutcome(pages: pages, steps: steps)
    }
}
