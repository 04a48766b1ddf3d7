import PromoDomain

/// Hands what the store reports to the server's metrics (commits, queue waits) and to its storage-fault log.
struct StorageReporter: StorageObserver {
    let metrics: ServerMetrics
    let faults: StorageFaultLog

    func committed(_ commit: CommitReport) { metrics.recordCommit(commit) }

    func waited(_ work: WorkClass, nanoseconds: UInt64) { metrics.recordWriteWait(work, nanoseconds: nanoseconds) }

    func storageFault(_ fault: StoreError?) { faults.observe(fault) }
}
