import Dispatch
import PromoDomain

/// The single writer: every change to the database goes through here.
///
/// Jobs queue up while a commit is in progress; the next drain runs all of them (up to `batchMax`) in one
/// transaction, each inside its own SAVEPOINT so one failing job does not abort the others, commits once and
/// only then completes every job. One fsync thus acknowledges a whole batch (group commit), and nothing is
/// acknowledged before it is durable. Every job is completed exactly once, with its own value only when the
/// transaction that holds its changes committed.
///
/// Jobs come in two classes (`JobClass`). Interactive jobs (the default: redeems, reserving validates, voids,
/// back-office single-row changes) are served first. Bulk jobs are slices of large work (generate, import,
/// failure flush, purge), each small (`bulkSliceRows` rows, a few ms) and its own savepoint. A batch runs the
/// interactive jobs queued when it starts, then bulk slices one by one; after each slice it looks at the
/// interactive queue: when jobs wait there, they run next and the batch commits without a further slice. So an
/// interactive job waits behind at most one slice (plus the commit), and with no interactive work around
/// slices keep filling one transaction for up to `bulkBatchMsMax`, as fast as one big job. While interactive
/// work is around (queued, or taken within `bulkShareWindowMs`), a slice starts only while bulk has had less
/// than `bulkShareMax` of the writer's recent time (`BulkShare`): most redeem batches then carry no slice, and
/// when only bulk work waits but it is over its share, the writer waits a moment for the redeems that are on
/// their way. Bulk is never starved: it always gets its share, whatever the stream of redeems.
public final class GroupCommitWriter: Sendable {
    /// How the writer schedules a job. See the type's comment.
    public enum JobClass: Sendable, Hashable {
        /// Served first: a game server or a person waits for it.
        case interactive
        /// One bounded slice of large work: runs flat out when no interactive work is around, else one slice at a
        /// time between interactive batches, within its share of the writer (`bulkShareMax`).
        case bulk
    }

    public struct Limits: Sendable {
        /// Jobs committed together at most. Default 512.
        public var batchMax = 512
        /// Jobs waiting at most; beyond it `submit` fails at once with `busy` instead of queueing without
        /// bound. Default 100,000.
        public var queueMax = 100_000
        /// Told about every batch once it committed or failed, on the writer's queue: keep it short (update
        /// a metric). The store imports no metrics library; the server wires its metrics in here. Default none.
        public var batchObserver: (@Sendable (BatchReport) -> Void)?
        /// Told for every job as the writer takes it from its queue, on the writer's queue, with its class and
        /// how long it waited there (monotonic ns): keep it short (update a metric). Default none.
        public var queueWaitObserver: (@Sendable (JobClass, UInt64) -> Void)?
        /// Bulk slices one transaction keeps taking, while no interactive job waits, for at most this long
        /// (ms of writer time) before it commits. Bounds how much a commit writes at once and how long a slice
        /// waits to be acknowledged; interactive jobs never wait for it (they end the batch after the current
        /// slice). Default 5 ms.
        public var bulkBatchMsMax = 5
        /// While interactive work is around, bulk slices get at most this share of the writer's recent time,
        /// in (0, 1] (`BulkShare`); 1 is no bound: a slice in every batch while bulk work waits. Default 0.5.
        public var bulkShareMax = 0.5
        /// How recent counts for `bulkShareMax` (ms): interactive work is around for this long after the last
        /// interactive job was taken, and the share is measured over about this much writer time. Default 10.
        public var bulkShareWindowMs = 10
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
    /// Told what every batch changed, after its COMMIT and before any of its jobs is answered.
    private let view: ValidateView?
    private let state = LockedValue(State())
    /// The bulk share's bookkeeping, touched only on `queue`.
    private let schedule: ScheduleBox
    /// Wakes the writer when it waits for interactive work with bulk held back (`State.holding`).
    private let wakeup = DispatchSemaphore(value: 0)
    /// Checkpoints the WAL beside the writer, driven by a hook on `connection`; kept alive with it.
    let checkpointer: WALCheckpointer

    private struct State {
        var interactive = JobQueue()
        var bulk = JobQueue()
        var drainScheduled = false
        var closed = false
        /// The writer waits on `wakeup`: bulk work is held back over its share and no interactive job waits.
        var holding = false
        var pendingCount: Int { interactive.count + bulk.count }
    }

