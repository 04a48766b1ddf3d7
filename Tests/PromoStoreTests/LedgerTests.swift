import PromoDomain
@testable import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

private func freshStore() throws -> PromoStore {
    let directory = makeStoreTestDirectory("ledger")
    return try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
}

private let now: Int64 = 1_800_000_000_000

private func seed(_ connection: Connection, maxRedemptions: UInt64 = 0, maxPerUser: UInt32 = 0, codeMaxUses: UInt64 = 0)
    throws -> PromoCode
{
    let campaign = Campaign(
        id: "cmp_1", name: "Summer", kind: .seasonal, reward: .bonus(amountMinor: 500, currency: "EUR"),
        startsAtMs: 0, maxRedemptions: maxRedemptions, maxPerUser: maxPerUser, createdAtMs: now)
    try connection.insertCampaign(campaign)
    let code = PromoCode(code: try CodeText("summer-50"), campaignId: "cmp_1", maxUses: codeMaxUses, createdAtMs: now)
    try connection.insertCode(code)
    return code
}

private func redeem(_ connection: Connection, user: String, id: String, key: String? = nil, reservation: String? = nil)
    throws -> RedeemResult
{
    try connection.redeem(
        RedeemCommand(
            request: RedemptionRequest(code: " Summer 50 ", user: UserContext(userId: user), reservationId: reservation),
            source: "web", idempotencyKey: key, apiKeyId: "key_1", newRedemptionId: id, nowMs: now))
}

@Suite("Redemption ledger on a real SQLite file")
struct LedgerTests {
    @Test func redeemAndVoidKeepEveryCounterInStep() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            _ = try seed(connection, maxRedemptions: 10)
            #expect(try redeem(connection, user: "u1", id: "r1").verdict == .ok)
            #expect(try redeem(connection, user: "u1", id: "r2").verdict == .ok)
            #expect(try redeem(connection, user: "u2", id: "r3").verdict == .ok)
            var (_, counters) = try #require(try connection.campaign(id: "cmp_1"))
            #expect(counters == CampaignCounters(redemptions: 3, uniqueUsers: 2, codesIssued: 1, codesRedeemed: 1, budgetSpentMinor: 1_500))
            #expect(try connection.code(key: "SUMMER50")?.uses == 3)

            _ = try connection.voidRedemption(id: "r3", reason: "fraud", nowMs: now + 1)
            (_, counters) = try #require(try connection.campaign(id: "cmp_1"))
            #expect(counters == CampaignCounters(redemptions: 2, uniqueUsers: 1, codesIssued: 1, codesRedeemed: 1, budgetSpentMinor: 1_000))
            #expect(try connection.consistencyProblems() == [])
            #expect(try connection.code(key: "SUMMER50")?.uses == 2)
            #expect(try connection.redemption(id: "r3")?.voidReason == "fraud")
            #expect(throws: DomainError.self) { try connection.voidRedemption(id: "r3", reason: "again", nowMs: now + 2) }
        }
    }

    @Test func theSchemaItselfRefusesCountsPastTheirLimits() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            _ = try seed(connection, maxRedemptions: 1, codeMaxUses: 1)
            #expect(try redeem(connection, user: "u1", id: "r1").verdict == .ok)
            // Even a buggy caller that skips the check cannot push a counter past its limit.
            #expect { try connection.execute("UPDATE campaigns SET redemptions = redemptions + 1") } throws: {
                ($0 as? StoreError)?.code == .constraint
            }
            #expect { try connection.execute("UPDATE codes SET uses = uses + 1") } throws: {
                ($0 as? StoreError)?.code == .constraint
            }
            #expect { try connection.execute("UPDATE codes SET uses = -1") } throws: {
                ($0 as? StoreError)?.code == .constraint
            }
        }
    }

    @Test func aPerUserLimitIsBackedByTheSchemaToo() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            _ = try seed(connection, maxPerUser: 1)
            #expect(try redeem(connection, user: "u1", id: "r1").verdict == .ok)
            #expect(try redeem(connection, user: "u1", id: "r2").verdict == .userLimitReached)
            #expect { try connection.execute("UPDATE user_redemptions SET redemptions = 2") } throws: {
                ($0 as? StoreError)?.code == .constraint
            }
        }
    }

    @Test func idempotentRedeemsReplayAndRefuseMismatches() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            _ = try seed(connection)
            let first = try redeem(connection, user: "u1", id: "r1", key: "k1")
            let again = try redeem(connection, user: "u1", id: "r2", key: "k1")
            #expect(first.verdict == .ok && !first.replayed)
            #expect(again.replayed && again.redemption?.id == "r1")
            #expect(try connection.code(key: "SUMMER50")?.uses == 1)
            #expect(throws: DomainError.self) { try redeem(connection, user: "u2", id: "r3", key: "k1") }
        }
    }

    @Test func aReservationHoldsTheLastUseForItsHolderOnly() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            _ = try seed(connection, maxRedemptions: 1)
            let held = try connection.reserve(
                RedemptionRequest(code: "SUMMER50", user: UserContext(userId: "holder")), reservationId: "rsv_1",
                untilMs: now + 60_000, nowMs: now)
            #expect(held.outcome.verdict == .ok)
            #expect(try redeem(connection, user: "other", id: "r1").verdict == .limitReached)
            #expect(try redeem(connection, user: "other", id: "r2", reservation: "rsv_1").verdict == .reservationNotFound)
            #expect(try redeem(connection, user: "holder", id: "r3", reservation: "rsv_1").verdict == .ok)
            #expect(try redeem(connection, user: "holder", id: "r4", reservation: "rsv_1").verdict == .limitReached)
        }
    }

    @Test func longExpiredReservationsArePurged() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            _ = try seed(connection)
            let request = RedemptionRequest(code: "SUMMER50", user: UserContext(userId: "holder"))
            _ = try connection.reserve(request, reservationId: "rsv_old", untilMs: now - 10_000, nowMs: now - 20_000)
            // Expired, but within retention: still known, hence EXPIRED.
            #expect(try redeem(connection, user: "holder", id: "r1", reservation: "rsv_old").verdict == .reservationExpired)
            _ = try connection.reserve(request, reservationId: "rsv_new", untilMs: now + 1_000, nowMs: now, retentionMs: 5_000)
            #expect(try redeem(connection, user: "holder", id: "r2", reservation: "rsv_old").verdict == .reservationNotFound)
            #expect(try redeem(connection, user: "holder", id: "r3", reservation: "rsv_new").verdict == .ok)
        }
    }

    @Test func anOlderSchemaIsUpgradedInPlace() throws {
        let directory = makeStoreTestDirectory("upgrade")
        let path = directory + "/promo.sqlite"
        // A file as the first release left it: schema version 1, with a key in it.
        do {
            let old = try Connection(path: path, busyTimeoutMs: 1_000)
            try old.execute(Migrations.steps[0])
            try old.execute("PRAGMA user_version = 1")
            try old.insertApiKey(
                ApiKeyRecord(id: "old", name: "kept", role: "admin", secretSHA256: Array(repeating: 7, count: 32), createdAtMs: 1))
        }
        let store = try PromoStore(configuration: StoreConfiguration(path: path))
        defer { store.close() }
        #expect(try store.schemaVersion == Migrations.latestVersion)
        #expect(try store.writer.synchronously { try $0.apiKeys() }.map(\.name) == ["kept"])
        try store.writer.synchronously { connection in
            _ = try seed(connection)
            #expect(try redeem(connection, user: "u1", id: "r1").verdict == .ok)
        }
    }
}
