import CSQLite
import PromoDomain
@testable import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

private func temporaryDatabasePath() -> String {
    let directory = makeStoreTestDirectory("store")
    return directory + "/promo.sqlite"
}

private func key(_ id: String, role: String = "redeemer") -> ApiKeyRecord {
    ApiKeyRecord(
        id: id, name: "key \(id)", role: role, secretSHA256: Array(repeating: UInt8(id.utf8.count), count: 31) + [UInt8(id.hashValue & 0xFF)],
        createdAtMs: 1_700_000_000_000)
}

@Suite("SQLite store")
struct StoreTests {
    @Test func aNewFileIsMigratedAndTunedForDurability() throws {
        let store = try PromoStore(configuration: StoreConfiguration(path: temporaryDatabasePath()))
        defer { store.close() }
        #expect(try store.schemaVersion == Migrations.latestVersion)
        let pragmas = try store.writer.synchronously { connection in
            (
                try connection.statement("PRAGMA journal_mode").firstRow { $0.string(0) },
                try connection.statement("PRAGMA synchronous").firstRow { $0.int(0) },
                try connection.statement("PRAGMA foreign_keys").firstRow { $0.int(0) }
            )
        }
        #expect(pragmas.0 == "wal")
        #expect(pragmas.1 == 2)  // FULL
        #expect(pragmas.2 == 1)
    }

    @Test func reopeningKeepsDataAndDoesNotMigrateAgain() throws {
        let path = temporaryDatabasePath()
        let first = try PromoStore(configuration: StoreConfiguration(path: path))
        try first.writer.synchronously { try $0.insertApiKey(key("a1")) }
        first.close()
        let second = try PromoStore(configuration: StoreConfiguration(path: path))
        defer { second.close() }
        #expect(try second.schemaVersion == Migrations.latestVersion)
        #expect(try second.writer.synchronously { try $0.apiKeys() }.map(\.id) == ["a1"])
    }

    @Test func aFileFromANewerBuildIsRefused() throws {
        let path = temporaryDatabasePath()
        let store = try PromoStore(configuration: StoreConfiguration(path: path))
        try store.writer.synchronously { try $0.execute("PRAGMA user_version = 999") }
        store.close()
        #expect(throws: StoreError.self) { try PromoStore(configuration: StoreConfiguration(path: path)) }
    }

    @Test func theSchemaRefusesWhatTheRulesForbid() throws {
        let store = try PromoStore(configuration: StoreConfiguration(path: temporaryDatabasePath()))
        defer { store.close() }
        try store.writer.synchronously { connection in
            var badRole = key("r1")
            badRole.role = "root"
            #expect(throws: StoreError.self) { try connection.insertApiKey(badRole) }
            var shortDigest = key("r2")
            shortDigest.secretSHA256 = [1, 2, 3]
            #expect(throws: StoreError.self) { try connection.insertApiKey(shortDigest) }
            try connection.insertApiKey(key("r3"))
            #expect { try connection.insertApiKey(key("r3")) } throws: { ($0 as? StoreError)?.code == .constraint }
        }
    }

    @Test func concurrentWritesAreAllCommittedInFewerTransactions() async throws {
        let store = try PromoStore(configuration: StoreConfiguration(path: temporaryDatabasePath()))
        defer { store.close() }
        let commitsBefore = try store.writer.synchronously { try totalChanges($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<500 {
                group.addTask {
                    try await store.writer.submit { connection in
                        var record = key("k\(index)")
                        record.secretSHA256 = digest(index)
                        try connection.insertApiKey(record)
                    }
                }
            }
            try await group.waitForAll()
        }
        let keys = try store.writer.synchronously { try $0.apiKeys() }
        #expect(keys.count == 500)
        #expect(try store.writer.synchronously { try totalChanges($0) } - commitsBefore >= 500)
    }

    @Test func oneFailingJobDoesNotAbortTheRestOfItsBatch() async throws {
        let store = try PromoStore(configuration: StoreConfiguration(path: temporaryDatabasePath()))
        defer { store.close() }
        let outcomes = LockedValue<[Int: Bool]>([:])
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    do {
                        try await store.writer.submit { connection in
                            var record = key("j\(index)")
                            record.secretSHA256 = digest(index)
                            try connection.insertApiKey(record)
                            // Every fifth job fails after writing: its row must be rolled back alone.
                            if index % 5 == 0 { throw StoreError(.sqlite, "job \(index) fails on purpose") }
                        }
                        outcomes.withLock { $0[index] = true }
                    } catch {
                        outcomes.withLock { $0[index] = false }
                    }
                }
            }
        }
        let stored = Set(try store.writer.synchronously { try $0.apiKeys() }.map(\.id))
        let expected = Set((0..<50).filter { $0 % 5 != 0 }.map { "j\($0)" })
        #expect(stored == expected)
        #expect(outcomes.withLock { $0 }.filter { !$0.value }.keys.sorted() == stride(from: 0, to: 50, by: 5).map { $0 })
    }

    @Test func aFullQueueRefusesInsteadOfGrowing() async throws {
        var limits = GroupCommitWriter.Limits()
        limits.queueMax = 1
        let store = try PromoStore(configuration: StoreConfiguration(path: temporaryDatabasePath()), writerLimits: limits)
        defer { store.close() }
        let refused = LockedValue(0)
        let gate = LockedValue(false)
        // The first job holds the writer until the others have been submitted.
        store.writer.submit({ _ in while !gate.withLock({ $0 }) { usleep(1_000) } }, completion: { _ in })
        usleep(20_000)
        for _ in 0..<5 {
            store.writer.submit({ _ in }) { result in
                if case .failure(let error as StoreError) = result, error.code == .busy { refused.withLock { $0 += 1 } }
            }
        }
        gate.withLock { $0 = true }
        #expect(refused.withLock { $0 } == 4)
    }

    @Test func revokingTwiceReportsTheSecondAsNoChange() throws {
        let store = try PromoStore(configuration: StoreConfiguration(path: temporaryDatabasePath()))
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.insertApiKey(key("v1"))
            #expect(try connection.revokeApiKey(id: "v1", atMs: 5))
            #expect(try !connection.revokeApiKey(id: "v1", atMs: 6))
            #expect(try connection.apiKeys().first?.revokedAtMs == 5)
        }
    }
}

private func digest(_ index: Int) -> [UInt8] {
    (0..<32).map { UInt8(truncatingIfNeeded: index >> (($0 % 4) * 8)) &+ UInt8($0) }
}

private func totalChanges(_ connection: Connection) throws -> Int {
    try connection.statement("SELECT total_changes()").firstRow { $0.int(0) } ?? 0
}