    init(connection: Connection, limits: Limits, view: ValidateView? = nil, checkpointer: WALCheckpointer) {
        self.connection = ConnectionBox(connection)
        self.limits = limits
        self.schedule = ScheduleBox(BulkShare(
            shareMax: min(1, max(0.01, limits.bulkShareMax)),
            windowNs: UInt64(max(0, limits.bulkShareWindowMs)) * 1_000_000))
        self.view = view
        self.checkpointer = checkpointer
    }

    /// Runs `body` in the next batch; `completion` gets its result after the batch commits (or fails).
    /// `completion` runs on the writer's queue: keep it short (complete a promise, resume a continuation).
    /// The job is `.interactive`.
    public func submit<T: Sendable>(
        _ body: @escaping @Sendable (Connection) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        submit(.interactive, body, completion: completion)
    }

    /// `submit(_:completion:)` for a job of the given class. A `.bulk` job must be one small slice
    /// (`bulkSliceRows` rows, a few ms); cut larger work with `submitSlices`.
    public func submit<T: Sendable>(
        _ jobClass: JobClass, _ body: @escaping @Sendable (Connection) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        let job = TypedWriteJob(body: body, completion: completion)
        if let rejection = enqueue([job], jobClass) { completion(.failure(rejection)) }
    }

    public func submit<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await submit(.interactive, body)
    }

    public func submit<T: Sendable>(_ jobClass: JobClass, _ body: @escaping @Sendable (Connection) throws -> T)
        async throws -> T
    {
        try await withCheckedThrowingContinuation { continuation in
            submit(jobClass, body) { continuation.resume(with: $0) }
        }
    }

    /// Queues `slices` as bulk jobs, all or none, in order: they run one after another (interactive jobs
    /// may commit between any two) and each commits on its own or together with its neighbours, never in
    /// part. Returns their values in order once every slice finished, or throws the first slice's error (in
    /// order); slices after a failed one still run unless the caller's bodies check for it.
    public func submitSlices<T: Sendable>(_ slices: [@Sendable (Connection) throws -> T]) async throws -> [T] {
        if slices.isEmpty { return [] }
        let results = SliceResults<T>(count: slices.count)
        return try await withCheckedThrowingContinuation { continuation in
            let jobs: [any WriteJob] = slices.enumerated().map { index, body in
                TypedWriteJob(body: body) { result in
                    if let all = results.set(index, result) { continuation.resume(with: all) }
                }
            }
            if let rejection = enqueue(jobs, .bulk) { continuation.resume(throwing: rejection) }
        }
    }

    /// Appends `jobs` to the queue of their class, all or none; returns why not when refused.
    private func enqueue(_ jobs: [any WriteJob], _ jobClass: JobClass) -> StoreError? {
        let now = DispatchTime.now().uptimeNanoseconds
        return state.withLock { state in
            if state.closed { return StoreError(.closed, "the store is closed") }
            if state.pendingCount + jobs.count > limits.queueMax {
                return StoreError(.busy, "write queue is full (\(limits.queueMax) jobs)")
            }
            for job in jobs {
                switch jobClass {
                case .interactive: state.interactive.append(job, at: now)
                case .bulk: state.bulk.append(job, at: now)
                }
            }
            if jobClass == .interactive && state.holding {
                state.holding = false
                wakeup.signal()
            }
            if state.drainScheduled { return nil }
            state.drainScheduled = true
            queue.async { self.drain() }
            return nil
        }
    }

    /// Runs `body` on the writer's connection outside any batch, waiting for it. For start-up and tests.
    public func synchronously<T>(_ body: (Connection) throws -> T) rethrows -> T {
        try queue.sync {
            let connection = connection.value
            let before = connection.totalChanges
            // Whatever it changed, the view forgets everything (also when it threw part-way).
            defer { if connection.totalChanges != before { view?.publish(ViewChanges(all: true)) } }
            return try body(connection)
        }
    }

    /// Jobs waiting in the queues (both classes), for tests.
    var queuedJobs: Int { state.withLock { $0.pendingCount } }

    /// Refuses new jobs, finishes the queued ones and waits for them.
    public func close() {
        state.withLock { $0.closed = true }
        queue.sync {}
        while state.withLock({ $0.pendingCount > 0 || $0.drainScheduled }) { queue.sync {} }
        checkpointer.close()
    }

