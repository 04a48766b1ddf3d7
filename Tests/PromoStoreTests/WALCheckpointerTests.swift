@testable import PromoStore
import Testing

/// The WAL is checkpointed beside the writer, not inside its COMMIT (issue 19): a background pass copies
/// the bulk of it, the writer only a small rest so that the WAL can start over, and the WAL stays bounded.
@Suite("WAL checkpoints beside the writer")
struct WALCheckpointerTests {
    @Test func theWriterLeavesLargeCheckpointsToTheBackgroundAndCopiesOnlyASmallRest() {
        var policy = CheckpointPolicy(thresholdPages: 100, catchUpPages: 10, pagesMax: 1_000)
        #expect(policy.committed(walPages: 99) == .none)
        #expect(policy.committed(walPages: 100) == .background(generation: 0))
        // One pass at a time, however many commits come meanwhile.
        #expect(policy.committed(walPages: 130) == .none)
        policy.passEnded(generation: 0, copied: 100)
        // 30 frames left: too many for the writer, another pass.
        #expect(policy.committed(walPages: 135) == .background(generation: 0))
        policy.passEnded(generation: 0, copied: 135)
        // 5 frames left: the writer copies them, and the WAL can restart.
        #expect(policy.committed(walPages: 140) == .catchUp)
        policy.writerCheckpointed(copied: 140)
        // The WAL started over: what was copied of the old one says nothing about the new one.
        #expect(policy.committed(walPages: 3) == .none)
        #expect(policy.committed(walPages: 101) == .background(generation: 1))
        #expect(policy.counts == .init(background: 2, catchUp: 1, forced: 0, restarts: 1, walPagesPeak: 140))
    }

    @Test func aPassOverAnEarlierWALIsIgnoredAndTheBoundIsKeptWhateverRuns() {
        var policy = CheckpointPolicy(thresholdPages: 100, catchUpPages: 10, pagesMax: 1_000)
        #expect(policy.committed(walPages: 200) == .background(generation: 0))
        // The WAL restarts while the pass runs (it had copied everything before the pass began)...
        #expect(policy.committed(walPages: 2) == .none)
        #expect(policy.committed(walPages: 105) == .none)  // ...the pass still runs
        policy.passEnded(generation: 0, copied: 200)
        // ...so its count belongs to the old WAL: no catch-up on the strength of it.
        #expect(policy.committed(walPages: 110) == .background(generation: 1))
        // At the bound the writer checkpoints itself, even with a pass running.
        #expect(policy.committed(walPages: 1_000) == .forced)
        #expect(policy.counts.forced == 1)
        policy.closed = true
        policy.passEnded(generation: 1, copied: nil)
        #expect(policy.committed(walPages: 500) == .none)
    }

    /// A real store under steady small commits: the writer's own automatic checkpoint is off, background
    /// passes run, and the WAL keeps starting over (it never grows to its bound), every row kept.
    @Test func underSteadyCommitsTheWALIsCheckpointedInTheBackgroundAndRestarts() async throws {
        var configuration = StoreConfiguration(path: makeStoreTestDirectory("checkpoint") + "/promo.sqlite")
        configuration.walAutocheckpointPages = 32
        configuration.walCatchUpPages = 32
        configuration.walPagesMax = 100_000
        let store = try PromoStore(configuration: configuration)
        try store.writer.synchronously { try $0.execute("CREATE TABLE t (x INTEGER NOT NULL, pad BLOB NOT NULL)") }
        #expect(try store.writer.synchronously { try $0.statement("PRAGMA wal_autocheckpoint").firstRow { $0.int(0) } } == 0)
        let checkpointer = store.writer.checkpointer
        var jobs = 0
        // Bounded: restarts come every few dozen commits; 20,000 would mean they never do.
        while checkpointer.counts.restarts < 3 && jobs < 20_000 {
            let x = jobs
            try await store.writer.submit { connection in
                let insert = try connection.statement("INSERT INTO t (x, pad) VALUES (?, zeroblob(3000))")
                try insert.bind(1, x)
                try insert.run()
            }
            jobs += 1
        }
        let counts = checkpointer.counts
        #expect(counts.restarts >= 3, "\(counts) after \(jobs) commits")
        #expect(counts.background >= 1, "\(counts)")
        #expect(counts.forced == 0, "\(counts)")
        #expect(counts.walPagesPeak < 1_000, "\(counts)")
        let rows = try await store.readers.read { connection in
            try connection.statement("SELECT count(*) FROM t").firstRow { $0.int(0) } ?? -1
        }
        #expect(rows == jobs)
        store.close()
    }
}
