import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

// One server, several campaigns, ~3,000 operations over 30 connections at once: a shared code with a
// campaign limit, hundreds of unique codes (imported and generated) with per-code limits, a campaign with
// max_per_user 2, reservations of 200–500 ms that expire while the load runs, voids sent as redemption ids
// come back, and idempotent retries (concurrent and later). Every answer is checked as it arrives; afterwards
// the limits, the client's view and the SQLite file must agree exactly.

/// What the clients saw, shared by every lane.
private final class Ledger: Sendable {
    struct Seen: Sendable {
        let campaignId: String
        let userId: String
    }

    struct State {
        var ok: [String: Seen] = [:]
        var voided: Set<String> = []
        var verdicts: [String: [Verdict: Int]] = [:]
        var operations = 0
        var replays = 0
        var doubleVoids = 0
        var reservationsHeld = 0
        var reservationsRedeemedInTime = 0
        var reservationsRedeemedLate = 0
        var reservationsAbandoned = 0
        var latestReservationEndMs: Int64 = 0
    }

    let state = LockedValue(State())

    func count(_ label: String, _ verdict: Verdict) {
        state.withLock {
            $0.verdicts[label, default: [:]][verdict, default: 0] += 1
            $0.operations += 1
        }
    }

    func operation() { state.withLock { $0.operations += 1 } }

    /// Records a first (not replayed) OK; false when the id was seen before, which must never happen.
    func granted(_ id: String, _ seen: Seen) -> Bool {
        state.withLock { state in
            guard state.ok[id] == nil else { return false }
            state.ok[id] = seen
            return true
        }
    }

    func voided(_ id: String) { _ = state.withLock { $0.voided.insert(id) } }
    func update(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }
    var snapshot: State { state.withLock { $0 } }
}

/// What the lanes of the tight-campaign test saw.
private final class TightOutcomes: Sendable {
    struct State {
        var granted: [String: String] = [:]  // redemption id → user
        var voidsOK: [String: Int] = [:]     // redemption id → successful voids
        var voidsRefused = 0
        var verdicts: [Verdict: Int] = [:]
        var latestHoldEndMs: Int64 = 0
    }
    let state = LockedValue(State())
}

/// The campaigns under load and what each allows.
private struct Setup: Sendable {
    let shared: Campaign        // shared code, max_redemptions 150
    let sharedCode: String
    let unique: Campaign        // 300 imported codes (1 use) + 100 generated codes (2 uses), unlimited campaign
    let uniqueCodes: [String]
    let perUser: Campaign       // shared code, max_per_user 2
    let perUserCode: String
    let reserved: Campaign      // shared code, max_redemptions 120, held by reservations
    let reservedCode: String
    let sharedUsers: [String]   // 400 players
    let perUserUsers: [String]  // 40 players, so that many hit their limit
}

@Suite("Concurrency: limits, voids, reservations and retries under parallel load", .serverCleanup)
struct ConcurrencySuiteTests {
    static let connections = 30
    static let lanesPerConnection = 2
    static let operationsPerLane = 50  // 30 × 2 × 50 = 3,000 top-level operations (plus voids and retries)

    @Test func mixedLoadKeepsEveryLimitAndTheFileAgreesWithTheClients() async throws {
        let directory = makeTemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: directory)
        let admin = try await server.session()
        let setup = try await Self.prepare(admin)