    private func drain() {
        while true {
            let hasWork: Bool = state.withLock { state in
                if state.pendingCount == 0 { state.drainScheduled = false }
                return state.pendingCount > 0
            }
            if !hasWork { return }
            let started = DispatchTime.now().uptimeNanoseconds
            var picker = BatchPicker(startedNs: started, limits: limits, schedule: schedule)
            let jobs = commit(&picker)
            let elapsed = DispatchTime.now().uptimeNanoseconds &- started
            guard jobs > 0 else {
                // Only bulk work waits, and it is over its share: wait for the interactive jobs on their way.
                hold(until: picker.heldUntilNs ?? started)
                continue
            }
            picker.chargeOverhead(batchNs: elapsed)
            guard let observer = limits.batchObserver else { continue }
            observer(BatchReport(jobs: jobs, nanoseconds: elapsed, queuedBehind: state.withLock { $0.pendingCount }))
        }
    }

    /// Waits until an interactive job is queued or `untilNs` (monotonic) passes; the time counts as the
    /// writer's own (not bulk's), so the share refills while it waits.
    private func hold(until untilNs: UInt64) {
        let start = DispatchTime.now().uptimeNanoseconds
        let waiting = state.withLock { state in
            state.holding = state.interactive.count == 0 && untilNs > start
            return state.holding
        }
        if waiting { _ = wakeup.wait(timeout: DispatchTime(uptimeNanoseconds: untilNs)) }
        // A signal that came after the timeout stays in the semaphore: the next hold returns at once and looks
        // again, which is harmless.
        state.withLock { $0.holding = false }
        schedule.share.spent(otherNs: DispatchTime.now().uptimeNanoseconds &- start)
    }

    /// Chooses the jobs of one batch as it runs. First the interactive jobs queued when the batch starts
    /// (taken together, as one group: they share the batch's fate); then, when bulk work waits and `BulkShare`
    /// lets it run, one slice after another for as long as no interactive job waits, the share allows and the
    /// batch is younger than `bulkBatchMsMax`. The interactive jobs that arrived during a slice are taken
    /// together right after it, and no further slice joins that batch. Interactive jobs that arrive at other
    /// times wait for the next batch, as they always did: a batch never grows without bound under a steady
    /// stream. It charges the share with the writer time each job took, as the next one is asked for.
    private struct BatchPicker {
        let startedNs: UInt64
        let limits: Limits
        let schedule: ScheduleBox
        /// Jobs taken from the queues (into `taken` or handed out).
        var count = 0
        var slices = 0
        var bulkClosed = false
        var lastWasBulk = false
        var started = false
        /// Interactive jobs taken as a group and not handed out yet.
        var taken: [any WriteJob] = []
        var takenIndex = 0
        /// When the last job was handed out (monotonic ns), and whether it was a slice.
        var handedOutNs: UInt64?
        var handedOutBulk = false
        /// Writer time of this batch's jobs so far, by class (each from its hand-out to the next request).
        var bulkNs: UInt64 = 0
        var interactiveNs: UInt64 = 0
        /// Set when the batch took no job at all because bulk, the only work, is held back until then.
        var heldUntilNs: UInt64?

        mutating func next(from state: LockedValue<State>) -> (any WriteJob)? {
            let now = DispatchTime.now().uptimeNanoseconds
            chargeLastJob(now)
            if takenIndex < taken.count { return handOut(taken[takenIndex], bulk: false, at: now) }
            var waits: [(JobClass, UInt64)] = []
            let bulkJob: (any WriteJob)? = state.withLock { state in
                if !started || lastWasBulk {
                    if lastWasBulk && state.interactive.count > 0 { bulkClosed = true }
                    started = true
                    lastWasBulk = false
                    taken.removeAll(keepingCapacity: true)
                    takenIndex = 0
                    while count < limits.batchMax, case let (job, queuedAt)? = state.interactive.popFirst() {
                        taken.append(job)
                        waits.append((.interactive, now &- min(now, queuedAt)))
                        count += 1
                    }
                    if !taken.isEmpty {
                        schedule.share.interactiveTaken(at: now)
                        return nil
                    }
                }
                let young = now &- startedNs < UInt64(max(0, limits.bulkBatchMsMax)) * 1_000_000
                guard count < limits.batchMax, !bulkClosed, slices == 0 || young, state.bulk.count > 0 else { return nil }
                if case .hold(let untilNs) = schedule.share.decide(at: now, interactiveWaiting: state.interactive.count > 0) {
                    if count == 0 { heldUntilNs = untilNs }
                    return nil
                }
                guard case let (job, queuedAt)? = state.bulk.popFirst() else { return nil }
                slices += 1
                count += 1
                lastWasBulk = true
                waits.append((.bulk, now &- min(now, queuedAt)))
                return job
            }
            if let observer = limits.queueWaitObserver {
                for (jobClass, nanoseconds) in waits { observer(jobClass, nanoseconds) }
            }
            if let bulkJob { return handOut(bulkJob, bulk: true, at: now) }
            guard takenIndex < taken.count else { return nil }
            return handOut(taken[takenIndex], bulk: false, at: now)
        }

