import PromoDomain
@testable import PromoStore
import Testing

private let now: Int64 = 1_800_000_000_000

private func seeded(_ prefix: String) throws -> PromoStore {
    let directory = makeStoreTestDirectory(prefix)
    let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
    try store.writer.synchronously { connection in
        try connection.insertCampaign(
            Campaign(
                id: "cmp_1", name: "Summer", kind: .seasonal, reward: .bonus(amountMinor: 500, currency: "EUR"),
                startsAtMs: 0, maxRedemptions: 10, createdAtMs: now))
        try connection.insertCode(PromoCode(code: try CodeText("summer-50"), campaignId: "cmp_1", createdAtMs: now))
    }
    return store
}

private func request(_ user: String) -> RedemptionRequest {
    RedemptionRequest(code: "SUMMER50", user: UserContext(userId: user))
}

private func redeemCommand(_ user: String, id: String) -> RedeemCommand {
    RedeemCommand(
        request: request(user), source: "web", idempotencyKey: nil, apiKeyId: "key_1", newRedemptionId: id, nowMs: now)
}

/// Reads `body` in one read transaction of `connection`, as the server's loop readers do.
private func inSnapshot<T>(_ connection: Connection, _ body: () throws -> T) throws -> T {
    try connection.readTransaction(body)
}

@Suite("Validate view in the store")
struct ValidateViewStoreTests {
    @Test func entriesReadFromASnapshotOlderThanAPublishedChangeAreNotKept() async throws {
        let store = try seeded("view-race")
        defer { store.close() }
        let view = try #require(store.validateView)
        let reader = try store.makeReadConnection()
        // The snapshot begins (its first read) before the redeem commits...
        let version = view.version
        try reader.statement("BEGIN DEFERRED").run()
        _ = try reader.code(key: "SUMMER50")
        _ = try await store.writer.submit { try $0.redeem(redeemCommand("u1", id: "r1")) }
        // ...so what it reads next is the old state: answered, but never kept.
        let stale = try view.checkLoading(request("u2"), nowMs: now, connection: reader, snapshotVersion: version)
        try reader.statement("COMMIT").run()
        #expect(stale.outcome.remaining == .limited(10))
        #expect(view.check(request("u2"), nowMs: now) == nil)

        // A snapshot that began after the change is kept, and the view then answers alone.
        let fresh = try inSnapshot(reader) {
            try view.checkLoading(request("u2"), nowMs: now, connection: reader, snapshotVersion: view.version)
        }
        #expect(fresh.outcome.remaining == .limited(9))
        #expect(view.check(request("u2"), nowMs: now)?.outcome.remaining == .limited(9))
    }

    @Test func aRedeemUpdatesTheViewBeforeItsAnswerAndLeavesOtherEntriesResident() async throws {
        let store = try seeded("view-redeem")
        defer { store.close() }
        let view = try #require(store.validateView)
        let reader = try store.makeReadConnection()
        for user in ["u1", "u2"] {
            _ = try inSnapshot(reader) {
                try view.checkLoading(request(user), nowMs: now, connection: reader, snapshotVersion: view.version)
            }
        }
        #expect(view.counts.users == 2)
        _ = try await store.writer.submit { try $0.redeem(redeemCommand("u1", id: "r1")) }
        // The redeemed code, its campaign and the redeeming player are dropped; the other player stays.
        #expect(view.check(request("u2"), nowMs: now) == nil)
        #expect(view.counts.users == 1)
        _ = try inSnapshot(reader) {
            try view.checkLoading(request("u2"), nowMs: now, connection: reader, snapshotVersion: view.version)
        }
        #expect(view.check(request("u2"), nowMs: now)?.outcome.remaining == .limited(9))
    }

    @Test func aWriteNoStoreFunctionNotedDropsTheWholeView() async throws {
        let store = try seeded("view-uncovered")
        defer { store.close() }
        let view = try #require(store.validateView)
        let reader = try store.makeReadConnection()
        _ = try inSnapshot(reader) {
            try view.checkLoading(request("u1"), nowMs: now, connection: reader, snapshotVersion: view.version)
        }
        #expect(view.check(request("u1"), nowMs: now)?.outcome.verdict == .ok)
        // A raw UPDATE the view was never told about: the job's uncovered row change drops everything.
        try await store.writer.submit { try $0.statement("UPDATE codes SET active = 0").run() }
        #expect(view.check(request("u1"), nowMs: now) == nil)
        let reloaded = try inSnapshot(reader) {
            try view.checkLoading(request("u1"), nowMs: now, connection: reader, snapshotVersion: view.version)
        }
        #expect(reloaded.outcome.verdict == .codeInactive)
        #expect(view.check(request("u1"), nowMs: now)?.outcome.verdict == .codeInactive)

        // A job whose only writes are covered and note nothing of the view (failure counts) keeps it.
        try await store.writer.submit {
            try $0.recordFailures([
                FailureEvent(campaignId: "cmp_1", verdict: .codeInactive, atMs: now, ip: "", deviceId: "", userId: "u9")
            ])
        }
        #expect(view.check(request("u1"), nowMs: now)?.outcome.verdict == .codeInactive)
    }

    @Test func theViewStaysWithinItsBounds() async throws {
        let directory = makeStoreTestDirectory("view-bounds")
        var configuration = StoreConfiguration(path: directory + "/promo.sqlite")
        configuration.validateViewCodesMax = 4
        configuration.validateViewUsersMax = 3
        let store = try PromoStore(configuration: configuration)
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.insertCampaign(
                Campaign(
                    id: "cmp_1", name: "Many", kind: .seasonal, reward: .bonus(amountMinor: 500, currency: "EUR"),
                    startsAtMs: 0, createdAtMs: now))
            for index in 0..<20 {
                try connection.insertCode(
                    PromoCode(code: try CodeText("MANY\(index)"), campaignId: "cmp_1", createdAtMs: now))
            }
        }
        let view = try #require(store.validateView)
        let reader = try store.makeReadConnection()
        for index in 0..<20 {
            let call = RedemptionRequest(code: "MANY\(index)", user: UserContext(userId: "u\(index)"))
            let result = try inSnapshot(reader) {
                try view.checkLoading(call, nowMs: now, connection: reader, snapshotVersion: view.version)
            }
            #expect(result.outcome.verdict == .ok)
            let counts = view.counts
            #expect(counts.codes <= 4 && counts.campaigns <= 4 && counts.users <= 3)
        }
    }
}
