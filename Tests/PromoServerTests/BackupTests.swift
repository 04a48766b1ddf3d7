import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Synchronization
import Testing

// Online backup over TCP: backup → fetch_backup → a second server on the copy serves the same data.

/// What a user of the service sees of its data, to compare a server with its restored copy.
private struct Snapshot: Equatable {
    let campaigns: [Campaign]
    let reports: [ReportResponse]
    let histories: [[RedemptionInfo]]
}

private func snapshot(_ client: PromoClient, campaignIds: [String], users: [String], toMs: Int64) async throws -> Snapshot {
    var campaigns: [Campaign] = []
    var reports: [ReportResponse] = []
    for id in campaignIds {
        campaigns.append(try await client.getCampaign(id))
        guard case .report(let report) = try await client.call(.report(.with { $0.campaignId = id; $0.toMs = toMs })) else {
            throw UnexpectedAnswer("report")
        }
        reports.append(report)
    }
    var histories: [[RedemptionInfo]] = []
    for user in users { histories.append(try await client.wholeRewardHistory(userId: user).redemptions) }
    return Snapshot(campaigns: campaigns, reports: reports, histories: histories)
}

/// Shared between the redeeming tasks and the test.
private final class RedeemProgress: Sendable {
    let stop = Atomic<Bool>(false)
    let redeemed = Atomic<Int>(0)
}

@Suite("Online backup and restore over TCP", .serverCleanup)
struct BackupTests {
    @Test func aBackupFetchedOverTheProtocolRestoresAnIdenticalServer() async throws {
        let source = try await TestServer.start()
        let admin = try await source.session()

        // Campaigns, a shared code at its limit with a void, generated codes, redemptions by several users.
        let shared = Unique.code("LIMIT")
        let limited = try await admin.createCampaign(bonusCampaign("Limited") { $0.maxRedemptions = 3 }, code: shared)
        let users = (0..<4).map { _ in Unique.user() }
        var redemptionIds: [String] = []
        for player in users.prefix(3) {
            let answer = try await admin.redeem(code: shared, user: user(player), source: "web")
            #expect(answer.verdict == .ok)
            redemptionIds.append(answer.redemptionId)
        }
        #expect(try await admin.redeem(code: shared, user: user(users[3])).verdict == .limitReached)
        _ = try await admin.voidRedemption(redemptionIds[0], reason: "chargeback")
        let bulk = try await admin.createCampaign(bonusCampaign("Bulk") { $0.maxPerUser = 1 })
        guard case .generate(let batch) = try await admin.call(.generate(.with { $0.campaignId = bulk.id; $0.count = 50 })) else {
            throw UnexpectedAnswer("generate")
        }
        for (index, code) in batch.codes.prefix(4).enumerated() {
            #expect(try await admin.redeem(code: code, user: user(users[index % 4]), source: "app").verdict == .ok)
        }
        let toMs = nowMs() + dayMs
        let before = try await snapshot(admin, campaignIds: [limited.id, bulk.id], users: users, toMs: toMs)

        let made = try await admin.backup(name: "restore-test.sqlite")
        #expect(made.name == "restore-test.sqlite")
        #expect(made.path == source.dataDirectory + "/backups/restore-test.sqlite")
        #expect(made.sizeBytes > 0 && made.sizeBytes % 512 == 0)
        #expect(made.pages > 1)
        #expect(made.sha256.count == 64 && made.sha256.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(made.createdAtMs > 0 && made.durationMs >= 0)
        #expect(fileMode(source.dataDirectory + "/backups") == 0o700)
        #expect(fileMode(made.path) == 0o600)
        #expect(directoryEntries(source.dataDirectory + "/backups") == ["restore-test.sqlite"], "no partial file left")

        // A change after the backup must not be in the copy.
        let later = try await admin.createCampaign(bonusCampaign("After the backup"))

        // Restore: the fetched file becomes promo.sqlite of a fresh data folder.
        let restored = makeTemporaryDirectory()
        let download = try await admin.download(backup: made.name, to: restored + "/promo.sqlite", chunkBytes: 4_096)
        #expect(download.size == made.sizeBytes)
        #expect(download.sha256 == made.sha256)
        #expect(download.chunks == Int((made.sizeBytes + 4_095) / 4_096))
        await admin.close()

        let copy = try await TestServer.start(dataDirectory: restored)
        let restoredAdmin = try await copy.session()
        let after = try await snapshot(restoredAdmin, campaignIds: [limited.id, bulk.id], users: users, toMs: toMs)
        #expect(after == before)
        #expect(try await restoredAdmin.send(.getCampaign(.with { $0.campaignId = later.id })).status.code == .notFound)
        guard case .check(let check) = try await restoredAdmin.call(.check(CheckRequest())) else {
            throw UnexpectedAnswer("check")
        }
        #expect(check.ok, "\(check.problems)")

        // The limits still hold: the voided slot can be used once more, then the campaign is full again; a
        // personal limit (one per user on Bulk) is remembered too.
        #expect(try await restoredAdmin.redeem(code: shared, user: user(users[3])).verdict == .ok)
        #expect(try await restoredAdmin.redeem(code: shared, user: user(Unique.user())).verdict == .limitReached)
        #expect(try await restoredAdmin.redeem(code: batch.codes[9], user: user(users[0])).verdict == .userLimitReached)
        await restoredAdmin.close()
    }

