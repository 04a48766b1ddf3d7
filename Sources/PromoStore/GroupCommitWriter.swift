import Dispatch

/// The single writer: every change to the database goes through here.
///
/// Jobs queue up while a commit is in progress; the next drain runs all of them (up to `batchMax`) in one
/// transaction, each inside its own SAVEPOINT so one failing job does not abort the others, commits once and
/// only then completes every job. One fsync thus acknowledges a whole batch (group commit), and nothing is
/// acknowledged before it is durable.
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

    private func commit(_ batch: [any WriteJob]) {
        let connection = connection.value
        do {
            try connection.statement("BEGIN IMMEDIATE").run()
        } catch {
            for job in batch { job.fail(error) }
            return
        }
        for job in batch {
            do {
                try connection.statement("SAVEPOINT job").run()
                if job.run(on: connection) {
                    try connection.statement("RELEASE job").run()
                } else {
                    try connection.statement("ROLLBACK TO job").run()
                    try connection.statement("RELEASE job").run()
                }
            } catch {
                job.fail(error)
            }
        }
        do {
            try connection.statement("COMMIT").run()
            for job in batch { job.finish() }
        } catch {
            try? connection.statement("ROLLBACK").run()
            for job in batch { job.fail(error) }
        }
    }
}

/// The writer's connection, shared with the writer's queue only.
private final class ConnectionBox: @unchecked Sendable {
    let value: Connection
    init(_ value: Connection) { self.value = value }
}

private protocol WriteJob: Sendable {
    /// Runs the job's body; false when it threw (its savepoint is then rolled back).
    func run(on connection: Connection) -> Bool
    /// After a successful commit: deliver the body's outcome.
    func finish()
    /// The batch could not commit: deliver this error instead.
    func fail(_ error: any Error)
}

/// Runs and finishes on the writer's queue only, which serialises access to `outcome`.
private final class TypedWriteJob<T: Sendable>: WriteJob, @unchecked Sendable {
    private let body: @Sendable (Connection) throws -> T
    private let completion: @Sendable (Result<T, any Error>) -> Void
    private var outcome: Result<T, any Error>?

    init(body: @escaping @Sendable (Connection) throws -> T, completion: @escaping @Sendable (Result<T, any Error>) -> Void) {
        self.body = body
        self.completion = completion
    }

    func run(on connection: Connection) -> Bool {
        do {
            outcome = .success(try body(connection))
            return true
        } catch {
            outcome = .failure(error)
            return false
        }
    }

    func finish() { completion(outcome ?? .failure(StoreError(.sqlite, "job did not run"))) }

    func fail(_ error: any Error) {
        // A job whose own body failed keeps its own error; the others learn why the batch failed.
        if case .failure(let own)? = outcome { completion(.failure(own)) } else { completion(.failure(error)) }
    }
}
