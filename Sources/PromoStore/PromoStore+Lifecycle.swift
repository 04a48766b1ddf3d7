import PromoDomain

// `StorageLifecycle` on SQLite, and the writer's reports handed to a `StorageObserver`.

extension PromoStore: StorageLifecycle {
    /// An open file is always there to serve: a full disk or an I/O error fails writes (reported through the
    /// observer's `storageFault`) while reads go on.
    public var isAvailable: Bool { true }
}

extension GroupCommitWriter.Limits {
    /// Reports every batch, queue wait and storage fault of the writer to `observer`.
    public mutating func report(to observer: any StorageObserver) {
        batchObserver = { batch in
            observer.committed(CommitReport(jobs: batch.jobs, nanoseconds: batch.nanoseconds, queuedBehind: batch.queuedBehind))
        }
        queueWaitObserver = { jobClass, nanoseconds in
            observer.waited(jobClass == .interactive ? .interactive : .bulk, nanoseconds: nanoseconds)
        }
        faultObserver = { fault in observer.storageFault(fault) }
    }
}