        private mutating func handOut(_ job: any WriteJob, bulk: Bool, at now: UInt64) -> any WriteJob {
            if !bulk { takenIndex += 1 }
            handedOutNs = now
            handedOutBulk = bulk
            return job
        }

        /// The job handed out last ran until `now` (with its savepoint): charged to its class at once, so that
        /// the next decision of this batch sees a slice's cost.
        private mutating func chargeLastJob(_ now: UInt64) {
            guard let handedOutNs else { return }
            self.handedOutNs = nil
            let ran = now &- min(now, handedOutNs)
            if handedOutBulk {
                bulkNs &+= ran
                schedule.share.spent(bulkNs: ran)
            } else {
                interactiveNs &+= ran
                schedule.share.spent(otherNs: ran)
            }
        }

        /// Charges the batch's time outside its jobs (BEGIN, COMMIT and its fsync, answering the jobs) to the
        /// classes in proportion to their jobs' time: a slice's pages are most of what a commit writes.
        mutating func chargeOverhead(batchNs: UInt64) {
            let jobsNs = bulkNs &+ interactiveNs
            let overhead = batchNs &- min(batchNs, jobsNs)
            guard jobsNs > 0 else { return schedule.share.spent(otherNs: overhead) }
            let bulkPart = UInt64(Double(overhead) * Double(bulkNs) / Double(jobsNs))
            schedule.share.spent(bulkNs: bulkPart, otherNs: overhead &- min(overhead, bulkPart))
        }

