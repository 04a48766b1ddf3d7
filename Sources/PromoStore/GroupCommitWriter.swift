import Dispatch

/// The single writer: every change to the database goes through here.
///
/// Jobs queue up while a commit is in progress; the next drain runs all of them (up to `batchMax`) in one
/// transaction, each inside its own SAVEPOINT so one failing job does not abort the others, commits once and
/// only then completes every job. One fsync thus acknowledges a whole batch (group commit), and nothing is
/// acknowledged before it is durable. Every job is completed exactly once, with its own value only when the
/// transaction that holds its changes committed.
public final class GroupCommitWriter: Sendable {
    public struct Limits: Sendable {
        /// Jobs committed together at most. Default 512.
        public var batchMax = 512
        /// Jobs waiting at most; beyond it `submit` fails at once with `busy` instead of queueing without
        /// bound. Default 100,000.
        public var queueMax = 100_000
        /// Told about every batch once it committed or failed, on the writer's queue: keep it short (update
        /// a metric). The store imports no metrics library; the server wires its metrics in here. Default none.
        public var batchObserver: (@Sendable (BatchReport) -> Void)?
        /// Told after a batch, on the writer's queue: the first storage fault (disk full, I/O error) a job of
        /// it failed with, or nil when it committed changes without one, which after a fault means storage
        /// works again. Keep it short. Default none.
        public var faultObserver: (@Sendable (StoreError?) -> Void)?
        /// Tests only: runs before each of the writer's own statements (BEGIN, SAVEPOINT, RELEASE, ROLLBACK
        /// TO, COMMIT) with its SQL, and may throw to fail it, as a full disk would.
        var statementFault: (@Sendable (String) throws -> Void)?
        public init() {}
    }

    /// What one group commit did, for metrics.
    public struct BatchReport: Sendable {
        /// Jobs in the batch.
        public let jobs: Int
        /// From BEGIN until every job of the batch was answered after COMMIT (or the failed attempt), monotonic.
        public let nanoseconds: UInt64
        /// Jobs left waiting when the batch was taken from the queue.
        public let queuedBehind: Int
    }

    private let queue = DispatchQueue(label: "promo.store.writer")
    /// Touched only on `queue`.
    private let connection: ConnectionBox
    private let limits: Limits
    private let state = LockedValue(State())

    private struct State {
        var pending: [any WriteJob] = []
        var drainScheduled = false
        var closed = false
    }

    init(connection: Connection, limits: Limits) {
        self.connection = ConnectionBox(connection)
        self.limits = limits
    }

    /// Runs `body` in the next batch; `completion` gets its result after the batch commits (or fails).
    /// `completion` runs on the writer's queue: keep it short (complete a promise, resume a continuation).
    public func submit<T: Sendable>(
        _ body: @escaping @Sendable (Connection) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        let job = TypedWriteJob(body: body, completion: completion)
        let rejection: StoreError? = state.withLock { state in
            if state.closed { return StoreError(.closed, "the store is closed") }
            if state.pending.count >= limits.queueMax {
                return StoreError(.busy, "write queue is full (\(limits.queueMax) jobs)")
            }
            state.pending.append(job)
            if state.drainScheduled { return nil }
            state.drainScheduled = true
            queue.async { self.drain() }
            return nil
        }
        if let rejection { completion(.failure(rejection)) }
    }

