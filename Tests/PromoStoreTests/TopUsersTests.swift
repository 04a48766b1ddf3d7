import PromoDomain
@testable import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

// The top users are read from user_redemptions (whole campaign) and from the raw redemption rows (ranges),
// with failures from the user dimension. Here they are checked against a count of a recorded history done
// in plain Swift: redemptions, voids and failures mixed over thirty hours, with ties.

/// 2027-01-15 00:00:00 UTC.
private let start: Int64 = 1_799_971_200_000
private let hour: Int64 = 3_600_000

/// A fixed pseudo-random sequence, so that a failure names the same history every run.
private struct Sequence64 {
    var state: UInt64
    mutating func below(_ n: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
}

private struct History {
    var redemptions: [(id: String, user: String, atMs: Int64, voided: Bool)] = []
    var failures: [(user: String, atMs: Int64)] = []

    /// The report's rule, counted by hand: the top `top` by standing redemptions, then the top `top` by
    /// failures not already listed; each by count descending, then key.
    func topUsers(from: Int64, to: Int64, top: Int) -> [ActorTotals] {
        var standing: [String: UInt64] = [:]
        var failed: [String: UInt64] = [:]
        for r in redemptions where !r.voided && r.atMs >= from && r.atMs < to { standing[r.user, default: 0] += 1 }
        for f in failures where f.atMs >= from && f.atMs < to { failed[f.user, default: 0] += 1 }
        func ranked(_ counts: [String: UInt64]) -> [String] {
            counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top).map(\.key)
        }
        var seen = Set<String>()
        return (ranked(standing) + ranked(failed)).filter { seen.insert($0).inserted }.map {
            ActorTotals(key: $0, redemptions: standing[$0] ?? 0, failures: failed[$0] ?? 0)
        }
    }
}

private func temporaryStore() throws -> PromoStore {
    let directory = makeStoreTestDirectory("topusers")
    return try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
}

/// Plays 240 quarter hours on campaign "cmp_t" (and some noise on "cmp_o", which must not leak in).
private func playHistory(_ connection: Connection) throws -> History {
    for id in ["cmp_t", "cmp_o"] {
        try connection.insertCampaign(
            Campaign(id: id, name: id, kind: .seasonal, reward: .bonus(amountMinor: 100, currency: "EUR"), startsAtMs: 0, createdAtMs: start))
    }
    try connection.insertCode(PromoCode(code: try CodeText("TOP"), campaignId: "cmp_t", maxUses: 0, isActive: true, ownerId: nil, createdAtMs: start))
    try connection.insertCode(PromoCode(code: try CodeText("NOISE"), campaignId: "cmp_o", maxUses: 0, isActive: true, ownerId: nil, createdAtMs: start))
    var history = History()
    var random = Sequence64(state: 2027)
    // Users are skewed towards the low numbers, so that a few lead and the counts below them tie.
    func someUser() -> String { "u\(10 + random.below(random.below(14) + 1))" }
    for step in 0..<120 {
        let now = start + Int64(step) * hour / 4 + Int64(random.below(15)) * 60_000
        func redeem(_ code: String, _ user: String, _ id: String) throws {
            let result = try connection.redeem(
                RedeemCommand(
                    request: RedemptionRequest(code: code, user: UserContext(userId: user, country: "DE")), source: "",
                    idempotencyKey: nil, apiKeyId: "key_t", newRedemptionId: id, nowMs: now))
            #expect(result.verdict == .ok)
        }
        let user = someUser()
        try redeem("TOP", user, "t\(step)")
        history.redemptions.append(("t\(step)", user, now, false))
        if random.below(5) == 0 { try redeem("NOISE", someUser(), "o\(step)") }
        let standing = history.redemptions.indices.filter { !history.redemptions[$0].voided }
        if random.below(4) == 0, !standing.isEmpty {
            let index = standing[random.below(standing.count)]
            _ = try connection.voidRedemption(id: history.redemptions[index].id, reason: "test", nowMs: now)
            history.redemptions[index].voided = true
        }
        if random.below(3) == 0 {
            // Failures also come from users who never redeem (u24, u25).
            let failing = random.below(6) == 0 ? "u2\(4 + random.below(2))" : someUser()
            let count = 1 + random.below(2)
            try connection.recordFailures(
                Array(
                    repeating: FailureEvent(campaignId: "cmp_t", verdict: .notEligible, atMs: now, ip: "", deviceId: "", userId: failing),
                    count: count))
            history.failures += Array(repeating: (failing, now), count: count)
        }
    }
    return history
}

@Suite("Top users against a count of the raw history")
struct TopUsersTests {
    @Test func topUsersOfTheWholeCampaignAndOfRangesMatchTheHistory() throws {
        let store = try temporaryStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            let history = try playHistory(connection)
            #expect(try connection.consistencyProblems() == [])
            // The history has what the test is about: voids, failures of redeeming and non-redeeming users, ties.
            #expect(history.redemptions.filter(\.voided).count > 10)
            #expect(Set(history.failures.map(\.user)).isSuperset(of: ["u24", "u25"]))
            let whole = history.topUsers(from: start, to: .max, top: 100)
            #expect(Set(whole.map(\.redemptions)).count < whole.filter { $0.redemptions > 0 }.count, "ties by redemptions")
            #expect(Set(whole.map(\.failures)).count < whole.filter { $0.failures > 0 }.count, "ties by failures")

            let now = start + 40 * hour
            let ranges: [(from: Int64, to: Int64)] = [
                (0, 0), (start, start + 40 * hour), (start + 5 * hour, start + 12 * hour), (start + 10 * hour, start + 11 * hour),
                (start + 12 * hour + 1, start + 30 * hour - 1), (start + 29 * hour, start + 30 * hour), (start + 31 * hour, start + 35 * hour),
            ]
            for range in ranges {
                for top in [1, 2, 3, 5, 50] {
                    let query = ReportQuery(
                        campaignId: "cmp_t", fromMs: range.from, toMs: range.to, bucketMs: 0, top: top, breakdownMax: 10, nowMs: now)
                    let report = try #require(try connection.report(query))
                    // The report widens to whole hours; count the same hours by hand.
                    let from = range.from == 0 ? start : hourStart(range.from)
                    let to = range.to == 0 ? Int64.max : hourStart(range.to + hour - 1)
                    #expect(report.topUsers == history.topUsers(from: from, to: to, top: top), "range \(range), top \(top)")
                }
            }
        }
    }
}
