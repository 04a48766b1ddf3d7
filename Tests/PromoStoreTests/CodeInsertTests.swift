import PromoDomain
@testable import PromoStore
import Testing

/// `insertCodesSkippingConflicts` inserts up to `codesPerInsert` codes per statement: whatever the grouping,
/// exactly the codes whose key (or owner) was free go in, and the caller sees exactly those, in order.
@Suite("Inserting codes in groups")
struct CodeInsertTests {
    private static let start: Int64 = 1_800_000_000_000

    private static func code(_ text: String, owner: String? = nil) throws -> PromoCode {
        PromoCode(
            code: try CodeText(text), campaignId: "cmp_i", maxUses: 1, isActive: true, ownerId: owner, batchId: "bat_i",
            createdAtMs: start)
    }

    @Test(arguments: [1, 31, 32, 33, 100, 250])
    func exactlyTheFreeCodesGoInAndAreReportedInOrder(count: Int) throws {
        let store = try PromoStore(configuration: StoreConfiguration(path: makeStoreTestDirectory("insert") + "/promo.sqlite"))
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.insertCampaign(
                Campaign(
                    id: "cmp_i", name: "Insert", kind: .other, reward: .bonus(amountMinor: 100, currency: "EUR"),
                    startsAtMs: 0, createdAtMs: Self.start))
            try connection.insertBatch(
                CodeBatch(
                    id: "bat_i", campaignId: "cmp_i", kind: .generated, template: "", requested: UInt64(count + 10),
                    maxUses: 1, ownerId: nil, apiKeyId: "key_i", idempotencyKey: nil, createdAtMs: Self.start))
            // Every third key is taken already, and one owner too: those are skipped, wherever they fall in a group.
            var taken: [PromoCode] = []
            for index in stride(from: 0, to: count, by: 3) { taken.append(try Self.code("TAKEN\(index)")) }
            taken.append(try Self.code("OWNED0", owner: "owner_1"))
            #expect(try connection.insertCodesSkippingConflicts(taken) == taken.count)

            var wanted: [PromoCode] = []
            var expected: [String] = []
            for index in 0..<count {
                if index % 3 == 0 {
                    wanted.append(try Self.code("TAKEN\(index)"))
                } else if index == 4 {
                    wanted.append(try Self.code("OWNED1", owner: "owner_1"))
                } else {
                    wanted.append(try Self.code("FRESH\(index)"))
                    expected.append("FRESH\(index)")
                }
            }
            var seen: [String] = []
            let inserted = try connection.insertCodesSkippingConflicts(wanted) { seen.append($0.code.display) }
            #expect(inserted == expected.count)
            #expect(seen == expected)
            let issued = try connection.statement("SELECT codes_issued FROM campaigns WHERE id = 'cmp_i'").firstRow { $0.int64(0) }
            #expect(issued == Int64(taken.count + expected.count))
            #expect(try connection.consistencyProblems() == [])
        }
    }
}