    public func submit<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit(body) { continuation.resume(with: $0) }
        }
    }

    /// Runs `body` on the writer's connection outside any batch, waiting for it. For start-up and tests.
    public func synchronously<T>(_ body: (Connection) throws -> T) rethrows -> T {
        try queue.sync { try body(connection.value) }
    }

    /// Refuses new jobs, finishes the queued ones and waits for them.
    public func close() {
        state.withLock { $0.closed = true }
        queue.sync {}
        while state.withLock({ !$0.pending.isEmpty || $0.drainScheduled }) { queue.sync {} }
    }

    private func drain() {
        while true {
            let (batch, queuedBehind): ([any WriteJob], Int) = state.withLock { state in
                let count = min(state.pending.count, limits.batchMax)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                if batch.isEmpty { state.drainScheduled = false }
                return (batch, state.pending.count)
            }
            if batch.isEmpty { return }
            guard let observer = limits.batchObserver else {
                commit(batch)
                continue
            }
            let started = DispatchTime.now().uptimeNanoseconds
            commit(batch)
            let elapsed = DispatchTime.now().uptimeNanoseconds &- started
            observer(BatchReport(jobs: batch.count, nanoseconds: elapsed, queuedBehind: queuedBehind))
        }
    }

    /// What became of one job in its batch, decided once while the batch runs.
    private enum JobFate {
        /// Not run: an earlier failure lost the batch before this job's turn.
        case notRun
        /// The body returned and its savepoint was released: acknowledged if and only if the batch commits.
        case ran
        /// The body threw, or its savepoint could not be released; its changes were rolled back.
        case failed(any Error)
    }

    /// Runs one batch and completes each of its jobs exactly once, after COMMIT or after the rollback: this
    /// is the only place a job is completed, and each job's fate is decided once into `fates` before it.
    private func commit(_ batch: [any WriteJob]) {
        let connection = connection.value
        var fates = [JobFate](repeating: .notRun, count: batch.count)
        let changesBefore = connection.totalChanges
        let lost = run(batch, on: connection, fates: &fates)
        var storageFault: StoreError?
        for (job, fate) in zip(batch, fates) {
            let result: Result<Void, any Error>
            switch (fate, lost) {
            case (.failed(let own), _): result = .failure(own)
            case (.ran, nil): result = .success(())
            case (_, let batchError?): result = .failure(batchError)
            case (.notRun, nil): result = .failure(StoreError(.sqlite, "job did not run"))  // cannot happen: see `run`
            }
            if case .failure(let error as StoreError) = result, error.isStorageFault, storageFault == nil {
                storageFault = error
            }
            job.complete(result)
        }
        // Nil (storage works) only on proof: a commit that wrote something. A batch that wrote nothing commits
        // even on a full disk.
        if let observer = limits.faultObserver {
            if storageFault != nil {
                observer(storageFault)
            } else if lost == nil && connection.totalChanges != changesBefore {
                observer(nil)
            }
        }
    }

    /// Runs the jobs of one batch in one transaction and commits it. Returns nil when it committed, or the
    /// error that lost the whole batch (then nothing of it was committed and no job may be acknowledged).
    ///
    /// After every error the transaction state is checked (`sqlite3_get_autocommit`): on SQLITE_FULL,
    /// SQLITE_IOERR, SQLITE_NOMEM and some SQLITE_BUSY SQLite may roll the whole transaction back by itself.
    /// Carrying on would then run the next jobs outside any transaction, each committed on its own, while
    /// the batch is reported failed. Instead the batch ends there: every job fails, and the next batch
    /// starts a fresh transaction.
    private func run(_ batch: [any WriteJob], on connection: Connection, fates: inout [JobFate]) -> (any Error)? {
        // A transaction left open by an earlier failure would make BEGIN fail forever: start clean.
        if connection.isInTransaction { try? connection.statement("ROLLBACK").run() }
        do {
            try step("BEGIN IMMEDIATE", on: connection)
        } catch {
            return error
        }
        for (index, job) in batch.enumerated() {
            do {
                try step("SAVEPOINT job", on: connection)
            } catch {
                return abandon(connection, error)
            }
            let bodyError = job.run(on: connection)
            guard connection.isInTransaction else {
                // SQLite rolled the batch back on its own (or the body ended the transaction): nothing of it
                // stands, whatever the jobs so far returned.
                return bodyError ?? StoreError(.sqlite, "the transaction ended inside a write job")
            }
            do {
                if let bodyError {
                    try step("ROLLBACK TO job", on: connection)
                    try step("RELEASE job", on: connection)
                    fates[index] = .failed(bodyError)
                } else {
                    try step("RELEASE job", on: connection)
                    fates[index] = .ran
                }
            } catch {
                guard connection.isInTransaction else { return error }
                // The savepoint is still open (RELEASE failed): undo this job alone, so that "failed" is true.
                // If even that fails, this job's changes cannot be told apart from the others': give up the batch.
                do {
                    try step("ROLLBACK TO job", on: connection)
                    try step("RELEASE job", on: connection)
                } catch {
                    return abandon(connection, error)
                }
                fates[index] = .failed(bodyError ?? error)
            }
        }
        do {
            try step("COMMIT", on: connection)
            return nil
        } catch {
            return abandon(connection, error)
        }
    }

    /// Rolls the batch back (when SQLite has not already) and returns `error` as the reason it was lost.
    private func abandon(_ connection: Connection, _ error: any Error) -> any Error {
        if connection.isInTransaction { try? connection.statement("ROLLBACK").run() }
        return error
    }

    /// Runs one of the writer's own statements, after the test hook (if any) had its say.
    private func step(_ sql: String, on connection: Connection) throws {
        if let fault = limits.statementFault { try fault(sql) }
        try connection.statement(sql).run()
    }
}

/// The writer's connection, shared with the writer's queue only.
private final class ConnectionBox: @unchecked Sendable {
    let value: Connection
    init(_ value: Connection) { self.value = value }
}

private protocol WriteJob: Sendable {
    /// Runs the job's body and keeps its value; returns the error it threw, if any.
    func run(on connection: Connection) -> (any Error)?
    /// Delivers the job's outcome: its kept value on success, else the error. Called exactly once.
    func complete(_ result: Result<Void, any Error>)
}

/// Runs and completes on the writer's queue only, which serialises access to `value`.
private final class TypedWriteJob<T: Sendable>: WriteJob, @unchecked Sendable {
    private let body: @Sendable (Connection) throws -> T
    private let completion: @Sendable (Result<T, any Error>) -> Void
    private var value: T?

    init(body: @escaping @Sendable (Connection) throws -> T, completion: @escaping @Sendable (Result<T, any Error>) -> Void) {
        self.body = body
        self.completion = completion
    }

    func run(on connection: Connection) -> (any Error)? {
        do {
            value = try body(connection)
            return nil
        } catch {
            return error
        }
    }

    func complete(_ result: Result<Void, any Error>) {
        switch result {
        case .success:
            guard let value else { return completion(.failure(StoreError(.sqlite, "job did not run"))) }
            completion(.success(value))
        case .failure(let error):
            completion(.failure(error))
        }
        value = nil
    }
}