        var clients: [PromoClient] = []
        for _ in 0..<Self.connections { clients.append(try await server.session()) }
        let ledger = Ledger()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in 0..<Self.connections {
                for lane in 0..<Self.lanesPerConnection {
                    let seed = UInt64(0xC0FFEE) &+ UInt64(connection * 31 + lane) &* 0x9E37_79B9
                    let client = clients[connection]
                    let other = clients[(connection + 1 + lane) % clients.count]
                    group.addTask {
                        var random = SplitMix64(state: seed)
                        for _ in 0..<Self.operationsPerLane {
                            try await Self.step(client: client, voider: other, setup: setup, ledger: ledger, random: &random)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let seen = ledger.snapshot
        #expect(seen.operations >= 3_000, "\(seen.operations) operations")
        // The mix really happened: limits were hit, reservations expired, voids and replays were made.
        #expect(seen.verdicts["shared"]?[.limitReached, default: 0] ?? 0 > 0, "\(seen.verdicts)")
        #expect(seen.verdicts["unique"]?[.codeLimitReached, default: 0] ?? 0 > 0, "\(seen.verdicts)")
        #expect(seen.verdicts["perUser"]?[.userLimitReached, default: 0] ?? 0 > 0, "\(seen.verdicts)")
        #expect(seen.reservationsHeld > 20 && seen.reservationsAbandoned > 5, "reservations \(seen.reservationsHeld)")
        #expect(seen.voided.count > 50, "voids \(seen.voided.count)")
        #expect(seen.replays > 50, "replays \(seen.replays)")
        #expect(seen.doubleVoids > 5, "double voids \(seen.doubleVoids)")
        // Let every reservation lapse, so that held uses no longer count.
        try await sleep(untilMs: seen.latestReservationEndMs + 20)

        // What the clients saw, per campaign: standing (OK and not voided) redemptions.
        func standing(_ campaign: Campaign) -> Int {
            seen.ok.filter { $0.value.campaignId == campaign.id && !seen.voided.contains($0.key) }.count
        }
        func total(_ campaign: Campaign) -> Int { seen.ok.filter { $0.value.campaignId == campaign.id }.count }
        let campaigns = [setup.shared, setup.unique, setup.perUser, setup.reserved]
        for campaign in campaigns {
            let stats = try #require(try await admin.getCampaign(campaign.id).stats)
            #expect(stats.redemptions == UInt64(standing(campaign)), "\(campaign.name): stats \(stats.redemptions), clients \(standing(campaign))")
            if campaign.maxRedemptions > 0 {
                #expect(stats.redemptions <= campaign.maxRedemptions, "\(campaign.name)")
                #expect(stats.remaining == campaign.maxRedemptions - stats.redemptions, "\(campaign.name)")
            }
            let users = Set(seen.ok.filter { $0.value.campaignId == campaign.id && !seen.voided.contains($0.key) }.map(\.value.userId))
            #expect(stats.uniqueUsers == UInt64(users.count), "\(campaign.name) unique users")
            // The report's standing redemptions agree too (redemptions counts voided ones, voided says how many).
            guard case .report(let report) = try await admin.call(.report(.with { $0.campaignId = campaign.id })) else {
                Issue.record("report")
                continue
            }
            #expect(report.redemptions == UInt64(total(campaign)), "\(campaign.name) report redemptions")
            #expect(report.redemptions - report.voided == UInt64(standing(campaign)), "\(campaign.name) report standing")
            #expect(report.uniqueUsers == UInt64(users.count), "\(campaign.name) report unique users")
            #expect(report.rewardTotalMinor == Int64(standing(campaign)) * 500, "\(campaign.name) report reward total")
        }
        // Reservations have lapsed: what is left of the reserved campaign is exactly its limit minus standing.
        let after = try await admin.validate(code: setup.reservedCode, user: user(Unique.user()))
        #expect(after.remaining == setup.reserved.maxRedemptions - UInt64(standing(setup.reserved)))
        // The server's own check agrees, while it is still running.
        guard case .check(let check) = try await admin.call(.check(CheckRequest())) else {
            Issue.record("check")
            return
        }
        #expect(check.ok && check.problems.isEmpty, "\(check.problems)")
        for client in clients { await client.close() }
        await admin.close()
        await server.stop()

        // The file, read directly.
        let okIds = seen.ok
        let voided = seen.voided
        let file = try inspectDatabase(directory) { db -> (problems: [String], integrity: String, rows: Int, missing: [String], wrongVoid: [String], perCampaign: [String: (Int, Int)], overCode: Int, overUser: Int, overCampaign: Int, usesDrift: Int) in
            let integrity = try db.statement("PRAGMA integrity_check").firstRow { $0.string(0) } ?? ""
            let rows = try scalar(db, "SELECT count(*) FROM redemptions") ?? -1
            var missing: [String] = []
            var wrongVoid: [String] = []
            let lookup = try db.statement("SELECT count(*), sum(voided_at_ms IS NOT NULL) FROM redemptions WHERE id = ?")
            for (id, _) in okIds {
                try lookup.bind(1, id)
                let (count, voidedRows) = try lookup.firstRow { ($0.int(0), $0.int(1)) } ?? (0, 0)
                if count != 1 { missing.append("\(id) ×\(count)") }
                if count == 1 && (voidedRows == 1) != voided.contains(id) { wrongVoid.append(id) }
            }
            var perCampaign: [String: (Int, Int)] = [:]
            for campaign in campaigns {
                perCampaign[campaign.id] = (
                    try scalar(db, "SELECT count(*) FROM redemptions WHERE campaign_id = ? AND voided_at_ms IS NULL", campaign.id) ?? -1,
                    try scalar(db, "SELECT count(*) FROM redemptions WHERE campaign_id = ?", campaign.id) ?? -1)
            }
            let overCampaign = try scalar(db, """
                SELECT count(*) FROM campaigns c WHERE c.max_redemptions > 0 AND c.max_redemptions <
                  (SELECT count(*) FROM redemptions r WHERE r.campaign_id = c.id AND r.voided_at_ms IS NULL)
                """) ?? -1
            let overCode = try scalar(db, """
                SELECT count(*) FROM codes c WHERE c.max_uses > 0 AND c.max_uses <
                  (SELECT count(*) FROM redemptions r WHERE r.code_key = c.key AND r.voided_at_ms IS NULL)
                """) ?? -1
            let usesDrift = try scalar(db, """
                SELECT count(*) FROM codes c WHERE c.uses !=
                  (SELECT count(*) FROM redemptions r WHERE r.code_key = c.key AND r.voided_at_ms IS NULL)
                """) ?? -1
            let overUser = try scalar(db, """
                SELECT count(*) FROM (
                  SELECT r.campaign_id, r.user_id, count(*) AS n, c.max_per_user AS m
                  FROM redemptions r JOIN campaigns c ON c.id = r.campaign_id
                  WHERE r.voided_at_ms IS NULL GROUP BY r.campaign_id, r.user_id)
                WHERE m > 0 AND n > m
                """) ?? -1
            return (try db.consistencyProblems(), integrity, rows, missing, wrongVoid, perCampaign, overCode, overUser,
                overCampaign, usesDrift)
        }
        #expect(file.problems == [])
        #expect(file.integrity == "ok")
        #expect(file.rows == okIds.count, "every redemption in the file was seen OK by a client, and vice versa")
        #expect(file.missing == [], "OK redemptions missing from the file or present twice")
        #expect(file.wrongVoid == [], "voided flags that differ from the voids the clients saw succeed")
        #expect(file.overCampaign == 0)
        #expect(file.overCode == 0)
        #expect(file.overUser == 0)
        #expect(file.usesDrift == 0)
        for campaign in campaigns {
            let (standingRows, allRows) = file.perCampaign[campaign.id] ?? (-1, -1)
            #expect(standingRows == standing(campaign), "\(campaign.name) standing rows")
            #expect(allRows == total(campaign), "\(campaign.name) rows")
            if campaign.maxRedemptions > 0 { #expect(standingRows <= Int(campaign.maxRedemptions), "\(campaign.name)") }
        }
    }

    /// One campaign where every limit binds at once (campaign 50, code 40, 2 per user among 15 players),
    /// under reservations, redeems and racing voids of the same redemptions from 20 connections.
    @Test func everyLimitAtOnceWithRacingVoidsAndReservations() async throws {
        let directory = makeTemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: directory)
        let admin = try await server.session()
        let code = Unique.code("TIGHT")
        let campaign = try await admin.createCampaign(
            bonusCampaign("Tight") { $0.maxRedemptions = 50; $0.maxPerUser = 2 }, code: code, codeMaxUses: 40)
        let players = (0..<15).map { _ in Unique.user("tight") }
        var clients: [PromoClient] = []
        for _ in 0..<20 { clients.append(try await server.session()) }

        let outcomes = TightOutcomes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, client) in clients.enumerated() {
                group.addTask {
                    var random = SplitMix64(state: 0x7167_0000 &+ UInt64(index))
                    for _ in 0..<60 {
                        let player = players.randomElement(using: &random)!
                        let roll = Int.random(in: 0..<10, using: &random)
                        if roll < 3 {
                            // Void a grant someone made, perhaps the same one another lane is voiding now.
                            let target = outcomes.state.withLock { state in
                                state.granted.keys.sorted().randomElement(using: &random)
                            }
                            guard let target else { continue }
                            let answer = try await client.send(.voidRedemption(.with { $0.redemptionId = target; $0.reason = "race" }))
                            #expect([.ok, .failedPrecondition].contains(answer.status.code), "void: \(answer.status.code)")
                            outcomes.state.withLock { state in
                                if answer.status.code == .ok { state.voidsOK[target, default: 0] += 1 } else { state.voidsRefused += 1 }
                            }
                            continue
                        }
                        var reservationId = ""
                        if roll < 6 {
                            let hold = try await client.validate(code: code, user: user(player), reserveMs: UInt32.random(in: 200...400, using: &random))
                            #expect([.ok, .limitReached, .codeLimitReached, .userLimitReached].contains(hold.verdict), "hold: \(hold.verdict)")
                            guard hold.verdict == .ok else { continue }
                            outcomes.state.withLock { $0.latestHoldEndMs = max($0.latestHoldEndMs, hold.reservedUntilMs) }
                            if roll == 5 { continue }  // abandoned: it lapses mid-run
                            reservationId = hold.reservationId
                        }
                        let answer = try await client.redeem(code: code, user: user(player), reservationId: reservationId)
                        #expect([.ok, .limitReached, .codeLimitReached, .userLimitReached, .reservationExpired].contains(answer.verdict),
                            "redeem: \(answer.verdict)")
                        outcomes.state.withLock { state in
                            state.verdicts[answer.verdict, default: 0] += 1
                            if answer.verdict == .ok {
                                #expect(state.granted[answer.redemptionId] == nil, "redemption id granted twice")
                                state.granted[answer.redemptionId] = player
                            }
                        }
                        if Int.random(in: 0..<5, using: &random) == 0 {
                            try await Task.sleep(for: .milliseconds(Int.random(in: 1...15, using: &random)))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let seen = outcomes.state.withLock { $0 }
        #expect(seen.voidsOK.values.allSatisfy { $0 == 1 }, "a redemption was voided successfully more than once")
        #expect(seen.voidsOK.count > 10 && seen.voidsRefused > 0, "voids \(seen.voidsOK.count), refused \(seen.voidsRefused)")
        #expect(seen.verdicts[.ok, default: 0] > 50, "\(seen.verdicts)")
        try await sleep(untilMs: seen.latestHoldEndMs + 20)

        let standing = seen.granted.filter { seen.voidsOK[$0.key] == nil }
        let stats = try #require(try await admin.getCampaign(campaign.id).stats)
        #expect(stats.redemptions == UInt64(standing.count))
        #expect(stats.redemptions <= 40, "the code limit (40) is the tighter one")
        #expect(stats.uniqueUsers == UInt64(Set(standing.values).count))
        let perUser = Dictionary(grouping: standing.values, by: { $0 }).mapValues(\.count)
        #expect(perUser.values.allSatisfy { $0 <= 2 }, "\(perUser)")
        let info = try await admin.setCodeStatus(code, active: true)
        #expect(info.uses == UInt64(standing.count))
        for client in clients { await client.close() }
        await admin.close()
        await server.stop()

        let file = try inspectDatabase(directory) { db in
            (problems: try db.consistencyProblems(),
             integrity: try db.statement("PRAGMA integrity_check").firstRow { $0.string(0) } ?? "",
             rows: try scalar(db, "SELECT count(*) FROM redemptions WHERE campaign_id = ?", campaign.id) ?? -1,
             standing: try scalar(db, "SELECT count(*) FROM redemptions WHERE campaign_id = ? AND voided_at_ms IS NULL", campaign.id) ?? -1,
             worstUser: try scalar(db, """
                SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM redemptions
                WHERE campaign_id = ? AND voided_at_ms IS NULL GROUP BY user_id)
                """, campaign.id) ?? -1)
        }
        #expect(file.problems == [])
        #expect(file.integrity == "ok")
        #expect(file.rows == seen.granted.count)
        #expect(file.standing == standing.count)
        #expect(file.standing <= 40)
        #expect(file.worstUser <= 2)
    }

    // MARK: Setup

    private static func prepare(_ admin: PromoClient) async throws -> Setup {
        let sharedCode = Unique.code("SHARED")
        let shared = try await admin.createCampaign(bonusCampaign("Shared, 150 uses") { $0.maxRedemptions = 150 }, code: sharedCode)
        let unique = try await admin.createCampaign(bonusCampaign("Unique codes") { $0.kind = .affiliate })
        let importCodes = (0..<300).map { _ in importing(Unique.code("UQ"), maxUses: 1) }
        let imported = try await admin.importCodes(unique.id, importCodes)
        #expect(imported.imported == 300 && imported.rejected.isEmpty)
        let generated = try await admin.generate {
            $0.campaignId = unique.id
            $0.count = 100
            $0.maxUsesPerCode = 2
        }
        #expect(generated.codes.count == 100)
        let perUserCode = Unique.code("TWICE")
        let perUser = try await admin.createCampaign(bonusCampaign("Two per user") { $0.maxPerUser = 2 }, code: perUserCode)
        let reservedCode = Unique.code("HELD")
        let reserved = try await admin.createCampaign(bonusCampaign("Reserved, 120 uses") { $0.maxRedemptions = 120 }, code: reservedCode)
        return Setup(
            shared: shared, sharedCode: sharedCode, unique: unique, uniqueCodes: importCodes.map(\.code) + generated.codes,
            perUser: perUser, perUserCode: perUserCode, reserved: reserved, reservedCode: reservedCode,
            sharedUsers: (0..<400).map { _ in Unique.user("shared") }, perUserUsers: (0..<40).map { _ in Unique.user("twice") })
    }

    // MARK: One operation

    private static func step(
        client: PromoClient, voider: PromoClient, setup: Setup, ledger: Ledger, random: inout SplitMix64
    ) async throws {
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<30:
            let player = setup.sharedUsers.randomElement(using: &random)!
            try await redeem(
                "shared", code: setup.sharedCode, user: player, campaign: setup.shared, allowed: [.ok, .limitReached],
                client: client, voider: voider, ledger: ledger, random: &random)
        case 30..<55:
            // Lower-case and dashed now and then: the same code either way.
            var code = setup.uniqueCodes.randomElement(using: &random)!
            if Bool.random(using: &random) { code = code.lowercased() }
            let player = setup.sharedUsers.randomElement(using: &random)!
            try await redeem(
                "unique", code: code, user: player, campaign: setup.unique, allowed: [.ok, .codeLimitReached],
                client: client, voider: voider, ledger: ledger, random: &random)
        case 55..<70:
            let player = setup.perUserUsers.randomElement(using: &random)!
            try await redeem(
                "perUser", code: setup.perUserCode, user: player, campaign: setup.perUser, allowed: [.ok, .userLimitReached],
                client: client, voider: voider, ledger: ledger, random: &random)
        case 70..<85:
            try await reservationFlow(client: client, voider: voider, setup: setup, ledger: ledger, random: &random)
        case 85..<95:
            // Plain redeems compete with the reservations for the 120 uses.
            try await redeem(
                "reserved", code: setup.reservedCode, user: Unique.user("walkin"), campaign: setup.reserved,
                allowed: [.ok, .limitReached], client: client, voider: voider, ledger: ledger, random: &random)
        default:
            // Read-only validates of any code: they change nothing.
            let code = [setup.sharedCode, setup.perUserCode, setup.reservedCode, "NOSUCHCODE"].randomElement(using: &random)!
            let answer = try await client.validate(code: code, user: user(Unique.user("looker")))
            let allowed: Set<Verdict> = code == "NOSUCHCODE" ? [.codeNotFound] : [.ok, .limitReached]
            #expect(allowed.contains(answer.verdict), "validate \(code): \(answer.verdict)")
            #expect(answer.reservationId.isEmpty)
            ledger.count("validate", answer.verdict)
        }
        // A little jitter, so that the run spans the reservation lifetimes.
        if Int.random(in: 0..<4, using: &random) == 0 { try await Task.sleep(for: .milliseconds(Int.random(in: 1...8, using: &random))) }
    }

    /// Redeems, checks the verdict, and sometimes retries (at once or later) and voids what was granted.
    @discardableResult
    private static func redeem(
        _ label: String, code: String, user player: String, campaign: Campaign, allowed: Set<Verdict>,
        reservationId: String = "", client: PromoClient, voider: PromoClient, ledger: Ledger, random: inout SplitMix64
    ) async throws -> RedeemResponse {
        let key = Unique.key("load")
        let request = RedeemRequest.with {
            $0.code = code
            $0.user = user(player) { $0.ip = "10.0.0.\(player.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xFF })" }
            $0.idempotencyKey = key
            $0.reservationId = reservationId
            $0.source = label
        }
        let retryAtOnce = Int.random(in: 0..<10, using: &random) == 0
        let answer: RedeemResponse
        if retryAtOnce {
            // The same idempotent request twice at once: exactly one is the original, the other its replay.
            async let first = client.redeem(request)
            async let second = voider.redeem(request)
            let (a, b) = try await (first, second)
            #expect(a.replayed != b.replayed, "\(label): concurrent retry, replayed \(a.replayed) and \(b.replayed)")
            #expect(a.verdict == b.verdict && a.redemptionId == b.redemptionId, "\(label): concurrent retry answers differ")
            answer = a.replayed ? b : a
            ledger.update { $0.replays += 1 }
        } else {
            answer = try await client.redeem(request)
            #expect(!answer.replayed, "\(label): a fresh key is never a replay")
        }
        #expect(allowed.contains(answer.verdict), "\(label): \(answer.verdict)")
        ledger.count(label, answer.verdict)
        if answer.verdict == .ok {
            #expect(!answer.redemptionId.isEmpty && answer.campaignId == campaign.id, "\(label)")
            #expect(ledger.granted(answer.redemptionId, .init(campaignId: campaign.id, userId: player)), "\(label): id granted twice")
        } else {
            #expect(answer.redemptionId.isEmpty, "\(label): a refusal has no redemption")
        }

        // A later retry of the same key replays the first answer, whatever happened since.
        if Int.random(in: 0..<10, using: &random) == 0 {
            let again = try await voider.redeem(request)
            #expect(again.replayed && again.verdict == answer.verdict && again.redemptionId == answer.redemptionId, "\(label): late retry")
            ledger.update { $0.replays += 1 }
            // The same key with other parameters is refused, and consumes nothing.
            var other = request
            other.source = label + "-other"
            let mismatch = try await client.send(.redeem(other))
            #expect(mismatch.status.code == .failedPrecondition, "\(label): reused key, \(mismatch.status.code)")
            ledger.operation()
        }

        // Void some grants right away, from another connection, while the other lanes keep redeeming.
        if answer.verdict == .ok && Int.random(in: 0..<6, using: &random) == 0 {
            let info = try await voider.voidRedemption(answer.redemptionId, reason: "load test void")
            #expect(info.voided && info.redemptionId == answer.redemptionId && info.campaignId == campaign.id)
            ledger.voided(answer.redemptionId)
            ledger.operation()
            if Int.random(in: 0..<4, using: &random) == 0 {
                let twice = try await client.send(.voidRedemption(.with { $0.redemptionId = answer.redemptionId; $0.reason = "again" }))
                #expect(twice.status.code == .failedPrecondition, "void twice: \(twice.status.code)")
                ledger.update { $0.doubleVoids += 1; $0.operations += 1 }
            }
        }
        return answer
    }

    /// validate with reserve_ms 200–500, then redeem at once, redeem late, or walk away.
    private static func reservationFlow(
        client: PromoClient, voider: PromoClient, setup: Setup, ledger: Ledger, random: inout SplitMix64
    ) async throws {
        let player = Unique.user("holder")
        let reserveMs = UInt32.random(in: 200...500, using: &random)
        let hold = try await client.validate(code: setup.reservedCode, user: user(player), reserveMs: reserveMs)
        #expect([.ok, .limitReached].contains(hold.verdict), "reserve: \(hold.verdict)")
        ledger.count("reserve", hold.verdict)
        guard hold.verdict == .ok else {
            #expect(hold.reservationId.isEmpty)
            return
        }
        #expect(!hold.reservationId.isEmpty && hold.reservedUntilMs > 0)
        ledger.update {
            $0.reservationsHeld += 1
            $0.latestReservationEndMs = max($0.latestReservationEndMs, hold.reservedUntilMs)
        }
        let choice = Int.random(in: 0..<4, using: &random)
        if choice == 3 {
            // Walk away: the hold lapses while the load runs.
            ledger.update { $0.reservationsAbandoned += 1 }
            return
        }
        if choice == 2 {
            // Come back around the expiry: sometimes in time, mostly late.
            try await Task.sleep(for: .milliseconds(Int(reserveMs) + Int.random(in: -60...120, using: &random)))
        }
        let sentMs = nowMs()
        let answer = try await redeem(
            "reserved", code: setup.reservedCode, user: player, campaign: setup.reserved,
            allowed: [.ok, .limitReached, .reservationExpired], reservationId: hold.reservationId,
            client: client, voider: voider, ledger: ledger, random: &random)
        let answeredMs = nowMs()
        if answeredMs < hold.reservedUntilMs {
            // Answered before the hold ran out: the held use must be granted.
            #expect(answer.verdict == .ok, "redeemed in time (\(hold.reservedUntilMs - answeredMs) ms left): \(answer.verdict)")
            ledger.update { $0.reservationsRedeemedInTime += 1 }
        } else if sentMs > hold.reservedUntilMs {
            #expect(answer.verdict != .ok, "redeemed \(sentMs - hold.reservedUntilMs) ms after the hold ended: \(answer.verdict)")
            ledger.update { $0.reservationsRedeemedLate += 1 }
        }
    }
}
