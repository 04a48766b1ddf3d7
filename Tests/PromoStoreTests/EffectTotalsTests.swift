import PromoDomain
@testable import PromoStore
import Testing

// Deposits and repeat users, read from the maintained effectiveness totals, against a count of a recorded
// history done in plain Swift: redemptions with and without deposits in two currencies, ties, and voids of
// first, middle and last redemptions, over forty hours; every whole-hour range of interest is compared.

/// 2027-01-15 00:00:00 UTC.
private let start: Int64 = 1_799_971_200_000
private let hour: Int64 = 3_600_000

private struct Sequence64 {
    var state: UInt64
    mutating func below(_ n: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
}

private struct Entry {
    var id: String
    var user: String
    var atMs: Int64
    var voided = false
    var deposit: Deposit
}

private struct History {
    var entries: [Entry] = []

    func repeatUsers(from: Int64, to: Int64) -> UInt64 {
        var counts: [String: Int] = [:]
        for entry in entries where !entry.voided && entry.atMs >= from && entry.atMs < to { counts[entry.user, default: 0] += 1 }
        return UInt64(counts.values.filter { $0 >= 2 }.count)
    }

    func deposits(from: Int64, to: Int64) -> [CampaignEffect.DepositTotal] {
        var totals: [String: CampaignEffect.DepositTotal] = [:]
        for entry in entries where !entry.voided && entry.atMs >= from && entry.atMs < to && entry.deposit.amountMinor > 0 {
            let currency = entry.deposit.currency
            totals[currency, default: .init(currency: currency, amountMinor: 0, deposits: 0)].amountMinor += entry.deposit.amountMinor
            totals[currency, default: .init(currency: currency, amountMinor: 0, deposits: 0)].deposits += 1
        }
        return totals.values.sorted { $0.currency < $1.currency }
    }
}

private func play(_ connection: Connection, steps: Int = 160, seed: UInt64 = 11) throws -> History {
    try connection.insertCampaign(
        Campaign(id: "cmp_e", name: "Effect", kind: .deposit, reward: .bonus(amountMinor: 100, currency: "EUR"), startsAtMs: 0, createdAtMs: start))
    try connection.insertCode(PromoCode(code: try CodeText("EFFECT"), campaignId: "cmp_e", maxUses: 0, isActive: true, ownerId: nil, createdAtMs: start))
    var history = History()
    var random = Sequence64(state: seed)
    var previousMs = start
    for step in 0..<steps {
        // A quarter hour apart, some at the very same millisecond as the one before (ties).
        let now = random.below(8) == 0 ? previousMs : start + Int64(step) * hour / 4 + Int64(random.below(15)) * 60_000
        previousMs = now
        let user = "u\(random.below(random.below(12) + 1))"
        let deposit: Deposit
        switch random.below(4) {
        case 0: deposit = .none
        case 1: deposit = Deposit(amountMinor: Int64(1 + random.below(50_000)), currency: "USD")
        default: deposit = Deposit(amountMinor: Int64(1 + random.below(100_000)), currency: "EUR")
        }
        let id = "r\(step)"
        let result = try connection.redeem(
            RedeemCommand(
                request: RedemptionRequest(code: "EFFECT", user: UserContext(userId: user), deposit: deposit), source: "",
                idempotencyKey: nil, apiKeyId: "key_e", newRedemptionId: id, nowMs: now))
        #expect(result.verdict == .ok)
        history.entries.append(Entry(id: id, user: user, atMs: now, deposit: deposit))
        let standing = history.entries.indices.filter { !history.entries[$0].voided }
        if random.below(4) == 0, !standing.isEmpty {
            let index = standing[random.below(standing.count)]
            _ = try connection.voidRedemption(id: history.entries[index].id, reason: "test", nowMs: now)
            history.entries[index].voided = true
        }
    }
    return history
}

@Suite("Effectiveness totals against a count of the raw history")
struct EffectTotalsTests {
    @Test func depositsAndRepeatUsersOfEveryRangeMatchTheHistory() throws {
        let directory = makeStoreTestDirectory("effect")
        let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
        defer { store.close() }
        try store.writer.synchronously { connection in
            let history = try play(connection)
            #expect(try connection.consistencyProblems() == [])
            #expect(history.entries.filter(\.voided).count > 20)
            #expect(history.repeatUsers(from: start, to: .max) >= 5)

            let now = start + 41 * hour
            var ranges: [(Int64, Int64)] = [(0, 0)]
            for first in stride(from: 0, to: 42, by: 3) {
                for length in [1, 2, 5, 11, 40] { ranges.append((start + Int64(first) * hour, start + Int64(first + length) * hour)) }
            }
            ranges.append((start + 7 * hour + 1, start + 9 * hour - 1))  // widened to whole hours
            for (fromMs, toMs) in ranges {
                let query = ReportQuery(campaignId: "cmp_e", fromMs: fromMs, toMs: toMs, bucketMs: 0, top: 1, breakdownMax: 1, nowMs: now)
                let report = try #require(try connection.report(query))
                let from = fromMs == 0 ? start : hourStart(fromMs)
                let to = toMs == 0 ? Int64.max : hourStart(toMs + hour - 1)
                #expect(report.effect.repeatUsers == history.repeatUsers(from: from, to: to), "range \(fromMs - start)...\(toMs - start)")
                #expect(report.effect.deposits == history.deposits(from: from, to: to), "range \(fromMs - start)...\(toMs - start)")
            }
        }
    }

