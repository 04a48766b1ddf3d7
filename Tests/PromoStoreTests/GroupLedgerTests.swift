import PromoDomain
@testable import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let now: Int64 = 1_800_000_000_000

private func freshStore() throws -> PromoStore {
    let directory = makeStoreTestDirectory("group")
    return try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
}

/// Two campaigns of one group, each with its own code.
private func seed(_ connection: Connection, maxPerUser: UInt32) throws {
    try connection.insertGroup(Group(id: "grp_1", name: "Welcome", maxPerUser: maxPerUser, createdAtMs: now))
    for index in 1...2 {
        try connection.insertCampaign(
            Campaign(
                id: "cmp_\(index)", name: "Offer \(index)", kind: .welcome, reward: .bonus(amountMinor: 500, currency: "EUR"),
                startsAtMs: 0, createdAtMs: now, groupId: "grp_1"))
        try connection.insertCode(PromoCode(code: try CodeText("OFFER\(index)"), campaignId: "cmp_\(index)", createdAtMs: now))
    }
}

private func redeem(_ connection: Connection, _ code: String, user: String, id: String) throws -> Verdict {
    try connection.redeem(
        RedeemCommand(
            request: RedemptionRequest(code: code, user: UserContext(userId: user)), source: "", idempotencyKey: nil,
            apiKeyId: "key_1", newRedemptionId: id, nowMs: now)
    ).verdict
}

@Suite("Exclusive groups in the ledger")
struct GroupLedgerTests {
    @Test func theGroupCounterFollowsRedeemsAndVoidsAndChecksAgainstTheRawRows() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try seed(connection, maxPerUser: 1)
            #expect(try redeem(connection, "OFFER1", user: "u1", id: "r1") == .ok)
            #expect(try redeem(connection, "OFFER2", user: "u1", id: "r2") == .groupLimitReached)
            #expect(try scalarInt(connection, "SELECT redemptions FROM group_user_redemptions WHERE user_id = 'u1'") == 1)
            _ = try connection.voidRedemption(id: "r1", reason: "support", nowMs: now + 1)
            #expect(try scalarInt(connection, "SELECT redemptions FROM group_user_redemptions WHERE user_id = 'u1'") == 0)
            #expect(try redeem(connection, "OFFER2", user: "u1", id: "r3") == .ok)
            #expect(try connection.consistencyProblems() == [])

            // A drifted counter is found by the check.
            try connection.execute("UPDATE group_user_redemptions SET max_per_user = 0, redemptions = 2 WHERE user_id = 'u1'")
            #expect(try connection.consistencyProblems().contains { $0.hasPrefix("group_user_redemptions") })
        }
    }

    @Test func theSchemaRefusesACountAboveTheCopiedLimit() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try seed(connection, maxPerUser: 1)
            #expect(try redeem(connection, "OFFER1", user: "u1", id: "r1") == .ok)
            // Whatever a bug above the schema did, the counter cannot pass the limit it was last grown under.
            #expect(throws: StoreError.self) {
                try connection.execute("UPDATE group_user_redemptions SET redemptions = 2 WHERE user_id = 'u1'")
            }
        }
    }
}

private func scalarInt(_ connection: Connection, _ sql: String) throws -> Int? {
    try connection.statement(sql).firstRow { $0.int(0) }
}
