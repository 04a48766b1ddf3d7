import PromoDomain
@testable import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

// The report read from the maintained totals, checked against a two-day scripted scenario whose every figure
// is worked out by hand below. Times are explicit (`nowMs`), so hours and days can be crossed in a test.

private func freshReportStore() throws -> (PromoStore, String) {
    let directory = makeStoreTestDirectory("report")
    let path = directory + "/promo.sqlite"
    return (try PromoStore(configuration: StoreConfiguration(path: path)), path)
}

/// 2027-01-15 00:00:00 UTC: midnight, so day buckets of a whole-campaign report start on UTC days.
private let day0: Int64 = 1_799_971_200_000
private let oneHour: Int64 = 3_600_000
private let oneDay: Int64 = 24 * oneHour

/// `hours` hours and `minutes` minutes after `day0`.
private func at(_ hours: Int64, _ minutes: Int64 = 0) -> Int64 { day0 + hours * oneHour + minutes * 60_000 }

private let ip1 = "10.0.0.1", ip2 = "10.0.0.2", ip3 = "10.0.0.3", ip9 = "10.0.0.9"

/// Campaign A: 5 EUR bonus, redeemable from 01:00 on day 0 to 23:00 on day 1, two per user, Germany and
/// Austria only. On day 1 it becomes a 50 % deposit match in USD (cap 20 USD, minimum deposit 10 USD).
private let campaignA = Campaign(
    id: "cmp_a", name: "Spring", kind: .seasonal, reward: .bonus(amountMinor: 500, currency: "EUR"),
    startsAtMs: at(1), expiresAtMs: at(47), maxPerUser: 2, eligibility: Eligibility(countries: ["DE", "AT"]),
    createdAtMs: at(0, 30))
/// Campaign B: 20 free spins, two redemptions in all, one per user.
private let campaignB = Campaign(
    id: "cmp_b", name: "Spins", kind: .freeSpins, reward: .freeSpins(count: 20, gameId: "book"), startsAtMs: 0,
    maxRedemptions: 2, maxPerUser: 1, createdAtMs: at(0, 35))
/// Campaign C: 250 loyalty points.
private let campaignC = Campaign(
    id: "cmp_c", name: "Points", kind: .vip, reward: .loyaltyPoints(amount: 250), startsAtMs: 0, createdAtMs: at(0, 40))

private struct Script {
    let connection: Connection

    @discardableResult
    func redeem(
        _ code: String, _ user: String, at nowMs: Int64, id: String = "", ip: String = "", device: String = "",
        source: String = "", country: String = "DE", deposit: Int64 = 0, currency: String = "", reservation: String? = nil
    ) throws -> Verdict {
        let context = UserContext(userId: user, country: country, ip: ip, deviceId: device)
        let request = RedemptionRequest(
            code: code, user: context, deposit: deposit == 0 ? .none : Deposit(amountMinor: deposit, currency: currency),
            reservationId: reservation)
        let result = try connection.redeem(
            RedeemCommand(
                request: request, source: source, idempotencyKey: nil, apiKeyId: "key_game",
                newRedemptionId: id.isEmpty ? "r_\(code)_\(user)_\(nowMs)" : id, nowMs: nowMs))
        return result.verdict
    }

    func validateFailures(_ count: Int, _ verdict: Verdict, at nowMs: Int64, ip: String, device: String, user: String)
        throws
    {
        try connection.recordFailures(
            Array(
                repeating: FailureEvent(campaignId: "cmp_a", verdict: verdict, atMs: nowMs, ip: ip, deviceId: device, userId: user),
                count: count))
    }

    func code(_ text: String, _ campaign: String, owner: String? = nil, maxUses: UInt64 = 0, active: Bool = true, at ms: Int64)
        throws
    {
        try connection.insertCode(
            PromoCode(code: try CodeText(text), campaignId: campaign, maxUses: maxUses, isActive: active, ownerId: owner, createdAtMs: ms))
    }
}