    @Test func aBackupTakenWhileRedeemsRunIsConsistentAndPassesIntegrityCheck() async throws {
        // One page per step with a pause: the copy spans many steps, with redeems committing between them.
        let server = try await TestServer.start {
            $0.backupStepPages = 1
            $0.backupStepPauseMs = 2
        }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign("Busy"))
        guard case .generate(let batch) = try await admin.call(.generate(.with { $0.campaignId = campaign.id; $0.count = 3_000 })) else {
            throw UnexpectedAnswer("generate")
        }
        let progress = RedeemProgress()
        let port = server.port
        let redeemers = (0..<4).map { worker in
            Task {
                let client = try await PromoClient.connect(host: "127.0.0.1", port: port)
                _ = try await client.hello(apiKey: adminKey)
                var index = worker
                while !progress.stop.load(ordering: .relaxed) && index < batch.codes.count {
                    let answer = try await client.redeem(code: batch.codes[index], user: user("busy-\(worker)-\(index)"))
                    if answer.verdict == .ok { progress.redeemed.add(1, ordering: .relaxed) }
                    index += 4
                }
                await client.close()
            }
        }
        #expect(await eventually(intervalMs: 5) { progress.redeemed.load(ordering: .relaxed) >= 20 })
        let atStart = progress.redeemed.load(ordering: .relaxed)
        let made = try await admin.backup()
        let atEnd = progress.redeemed.load(ordering: .relaxed)
        progress.stop.store(true, ordering: .relaxed)
        for redeemer in redeemers { try await redeemer.value }
        let total = progress.redeemed.load(ordering: .relaxed)
        #expect(made.pages > 10, "the copy took many steps")
        #expect(atEnd > atStart, "redeems kept committing while the backup ran")
        #expect(made.name.hasPrefix("promo-") && made.name.hasSuffix("Z.sqlite"))

        let local = makeTemporaryDirectory() + "/copy.sqlite"
        let download = try await admin.download(backup: made.name, to: local)
        #expect(download.sha256 == made.sha256)
        await admin.close()

