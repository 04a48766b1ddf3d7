import Dispatch
import PromoDomain
@testable import PromoStore
import Testing

/// The writer's two job classes: interactive jobs are served first and wait behind at most one bulk slice;
/// bulk slices are never starved (they get their share, `bulkShareMax`) and, with nothing interactive
/// waiting, share one transaction.
@Suite("Group-commit writer: interactive before bulk")
struct BulkWriterTests {
    /// A store with a scratch table `t(x)`, opened with `limits`.
    private static func store(_ configure: (inout GroupCommitWriter.Limits) -> Void = { _ in }) throws -> PromoStore {
        let directory = makeStoreTestDirectory("bulk")
        var limits = GroupCommitWriter.Limits()
        configure(&limits)
        let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"), writerLimits: limits)
        try store.writer.synchronously { try $0.execute("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)") }
        return store
    }

    private static func insert(_ x: Int, on connection: Connection) throws {
        let insert = try connection.statement("INSERT INTO t (x) VALUES (?)")
        try insert.bind(1, x)
        try insert.run()
    }

    private static func count(_ store: PromoStore) throws -> Int {
        try store.writer.synchronously { connection in
            try connection.statement("SELECT count(*) FROM t").firstRow { $0.int(0) } ?? -1
        }
    }

    /// Waits on a semaphore without blocking a cooperative thread.
    private static func wait(_ semaphore: DispatchSemaphore) async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                semaphore.wait()
                continuation.resume()
            }
        }
    }

    /// The ordering guarantee, without timing: a redeem-like job submitted while slice 0 of a bulk job runs
    /// is run and committed (its completion fires, which happens only after COMMIT) before slice 1 starts,
    /// even with a transaction time budget far longer than the test.
    @Test func anInteractiveJobSubmittedMidBulkCommitsBeforeTheNextSlice() async throws {
        let store = try Self.store { $0.bulkBatchMsMax = 600_000 }
        let events = LockedValue<[String]>([])
        let sliceStarted = DispatchSemaphore(value: 0)
        let interactiveQueued = DispatchSemaphore(value: 0)
        let slices: [@Sendable (Connection) throws -> Int] = (0..<4).map { index in
            { connection in
                events.withLock { $0.append("slice \(index)") }
                if index == 0 {
                    sliceStarted.signal()
                    interactiveQueued.wait()
                }
                for row in 0..<10 { try Self.insert(index * 100 + row, on: connection) }
                return index
            }
        }
        let bulk = Task { try await store.writer.submitSlices(slices) }
        await Self.wait(sliceStarted)
        let interactiveDone = DispatchSemaphore(value: 0)
        store.writer.submit({ connection in
            events.withLock { $0.append("interactive ran") }
            try Self.insert(-1, on: connection)
        }) { result in
            events.withLock { $0.append(result.isSuccess ? "interactive committed" : "interactive failed") }
            interactiveDone.signal()
        }
        interactiveQueued.signal()
        #expect(try await bulk.value == [0, 1, 2, 3])
        await Self.wait(interactiveDone)
        #expect(events.withLock { $0 } == [
            "slice 0", "interactive ran", "interactive committed", "slice 1", "slice 2", "slice 3",
        ])
        #expect(try Self.count(store) == 41)
        store.close()
    }

    /// With no interactive job waiting, slices share one transaction (one commit) while the batch is young;
    /// with no time budget each slice is its own commit. Both commit every slice's rows.
    @Test func slicesShareATransactionOnlyWhileNothingInteractiveWaits() async throws {
        // The gate's batch takes what is queued when the gate returns: with a budget all six slices, without
        // one the first slice only (every batch with bulk work waiting runs one).
        for (budgetMs, expectedBatches) in [(600_000, [7]), (0, [2, 1, 1, 1, 1, 1])] {
            let batches = LockedValue<[Int]>([])
            let store = try Self.store {
                $0.bulkBatchMsMax = budgetMs
                // No share bound: the gate is an interactive job, and under a share the slices after it
                // would wait their turn (tested in `aSteadyStreamOfInteractiveJobsNeverStarvesBulk`).
                $0.bulkShareMax = 1
                $0.batchObserver = { report in batches.withLock { $0.append(report.jobs) } }
            }
            // Holds the writer until every slice is queued, so the first batch sees them all. The slices are
            // queued only once the gate runs: a writer that started late would otherwise take them with it.
            let (gate, gateRunning) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
            store.writer.submit({ _ in gateRunning.signal(); gate.wait() }, completion: { _ in })
            await Self.wait(gateRunning)
            let slices: [@Sendable (Connection) throws -> Void] = (0..<6).map { index in
                { connection in for row in 0..<5 { try Self.insert(index * 100 + row, on: connection) } }
            }
            let bulk = Task { try await store.writer.submitSlices(slices) }
            #expect(await eventuallyQueued(store, 6))
            gate.signal()
            _ = try await bulk.value
            store.writer.synchronously { _ in }  // the last batch's report comes after its completions
            #expect(batches.withLock { $0 } == expectedBatches, "budget \(budgetMs) ms")
            #expect(try Self.count(store) == 30)
            store.close()
        }
    }

    /// With no share bound (`bulkShareMax` 1, the rule before the share) every batch with slices waiting
    /// runs one, however many interactive jobs wait.
    @Test func withNoShareBoundEveryBatchRunsASliceWhenBulkWorkWaits() async throws {
        let order = LockedValue<[String]>([])
        let batchEnds = LockedValue<[Int]>([])
        let store = try Self.store {
            $0.bulkBatchMsMax = 600_000
            $0.bulkShareMax = 1
            $0.batchObserver = { _ in batchEnds.withLock { $0.append(order.withLock { $0.count }) } }
        }
        let (gate, gateRunning) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        store.writer.submit({ _ in gateRunning.signal(); gate.wait() }, completion: { _ in })
        await Self.wait(gateRunning)
        let slices: [@Sendable (Connection) throws -> Void] = (0..<3).map { index in
            { _ in
                order.withLock { $0.append("s\(index)") }
                // Each slice finds a new interactive job queued, as under a closed loop of redeems.
                store.writer.submit({ _ in order.withLock { $0.append("i\(index + 1)") } }, completion: { _ in })
            }
        }
        let bulk = Task { try await store.writer.submitSlices(slices) }
        #expect(await eventuallyQueued(store, 3))
        gate.signal()
        _ = try await bulk.value
        store.writer.synchronously { _ in }
        #expect(order.withLock { $0 } == ["s0", "i1", "s1", "i2", "s2", "i3"])
        // Batches: [gate s0 i1], [s1 i2], [s2 i3] (the jobs recorded after each): one slice per batch,
        // since each slice found an interactive job waiting after it.
        #expect(batchEnds.withLock { $0 } == [2, 4, 6])
        store.close()
    }

    /// The default share never starves bulk work: with an interactive job queued at every moment (each one
    /// queues the next as it runs, until the bulk work is done), every slice still runs, each while an
    /// interactive job waits, and one interactive job at least commits between two slices. Checked by order:
    /// the chain of interactive jobs is bounded, so a writer that starved bulk fails instead of hanging.
    @Test func aSteadyStreamOfInteractiveJobsNeverStarvesBulk() async throws {
        let sliceCount = 10
        let chainMax = 20_000
        let store = try Self.store()
        // submitted - ran > 0: an interactive job is queued. Events: "s" a slice ran, "i" an interactive job.
        let chain = LockedValue((submitted: 0, ran: 0, slicesDone: 0, events: [String](), queuedAtSlice: [Bool]()))
        let writer = store.writer
        @Sendable func submitNext() {
            chain.withLock { $0.submitted += 1 }
            writer.submit({ _ in
                let more = chain.withLock { state -> Bool in
                    state.ran += 1
                    state.events.append("i")
                    return state.slicesDone < sliceCount && state.ran < chainMax
                }
                if more { submitNext() }
            }, completion: { _ in })
        }
        let (gate, gateRunning) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        store.writer.submit({ _ in
            submitNext()
            gateRunning.signal()
            gate.wait()
        }, completion: { _ in })
        await Self.wait(gateRunning)
        let slices: [@Sendable (Connection) throws -> Void] = (0..<sliceCount).map { index in
            { connection in
                chain.withLock { state in
                    state.queuedAtSlice.append(state.submitted > state.ran)
                    state.events.append("s")
                }
                for row in 0..<50 { try Self.insert(index * 1_000 + row, on: connection) }
                chain.withLock { $0.slicesDone += 1 }
            }
        }
        let bulk = Task { try await store.writer.submitSlices(slices) }
        #expect(await eventuallyQueued(store, sliceCount + 1))
        gate.signal()
        _ = try await bulk.value
        store.writer.synchronously { _ in }
        let (ran, events, queuedAtSlice) = chain.withLock { ($0.ran, $0.events, $0.queuedAtSlice) }
        #expect(ran < chainMax, "bulk work waited behind \(ran) interactive jobs")
        #expect(queuedAtSlice == Array(repeating: true, count: sliceCount), "an interactive job waited at every slice")
        let betweenSlices = events.drop(while: { $0 != "s" }).split(separator: "s", omittingEmptySubsequences: false)
            .dropFirst().dropLast()
        #expect(betweenSlices.count == sliceCount - 1 && betweenSlices.allSatisfy { !$0.isEmpty }, "\(events)")
        #expect(try Self.count(store) == sliceCount * 50)
        store.close()
    }

    /// A failing slice is rolled back alone; the others commit; `submitSlices` throws the first error.
    @Test func aFailingSliceFailsTheCallAndIsUndoneAlone() async throws {
        let store = try Self.store()
        let slices: [@Sendable (Connection) throws -> Void] = (0..<3).map { index in
            { connection in
                try Self.insert(index * 100, on: connection)
                if index == 1 { try Self.insert(0, on: connection) }  // UNIQUE: fails
            }
        }
        await #expect(throws: StoreError.self) { try await store.writer.submitSlices(slices) }
        #expect(try Self.count(store) == 2)
        store.close()
    }

    /// Each job's time in the queue is reported with its class.
    @Test func queueWaitIsReportedPerClass() async throws {
        let seen = LockedValue<[GroupCommitWriter.JobClass: Int]>([:])
        let store = try Self.store { $0.queueWaitObserver = { jobClass, _ in seen.withLock { $0[jobClass, default: 0] += 1 } } }
        try await store.writer.submit { connection in try Self.insert(1, on: connection) }
        try await store.writer.submit(.bulk) { connection in try Self.insert(2, on: connection) }
        let slices: [@Sendable (Connection) throws -> Void] = [{ connection in try Self.insert(3, on: connection) }, { _ in }]
        _ = try await store.writer.submitSlices(slices)
        #expect(seen.withLock { $0 } == [.interactive: 1, .bulk: 3])
        store.close()
    }

    /// Polls (every 5 ms, for up to 30 s) until the writer holds `count` queued jobs.
    private func eventuallyQueued(_ store: PromoStore, _ count: Int) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if store.writer.queuedJobs >= count { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