/// Plays the whole two-day scenario. Every verdict is checked as it happens, so the figures below rest on a
/// known history.
private func playScenario(_ connection: Connection) throws {
    let s = Script(connection: connection)
    try connection.insertCampaign(campaignA)
    try connection.insertCampaign(campaignB)
    try connection.insertCampaign(campaignC)
    try s.code("SPRING", "cmp_a", at: at(0, 30))
    try s.code("AFF-ALICE", "cmp_a", owner: "alice", at: at(0, 30))
    try s.code("AFF-BOB", "cmp_a", owner: "bob", at: at(0, 30))
    try s.code("ONE-SHOT", "cmp_a", maxUses: 1, at: at(0, 30))
    try s.code("OFF-CODE", "cmp_a", active: false, at: at(0, 30))
    try s.code("NEVER-USED", "cmp_a", at: at(0, 30))
    try s.code("SPINS", "cmp_b", at: at(0, 35))
    try s.code("POINTS", "cmp_c", owner: "carol", at: at(0, 40))

    // Day 0.
    #expect(try s.redeem("SPRING", "u1", at: at(0, 45), ip: ip1, device: "d1") == .notYetValid)
    #expect(try s.redeem("SPRING", "u1", at: at(1, 10), id: "r1", ip: ip1, device: "d1", source: "web") == .ok)
    #expect(try s.redeem("AFF-ALICE", "u2", at: at(1, 20), id: "r2", ip: ip1, device: "d2", source: "web") == .ok)
    #expect(try s.redeem("aff alice", "u3", at: at(1, 50), id: "r3", ip: ip2, device: "d2", source: "app") == .ok)
    #expect(try s.redeem("AFF-BOB", "u1", at: at(2, 5), id: "r4", ip: ip1, device: "d1", source: "app") == .ok)
    #expect(try s.redeem("SPRING", "u1", at: at(2, 15), ip: ip1, device: "d1", source: "web") == .userLimitReached)
    #expect(try s.redeem("OFF-CODE", "u4", at: at(2, 30), ip: ip3, device: "d3") == .codeInactive)
    #expect(try s.redeem("POINTS", "u1", at: at(2, 40), id: "c1", ip: ip1, device: "d1", source: "web") == .ok)
    #expect(try s.redeem("SPINS", "u1", at: at(3), id: "b1", ip: ip1, device: "d1") == .ok)
    #expect(try s.redeem("SPINS", "u1", at: at(3, 5), ip: ip1, device: "d1") == .userLimitReached)
    #expect(try s.redeem("SPINS", "u2", at: at(4), id: "b2", ip: ip1, device: "d2") == .ok)
    #expect(try s.redeem("SPINS", "u3", at: at(4, 5), ip: ip2, device: "d2") == .limitReached)
    #expect(try s.redeem("ONE-SHOT", "u4", at: at(5), id: "r5", ip: ip3, device: "d3") == .ok)
    #expect(try s.redeem("ONE-SHOT", "u5", at: at(5, 10), ip: ip2, device: "d2") == .codeLimitReached)
    #expect(try s.redeem("SPRING", "u5", at: at(5, 20), ip: ip2, device: "d2", country: "FR") == .notEligible)
    #expect(try s.redeem("NO-SUCH-CODE", "u5", at: at(5, 30), ip: ip2, device: "d2") == .codeNotFound)  // no campaign: not counted
    _ = try connection.voidRedemption(id: "r2", reason: "duplicate account", nowMs: at(6))
    try s.validateFailures(3, .notEligible, at: at(9, 1), ip: ip9, device: "d9", user: "u9")
    var paused = campaignA
    paused.isActive = false
    #expect(try connection.updateCampaign(paused))
    #expect(try s.redeem("SPRING", "u6", at: at(10), ip: ip3, device: "d3") == .campaignInactive)
    #expect(try connection.updateCampaign(campaignA))
    let held = try connection.reserve(
        RedemptionRequest(code: "SPRING", user: UserContext(userId: "u6", country: "DE", ip: ip3, deviceId: "d3")),
        reservationId: "rsv_1", untilMs: at(12, 1), nowMs: at(12))
    #expect(held.outcome.verdict == .ok)
    #expect(try s.redeem("SPRING", "u6", at: at(12, 30), ip: ip3, device: "d3", reservation: "rsv_1") == .reservationExpired)
    #expect(try s.redeem("SPRING", "u6", at: at(12, 31), ip: ip3, device: "d3", reservation: "rsv_none") == .reservationNotFound)
    #expect(try s.redeem("SPRING", "u2", at: at(23, 30), id: "r6", ip: ip1, device: "d2", source: "web") == .ok)

    // Day 1: campaign A turns into a USD deposit match.
    var match = campaignA
    match.reward = .depositMatch(percent: 50, capMinor: 2_000, currency: "USD")
    match.eligibility.minDepositMinor = 1_000
    #expect(try connection.updateCampaign(match))
    #expect(try s.redeem("SPRING", "u3", at: at(25), id: "r7", ip: ip2, device: "d2", source: "app", deposit: 3_000, currency: "USD") == .ok)
    #expect(try s.redeem("SPRING", "u5", at: at(25, 10), ip: ip2, device: "d2", deposit: 500, currency: "USD") == .minDepositNotMet)
    #expect(try s.redeem("SPRING", "u5", at: at(26), id: "r8", ip: ip2, device: "d2", source: "web", deposit: 10_000, currency: "USD") == .ok)
    #expect(try s.redeem("AFF-BOB", "u6", at: at(26, 30), id: "r9", ip: ip3, device: "d3", source: "app", deposit: 2_000, currency: "USD") == .ok)
    _ = try connection.voidRedemption(id: "b2", reason: "bot", nowMs: at(28))
    #expect(try s.redeem("SPINS", "u3", at: at(29), id: "b3", ip: ip2, device: "d2") == .ok)
    _ = try connection.voidRedemption(id: "r8", reason: "chargeback", nowMs: at(30))
    #expect(try s.redeem("POINTS", "u4", at: at(30, 15), id: "c2", ip: ip3, device: "d3", source: "app") == .ok)
    #expect(try s.redeem("AFF-ALICE", "u6", at: at(36), id: "r10", ip: ip3, device: "d3", source: "app", deposit: 1_200, currency: "USD") == .ok)
    try s.validateFailures(1, .minDepositNotMet, at: at(36, 5), ip: ip3, device: "d3", user: "u6")
    try s.validateFailures(2, .codeInactive, at: at(37), ip: ip9, device: "d9", user: "u9")
    #expect(try s.redeem("SPRING", "u1", at: at(47, 30), ip: ip1, device: "d1", deposit: 5_000, currency: "USD") == .expired)
}

// Campaign A's history, standing (S) or voided (V):
//   r1  h1  u1 SPRING    web ip1 d1 EUR 500 S      r6  h23 u2 SPRING    web ip1 d2 EUR  500 S
//   r2  h1  u2 AFF-ALICE web ip1 d2 EUR 500 V      r7  h25 u3 SPRING    app ip2 d2 USD 1500 S
//   r3  h1  u3 AFF-ALICE app ip2 d2 EUR 500 S      r8  h26 u5 SPRING    web ip2 d2 USD 2000 V
//   r4  h2  u1 AFF-BOB   app ip1 d1 EUR 500 S      r9  h26 u6 AFF-BOB   app ip3 d3 USD 1000 S
//   r5  h5  u4 ONE-SHOT  --  ip3 d3 EUR 500 S      r10 h36 u6 AFF-ALICE app ip3 d3 USD  600 S
// Failures (hour: verdict x count, ip/device/user):
//   h0 not_yet_valid (ip1 d1 u1); h2 user_limit_reached (ip1 d1 u1), code_inactive (ip3 d3 u4);
//   h5 code_limit_reached (ip2 d2 u5), not_eligible (ip2 d2 u5); h9 not_eligible x3 (ip9 d9 u9, validates);
//   h10 campaign_inactive (ip3 d3 u6); h12 reservation_expired, reservation_not_found (ip3 d3 u6);
//   h25 min_deposit_not_met (ip2 d2 u5); h36 min_deposit_not_met (ip3 d3 u6, validate);
//   h37 code_inactive x2 (ip9 d9 u9, validates); h47 expired (ip1 d1 u1).

