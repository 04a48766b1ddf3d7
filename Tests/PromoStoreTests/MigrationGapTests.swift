import PromoDomain
@testable import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Migration 8 (exclusive groups) was written while 7 was being written on another branch. A file migrated
/// by a build without 7 must still upgrade correctly once 7 lands: 7 runs, 8 does not run twice.
@Suite("Migrations with a gap")
struct MigrationGapTests {
    private static func path() -> String {
        makeStoreTestDirectory("gap") + "/promo.sqlite"
    }

    private static func tables(_ connection: Connection) throws -> Set<String> {
        let select = try connection.statement("SELECT name FROM sqlite_master WHERE type = 'table'")
        var names: Set<String> = []
        while try select.step() { names.insert(select.string(0)) }
        return names
    }

    @Test func aStepAboveAGapIsRecordedAndTheGapFilledLater() throws {
        let connection = try Connection(path: Self.path(), busyTimeoutMs: 1_000)
        let listed = Migrations.steps.enumerated().map { (version: $0.offset + 1, sql: $0.element) }
        let below = listed.count
        let above = (version: below + 2, sql: "CREATE TABLE above_the_gap (x INTEGER) STRICT;")
        let gap = (version: below + 1, sql: "CREATE TABLE in_the_gap (x INTEGER) STRICT;")

        // A build without the gap's step.
        try Migrations.migrate(connection, steps: listed + [above])
        #expect(try Migrations.contiguousVersion(of: connection) == below)
        #expect(try Migrations.recordedSteps(connection) == [below + 2])
        #expect(try Migrations.version(of: connection) == below + 2)
        #expect(try Self.tables(connection).contains("above_the_gap"))
        // Opening it again with the same build changes nothing (the step above is not run twice).
        try Migrations.migrate(connection, steps: listed + [above])

        // The build that has both: the gap's step runs, the one above is skipped, the pragma moves up.
        try Migrations.migrate(connection, steps: listed + [gap, above])
        #expect(try Migrations.contiguousVersion(of: connection) == below + 2)
        #expect(try Migrations.recordedSteps(connection) == [])
        #expect(try Self.tables(connection).isSuperset(of: ["in_the_gap", "above_the_gap"]))

        // A build that knows neither refuses the file rather than misread it.
        #expect(throws: StoreError.self) { try Migrations.migrate(connection, steps: listed) }
    }

    @Test func theGroupsStepAppliesOnTopOfTheListedOnes() throws {
        let store = try PromoStore(configuration: StoreConfiguration(path: Self.path()))
        defer { store.close() }
        #expect(try store.schemaVersion == Migrations.latestVersion)
        #expect(Migrations.versionedSteps.map(\.version).contains(8))
        let tables = try store.writer.synchronously { try Self.tables($0) }
        #expect(tables.isSuperset(of: ["campaign_groups", "group_user_redemptions", "user_blocks"]))
    }
}
