import CSQLite
import Dispatch
import PromoDomain
@testable import PromoStore
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Fault injection into the group-commit writer: whatever fails (a job's SAVEPOINT or RELEASE, COMMIT, or
/// SQLite rolling the whole transaction back by itself), every job is completed exactly once, and no job is
/// acknowledged whose changes are not committed.
@Suite("Group-commit writer under faults")
struct WriterFaultTests {
    /// A store with a scratch table `t(x)`, opened with `limits`.
    private static func store(_ configure: (inout GroupCommitWriter.Limits) -> Void = { _ in }) throws -> PromoStore {
        let directory = makeStoreTestDirectory("store")
        var limits = GroupCommitWriter.Limits()
        configure(&limits)
        let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"), writerLimits: limits)
        try store.writer.synchronously { try $0.execute("CREATE TABLE t (x INTEGER NOT NULL)") }
        return store
    }

    private static func rows(_ store: PromoStore) throws -> [Int] {
        try store.writer.synchronously { connection in
            let select = try connection.statement("SELECT x FROM t ORDER BY x")
            var rows: [Int] = []
            while try select.step() { rows.append(select.int(0)) }
            return rows
        }
    }

    /// Runs `bodies` as one batch (queued behind a job that holds the writer until all are queued) and returns
    /// each job's completions: how many times it completed, and whether the first one succeeded.
    private static func runOneBatch(_ store: PromoStore, _ bodies: [@Sendable (Connection) throws -> Void]) async
        -> [(completions: Int, succeeded: Bool)]
    {
        let gate = DispatchSemaphore(value: 0)
        let gateRunning = DispatchSemaphore(value: 0)
        store.writer.submit({ _ in
            gateRunning.signal()
            gate.wait()
        }, completion: { _ in })
        // The gate's batch must have started (with the gate alone) before the bodies are queued: else, with the
        // writer's thread late on a loaded machine, the first body joins the gate's batch.
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                gateRunning.wait()
                continuation.resume()
            }
        }
        let results = LockedValue([(completions: Int, succeeded: Bool)](repeating: (0, false), count: bodies.count))
        let done = DispatchGroup()
        for (index, body) in bodies.enumerated() {
            done.enter()
            store.writer.submit(body) { result in
                let first = results.withLock { results in
                    results[index].completions += 1
                    if results[index].completions == 1, case .success = result { results[index].succeeded = true }
                    return results[index].completions == 1
                }
                if first { done.leave() }
            }
        }
        gate.signal()
        await withCheckedContinuation { continuation in
            done.notify(queue: .global()) { continuation.resume() }
        }
        // A second completion would come on the writer's queue right after the first ones: let it show.
        store.writer.synchronously { _ in }
        return results.withLock { $0 }
    }

    private static func insert(_ x: Int) -> @Sendable (Connection) throws -> Void {
        { connection in
            let insert = try connection.statement("INSERT INTO t (x) VALUES (?)")
            try insert.bind(1, x)
            try insert.run()
        }
    }

    @Test func aJobWhoseReleaseFailsIsFailedOnceAndItsChangesUndone() async throws {
        let failNextRelease = Atomic(false)
        let store = try Self.store { limits in
            limits.statementFault = { sql in
                if sql == "RELEASE job", failNextRelease.exchange(false, ordering: .relaxed) {
                    throw StoreError(sqliteCode: SQLITE_FULL, message: "injected: database or disk is full")
                }
            }
        }
        defer { store.close() }
        let results = await Self.runOneBatch(store, [
            Self.insert(1),
            { connection in
                try Self.insert(2)(connection)
                failNextRelease.store(true, ordering: .relaxed)
            },
            Self.insert(3),
        ])
        #expect(results.map(\.completions) == [1, 1, 1])
        #expect(results.map(\.succeeded) == [true, false, true])
        // The job told "failed" really did not happen; the others committed.
        #expect(try Self.rows(store) == [1, 3])
    }

    /// A job that releases its own savepoint makes the writer's RELEASE fail with the savepoint gone: its
    /// changes cannot be told apart from the batch's, so the whole batch is rolled back and fails, once.
    @Test func aJobWhoseSavepointVanishedFailsTheBatchOnce() async throws {
        let store = try Self.store()
        defer { store.close() }
        let results = await Self.runOneBatch(store, [
            Self.insert(1),
            { connection in
                try Self.insert(2)(connection)
                try connection.statement("RELEASE job").run()
            },
            Self.insert(3),
        ])
        #expect(results.map(\.completions) == [1, 1, 1])
        #expect(results.map(\.succeeded) == [false, false, false])
        #expect(try Self.rows(store) == [])
        // The next batch starts cleanly.
        try await store.writer.submit(Self.insert(4))
        #expect(try Self.rows(store) == [4])
    }

    /// SQLite rolls the whole transaction back by itself after SQLITE_FULL, SQLITE_IOERR or SQLITE_NOMEM; a
    /// job running ROLLBACK does the same. No job of that batch may be acknowledged, and no later job may run
    /// outside a transaction (where each statement would commit on its own).
    @Test func whenSQLiteRollsTheTransactionBackNoJobOfTheBatchIsAcknowledged() async throws {
        let store = try Self.store()
        defer { store.close() }
        let results = await Self.runOneBatch(store, [
            Self.insert(1),
            { connection in
                try Self.insert(2)(connection)
                try connection.statement("ROLLBACK").run()
            },
            Self.insert(3),
        ])
        #expect(results.map(\.completions) == [1, 1, 1])
        #expect(results.map(\.succeeded) == [false, false, false])
        #expect(try Self.rows(store) == [])
        try await store.writer.submit(Self.insert(4))
        #expect(try Self.rows(store) == [4])
    }

    /// The async path resumes its continuation once: before, a failed RELEASE resumed it twice (a crash).
    @Test func theAsyncPathCompletesOnceWhenTheSavepointFails() async throws {
        let store = try Self.store()
        defer { store.close() }
        await #expect(throws: StoreError.self) {
            try await store.writer.submit { connection in
                try Self.insert(1)(connection)
                try connection.statement("RELEASE job").run()
            }
        }
        #expect(try Self.rows(store) == [])
    }

    @Test func aFailedCommitFailsEveryJobAndTheNextBatchCommits() async throws {
        let failCommit = Atomic(false)
        let store = try Self.store { limits in
            limits.statementFault = { sql in
                if sql == "COMMIT", failCommit.exchange(false, ordering: .relaxed) {
                    throw StoreError(sqliteCode: SQLITE_IOERR | (4 << 8), message: "injected: disk I/O error")
                }
            }
        }
        defer { store.close() }
        // Armed by the first insert itself, so the COMMIT that fails is the one of the inserts' batch even when
        // the writer picked up runOneBatch's gate job in a batch of its own.
        let armingInsert: @Sendable (Connection) throws -> Void = { connection in
            failCommit.store(true, ordering: .relaxed)
            try Self.insert(1)(connection)
        }
        let results = await Self.runOneBatch(store, [armingInsert, Self.insert(2)])
        #expect(results.map(\.completions) == [1, 1])
        #expect(results.map(\.succeeded) == [false, false])
        #expect(try Self.rows(store) == [])
        try await store.writer.submit(Self.insert(3))
        #expect(try Self.rows(store) == [3])
    }

    @Test func aFailedSavepointFailsTheBatchOnce() async throws {
        let failSavepoint = Atomic(false)
        let store = try Self.store { limits in
            limits.statementFault = { sql in
                if sql == "SAVEPOINT job", failSavepoint.exchange(false, ordering: .relaxed) {
                    throw StoreError(sqliteCode: SQLITE_NOMEM, message: "injected: out of memory")
                }
            }
        }
        defer { store.close() }
        let results = await Self.runOneBatch(store, [
            { connection in
                try Self.insert(1)(connection)
                failSavepoint.store(true, ordering: .relaxed)
            },
            Self.insert(2),
        ])
        #expect(results.map(\.completions) == [1, 1])
        #expect(results.map(\.succeeded) == [false, false])
        #expect(try Self.rows(store) == [])
    }

    /// A real SQLITE_FULL (the file may not grow past `max_page_count`): the job fails with `storageFull`, the
    /// observer hears of it, and once there is room again the next write succeeds and the observer hears nil.
    @Test func aFullDatabaseFailsWithStorageFullAndRecoversWithoutReopening() async throws {
        let faults = LockedValue<[StoreError.Code?]>([])
        let store = try Self.store { limits in
            limits.faultObserver = { fault in faults.withLock { $0.append(fault?.code) } }
        }
        defer { store.close() }
        let pages = try store.writer.synchronously { connection in
            try connection.statement("PRAGMA page_count").firstRow { $0.int(0) } ?? 0
        }
        try store.writer.synchronously { try $0.execute("PRAGMA max_page_count = \(pages)") }
        let error = await #expect(throws: StoreError.self) {
            try await store.writer.submit { connection in
                let insert = try connection.statement(
                    "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 100000) INSERT INTO t (x) SELECT v FROM s")
                try insert.run()
            }
        }
        #expect(error?.code == .storageFull)
        #expect(error?.isStorageFault == true)
        #expect(faults.withLock { $0.last } == .some(.storageFull))
        try store.writer.synchronously { try $0.execute("PRAGMA max_page_count = 1073741823") }
        try await store.writer.submit(Self.insert(7))
        #expect(try Self.rows(store) == [7])
        #expect(faults.withLock { $0.last } == .some(nil))
    }
}