        /// The jobs taken but not handed out (when the batch was lost before their turn): they share its fate.
        mutating func leftovers() -> [any WriteJob] {
            defer { takenIndex = taken.count }
            return Array(taken[takenIndex...])
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

    /// Runs one batch, its jobs taken one by one from `picker` until it has none, and completes each of them
    /// exactly once, after COMMIT or after the rollback: this is the only place a job is completed, and each
    /// job's fate is decided once into `fates` before it. Returns the number of jobs in the batch.
    private func commit(_ picker: inout BatchPicker) -> Int {
        let connection = connection.value
        var batch: [any WriteJob] = []
        var fates: [JobFate] = []
        let changesBefore = connection.totalChanges
        let lost = run({ picker.next(from: state) }, on: connection, batch: &batch, fates: &fates)
        // Before any job is answered: a read that starts after an answer finds the view in step with it.
        // (For a lost batch nothing changed; dropping the noted entries anyway is harmless.)
        if let log = connection.viewChangeLog { view?.publish(log.take()) }
        // Taken with the batch but not reached before it was lost: they fail with it, as they always did.
        for job in picker.leftovers() {
            batch.append(job)
            fates.append(.notRun)
        }
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
        return batch.count
    }

    /// Runs the jobs of one batch in one transaction and commits it. Returns nil when it committed, or the
    /// error that lost the whole batch (then nothing of it was committed and no job may be acknowledged).
    /// Every job taken from `next` is appended to `batch`, with its fate at the same index of `fates`; when
    /// the batch is lost early, bulk slices still queued stay queued for the next batch.
    ///
    /// After every error the transaction state is checked (`sqlite3_get_autocommit`): on SQLITE_FULL,
    /// SQLITE_IOERR, SQLITE_NOMEM and some SQLITE_BUSY SQLite may roll the whole transaction back by itself.
    /// Carrying on would then run the next jobs outside any transaction, each committed on its own, while
    /// the batch is reported failed. Instead the batch ends there: every job fails, and the next batch
    /// starts a fresh transaction.
    private func run(
        _ next: () -> (any WriteJob)?, on connection: Connection, batch: inout [any WriteJob], fates: inout [JobFate]
    ) -> (any Error)? {
        // Taken before BEGIN, so that a batch that cannot begin still fails (and completes) a job.
        guard let first = next() else { return nil }
        batch.append(first)
        fates.append(.notRun)
        // A transaction left open by an earlier failure would make BEGIN fail forever: start clean.
        if connection.isInTransaction { try? connection.statement("ROLLBACK").run() }
        do {
            try step("BEGIN IMMEDIATE", on: connection)
        } catch {
            return error
        }
        // Report totals: summed over the batch, written before COMMIT (PendingTotals); dropped if the batch is lost.
        connection.pendingTotals?.beginBatch()
        defer { connection.pendingTotals?.endBatch() }
        var index = 0
        while index < batch.count || appendNext(next, to: &batch, fates: &fates) {
            defer { index += 1 }
            let job = batch[index]
            do {
                try step("SAVEPOINT job", on: connection)
            } catch {
                return abandon(connection, error)
            }
            connection.viewChangeLog?.beginJob(totalChanges: connection.totalChanges)
            connection.pendingTotals?.beginJob()
            let bodyError = job.run(on: connection)
            connection.viewChangeLog?.endJob(totalChanges: connection.totalChanges)
            guard connection.isInTransaction else {
                // SQLite rolled the batch back on its own (or the body ended the transaction): nothing of it
                // stands, whatever the jobs so far returned.
                return bodyError ?? StoreError(.sqlite, "the transaction ended inside a write job")
            }
            do {
                if let bodyError {
                    try step("ROLLBACK TO job", on: connection)
                    connection.pendingTotals?.endJob(kept: false)
                    try step("RELEASE job", on: connection)
                    fates[index] = .failed(bodyError)
                } else {
                    try step("RELEASE job", on: connection)
                    connection.pendingTotals?.endJob(kept: true)
                    fates[index] = .ran
                }
            } catch {
                guard connection.isInTransaction else { return error }
                connection.pendingTotals?.endJob(kept: false)
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
            try connection.flushPendingTotals()
            try step("COMMIT", on: connection)
            return nil
        } catch {
            return abandon(connection, error)
        }
    }

    private func appendNext(_ next: () -> (any WriteJob)?, to batch: inout [any WriteJob], fates: inout [JobFate]) -> Bool {
        guard let job = next() else { return false }
        batch.append(job)
        fates.append(.notRun)
        return true
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

/// The bulk share's state, touched on the writer's queue only.
private final class ScheduleBox: @unchecked Sendable {
    var share: BulkShare
    init(_ share: BulkShare) { self.share = share }
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

/// Jobs of one class in arrival order, each with when it was queued (monotonic ns). Touched under the lock.
private struct JobQueue {
    private var jobs: [(job: any WriteJob, queuedAt: UInt64)] = []
    private var head = 0
    var count: Int { jobs.count - head }

    mutating func append(_ job: any WriteJob, at queuedAt: UInt64) { jobs.append((job, queuedAt)) }

    mutating func popFirst() -> (any WriteJob, UInt64)? {
        guard head < jobs.count else { return nil }
        let first = jobs[head]
        head += 1
        // Compact now and then, so that popping stays O(1) amortised and memory does not grow.
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: jobs.count <= 1_024)
            head = 0
        } else if head >= 1_024 && head * 2 >= jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return first
    }
}

/// The results of the slices of one `submitSlices` call, gathered as they complete (on the writer's queue).
private final class SliceResults<T: Sendable>: Sendable {
    private let state: LockedValue<(results: [Result<T, any Error>?], done: Int)>

    init(count: Int) { state = LockedValue((Array(repeating: nil, count: count), 0)) }

    /// Records slice `index`'s outcome; returns the overall outcome once this was the last slice to finish.
    func set(_ index: Int, _ result: Result<T, any Error>) -> Result<[T], any Error>? {
        state.withLock { state in
            state.results[index] = result
            state.done += 1
            guard state.done == state.results.count else { return nil }
            var values: [T] = []
            values.reserveCapacity(state.results.count)
            for case let result? in state.results {
                switch result {
                case .success(let value): values.append(value)
                case .failure(let error): return .failure(error)
                }
            }
            return .success(values)
        }
    }
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