        let copy = try openCopy(local)
        #expect(try copy.statement("PRAGMA integrity_check").firstRow { $0.string(0) } == "ok")
        #expect(try copy.consistencyProblems() == [], "every maintained total matches its rows in the copy")
        let copied = try scalar(copy, "SELECT count(*) FROM redemptions") ?? -1
        // Answered before the backup was asked for: in the copy. The copy never holds more than was made.
        #expect(copied >= atStart && copied <= total, "one snapshot: \(atStart) <= \(copied) <= \(total)")
    }

    @Test func oneBackupRunsAtATime() async throws {
        // The second must be asked for while the first runs: slower steps (on a new server) when the machine
        // was too slow to ask inside the first's run.
        let started = try await withRoomToAct(windowsMs: [25, 200, 1_000]) { pauseMs -> (PromoClient, Task<BackupResponse, any Error>, String)? in
            let server = try await TestServer.start {
                $0.backupStepPages = 1
                $0.backupStepPauseMs = Int(pauseMs)
            }
            let admin = try await server.session()
            let port = server.port
            let first = Task {
                let client = try await PromoClient.connect(host: "127.0.0.1", port: port)
                _ = try await client.hello(apiKey: adminKey)
                defer { Task { await client.close() } }
                return try await client.backup(name: "first.sqlite")
            }
            // The partial file shows the first backup is under way (it takes > 25 ms per page, many pages).
            let partial = server.dataDirectory + "/backups/.first.sqlite.partial"
            #expect(await eventually(intervalMs: 2) { fileExists(partial) })

            let second = try await admin.send(.backup(.with { $0.name = "second.sqlite" }))
            // Still there after the answer: the first ran all the while the second was judged.
            guard fileExists(partial) else {
                _ = try? await first.value
                await admin.close()
                return nil
            }
            #expect(second.status.code == .failedPrecondition)
            #expect(second.status.message.contains("already running"))
            return (admin, first, partial)
        }
        let (admin, first, partial) = try #require(started)

        let made = try await first.value
        #expect(made.name == "first.sqlite")
        #expect(!fileExists(partial))
        // The gate opens again once the first has finished.
        #expect(try await admin.backup(name: "third.sqlite").name == "third.sqlite")
        await admin.close()
    }

    @Test func badNamesAndRangesAreRefused() async throws {
        let server = try await TestServer.start { $0.backupChunkBytesMax = 4_096 }
        let admin = try await server.session()
        for name in ["../escape.sqlite", "a/b", "/etc/passwd", ".hidden", "..", "with space", "ünïcode", String(repeating: "n", count: 129)] {
            let response = try await admin.send(.backup(.with { $0.name = name }))
            #expect(response.status.code == .invalidArgument, "backup name \(name)")
            let fetch = try await admin.send(.fetchBackup(.with { $0.name = name }))
            #expect(fetch.status.code == .invalidArgument, "fetch_backup name \(name)")
        }
        #expect(!fileExists(server.dataDirectory + "/escape.sqlite"))
        #expect(try await admin.send(.fetchBackup(.with { $0.name = "" })).status.code == .invalidArgument)
        #expect(try await admin.send(.fetchBackup(.with { $0.name = "missing.sqlite" })).status.code == .notFound)

        let longest = String(repeating: "n", count: 128)
        let made = try await admin.backup(name: longest)
        #expect(made.name == longest)
        let again = try await admin.send(.backup(.with { $0.name = longest }))
        #expect(again.status.code == .alreadyExists)

        // A chunk is at most backupChunkBytesMax whatever was asked; the end reads empty; beyond it is refused.
        guard case .fetchBackup(let big) = try await admin.call(.fetchBackup(.with { $0.name = longest; $0.length = 1 << 20 })) else {
            throw UnexpectedAnswer("fetch_backup")
        }
        #expect(big.data.count == 4_096 && big.sizeBytes == made.sizeBytes)
        guard case .fetchBackup(let tail) = try await admin.call(.fetchBackup(.with { $0.name = longest; $0.offset = made.sizeBytes - 10; $0.length = 100 })) else {
            throw UnexpectedAnswer("fetch_backup")
        }
        #expect(tail.data.count == 10)
        guard case .fetchBackup(let end) = try await admin.call(.fetchBackup(.with { $0.name = longest; $0.offset = made.sizeBytes })) else {
            throw UnexpectedAnswer("fetch_backup")
        }
        #expect(end.data.isEmpty && end.sizeBytes == made.sizeBytes)
        let beyond = try await admin.send(.fetchBackup(.with { $0.name = longest; $0.offset = made.sizeBytes + 1 }))
        #expect(beyond.status.code == .invalidArgument)
        await admin.close()
    }

    @Test func onlyAdminsMayBackUpFetchOrReadTheAuditLog() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        _ = try await admin.backup(name: "secret.sqlite")
        let campaign = try await admin.createCampaign(bonusCampaign())
        for role in ["redeemer", "issuer", "analyst", "manager"] {
            guard case .createApiKey(let key) = try await admin.call(.createApiKey(.with {
                $0.name = role
                $0.role = role
                if role == "issuer" { $0.campaignIds = [campaign.id] }
            })) else { throw UnexpectedAnswer("create_api_key") }
            let client = try await server.session(key: key.apiKey)
            let calls: [Request.Call] = [
                .backup(.with { $0.name = "\(role).sqlite" }),
                .fetchBackup(.with { $0.name = "secret.sqlite" }),
                .auditLog(AuditLogRequest()),
            ]
            for call in calls {
                let response = try await client.send(call)
                #expect(response.status.code == .permissionDenied, "\(role): \(call)")
                #expect(response.result == nil)
            }
            await client.close()
        }
        #expect(directoryEntries(server.dataDirectory + "/backups") == ["secret.sqlite"])
        await admin.close()
    }

    @Test func oldBackupsBeyondTheRetentionCountAreDeleted() async throws {
        let server = try await TestServer.start { $0.backupsKeepMax = 2 }
        let admin = try await server.session()
        for name in ["b1.sqlite", "b2.sqlite", "b3.sqlite"] {
            _ = try await admin.backup(name: name)
            try await Task.sleep(for: .milliseconds(20))  // distinct modification times
        }
        #expect(directoryEntries(server.dataDirectory + "/backups") == ["b2.sqlite", "b3.sqlite"])
        #expect(try await admin.send(.fetchBackup(.with { $0.name = "b1.sqlite" })).status.code == .notFound)
        await admin.close()
    }

    @Test func shuttingDownStopsARunningBackupAndLeavesNoPartialFile() async throws {
        let server = try await TestServer.start {
            $0.backupStepPages = 1
            $0.backupStepPauseMs = 200
            $0.shutdownGraceMs = 100
        }
        let admin = try await server.session()
        let pending = Task { try await admin.send(.backup(.with { $0.name = "interrupted.sqlite" })) }
        let partial = server.dataDirectory + "/backups/.interrupted.sqlite.partial"
        #expect(await eventually(intervalMs: 2) { fileExists(partial) })
        await server.stop()
        // The answer is UNAVAILABLE, or the connection was closed first: either way no backup appeared.
        if let response = try? await pending.value { #expect(response.status.code != .ok) }
        _ = await eventually(intervalMs: 2) { !fileExists(partial) }
        #expect(directoryEntries(server.dataDirectory + "/backups") == [])
        await admin.close()
    }
}
