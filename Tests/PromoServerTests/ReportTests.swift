import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

// The report RPC end to end: a real server on a real SQLite file, every figure checked against what the test
// itself did over TCP. Redemptions are stamped with the wall clock here, so time ranges that cut through the
// data are tested at the store level (PromoStoreTests/ReportStoreTests).

extension PromoClient {
    func report(
        _ campaignId: String, fromMs: Int64 = 0, toMs: Int64 = 0, bucket: BucketWidth = .auto, top: UInt32 = 0
    ) async throws -> ReportResponse {
        let result = try await call(.report(reportRequest(campaignId, fromMs: fromMs, toMs: toMs, bucket: bucket, top: top)))
        guard case .report(let report) = result else { throw UnexpectedAnswer("report answered \(result)") }
        return report
    }

    /// The whole answer of a report, whatever its status.
    func sendReport(
        _ campaignId: String, fromMs: Int64 = 0, toMs: Int64 = 0, bucket: BucketWidth = .auto, top: UInt32 = 0
    ) async throws -> Response {
        try await send(.report(reportRequest(campaignId, fromMs: fromMs, toMs: toMs, bucket: bucket, top: top)))
    }

    /// Reports until `done` holds (failed validates reach the totals only at the next flush), at most `timeoutMs`.
    func report(_ campaignId: String, until done: (ReportResponse) -> Bool, timeoutMs: Int64 = Int64(eventuallyMs)) async throws -> ReportResponse {
        let deadline = nowMs() + timeoutMs
        while true {
            let report = try await report(campaignId)
            if done(report) || nowMs() > deadline { return report }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

private func reportRequest(_ campaignId: String, fromMs: Int64, toMs: Int64, bucket: BucketWidth, top: UInt32) -> ReportRequest {
    ReportRequest.with {
        $0.campaignId = campaignId
        $0.fromMs = fromMs
        $0.toMs = toMs
        $0.bucket = bucket
        $0.top = top
    }
}

private func counts(_ list: [Count]) -> [String] { list.map { "\($0.key)=\($0.count)" } }
private func actors(_ list: [ActorCount]) -> [String] { list.map { "\($0.key):\($0.redemptions)/\($0.failures)" } }
private func suspects(_ list: [Suspicion]) -> [String] { list.map { "\($0.kind) \($0.key):\($0.redemptions)/\($0.failures)" } }
private func failureTotal(_ report: ReportResponse) -> UInt64 { report.failuresByVerdict.reduce(0) { $0 + $1.count } }
private func hourFloor(_ ms: Int64) -> Int64 { ms - ms % hourMs }

/// A player from Germany at `ip` on `device`.
private func player(_ id: String, ip: String, device: String, country: String = "DE") -> UserContext {
    user(id) {
        $0.ip = ip
        $0.deviceId = device
        $0.country = country
    }
}

@Suite("Report over TCP", .serverCleanup)
struct ReportTests {
    @Test func aFreshCampaignReportsZeros() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let before = nowMs()
        let withCode = try await admin.createCampaign(bonusCampaign("Fresh"), code: Unique.code("FRESH"))
        let bare = try await admin.createCampaign(bonusCampaign("Bare"))
        let after = nowMs()

        let report = try await admin.report(withCode.id)
        #expect(report.campaignId == withCode.id)
        #expect(report.codesIssued == 1 && report.codesRedeemed == 0 && report.redemptionRate == 0)
        #expect(report.redemptions == 0 && report.voided == 0 && report.uniqueUsers == 0)
        #expect(report.rewardTotalMinor == 0 && report.rewardTotals.isEmpty)
        #expect(report.freeSpinsGranted == 0 && report.loyaltyPointsGranted == 0)
        #expect(report.failuresByVerdict.isEmpty && report.bySource.isEmpty && report.byOwner.isEmpty)
        #expect(report.timeline.isEmpty)
        #expect(report.topIps.isEmpty && report.topDevices.isEmpty && report.topUsers.isEmpty && report.suspicious.isEmpty)
        // from 0 = the campaign's creation hour; to 0 = the end of the current hour; AUTO = hours.
        #expect(report.fromMs == hourFloor(withCode.createdAtMs))
        #expect(report.fromMs >= hourFloor(before) && report.fromMs <= hourFloor(after))
        #expect(report.toMs == hourFloor(report.toMs) && report.toMs > after && report.toMs <= hourFloor(nowMs()) + hourMs)
        #expect(report.bucket == .hour)

        let empty = try await admin.report(bare.id)
        #expect(empty.codesIssued == 0 && empty.redemptionRate == 0 && empty.redemptions == 0)
        await admin.close()
    }

    @Test func theReportCountsExactlyWhatWasDone() async throws {
        let server = try await TestServer.start {
            $0.failureFlushMs = 50
            $0.suspiciousShareMax = 0.4
            $0.suspiciousRedemptionsMin = 3
            $0.suspiciousRedemptionsMax = 1_000
            $0.suspiciousFailuresMax = 4
        }
        let admin = try await server.session()
        let shared = Unique.code("SHARED")
        let campaign = try await admin.createCampaign(
            bonusCampaign("Counted") {
                $0.maxPerUser = 1
                $0.eligibility = Eligibility.with { $0.countries = ["DE"] }
            }, code: shared)
        let affA = Unique.code("AFFA"), affB = Unique.code("AFFB"), one = Unique.code("ONE")
        let idle = Unique.code("IDLE"), off = Unique.code("OFF")
        let imported = try await admin.importCodes(
            campaign.id,
            [importing(affA, owner: "aff-a"), importing(affB, owner: "aff-b"), importing(one, maxUses: 1), importing(idle), importing(off)])
        #expect(imported.imported == 5 && imported.rejected.isEmpty)
        _ = try await admin.setCodeStatus(off, active: false)

        let ipA = "10.1.0.1", ipB = "10.1.0.2", ipC = "10.1.0.3", ipD = "10.1.0.4", ipE = "10.1.0.5"
        // Seven redemptions by seven users.
        let plan: [(code: String, user: String, ip: String, device: String, source: String)] = [
            (shared, "u1", ipA, "dA", "web"), (shared, "u2", ipA, "dA2", "web"), (shared, "u3", ipA, "dA3", "app"),
            (affA, "u4", ipB, "dB", "app"), (affA, "u5", ipC, "dC", "web"), (affB, "u6", ipA, "dA", ""),
            (one, "u7", ipB, "dB", "app"),
        ]
        var redemptionIds: [String: String] = [:]
        for step in plan {
            let answer = try await admin.redeem(
                code: step.code, user: player(step.user, ip: step.ip, device: step.device), source: step.source)
            #expect(answer.verdict == .ok, "\(step.user)")
            redemptionIds[step.user] = answer.redemptionId
        }
        _ = try await admin.voidRedemption(try #require(redemptionIds["u3"]), reason: "fraud")

        // Failed redeems (counted in their own transaction) ...
        let key = Unique.key()
        #expect(try await admin.redeem(code: shared, user: player("u1", ip: ipA, device: "dA"), idempotencyKey: key).verdict == .userLimitReached)
        let replay = try await admin.redeem(code: shared, user: player("u1", ip: ipA, device: "dA"), idempotencyKey: key)
        #expect(replay.verdict == .userLimitReached && replay.replayed)  // a replay is not a second attempt
        #expect(try await admin.redeem(code: one, user: player("u8", ip: ipD, device: "dD")).verdict == .codeLimitReached)
        #expect(try await admin.redeem(code: off, user: player("u8", ip: ipD, device: "dD")).verdict == .codeInactive)
        #expect(try await admin.redeem(code: shared, user: player("u9", ip: ipD, device: "dD", country: "FR")).verdict == .notEligible)
        #expect(try await admin.redeem(code: Unique.code("NOPE"), user: player("u8", ip: ipE, device: "dE")).verdict == .codeNotFound)
        // ... and failed validates (counted in memory, written every failureFlushMs).
        #expect(try await admin.validate(code: one, user: player("u8", ip: ipD, device: "dD")).verdict == .codeLimitReached)
        #expect(try await admin.validate(code: one, user: player("u8", ip: ipD, device: "dD")).verdict == .codeLimitReached)
        #expect(try await admin.validate(code: off, user: player("u10", ip: ipD, device: "dD")).verdict == .codeInactive)
        #expect(try await admin.validate(code: Unique.code("NOPE"), user: player("u10", ip: ipE, device: "dE")).verdict == .codeNotFound)
        #expect(try await admin.validate(code: idle, user: player("u10", ip: ipE, device: "dE")).verdict == .ok)  // not a failure

        let report = try await admin.report(campaign.id) { failureTotal($0) >= 7 }
        #expect(report.codesIssued == 6)  // shared + 5 imported
        #expect(report.codesRedeemed == 4)  // shared, affA, affB, one
        #expect(report.redemptionRate == 4.0 / 6.0)
        #expect(report.redemptions == 7)
        #expect(report.voided == 1)
        #expect(report.uniqueUsers == 6)
        #expect(report.rewardTotals.map { "\($0.currency)=\($0.amountMinor)" } == ["EUR=3000"])
        #expect(report.rewardTotalMinor == 3_000)
        #expect(report.freeSpinsGranted == 0 && report.loyaltyPointsGranted == 0)
        #expect(
            counts(report.failuresByVerdict) == [
                "VERDICT_CODE_LIMIT_REACHED=3", "VERDICT_CODE_INACTIVE=2", "VERDICT_NOT_ELIGIBLE=1",
                "VERDICT_USER_LIMIT_REACHED=1",
            ])
        #expect(counts(report.bySource) == ["web=3", "app=2"])
        #expect(counts(report.byOwner) == ["aff-a=2", "aff-b=1"])
        #expect(report.timeline.reduce(0) { $0 + $1.redemptions } == 6)
        #expect(report.timeline.reduce(0) { $0 + $1.uniqueUsers } == 6)
        #expect(report.timeline.allSatisfy { $0.startMs % hourMs == 0 && $0.startMs >= report.fromMs && $0.startMs < report.toMs })
        #expect(report.bucket == .hour)
        #expect(actors(report.topIps) == ["\(ipA):3/1", "\(ipB):2/0", "\(ipC):1/0", "\(ipD):0/6"])
        #expect(actors(report.topDevices) == ["dA:2/1", "dB:2/0", "dA2:1/0", "dC:1/0", "dD:0/6"])
        #expect(
            actors(report.topUsers) == [
                "u1:1/1", "u2:1/0", "u4:1/0", "u5:1/0", "u6:1/0", "u7:1/0", "u8:0/4", "u10:0/1", "u9:0/1",
            ])
        // ipA holds 3 of the 6 standing redemptions (50 % > 40 %, and at least 3); ipD and dD failed 6 times;
        // user u8 failed 4 times (users are flagged too, from the top users).
        #expect(suspects(report.suspicious) == ["ip \(ipA):3/1", "ip \(ipD):0/6", "device dD:0/6", "user u8:0/4"])
        #expect(report.suspicious.first?.share == 0.5)
        #expect(report.suspicious.allSatisfy { !$0.reason.isEmpty })

        // Day buckets: UTC days, the same totals.
        let days = try await admin.report(campaign.id, bucket: .day)
        #expect(days.bucket == .day)
        #expect(days.timeline.allSatisfy { $0.startMs % dayMs == 0 })
        #expect(days.timeline.reduce(0) { $0 + $1.redemptions } == 6)
        // AUTO over more than 7 days gives days.
        let month = try await admin.report(campaign.id, toMs: nowMs() + 30 * dayMs)
        #expect(month.bucket == .day && month.redemptions == 7)
        // A range long before the campaign holds nothing (but the "now" code figures).
        let ancient = try await admin.report(campaign.id, fromMs: hourMs, toMs: 2 * hourMs)
        #expect(ancient.redemptions == 0 && ancient.failuresByVerdict.isEmpty && ancient.topIps.isEmpty && ancient.timeline.isEmpty)
        #expect(ancient.codesIssued == 6 && ancient.fromMs == hourMs && ancient.toMs == 2 * hourMs)

        // The headline numbers agree.
        let got = try await admin.getCampaign(campaign.id)
        #expect(got.stats?.redemptions == report.redemptions - report.voided)
        #expect(got.stats?.uniqueUsers == report.uniqueUsers)
        let listed = try await admin.listCampaigns(pageSize: 100).campaigns.first { $0.id == campaign.id }
        #expect(listed?.stats?.redemptions == 6 && listed?.stats?.uniqueUsers == 6)

        // Each user's history agrees with their line in top_users.
        for userId in ["u1", "u2", "u3", "u4", "u5", "u6", "u7"] {
            let history = try await admin.wholeRewardHistory(userId: userId).redemptions.filter { $0.campaignId == campaign.id }
            let standing = UInt64(history.filter { !$0.voided }.count)
            #expect(history.count == 1, "\(userId)")
            #expect((report.topUsers.first { $0.key == userId }?.redemptions ?? 0) == standing, "\(userId)")
        }
        let u3 = try await admin.wholeRewardHistory(userId: "u3").redemptions
        #expect(u3.map(\.voided) == [true])

        // Voiding the only redemption of a code: the code no longer counts as redeemed.
        _ = try await admin.voidRedemption(try #require(redemptionIds["u7"]), reason: "test")
        let later = try await admin.report(campaign.id)
        #expect(later.codesRedeemed == 3 && later.redemptionRate == 0.5)
        #expect(later.voided == 2 && later.uniqueUsers == 5 && later.rewardTotalMinor == 2_500)
        #expect(counts(later.bySource) == ["web=3", "app=1"])
        #expect(later.timeline.reduce(0) { $0 + $1.uniqueUsers } == 5)
        await admin.close()

        await server.stop()
        let problems = try inspectDatabase(server.dataDirectory) { try $0.consistencyProblems() }
        #expect(problems == [])
    }

    @Test func rewardKindsOtherThanMoney() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let spinsCode = Unique.code("SPIN"), pointsCode = Unique.code("PTS"), matchCode = Unique.code("MATCH")
        let spins = try await admin.createCampaign(
            bonusCampaign("Spins") {
                $0.reward = Reward.with { $0.kind = .freeSpins; $0.freeSpins = 25; $0.gameId = "book" }
            }, code: spinsCode)
        let points = try await admin.createCampaign(
            bonusCampaign("Points") { $0.reward = Reward.with { $0.kind = .loyaltyPoints; $0.amountMinor = 300 } },
            code: pointsCode)
        let match = try await admin.createCampaign(
            bonusCampaign("Match") {
                $0.reward = Reward.with { $0.kind = .depositMatch; $0.percent = 50; $0.capMinor = 1_000; $0.currency = "USD" }
            }, code: matchCode)
        for index in 1...3 {
            #expect(try await admin.redeem(code: spinsCode, user: user("s\(index)")).verdict == .ok)
            #expect(try await admin.redeem(code: pointsCode, user: user("p\(index)")).verdict == .ok)
        }
        #expect(try await admin.redeem(code: matchCode, user: user("m1"), depositMinor: 800, currency: "USD").verdict == .ok)  // 400
        #expect(try await admin.redeem(code: matchCode, user: user("m2"), depositMinor: 5_000, currency: "USD").verdict == .ok)  // 1000 (cap)
        let s = try await admin.report(spins.id)
        #expect(s.freeSpinsGranted == 75 && s.loyaltyPointsGranted == 0 && s.rewardTotals.isEmpty && s.rewardTotalMinor == 0)
        let p = try await admin.report(points.id)
        #expect(p.loyaltyPointsGranted == 900 && p.freeSpinsGranted == 0 && p.rewardTotals.isEmpty)
        let m = try await admin.report(match.id)
        #expect(m.rewardTotals.map { "\($0.currency)=\($0.amountMinor)" } == ["USD=1400"] && m.rewardTotalMinor == 1_400)
        await admin.close()
    }

    @Test func badRequestsAndRoles() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign("Roles"), code: Unique.code("ROLE"))

