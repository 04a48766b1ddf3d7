import PromoDomain
@testable import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Bounded growth, the discard index and report totals at the extremes. Times are explicit (`nowMs`): no sleeps.

private func freshStore(_ configure: (inout StoreConfiguration) -> Void = { _ in }) throws -> PromoStore {
    let directory = makeStoreTestDirectory("store")
    var configuration = StoreConfiguration(path: directory + "/promo.sqlite")
    configure(&configuration)
    return try PromoStore(configuration: configuration)
}

private let t0: Int64 = 1_799_971_200_000  // 2027-01-15 00:00 UTC
private let hour: Int64 = 3_600_000

private func count(_ connection: Connection, _ sql: String) throws -> Int {
    try connection.statement(sql).firstRow { $0.int(0) } ?? -1
}

private func campaign(_ id: String, _ reward: Reward) -> Campaign {
    Campaign(id: id, name: id, kind: .other, reward: reward, startsAtMs: 0, createdAtMs: t0)
}

private func redeem(
    _ connection: Connection, _ code: String, user: String, at nowMs: Int64, key: String? = nil, id: String
) throws -> RedeemResult {
    try connection.redeem(
        RedeemCommand(
            request: RedemptionRequest(code: code, user: UserContext(userId: user)), source: "", idempotencyKey: key,
            apiKeyId: "key_game", newRedemptionId: id, nowMs: nowMs))
}

@Suite("Store hardening: retention, bounds, indexes, overflow")
struct StoreHardeningTests {
    /// Idempotency records older than the retention go, newer ones stay; a replay of a purged key is a new
    /// request. Expired unused reservations older than theirs go; held and consumed ones stay.
    @Test func aPurgeRemovesOnlyWhatOutlivedItsRetention() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.insertCampaign(campaign("cmp", .bonus(amountMinor: 100, currency: "EUR")))
            try connection.insertCode(PromoCode(code: try CodeText("MULTI1"), campaignId: "cmp", maxUses: 0, createdAtMs: t0))
            #expect(try redeem(connection, "MULTI1", user: "u1", at: t0, key: "old", id: "r1").verdict == .ok)
            #expect(try redeem(connection, "MULTI1", user: "u2", at: t0 + 20 * hour, key: "new", id: "r2").verdict == .ok)
            for (id, untilMs) in [("v_old", t0 + 60_000), ("v_new", t0 + 20 * hour), ("v_held", t0 + 30 * hour)] {
                _ = try connection.reserve(
                    RedemptionRequest(code: "MULTI1", user: UserContext(userId: "u3")), reservationId: id, untilMs: untilMs,
                    nowMs: t0)
            }
            #expect(try count(connection, "SELECT count(*) FROM reservations") == 3)

            // "Now" is t0 + 25 h with 24 h retention: only what is older than t0 + 1 h goes.
            let now = t0 + 25 * hour
            let purged = try connection.purgeExpired(
                idempotencyBeforeMs: now - 24 * hour, reservationsBeforeMs: now - 24 * hour, limit: 500)
            #expect(purged == PurgeResult(idempotencyRecords: 1, reservations: 1))
            #expect(try count(connection, "SELECT count(*) FROM idempotency WHERE key = 'new'") == 1)
            #expect(try count(connection, "SELECT count(*) FROM idempotency WHERE key = 'old'") == 0)
            #expect(try count(connection, "SELECT count(*) FROM reservations WHERE id IN ('v_new', 'v_held')") == 2)
            // Redemptions themselves are never purged.
            #expect(try count(connection, "SELECT count(*) FROM redemptions") == 2)