    @Test func theUpgradeBuildsTheTotalsFromTheRowsAlreadyThere() throws {
        let directory = makeStoreTestDirectory("effect-upgrade")
        let path = directory + "/promo.sqlite"
        let store = try PromoStore(configuration: StoreConfiguration(path: path))
        let (history, before) = try store.writer.synchronously { connection in
            let history = try play(connection, steps: 80, seed: 5)
            let query = ReportQuery(campaignId: "cmp_e", fromMs: start + 3 * hour, toMs: start + 15 * hour, bucketMs: 0, top: 1, breakdownMax: 1, nowMs: start + 30 * hour)
            let before = try #require(try connection.report(query)).effect
            // Back to the schema before step 11, as a file written by an older build (the steps after it, and
            // the others above a gap, stay recorded as applied).
            try connection.execute(
                """
                BEGIN;
                DROP TABLE campaign_deposit_hours;
                DROP TABLE campaign_repeat_pairs;
                DROP INDEX redemptions_standing_by_user;
                ALTER TABLE campaigns DROP COLUMN repeat_users;
                """)
            if try Migrations.contiguousVersion(of: connection) >= 11 {
                let later = Migrations.versionedSteps.map(\.version).filter { $0 > 11 }.map { "(\($0))" }
                try connection.execute("PRAGMA user_version = 10; CREATE TABLE IF NOT EXISTS schema_steps (version INTEGER PRIMARY KEY) STRICT")
                if !later.isEmpty { try connection.execute("INSERT OR IGNORE INTO schema_steps (version) VALUES \(later.joined(separator: ", "))") }
            } else {
                try connection.execute("DELETE FROM schema_steps WHERE version = 11")
            }
            try connection.execute("COMMIT")
            return (history, before)
        }
        store.close()
        #expect(before.repeatUsers == history.repeatUsers(from: start + 3 * hour, to: start + 15 * hour))

        let upgraded = try PromoStore(configuration: StoreConfiguration(path: path))
        defer { upgraded.close() }
        try upgraded.writer.synchronously { (connection: Connection) throws -> Void in
            #expect(try connection.consistencyProblems() == [])
            let query = ReportQuery(campaignId: "cmp_e", fromMs: start + 3 * hour, toMs: start + 15 * hour, bucketMs: 0, top: 1, breakdownMax: 1, nowMs: start + 30 * hour)
            #expect(try #require(try connection.report(query)).effect == before)
            let whole = ReportQuery(campaignId: "cmp_e", fromMs: 0, toMs: 0, bucketMs: 0, top: 1, breakdownMax: 1, nowMs: start + 30 * hour)
            #expect(try #require(try connection.report(whole)).effect.repeatUsers == history.repeatUsers(from: start, to: .max))
        }
    }

    @Test func theAverageAndTheCostRatioUseTheCampaignCurrency() {
        let effect = CampaignEffect(deposits: [
            .init(currency: "EUR", amountMinor: 30_001, deposits: 2), .init(currency: "USD", amountMinor: 5_000, deposits: 1),
        ])
        #expect(effect.campaignDeposits(currency: "EUR")?.amountMinor == 30_001)
        #expect(effect.averageDepositMinor(currency: "EUR") == 15_000)  // rounded down
        #expect(effect.rewardCostRatio(rewardTotalMinor: 3_000, currency: "EUR") == 3_000.0 / 30_001.0)
        #expect(effect.averageDepositMinor(currency: "GBP") == 0 && effect.rewardCostRatio(rewardTotalMinor: 3_000, currency: "GBP") == 0)
        // No reward currency (free spins): the deposits' only currency, none with several, and never a ratio.
        #expect(effect.campaignDeposits(currency: nil) == nil)
        let single = CampaignEffect(deposits: [.init(currency: "USD", amountMinor: 9_000, deposits: 3)])
        #expect(single.campaignDeposits(currency: nil)?.amountMinor == 9_000 && single.averageDepositMinor(currency: nil) == 3_000)
        #expect(single.rewardCostRatio(rewardTotalMinor: 0, currency: nil) == 0)
        #expect(CampaignEffect().rewardCostRatio(rewardTotalMinor: 500, currency: "EUR") == 0)
    }
}