private func names(_ list: [(verdict: String, count: UInt64)]) -> [String] { list.map { "\($0.verdict)=\($0.count)" } }
private func names(_ list: [(key: String, count: UInt64)]) -> [String] { list.map { "\($0.key)=\($0.count)" } }
private func money(_ list: [(currency: String, amountMinor: Int64)]) -> [String] { list.map { "\($0.currency)=\($0.amountMinor)" } }
private func actor(_ key: String, _ redemptions: UInt64, _ failures: UInt64) -> ActorTotals {
    ActorTotals(key: key, redemptions: redemptions, failures: failures)
}
private func buckets(_ timeline: [TimelineBucket]) -> [String] {
    timeline.map { "h\(($0.startMs - day0) / oneHour)=\($0.redemptions)" }
}

/// What the scenario's reports are asked with: now is 02:00 on day 2, after everything happened.
private let reportNow = at(50)

private func query(_ campaign: String = "cmp_a", from: Int64 = 0, to: Int64 = 0, bucket: Int64 = 0, top: Int = 10) -> ReportQuery {
    ReportQuery(campaignId: campaign, fromMs: from, toMs: to, bucketMs: bucket, top: top, breakdownMax: 1_000, nowMs: reportNow)
}

@Suite("Report totals over a scripted two-day scenario")
struct ReportStoreTests {
    @Test func theWholeCampaignMatchesTheHandCount() throws {
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            #expect(try connection.consistencyProblems() == [])

            let report = try #require(try connection.report(query(bucket: oneHour)))
            #expect(report.fromMs == at(0))  // the campaign's creation hour
            #expect(report.toMs == at(51))  // the end of the hour of "now"
            #expect(report.bucketMs == oneHour)
            #expect(report.counters == CampaignCounters(redemptions: 8, uniqueUsers: 5, codesIssued: 6, codesRedeemed: 4,
                budgetSpentMinor: 3_100))  // the standing USD rewards since the switch: r7 + r9 + r10
            #expect(report.redemptions == 10)
            #expect(report.voided == 2)
            #expect(report.uniqueUsers == 5)  // u1 u2 u3 u4 u6; u5's only redemption is voided
            #expect(money(report.money) == ["EUR=2500", "USD=3100"])
            #expect(report.freeSpins == 0)
            #expect(report.loyaltyPoints == 0)
            #expect(
                names(report.failuresByVerdict) == [
                    "not_eligible=4", "code_inactive=3", "min_deposit_not_met=2", "campaign_inactive=1",
                    "code_limit_reached=1", "expired=1", "not_yet_valid=1", "reservation_expired=1",
                    "reservation_not_found=1", "user_limit_reached=1",
                ])
            #expect(names(report.bySource) == ["app=5", "web=2"])
            #expect(names(report.byOwner) == ["alice=2", "bob=2"])
            #expect(buckets(report.timeline) == ["h1=2", "h2=1", "h5=1", "h23=1", "h25=1", "h26=1", "h36=1"])
            #expect(report.topIps == [actor(ip1, 3, 3), actor(ip3, 3, 5), actor(ip2, 2, 3), actor(ip9, 0, 5)])
            #expect(report.topDevices == [actor("d2", 3, 3), actor("d3", 3, 5), actor("d1", 2, 3), actor("d9", 0, 5)])
            #expect(
                report.topUsers == [
                    actor("u1", 2, 3), actor("u3", 2, 0), actor("u6", 2, 4), actor("u2", 1, 0), actor("u4", 1, 1),
                    actor("u9", 0, 5), actor("u5", 0, 3),
                ])

            let days = try #require(try connection.report(query(bucket: oneDay)))
            #expect(days.bucketMs == oneDay)
            #expect(buckets(days.timeline) == ["h0=5", "h24=3"])
            // AUTO: 51 hours is within 7 days, so hours; exactly 7 days still hours; beyond, UTC days.
            #expect(try connection.report(query())?.bucketMs == oneHour)
            #expect(try connection.report(query(from: at(0), to: at(168)))?.bucketMs == oneHour)
            let week = try #require(try connection.report(query(from: at(0), to: at(169))))
            #expect(week.bucketMs == oneDay)
            #expect(buckets(week.timeline) == ["h0=5", "h24=3"])
        }
    }

    @Test func oneDayOfTheCampaign() throws {
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            let report = try #require(try connection.report(query(from: at(24), to: at(48), bucket: oneHour)))
            #expect(report.fromMs == at(24))
            #expect(report.toMs == at(48))
            #expect(report.redemptions == 4)  // r7 r8 r9 r10
            #expect(report.voided == 1)  // r8
            #expect(report.uniqueUsers == 2)  // u3 u6
            #expect(money(report.money) == ["USD=3100"])
            #expect(names(report.failuresByVerdict) == ["code_inactive=2", "min_deposit_not_met=2", "expired=1"])
            #expect(names(report.bySource) == ["app=3"])
            #expect(names(report.byOwner) == ["alice=1", "bob=1"])
            #expect(buckets(report.timeline) == ["h25=1", "h26=1", "h36=1"])
            #expect(report.topIps == [actor(ip3, 2, 1), actor(ip2, 1, 1), actor(ip9, 0, 2), actor(ip1, 0, 1)])
            #expect(report.topDevices == [actor("d3", 2, 1), actor("d2", 1, 1), actor("d9", 0, 2), actor("d1", 0, 1)])
            #expect(
                report.topUsers == [actor("u6", 2, 1), actor("u3", 1, 0), actor("u9", 0, 2), actor("u1", 0, 1), actor("u5", 0, 1)])

            let day = try #require(try connection.report(query(from: at(24), to: at(48), bucket: oneDay)))
            #expect(buckets(day.timeline) == ["h24=3"])

            // Day 0 alone: the complement.
            let first = try #require(try connection.report(query(from: at(0), to: at(24), bucket: oneDay)))
            #expect(first.redemptions == 6)
            #expect(first.voided == 1)
            #expect(first.uniqueUsers == 4)  // u1 u2 (r6) u3 u4
            #expect(money(first.money) == ["EUR=2500"])
            #expect(buckets(first.timeline) == ["h0=5"])
            #expect(first.redemptions + report.redemptions == 10)
        }
    }

    @Test func aRangeCuttingThroughTheMiddleIsWidenedToWholeHours() throws {
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            // 05:30 on day 0 to 01:10 on day 1: widened to [05:00, 02:00).
            let report = try #require(try connection.report(query(from: at(5, 30), to: at(25, 10))))
            #expect(report.fromMs == at(5))
            #expect(report.toMs == at(26))
            #expect(report.bucketMs == oneHour)
            #expect(report.redemptions == 3)  // r5 r6 r7
            #expect(report.voided == 0)
            #expect(report.uniqueUsers == 3)  // u4 u2 u3
            #expect(money(report.money) == ["EUR=1000", "USD=1500"])
            #expect(
                names(report.failuresByVerdict) == [
                    "not_eligible=4", "campaign_inactive=1", "code_limit_reached=1", "min_deposit_not_met=1",
                    "reservation_expired=1", "reservation_not_found=1",
                ])
            #expect(names(report.bySource) == ["app=1", "web=1"])
            #expect(names(report.byOwner) == [])
            #expect(buckets(report.timeline) == ["h5=1", "h23=1", "h25=1"])
            #expect(report.topIps == [actor(ip1, 1, 0), actor(ip2, 1, 3), actor(ip3, 1, 3), actor(ip9, 0, 3)])
            #expect(report.topDevices == [actor("d2", 2, 3), actor("d3", 1, 3), actor("d9", 0, 3)])
            #expect(
                report.topUsers == [
                    actor("u2", 1, 0), actor("u3", 1, 0), actor("u4", 1, 0), actor("u5", 0, 3), actor("u6", 0, 3),
                    actor("u9", 0, 3),
                ])
            // A range of one exact hour.
            let hour5 = try #require(try connection.report(query(from: at(5), to: at(6))))
            #expect((hour5.redemptions, hour5.fromMs, hour5.toMs) == (1, at(5), at(6)))
            #expect(names(hour5.failuresByVerdict) == ["code_limit_reached=1", "not_eligible=1"])
        }
    }

    @Test func aPartialRangeCoveringEverythingAgreesWithTheWholeCampaign() throws {
        // The whole-campaign report reads the all-time totals; a range reads the hourly ones. Over a range that
        // holds every event, the two paths must give the same figures.
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            let whole = try #require(try connection.report(query()))
            let range = try #require(try connection.report(query(from: at(0), to: at(49))))
            #expect(range.fromMs == whole.fromMs && range.toMs < whole.toMs)
            #expect(range.redemptions == whole.redemptions && range.voided == whole.voided)
            #expect(range.uniqueUsers == whole.uniqueUsers)
            #expect(money(range.money) == money(whole.money))
            #expect(names(range.failuresByVerdict) == names(whole.failuresByVerdict))
            #expect(names(range.bySource) == names(whole.bySource))
            #expect(names(range.byOwner) == names(whole.byOwner))
            #expect(range.timeline == whole.timeline)
            #expect(range.topIps == whole.topIps)
            #expect(range.topDevices == whole.topDevices)
            #expect(range.topUsers == whole.topUsers)
            // top = 1: the first by redemptions, then the first by failures.
            let one = try #require(try connection.report(query(top: 1)))
            #expect(one.topIps == [actor(ip1, 3, 3), actor(ip3, 3, 5)])
            #expect(one.topUsers == [actor("u1", 2, 3), actor("u9", 0, 5)])
        }
    }

    @Test func otherCampaignsKeepTheirOwnFigures() throws {
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            let spins = try #require(try connection.report(query("cmp_b", bucket: oneHour)))
            #expect(spins.redemptions == 3)  // b1 b2 b3
            #expect(spins.voided == 1)  // b2
            #expect(spins.uniqueUsers == 2)  // u1 u3
            #expect(spins.freeSpins == 40)
            #expect(spins.loyaltyPoints == 0)
            #expect(money(spins.money) == [])
            #expect(names(spins.failuresByVerdict) == ["limit_reached=1", "user_limit_reached=1"])
            #expect(spins.timeline.map(\.redemptions).reduce(0, +) == 2)
            #expect(spins.topIps == [actor(ip1, 1, 1), actor(ip2, 1, 1)])
            #expect(spins.counters == CampaignCounters(redemptions: 2, uniqueUsers: 2, codesIssued: 1, codesRedeemed: 1, budgetSpentMinor: 40))

            let points = try #require(try connection.report(query("cmp_c")))
            #expect(points.redemptions == 2 && points.voided == 0 && points.uniqueUsers == 2)
            #expect(points.loyaltyPoints == 500)
            #expect(points.freeSpins == 0)
            #expect(names(points.failuresByVerdict) == [])
            #expect(names(points.bySource) == ["app=1", "web=1"])
            #expect(names(points.byOwner) == ["carol=2"])
            #expect(points.counters.codesIssued == 1 && points.counters.codesRedeemed == 1)

            // Day 1 of the spins campaign: b3 only; the void of b2 (made on day 1) counts in b2's hour, day 0.
            let spinsDay1 = try #require(try connection.report(query("cmp_b", from: at(24), to: at(48))))
            #expect((spinsDay1.redemptions, spinsDay1.voided, spinsDay1.freeSpins) == (1, 0, 20))
            #expect(try connection.report(query("cmp_nope")) == nil)
        }
    }

    @Test func aRangeBeforeAnythingHappenedIsEmpty() throws {
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            let report = try #require(try connection.report(query(from: at(-48), to: at(0))))
            #expect(report.redemptions == 0 && report.voided == 0 && report.uniqueUsers == 0)
            #expect(report.money.isEmpty && report.failuresByVerdict.isEmpty && report.bySource.isEmpty)
            #expect(report.timeline.isEmpty && report.topIps.isEmpty && report.topUsers.isEmpty)
            #expect(report.counters.codesIssued == 6)  // "now" figures do not depend on the range
        }
    }

    /// Timeline "first-time users" (README: "standing redemptions and first-time users"): a user counts in the
    /// bucket of their first standing redemption, so a user whose redemptions are all voided is in none, and
    /// the first-time users of a whole-campaign timeline add up to `unique_users`.
    @Test func firstTimeUsersOfTheTimelineAddUpToTheUniqueUsers() throws {
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            let report = try #require(try connection.report(query(bucket: oneHour)))
            let firstTimers = report.timeline.reduce(0) { $0 + $1.newUsers }
            #expect(firstTimers == report.uniqueUsers, "timeline first-time users \(firstTimers) vs unique users \(report.uniqueUsers)")
            // By first standing redemption: h1 u1 u3; h5 u4; h23 u2 (r2 at h1 was voided); h26 u6 (u5's r8 voided).
            #expect(report.timeline.map(\.newUsers) == [2, 0, 1, 1, 0, 1, 0])
            // Campaign B's hour 4 holds only b2, voided: no standing redemption, so an empty bucket, left out.
            let spins = try #require(try connection.report(query("cmp_b", bucket: oneHour)))
            #expect(buckets(spins.timeline) == ["h3=1", "h29=1"])
            #expect(spins.timeline.map(\.newUsers) == [1, 1])
        }
    }

    /// Day buckets of a range that starts mid-day are still UTC days (every time being UTC), so the same day is
    /// the same bucket whatever the range.
    @Test func dayBucketsStartAtUTCMidnight() throws {
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            let report = try #require(try connection.report(query(from: at(12), to: at(48), bucket: oneDay)))
            #expect(report.timeline.allSatisfy { $0.startMs % oneDay == 0 }, "bucket starts: \(buckets(report.timeline))")
            // Day 0 from 12:00 holds r6 (h23); day 1 holds r7 r9 r10 (r8 voided).
            #expect(buckets(report.timeline) == ["h0=1", "h24=3"])
        }
    }

    @Test func voidingAUsersFirstRedemptionMovesThemToTheirNextOne() throws {
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            let campaign = Campaign(
                id: "cmp_v", name: "Voids", kind: .welcome, reward: .bonus(amountMinor: 100, currency: "EUR"), startsAtMs: 0,
                createdAtMs: at(0))
            try connection.insertCampaign(campaign)
            let s = Script(connection: connection)
            try s.code("VOIDS", "cmp_v", at: at(0))
            #expect(try s.redeem("VOIDS", "x", at: at(1), id: "x1", ip: ip1) == .ok)
            #expect(try s.redeem("VOIDS", "x", at: at(5), id: "x5", ip: ip1) == .ok)
            #expect(try s.redeem("VOIDS", "y", at: at(5, 30), id: "y5", ip: ip2) == .ok)
            func timeline() throws -> [String] {
                try #require(try connection.report(query("cmp_v", bucket: oneHour))).timeline.map {
                    "h\(($0.startMs - day0) / oneHour)=\($0.redemptions)/\($0.newUsers)"
                }
            }
            #expect(try timeline() == ["h1=1/1", "h5=2/1"])
            _ = try connection.voidRedemption(id: "x1", reason: "a", nowMs: at(6))
            #expect(try timeline() == ["h5=2/2"])  // x's first standing redemption is now x5
            #expect(try connection.consistencyProblems() == [])
            _ = try connection.voidRedemption(id: "x5", reason: "b", nowMs: at(7))
            #expect(try timeline() == ["h5=1/1"])  // x holds nothing: no longer a user of the campaign
            #expect(try connection.campaign(id: "cmp_v")?.1.uniqueUsers == 1)
            #expect(try s.redeem("VOIDS", "x", at: at(8), id: "x8", ip: ip1) == .ok)
            #expect(try timeline() == ["h5=1/1", "h8=1/1"])  // back, first standing at h8
            #expect(try connection.consistencyProblems() == [])
            let report = try #require(try connection.report(query("cmp_v")))
            #expect((report.redemptions, report.voided, report.uniqueUsers) == (4, 2, 2))
            #expect(report.timeline.reduce(0) { $0 + $1.newUsers } == report.uniqueUsers)
            #expect(report.topIps == [actor(ip1, 1, 0), actor(ip2, 1, 0)])
        }
    }

    @Test func suspectsOfARangeAndOfTheWholeCampaign() throws {
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            func suspectQuery(from: Int64 = 0, to: Int64 = 0, share: Double, min: UInt64 = 1, failures: UInt64) -> ReportQuery {
                var q = query(from: from, to: to)
                q.suspectShare = share
                q.suspectRedemptionsMin = min
                q.suspectFailuresMax = failures
                return q
            }
            // [05:00, 02:00 next day): 3 standing redemptions, one each for ip1 ip2 ip3 (a third each, over 30 %);
            // 3 failures each for ip2 ip3 ip9.
            let range = try #require(try connection.report(suspectQuery(from: at(5, 30), to: at(25, 10), share: 0.3, failures: 3)))
            #expect(range.suspectIps == [actor(ip2, 1, 3), actor(ip3, 1, 3), actor(ip1, 1, 0), actor(ip9, 0, 3)])
            #expect(range.suspectDevices == [actor("d2", 2, 3), actor("d3", 1, 3), actor("d9", 0, 3)])
            // Over 50 %: only d2 (2 of 3) by share; the failures rule alone for the rest.
            let half = try #require(try connection.report(suspectQuery(from: at(5, 30), to: at(25, 10), share: 0.5, failures: 3)))
            #expect(half.suspectIps == [actor(ip2, 1, 3), actor(ip3, 1, 3), actor(ip9, 0, 3)])
            #expect(half.suspectDevices == [actor("d2", 2, 3), actor("d3", 1, 3), actor("d9", 0, 3)])
            // Whole campaign (8 standing): over 30 % is 3 or more: ip1 and ip3 hold 3; 5 failures: ip3 ip9.
            let whole = try #require(try connection.report(suspectQuery(share: 0.3, min: 2, failures: 5)))
            #expect(whole.suspectIps == [actor(ip3, 3, 5), actor(ip1, 3, 3), actor(ip9, 0, 5)])
            // The range path over everything agrees with the all-time path.
            let everything = try #require(try connection.report(suspectQuery(from: at(0), to: at(49), share: 0.3, min: 2, failures: 5)))
            #expect(everything.suspectIps == whole.suspectIps && everything.suspectDevices == whole.suspectDevices)
        }
    }

    @Test func consistencyProblemsFindsDeliberateCorruption() throws {
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            #expect(try connection.consistencyProblems() == [])

            let corruptions: [(name: String, corrupt: String, repair: String)] = [
                ("campaign_hours",
                 "UPDATE campaign_hours SET redemptions = redemptions + 1 WHERE campaign_id = 'cmp_a' AND hour_ms = \(at(5))",
                 "UPDATE campaign_hours SET redemptions = redemptions - 1 WHERE campaign_id = 'cmp_a' AND hour_ms = \(at(5))"),
                ("codes.uses",
                 "UPDATE codes SET uses = uses + 1 WHERE key = 'SPRING'",
                 "UPDATE codes SET uses = uses - 1 WHERE key = 'SPRING'"),
                ("campaign_money_hours",
                 "UPDATE campaign_money_hours SET amount_minor = amount_minor + 1 WHERE campaign_id = 'cmp_a' AND currency = 'USD' AND hour_ms = \(at(36))",
                 "UPDATE campaign_money_hours SET amount_minor = amount_minor - 1 WHERE campaign_id = 'cmp_a' AND currency = 'USD' AND hour_ms = \(at(36))"),
                ("campaign_dimension_hours",
                 "UPDATE campaign_dimension_hours SET redemptions = redemptions + 1 WHERE campaign_id = 'cmp_a' AND dimension = 'owner' AND key = 'bob' AND hour_ms = \(at(2))",
                 "UPDATE campaign_dimension_hours SET redemptions = redemptions - 1 WHERE campaign_id = 'cmp_a' AND dimension = 'owner' AND key = 'bob' AND hour_ms = \(at(2))"),
                ("campaign_dimensions",
                 "UPDATE campaign_dimensions SET failures = failures + 1 WHERE campaign_id = 'cmp_a' AND dimension = 'ip' AND key = '\(ip9)'",
                 "UPDATE campaign_dimensions SET failures = failures - 1 WHERE campaign_id = 'cmp_a' AND dimension = 'ip' AND key = '\(ip9)'"),
                ("campaigns.redemptions/unique_users",
                 "UPDATE campaigns SET unique_users = unique_users - 1 WHERE id = 'cmp_a'",
                 "UPDATE campaigns SET unique_users = unique_users + 1 WHERE id = 'cmp_a'"),
                ("campaigns.codes_issued/codes_redeemed",
                 "UPDATE campaigns SET codes_issued = codes_issued + 1 WHERE id = 'cmp_c'",
                 "UPDATE campaigns SET codes_issued = codes_issued - 1 WHERE id = 'cmp_c'"),
                ("user_redemptions",
                 "UPDATE user_redemptions SET first_at_ms = first_at_ms + 1 WHERE campaign_id = 'cmp_a' AND user_id = 'u6'",
                 "UPDATE user_redemptions SET first_at_ms = first_at_ms - 1 WHERE campaign_id = 'cmp_a' AND user_id = 'u6'"),
                // The top users read their redemptions from here.
                ("user_redemptions",
                 "UPDATE user_redemptions SET redemptions = redemptions - 1 WHERE campaign_id = 'cmp_a' AND user_id = 'u6'",
                 "UPDATE user_redemptions SET redemptions = redemptions + 1 WHERE campaign_id = 'cmp_a' AND user_id = 'u6'"),
                // The user dimension counts failures only: a redemption count there is a disagreement.
                ("campaign_dimension_hours",
                 "UPDATE campaign_dimension_hours SET redemptions = redemptions + 1 WHERE campaign_id = 'cmp_a' AND dimension = 'user' AND key = 'u9' AND hour_ms = \(at(9))",
                 "UPDATE campaign_dimension_hours SET redemptions = redemptions - 1 WHERE campaign_id = 'cmp_a' AND dimension = 'user' AND key = 'u9' AND hour_ms = \(at(9))"),
            ]
            for corruption in corruptions {
                try connection.execute(corruption.corrupt)
                #expect(connection.changes == 1, "\(corruption.name): the corruption touched no row")
                let problems = try connection.consistencyProblems()
                #expect(problems.contains { $0.hasPrefix(corruption.name + ":") }, "\(corruption.name): \(problems)")
                try connection.execute(corruption.repair)
                #expect(try connection.consistencyProblems() == [], "\(corruption.name) repaired")
            }
        }
    }

    @Test func rebuildingTheTotalsFromTheRawRowsChangesNothing() throws {
        // Migration 4 builds the totals from the raw rows of an older file; on a live file the rebuild must
        // reproduce what the writes maintained (failure counts are kept as they are).
        let (store, _) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            let before = try #require(try connection.report(query(from: at(5, 30), to: at(25, 10))))
            let whole = try #require(try connection.report(query()))
            try connection.execute("BEGIN")
            try connection.execute(ReportTotals.rebuildSQL)
            try connection.execute("COMMIT")
            #expect(try connection.consistencyProblems() == [])
            let after = try #require(try connection.report(query(from: at(5, 30), to: at(25, 10))))
            let wholeAfter = try #require(try connection.report(query()))
            for (old, new) in [(before, after), (whole, wholeAfter)] {
                #expect(old.redemptions == new.redemptions && old.voided == new.voided && old.uniqueUsers == new.uniqueUsers)
                #expect(money(old.money) == money(new.money))
                #expect(names(old.failuresByVerdict) == names(new.failuresByVerdict))
                #expect(names(old.bySource) == names(new.bySource) && names(old.byOwner) == names(new.byOwner))
                #expect(old.timeline == new.timeline)
                #expect(old.topIps == new.topIps && old.topDevices == new.topDevices && old.topUsers == new.topUsers)
            }
        }
    }

    @Test func migration6ClearsTheUserRedemptionCountsAndKeepsEveryReport() throws {
        // Up to version 5 the user dimension also counted standing redemptions; version 6 reads them from
        // user_redemptions and the raw rows. A file at version 5 is made from a current one the way step 4
        // built the totals (the rebuild as it shipped), which is what the writes of version 5 maintained.
        let (store, path) = try freshReportStore()
        let userRows = """
            SELECT campaign_id, key, hour_ms, redemptions, failures FROM campaign_dimension_hours WHERE dimension = 'user'
            UNION ALL SELECT campaign_id, key, -1, redemptions, failures FROM campaign_dimensions WHERE dimension = 'user'
            ORDER BY 1, 2, 3
            """
        func rows(_ connection: Connection) throws -> [String] {
            let select = try connection.statement(userRows)
            var result: [String] = []
            while try select.step() {
                result.append((Int32(0)..<5).map { select.string($0) }.joined(separator: " "))
            }
            return result
        }
        let (current, reports) = try store.writer.synchronously { connection in
            try playScenario(connection)
            let current = try rows(connection)
            let reports = [try connection.report(query()), try connection.report(query(from: at(5, 30), to: at(25, 10)))]
            try connection.execute("BEGIN")
            try connection.execute("DROP INDEX user_redemptions_by_count")
            // Migration 7's indexes, so that upgrading from 5 adds them again.
            try connection.execute("DROP INDEX redemptions_by_code; DROP INDEX reservations_by_code; DROP INDEX idempotency_by_age")
            try connection.execute(ReportTotals.step4RebuildSQL)
            try connection.execute("PRAGMA user_version = 5")
            // The steps after 6 stay applied: recorded as run above the rewound version, so they are not run again.
            let later = Migrations.versionedSteps.map(\.version).filter { $0 > 6 }.map { "(\($0))" }
            if !later.isEmpty {
                try connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS schema_steps (version INTEGER PRIMARY KEY) STRICT;
                    INSERT OR IGNORE INTO schema_steps (version) VALUES \(later.joined(separator: ", "));
                    """)
            }
            try connection.execute("COMMIT")
            // u2 and u3 redeemed and never failed: at version 5 they had user rows, from now on they have none.
            #expect(try rows(connection).count > current.count)
            #expect(try connection.consistencyProblems().contains { $0.hasPrefix("campaign_dimension_hours:") })
            return (current, reports)
        }
        store.close()

        let upgraded = try PromoStore(configuration: StoreConfiguration(path: path))
        defer { upgraded.close() }
        #expect(try upgraded.schemaVersion == Migrations.latestVersion)
        try upgraded.writer.synchronously { connection in
            #expect(try connection.consistencyProblems() == [])
            #expect(try rows(connection) == current)
            let totals = try connection.statement(
                "SELECT key, redemptions, failures FROM campaign_dimensions WHERE campaign_id = 'cmp_a' AND dimension = 'user' ORDER BY key")
            var users: [String] = []
            while try totals.step() { users.append("\(totals.string(0)) \(totals.int64(1)) \(totals.int64(2))") }
            #expect(users == ["u1 0 3", "u4 0 1", "u5 0 3", "u6 0 4", "u9 0 5"])
            #expect(try connection.statement("SELECT count(*) FROM sqlite_schema WHERE name = 'user_redemptions_by_count'").firstRow { $0.int(0) } == 1)
            let after = [try connection.report(query()), try connection.report(query(from: at(5, 30), to: at(25, 10)))]
            for (old, new) in zip(reports, after) {
                let (old, new) = (try #require(old), try #require(new))
                #expect(old.redemptions == new.redemptions && old.voided == new.voided && old.uniqueUsers == new.uniqueUsers)
                #expect(names(old.bySource) == names(new.bySource) && names(old.byOwner) == names(new.byOwner))
                #expect(old.topIps == new.topIps && old.topDevices == new.topDevices && old.topUsers == new.topUsers)
                #expect(old.suspectIps == new.suspectIps && old.suspectDevices == new.suspectDevices)
            }
        }
    }
}

// MARK: - Query plans

/// The SQL of every statement `connection` has prepared and cached. The cache is private to `Connection`;
/// reflection reads it so that the plans checked are those of the exact statements the code runs.
private func preparedSQL(_ connection: Connection) -> [String] {
    for child in Mirror(reflecting: connection).children where child.label == "statements" {
        if let statements = child.value as? [String: Statement] { return statements.keys.sorted() }
    }
    return []
}

private func plan(_ connection: Connection, _ sql: String) throws -> [String] {
    let explain = try connection.statement("EXPLAIN QUERY PLAN " + sql)
    var lines: [String] = []
    while try explain.step() { lines.append(explain.string(3)) }
    return lines
}

/// Runs the whole-campaign report and a range report on a fresh connection to `path`, so that its statement
/// cache holds exactly the report's statements.
private func reportStatements(_ path: String) throws -> (Connection, [String]) {
    let reader = try Connection(path: path, busyTimeoutMs: 1_000)
    _ = try reader.report(query())
    _ = try reader.report(query(from: at(5), to: at(30)))
    return (reader, preparedSQL(reader))
}

/// Table and index scans (a scan of the one constant row of a SELECT without FROM is harmless, and so is
/// one of a subquery's result, whose own reads the plan lists and the rules below check).
private func scans(_ plan: [String]) -> [String] {
    plan.filter { $0.hasPrefix("SCAN") && $0 != "SCAN CONSTANT ROW" && !$0.hasPrefix("SCAN (subquery-") }
}

@Suite("Report query plans")
struct ReportQueryPlanTests {
    @Test(arguments: [false, true])
    func everyReportStatementSearchesByKeyOrIndex(analyzed: Bool) throws {
        let (store, path) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try playScenario(connection)
            if analyzed { try connection.execute("ANALYZE") }
        }
        let (reader, statements) = try reportStatements(path)
        var seen: Set<String> = []
        for sql in statements {
            let lines = try plan(reader, sql)
            let text = lines.joined(separator: " | ")
            #expect(scans(lines).isEmpty, "\(sql)\n-> \(text)")
            // Every table a statement reads must be searched by its key or the intended index.
            let rules: [(reads: String, name: String, plan: String)] = [
                ("FROM campaign_hours", "hours", "SEARCH campaign_hours USING PRIMARY KEY (campaign_id=? AND hour_ms>? AND hour_ms<?)"),
                ("FROM campaign_money_hours", "money", "SEARCH campaign_money_hours USING PRIMARY KEY (campaign_id=? AND hour_ms>? AND hour_ms<?)"),
                ("FROM campaign_failure_hours", "failures",
                 "SEARCH campaign_failure_hours USING PRIMARY KEY (campaign_id=? AND hour_ms>? AND hour_ms<?)"),
                ("FROM campaign_dimension_hours", "dimension_hours",
                 "SEARCH campaign_dimension_hours USING PRIMARY KEY (campaign_id=? AND dimension=? AND hour_ms>? AND hour_ms<?)"),
                ("campaign_dimensions INDEXED BY campaign_dimensions_by_redemptions", "all_time_by_redemptions",
                 "SEARCH campaign_dimensions USING INDEX campaign_dimensions_by_redemptions (campaign_id=? AND dimension=?"),
                ("campaign_dimensions INDEXED BY campaign_dimensions_by_failures", "all_time_by_failures",
                 "SEARCH campaign_dimensions USING INDEX campaign_dimensions_by_failures (campaign_id=? AND dimension=?"),
                ("FROM redemptions", "distinct_users",
                 "SEARCH redemptions USING"),
                // The top users: user_redemptions in count order, and each listed user's other count by key.
                ("FROM user_redemptions INDEXED BY user_redemptions_by_count", "all_time_users_by_redemptions",
                 "SEARCH user_redemptions USING COVERING INDEX user_redemptions_by_count (campaign_id=? AND redemptions>?)"),
                ("SELECT redemptions FROM user_redemptions", "user_redemptions_by_key",
                 "SEARCH user_redemptions USING PRIMARY KEY (campaign_id=? AND user_id=?)"),
                ("SELECT failures FROM campaign_dimensions", "all_time_by_key",
                 "SEARCH campaign_dimensions USING PRIMARY KEY (campaign_id=? AND dimension=? AND key=?)"),
                ("FROM campaigns WHERE id = ?", "campaign", "SEARCH campaigns USING INDEX sqlite_autoindex_campaigns_1 (id=?)"),
                // Effectiveness: deposits by hour, and the repeat-user pairs that start in the range.
                ("FROM campaign_deposit_hours", "deposits",
                 "SEARCH campaign_deposit_hours USING PRIMARY KEY (campaign_id=? AND hour_ms>? AND hour_ms<?)"),
                ("FROM campaign_repeat_pairs", "repeat_pairs",
                 "SEARCH campaign_repeat_pairs USING PRIMARY KEY (campaign_id=? AND from_hour_ms>? AND from_hour_ms<?)"),
                // Grants naming the campaign, counted under source "grant".
                ("FROM grants INDEXED BY grants_by_campaign", "standing_grants",
                 "SEARCH grants USING INDEX grants_by_campaign (campaign_id=? AND granted_at_ms>? AND granted_at_ms<?)"),
            ]
            let matched = rules.filter { sql.contains($0.reads) }
            if matched.isEmpty { Issue.record("a report statement this test does not know: \(sql)") }
            for rule in matched {
                seen.insert(rule.name)
                // The same index read alone (the top users' failures list needs no other column) is as good.
                let covering = rule.plan.replacing("USING INDEX", with: "USING COVERING INDEX")
                #expect(lines.contains { $0.hasPrefix(rule.plan) || $0.hasPrefix(covering) }, "\(rule.name): \(sql)\n-> \(text)")
            }
            if sql.contains("FROM redemptions") {
                #expect(text.contains("INDEX redemptions_standing_by_time (campaign_id=? AND redeemed_at_ms>? AND redeemed_at_ms<?)"), "\(text)")
            }
            if sql.contains("FROM campaign_hours") {
                #expect(!text.contains("TEMP B-TREE"), "hours come in key order: \(text)")
            }
            // The all-time top lists read their index in order: no sort.
            if sql.contains("ORDER BY redemptions DESC, key") || sql.contains("ORDER BY failures DESC, key")
                || sql.contains("ORDER BY redemptions DESC, user_id")
            {
                #expect(!text.contains("TEMP B-TREE"), "the index gives the order: \(text)")
            }
        }
        #expect(
            seen == [
                "hours", "money", "failures", "dimension_hours", "all_time_by_redemptions", "all_time_by_failures",
                "distinct_users", "campaign", "all_time_users_by_redemptions", "user_redemptions_by_key", "all_time_by_key",
                "deposits", "repeat_pairs", "standing_grants",
            ])
    }

    /// Migration 4: "Distinct users of a time range, read from the index alone." With `voided_at_ms IS NULL`
    /// in the query and voided_at_ms not a column of the partial index, SQLite 3.40 (the library linked here)
    /// does not treat the index as covering: every standing redemption of the range costs a table lookup.
    @Test func distinctUsersOfARangeAreReadFromTheIndexAlone() throws {
        let (store, path) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { try playScenario($0) }
        let (reader, statements) = try reportStatements(path)
        let sql = try #require(statements.first { $0.contains("count(DISTINCT user_id)") })
        let text = try plan(reader, sql).joined(separator: " | ")
        #expect(text.contains("SEARCH redemptions USING COVERING INDEX redemptions_standing_by_time"), "\(text)")
    }

    /// The writes that maintain the totals (redeem, refused redeem, void, failed validates, reserve) must not
    /// scan either: they run in the single writer, once per request.
    @Test func theMaintainingWritesSearchByKeyOrIndex() throws {
        let (store, path) = try freshReportStore()
        defer { store.close() }
        try store.writer.synchronously { try playScenario($0) }
        let writer = try Connection(path: path, busyTimeoutMs: 1_000)
        try writer.execute("PRAGMA foreign_keys = ON")
        let s = Script(connection: writer)
        try writer.execute("BEGIN IMMEDIATE")
        #expect(try s.redeem("NEVER-USED", "u7", at: at(40), id: "x1", ip: ip1, device: "d1", source: "web", deposit: 2_000, currency: "USD") == .ok)
        #expect(try s.redeem("ONE-SHOT", "u7", at: at(40), ip: ip1, device: "d1") == .codeLimitReached)
        _ = try writer.voidRedemption(id: "x1", reason: "test", nowMs: at(41))
        try s.validateFailures(1, .notEligible, at: at(41), ip: ip1, device: "d1", user: "u7")
        _ = try writer.reserve(
            RedemptionRequest(code: "SPRING", user: UserContext(userId: "u7", country: "DE")), reservationId: "rsv_x",
            untilMs: at(41, 5), nowMs: at(41))
        try writer.execute("COMMIT")
        var explained = 0
        for sql in preparedSQL(writer) {
            let lines = try plan(writer, sql)
            explained += lines.isEmpty ? 0 : 1
            #expect(scans(lines).isEmpty, "\(sql)\n-> \(lines.joined(separator: " | "))")
        }
        #expect(explained >= 10)
        let problems = try store.writer.synchronously { try $0.consistencyProblems() }
        #expect(problems == [])
    }
}