        #expect(try await admin.sendReport("cmp_does_not_exist").status.code == .notFound)
        #expect(try await admin.sendReport("").status.code == .invalidArgument)
        let now = nowMs()
        #expect(try await admin.sendReport(campaign.id, fromMs: now, toMs: now - hourMs).status.code == .invalidArgument)
        #expect(try await admin.sendReport(campaign.id, fromMs: now, toMs: now).status.code == .invalidArgument)
        #expect(try await admin.sendReport(campaign.id, fromMs: -1).status.code == .invalidArgument)
        #expect(try await admin.sendReport(campaign.id, toMs: -5).status.code == .invalidArgument)
        #expect(try await admin.sendReport(campaign.id, bucket: BucketWidth(rawValue: 9)).status.code == .invalidArgument)
        // A range inside one hour is widened to that hour.
        let widened = try await admin.report(campaign.id, fromMs: now - 1, toMs: now)
        #expect(widened.fromMs == hourFloor(now) && widened.toMs == hourFloor(now) + hourMs)
        // top beyond reportTopMax is capped, not refused.
        #expect(try await admin.sendReport(campaign.id, top: 1_000_000).status.code == .ok)

        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        #expect(try await analyst.report(campaign.id).campaignId == campaign.id)
        let manager = try await server.session(key: try await admin.createKey(role: "manager"))
        #expect(try await manager.sendReport(campaign.id).status.code == .ok)
        let redeemer = try await server.session(key: try await admin.createKey(role: "redeemer"))
        #expect(try await redeemer.sendReport(campaign.id).status.code == .permissionDenied)
        let issuer = try await server.session(key: try await admin.createKey(role: "issuer", campaignIds: [campaign.id]))
        #expect(try await issuer.sendReport(campaign.id).status.code == .permissionDenied)
        for client in [admin, analyst, manager, redeemer, issuer] { await client.close() }
    }

    @Test func suspicionRules() async throws {
        let server = try await TestServer.start {
            $0.failureFlushMs = 50
            $0.suspiciousShareMax = 0.99
            $0.suspiciousRedemptionsMin = 1
            $0.suspiciousRedemptionsMax = 3
            $0.suspiciousFailuresMax = 2
        }
        let admin = try await server.session()
        let code = Unique.code("SUS")
        let campaign = try await admin.createCampaign(bonusCampaign("Suspects") { $0.maxPerUser = 1 }, code: code)
        for index in 1...3 {
            #expect(try await admin.redeem(code: code, user: player("p\(index)", ip: "ip-many", device: "dev-\(index)")).verdict == .ok)
        }
        #expect(try await admin.redeem(code: code, user: player("q1", ip: "ip-quiet", device: "dev-q")).verdict == .ok)
        #expect(try await admin.redeem(code: code, user: player("q2", ip: "ip-quiet", device: "dev-q")).verdict == .ok)
        // Two failed attempts from one IP (at the limit), one from another (below).
        #expect(try await admin.redeem(code: code, user: player("p1", ip: "ip-fail", device: "dev-f")).verdict == .userLimitReached)
        #expect(try await admin.validate(code: code, user: player("p2", ip: "ip-fail", device: "dev-f")).verdict == .userLimitReached)
        #expect(try await admin.redeem(code: code, user: player("q1", ip: "ip-quiet", device: "dev-q")).verdict == .userLimitReached)

        let report = try await admin.report(campaign.id) { failureTotal($0) >= 3 }
        #expect(report.redemptions == 5 && failureTotal(report) == 3)
        let byKey = Dictionary(report.suspicious.map { ("\($0.kind) \($0.key)", $0) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(byKey.keys) == ["ip ip-many", "ip ip-fail", "device dev-f"])
        let many = try #require(byKey["ip ip-many"])
        #expect(many.redemptions == 3 && many.failures == 0 && many.share == 0.6)
        let fail = try #require(byKey["ip ip-fail"])
        #expect(fail.redemptions == 0 && fail.failures == 2 && fail.share == 0)
        #expect(report.suspicious.allSatisfy { !$0.reason.isEmpty })
        await admin.close()
    }

    /// `suspicious` lists every IP and device above the thresholds; `top` only says how long the top lists
    /// are. Two IPs each holding half of the redemptions are both suspicious, even with top = 1.
    @Test func suspiciousDoesNotDependOnTheLengthOfTheTopLists() async throws {
        let server = try await TestServer.start {
            $0.suspiciousShareMax = 0.3
            $0.suspiciousRedemptionsMin = 2
        }
        let admin = try await server.session()
        let code = Unique.code("HALF")
        let campaign = try await admin.createCampaign(bonusCampaign("Halves"), code: code)
        for (index, ip) in ["ip-x", "ip-x", "ip-y", "ip-y"].enumerated() {
            #expect(try await admin.redeem(code: code, user: player("h\(index)", ip: ip, device: "")).verdict == .ok)
        }
        let full = try await admin.report(campaign.id)
        #expect(suspects(full.suspicious) == ["ip ip-x:2/0", "ip ip-y:2/0"])
        let short = try await admin.report(campaign.id, top: 1)
        #expect(actors(short.topIps) == ["ip-x:2/0"])
        #expect(suspects(short.suspicious) == ["ip ip-x:2/0", "ip ip-y:2/0"])
        await admin.close()
    }

    /// README: "failures_by_verdict: failed validates and redeems of the campaign's codes". A validate that asks
    /// for a reservation (reserve_ms > 0) and is refused is a failed validate too.
    @Test func aRefusedReservingValidateCountsAsAFailure() async throws {
        let server = try await TestServer.start { $0.failureFlushMs = 50 }
        let admin = try await server.session()
        let code = Unique.code("RSV")
        let campaign = try await admin.createCampaign(bonusCampaign("Reserve"), code: code)
        _ = try await admin.setCodeStatus(code, active: false)
        let plain = try await admin.validate(code: code, user: player("r1", ip: "ip-r", device: "dev-r"))
        #expect(plain.verdict == .codeInactive)
        let reserving = try await admin.validate(code: code, user: player("r2", ip: "ip-r", device: "dev-r"), reserveMs: 60_000)
        #expect(reserving.verdict == .codeInactive && reserving.reservationId.isEmpty)
        let report = try await admin.report(campaign.id, until: { failureTotal($0) >= 2 })
        #expect(counts(report.failuresByVerdict) == ["VERDICT_CODE_INACTIVE=2"])
        #expect(actors(report.topIps) == ["ip-r:0/2"])
        await admin.close()
    }

    @Test func failedValidatesReachTheReportAfterAFlushAndSurviveAShutdown() async throws {
        let directory = makeTemporaryDirectory()
        let first = try await TestServer.start(dataDirectory: directory) { $0.failureFlushMs = 60_000 }
        let admin = try await first.session()
        let code = Unique.code("FLUSH")
        let campaign = try await admin.createCampaign(bonusCampaign("Flush") { $0.maxRedemptions = 1 }, code: code)
        #expect(try await admin.redeem(code: code, user: user("f0")).verdict == .ok)
        for index in 1...5 {
            #expect(try await admin.validate(code: code, user: user("f\(index)")).verdict == .limitReached)
        }
        // With a one-minute flush interval nothing is written yet ...
        #expect(try await admin.report(campaign.id).failuresByVerdict.isEmpty)
        await admin.close()
        // ... but a graceful shutdown flushes what was counted.
        await first.stop()
        let second = try await TestServer.start(dataDirectory: directory)
        let again = try await second.session()
        let report = try await again.report(campaign.id)
        #expect(counts(report.failuresByVerdict) == ["VERDICT_LIMIT_REACHED=5"])
        #expect(report.redemptions == 1 && report.uniqueUsers == 1)
        await again.close()
    }

    @Test func failedValidatesBeyondTheBufferAreDropped() async throws {
        let directory = makeTemporaryDirectory()
        let first = try await TestServer.start(dataDirectory: directory) {
            $0.failureFlushMs = 60_000
            $0.failureBufferMax = 2
        }
        let admin = try await first.session()
        let code = Unique.code("BUF")
        let campaign = try await admin.createCampaign(bonusCampaign("Buffer") { $0.active = false }, code: code)
        for index in 1...5 {
            #expect(try await admin.validate(code: code, user: user("b\(index)")).verdict == .campaignInactive)
        }
        // A failed redeem does not go through the buffer.
        #expect(try await admin.redeem(code: code, user: user("b9")).verdict == .campaignInactive)
        await admin.close()
        await first.stop()
        let second = try await TestServer.start(dataDirectory: directory)
        let again = try await second.session()
        #expect(counts(try await again.report(campaign.id).failuresByVerdict) == ["VERDICT_CAMPAIGN_INACTIVE=3"])
        await again.close()
    }

    @Test func breakdownsAndTopListsFollowTheConfiguredLimits() async throws {
        let server = try await TestServer.start {
            $0.reportBreakdownMax = 2
            $0.reportTopDefault = 2
            $0.reportTopMax = 3
        }
        let admin = try await server.session()
        let code = Unique.code("LIM")
        let campaign = try await admin.createCampaign(bonusCampaign("Limits"), code: code)
        let sources = ["s1", "s1", "s1", "s2", "s2", "s3"]
        for (index, source) in sources.enumerated() {
            let ip = "ip-\(source)"
            #expect(try await admin.redeem(code: code, user: player("l\(index)", ip: ip, device: ""), source: source).verdict == .ok)
        }
        let report = try await admin.report(campaign.id)
        #expect(counts(report.bySource) == ["s1=3", "s2=2"])  // the largest first, at most reportBreakdownMax
        #expect(actors(report.topIps) == ["ip-s1:3/0", "ip-s2:2/0"])  // reportTopDefault
        #expect(report.topUsers.count == 2)
        let three = try await admin.report(campaign.id, top: 50)  // capped at reportTopMax
        #expect(actors(three.topIps) == ["ip-s1:3/0", "ip-s2:2/0", "ip-s3:1/0"])
        #expect(three.topUsers.count == 3)
        await admin.close()
    }

    /// from_ms in the future with to_ms 0 (= now) is an empty range turned upside down: refused, or at least
    /// answered with from_ms <= to_ms.
    @Test func aRangeStartingAfterNowIsNotAnsweredUpsideDown() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign("Future"), code: Unique.code("FUT"))
        let answer = try await admin.sendReport(campaign.id, fromMs: nowMs() + 10 * dayMs)
        if answer.status.code == .ok, case .report(let report) = answer.result {
            #expect(report.fromMs <= report.toMs, "from \(report.fromMs) > to \(report.toMs)")
        } else {
            #expect(answer.status.code == .invalidArgument)
        }
        await admin.close()
    }

    @Test func concurrentRedeemsVoidsAndFailuresAddUp() async throws {
        let server = try await TestServer.start { $0.failureFlushMs = 50 }
        let admin = try await server.session()
        let code = Unique.code("RUSH")
        let campaign = try await admin.createCampaign(bonusCampaign("Rush") { $0.maxPerUser = 1 }, code: code)
        let clients = 4, perClient = 25
        let ids = try await withThrowingTaskGroup(of: [String].self) { group in
            for c in 0..<clients {
                group.addTask {
                    let client = try await server.session()
                    defer { Task { await client.close() } }
                    return try await withThrowingTaskGroup(of: String.self) { inner in
                        for n in 0..<perClient {
                            inner.addTask {
                                let who = player("c\(c)-\(n)", ip: "ip-\(c)", device: "dev-\(n % 5)")
                                let ok = try await client.redeem(code: code, user: who, source: "src-\(c)")
                                _ = try await client.redeem(code: code, user: who)  // USER_LIMIT_REACHED
                                _ = try await client.validate(code: code, user: who)  // USER_LIMIT_REACHED
                                return ok.verdict == .ok ? ok.redemptionId : ""
                            }
                        }
                        return try await inner.reduce(into: []) { $0.append($1) }
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(ids.filter { !$0.isEmpty }.count == clients * perClient)
        for id in ids.prefix(10) { _ = try await admin.voidRedemption(id, reason: "rush") }
        let total = UInt64(clients * perClient)
        let report = try await admin.report(campaign.id) { failureTotal($0) >= 2 * total }
        #expect(report.redemptions == total && report.voided == 10 && report.uniqueUsers == total - 10)
        #expect(counts(report.failuresByVerdict) == ["VERDICT_USER_LIMIT_REACHED=\(2 * total)"])
        #expect(report.rewardTotalMinor == Int64(total - 10) * 500)
        #expect(report.bySource.reduce(0) { $0 + $1.count } == total - 10)
        #expect(report.topIps.reduce(0) { $0 + $1.redemptions } == total - 10)
        #expect(report.topIps.reduce(0) { $0 + $1.failures } == 2 * total)
        #expect(report.topDevices.reduce(0) { $0 + $1.redemptions } == total - 10)
        #expect(report.timeline.reduce(0) { $0 + $1.redemptions } == total - 10)
        #expect(report.timeline.reduce(0) { $0 + $1.uniqueUsers } == total - 10)
        await admin.close()
        await server.stop()
        let problems = try inspectDatabase(server.dataDirectory) { try $0.consistencyProblems() }
        #expect(problems == [])
    }
}