            // A replay after the retention is a new request; within it, a replay.
            let late = try redeem(connection, "MULTI1", user: "u1", at: now, key: "old", id: "r3")
            #expect(!late.replayed && late.redemption?.id == "r3")
            let replay = try redeem(connection, "MULTI1", user: "u2", at: now, key: "new", id: "r4")
            #expect(replay.replayed && replay.redemption?.id == "r2")
        }
    }

    /// A purge job deletes at most `limit` rows of each kind, oldest first, so it never holds the writer long.
    @Test func aPurgeJobIsBoundedByItsBatchSize() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.insertCampaign(campaign("cmp", .bonus(amountMinor: 100, currency: "EUR")))
            try connection.insertCode(PromoCode(code: try CodeText("MULTI2"), campaignId: "cmp", maxUses: 0, createdAtMs: t0))
            for index in 0..<25 {
                _ = try redeem(connection, "MULTI2", user: "u\(index)", at: t0 + Int64(index), key: "k\(index)", id: "r\(index)")
            }
            var rounds: [Int] = []
            while true {
                let purged = try connection.purgeExpired(idempotencyBeforeMs: t0 + hour, reservationsBeforeMs: 0, limit: 10)
                rounds.append(purged.idempotencyRecords)
                if purged.idempotencyRecords < 10 { break }
            }
            #expect(rounds == [10, 10, 5])
            #expect(try count(connection, "SELECT count(*) FROM idempotency") == 0)
        }
    }

    /// A guesser inventing a new IP, device and user per failed attempt adds at most the cap of keys per
    /// campaign, dimension and hour; the rest count under the empty key, and no failure goes uncounted.
    @Test func theDimensionKeysOfFailuresAreCappedPerHour() throws {
        let store = try freshStore { $0.dimensionKeysPerHourMax = 3 }
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.insertCampaign(campaign("cmp", .bonus(amountMinor: 100, currency: "EUR")))
            let events = (0..<50).map { index in
                FailureEvent(
                    campaignId: "cmp", verdict: .notEligible, atMs: t0 + Int64(index), ip: "10.0.0.\(index)",
                    deviceId: "dev\(index)", userId: "user\(index)")
            }
            try connection.recordFailures(events)
            for dimension in ["ip", "device", "user"] {
                #expect(try count(connection, "SELECT count(*) FROM campaign_dimension_hours WHERE dimension = '\(dimension)'") == 4)
                #expect(try count(connection, "SELECT sum(failures) FROM campaign_dimension_hours WHERE dimension = '\(dimension)'") == 50)
                #expect(try count(connection, "SELECT failures FROM campaign_dimension_hours WHERE dimension = '\(dimension)' AND key = ''") == 47)
                #expect(try count(connection, "SELECT count(*) FROM campaign_dimensions WHERE dimension = '\(dimension)'") == 4)
            }
            // A key already tracked in that hour keeps counting under its own name.
            try connection.recordFailures([
                FailureEvent(campaignId: "cmp", verdict: .notEligible, atMs: t0, ip: "10.0.0.1", deviceId: "", userId: "user1")
            ])
            #expect(try count(connection, "SELECT failures FROM campaign_dimension_hours WHERE dimension = 'ip' AND key = '10.0.0.1'") == 2)
            // The next hour tracks its own keys.
            try connection.recordFailures([
                FailureEvent(campaignId: "cmp", verdict: .notEligible, atMs: t0 + hour, ip: "10.0.0.49", deviceId: "", userId: "x")
            ])
            #expect(try count(connection, "SELECT count(*) FROM campaign_dimension_hours WHERE dimension = 'ip' AND key = '10.0.0.49'") == 1)
            #expect(try connection.consistencyProblems() == [])
        }
    }

    /// Discarding a generate batch asks, per code, whether a redemption or a held reservation names it:
    /// both must be index searches, never a scan of the table inside the single writer.
    @Test func discardingABatchSearchesIndexesInsteadOfScanning() throws {
        let store = try freshStore()
        defer { store.close() }
        let plan = try store.writer.synchronously { connection in
            let explain = try connection.statement("EXPLAIN QUERY PLAN " + discardUnusedCodesSQL)
            var lines: [String] = []
            while try explain.step() { lines.append(explain.string(3)) }
            return lines
        }
        #expect(plan.contains { $0.contains("redemptions_by_code") }, "\(plan)")
        #expect(plan.contains { $0.contains("reservations_held_by_code") }, "\(plan)")
        // Deleting a code also checks the foreign keys of redemptions and reservations: no scan there either.
        #expect(!plan.contains { $0.hasPrefix("SCAN ") }, "\(plan)")
    }

    @Test func schemaVersionSevenAddsTheIndexes() throws {
        let store = try freshStore()
        defer { store.close() }
        #expect(try store.schemaVersion >= 7)
        let indexes = try store.writer.synchronously { connection in
            try count(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('redemptions_by_code', 'reservations_by_code', 'idempotency_by_age')")
        }
        #expect(indexes == 3)
    }

    /// At the domain's bound, rewards redeemed in different hours add up exactly.
    @Test func rewardsAtTheBoundAddUpAcrossHours() throws {
        let store = try freshStore()
        defer { store.close() }
        let max = DomainLimits.default.rewardAmountMax
        let report = try store.writer.synchronously { connection in
            try connection.insertCampaign(campaign("pts", .loyaltyPoints(amount: max)))
            try connection.insertCampaign(campaign("eur", .bonus(amountMinor: max, currency: "EUR")))
            try connection.insertCode(PromoCode(code: try CodeText("PTS1"), campaignId: "pts", maxUses: 0, createdAtMs: t0))
            try connection.insertCode(PromoCode(code: try CodeText("EUR1"), campaignId: "eur", maxUses: 0, createdAtMs: t0))
            for (index, at) in [t0 + 10, t0 + hour + 10, t0 + 2 * hour + 10].enumerated() {
                #expect(try redeem(connection, "PTS1", user: "u\(index)", at: at, id: "p\(index)").verdict == .ok)
                #expect(try redeem(connection, "EUR1", user: "u\(index)", at: at, id: "e\(index)").verdict == .ok)
            }
            let points = try connection.report(ReportQuery(campaignId: "pts", fromMs: 0, toMs: 0, bucketMs: 0, top: 10, breakdownMax: 10, nowMs: t0 + 3 * hour))
            let money = try connection.report(ReportQuery(campaignId: "eur", fromMs: 0, toMs: 0, bucketMs: 0, top: 10, breakdownMax: 10, nowMs: t0 + 3 * hour))
            return (points?.loyaltyPoints, money?.money.first?.amountMinor)
        }
        #expect(report.0 == 3 * max)
        #expect(report.1 == 3 * max)
    }

    /// Totals past Int64.max (rows written before the domain bounded rewards) saturate: before, the loyalty
    /// sum trapped (the server crashed on the next report) and SQLite's sum() failed the report.
    @Test func reportTotalsPastInt64MaxSaturateInsteadOfTrapping() throws {
        let store = try freshStore()
        defer { store.close() }
        let report = try store.writer.synchronously { connection in
            try connection.insertCampaign(campaign("pts", .loyaltyPoints(amount: 1)))
            try connection.insertCampaign(campaign("eur", .bonus(amountMinor: 1, currency: "EUR")))
            let big = Int64.max - 5
            for hourMs in [t0, t0 + hour] {
                try connection.execute(
                    """
                    INSERT INTO campaign_hours (campaign_id, hour_ms, redemptions, loyalty_points) VALUES ('pts', \(hourMs), 1, \(big));
                    INSERT INTO campaign_hours (campaign_id, hour_ms, redemptions) VALUES ('eur', \(hourMs), 1);
                    INSERT INTO campaign_money_hours (campaign_id, hour_ms, currency, amount_minor) VALUES ('eur', \(hourMs), 'EUR', \(big));
                    """)
            }
            let query = { (id: String) in
                ReportQuery(campaignId: id, fromMs: 0, toMs: 0, bucketMs: 0, top: 10, breakdownMax: 10, nowMs: t0 + 2 * hour)
            }
            return (try connection.report(query("pts"))?.loyaltyPoints, try connection.report(query("eur"))?.money.first?.amountMinor)
        }
        #expect(report.0 == Int64.max)
        #expect(report.1 == Int64.max)
    }
}
