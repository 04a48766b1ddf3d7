import Logging
import PromoClient
@testable import PromoServer
@testable import PromoStore
import struct PromoDomain.StoreError
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A size-limited tmpfs mounted for one test (tests run as root, here and in CI); FailoverClientTests fill one too.
enum Tmpfs {
    /// Whether this environment lets us mount one: checked once with a throwaway mount.
    static let isMountable: Bool = {
        guard geteuid() == 0 else { return false }
        let probe = makeTemporaryDirectory()
        guard mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount2(probe, Int32(MNT_DETACH))
        return true
    }()

    static func mountNew(sizeBytes: Int) throws -> String {
        let path = makeTemporaryDirectory()
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(sizeBytes),mode=0700") == 0 else {
            throw UnexpectedAnswer("mount tmpfs on \(path): errno \(errno)")
        }
        return path
    }

    static func unmount(_ path: String) {
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }

    /// Writes `path` until the filesystem has no byte left.
    static func fill(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        for chunk in [1 << 16, 1 << 12, 1 << 8, 1] {
            let bytes = [UInt8](repeating: 0x55, count: chunk)
            while write(fd, bytes, chunk) == chunk {}
        }
    }
}

/// The files of this process open under `directory` (its SQLite database, WAL and shared memory).
private func openFiles(under directory: String) -> [String] {
    guard let fds = opendir("/proc/self/fd") else { return [] }
    defer { closedir(fds) }
    var found: [String] = []
    while let entry = readdir(fds) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var target = [CChar](repeating: 0, count: 4_096)
        let length = readlink("/proc/self/fd/" + name, &target, target.count - 1)
        guard length > 0 else { continue }
        let path = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if path.hasPrefix(directory + "/") { found.append(path) }
    }
    return found
}

@Suite("Storage faults, bounded growth and small limits over TCP", .serialized, .serverCleanup)
struct StorageFaultTests {
    /// With the data directory on a full filesystem, writes answer UNAVAILABLE naming the cause, reads keep
    /// working, nothing acknowledged is lost, and once space is freed the next redeem succeeds, no restart.
    @Test(.enabled(if: Tmpfs.isMountable, "needs root and a mountable tmpfs (mount -t tmpfs): skipped here"))
    func aFullDiskAnswersUnavailableKeepsReadsAndRecoversWithoutRestart() async throws {
        let directory = try Tmpfs.mountNew(sizeBytes: 6 << 20)
        defer { Tmpfs.unmount(directory) }
        let server = try await TestServer.start(dataDirectory: directory)
        var stopped = false
        defer { if !stopped { Task { await server.stop() } } }
        let admin = try await server.session()
        let code = Unique.code("FULL")
        let campaign = try await admin.createCampaign(bonusCampaign("Disk full"), code: code)
        var acknowledged: [String] = []
        for _ in 0..<5 {
            let answer = try await admin.redeem(code: code, user: user(Unique.user()))
            #expect(answer.verdict == .ok)
            acknowledged.append(answer.redemptionId)
        }

        Tmpfs.fill(directory + "/filler")
        // The WAL may still have room in its last page: redeem until the disk refuses.
        var refusal: Response?
        for _ in 0..<5_000 {
            let response = try await admin.send(.redeem(.with {
                $0.code = code
                $0.user = user(Unique.user())
                $0.idempotencyKey = Unique.key()
            }))
            if response.status.code == .ok {
                guard case .redeem(let answer)? = response.result, answer.verdict == .ok else {
                    throw UnexpectedAnswer("redeem answered \(response)")
                }
                acknowledged.append(answer.redemptionId)
                continue
            }
            refusal = response
            break
        }
        let refused = try #require(refusal, "the disk never filled")
        #expect(refused.status.code == .unavailable, "\(refused.status)")
        #expect(refused.status.message.contains("storage full"), "\(refused.status.message)")

        // More writes keep failing the same way; generate too. The process serves on.
        let again = try await admin.send(.redeem(.with {
            $0.code = code
            $0.user = user(Unique.user())
        }))
        #expect(again.status.code == .unavailable && again.status.message.contains("storage full"), "\(again.status)")
        let generate = try await admin.sendGenerate {
            $0.campaignId = campaign.id
            $0.count = 10
        }
        #expect(generate.status.code == .unavailable, "\(generate.status)")
        #expect(generate.status.message.contains("storage full"), "\(generate.status.message)")
        // Reads work: validate, get, history.
        let validation = try await admin.validate(code: code, user: user(Unique.user()))
        #expect(validation.verdict == .ok)
        #expect(try await admin.getCampaign(campaign.id).stats?.redemptions == UInt64(acknowledged.count))

        // Free the space: the very next redeem succeeds, without a restart.
        unlink(directory + "/filler")
        let after = try await admin.redeem(code: code, user: user(Unique.user()))
        #expect(after.verdict == .ok)
        acknowledged.append(after.redemptionId)

        await server.stop()
        stopped = true
        let (stored, problems) = try inspectDatabase(directory) { connection in
            let select = try connection.statement("SELECT id FROM redemptions")
            var ids: Set<String> = []
            while try select.step() { ids.insert(select.string(0)) }
            return (ids, try connection.consistencyProblems())
        }
        #expect(stored == Set(acknowledged), "every acknowledged redemption is kept, and nothing else")
        #expect(problems == [])
    }

    /// A fault is logged once per window (with the count in between), not once per request; the first clean
    /// batch after it says writes work again.
    @Test func storageFaultsAreLoggedOncePerWindow() {
        let clock = LockedValue<Int64>(1_000)
        let log = StorageFaultLog(intervalMs: 60_000, logger: Logger(label: "test.fault"), nowMs: { clock.withLock { $0 } })
        let full = StoreError(.storageFull, "database or disk is full")
        #expect(log.observe(nil) == nil)
        #expect(log.observe(full) == .fault(suppressedBefore: 0))
        for _ in 0..<500 { #expect(log.observe(full) == nil) }
        clock.withLock { $0 += 59_999 }
        #expect(log.observe(full) == nil)
        clock.withLock { $0 += 1 }
        #expect(log.observe(full) == .fault(suppressedBefore: 501))
        #expect(log.observe(full) == nil)
        #expect(log.observe(nil) == .recovered(faultsSinceLastLine: 1))
        #expect(log.observe(nil) == nil)
        #expect(log.observe(full) == .fault(suppressedBefore: 0))
    }

    /// Store errors of the disk map to UNAVAILABLE naming the cause, in the one place the server maps errors.
    @Test func diskFaultsMapToUnavailableNamingTheCause() {
        let full = ServerError(wrapping: StoreError(sqliteCode: 13, message: "database or disk is full"))
        #expect(full.code == .unavailable && full.message.contains("storage full"))
        let io = ServerError(wrapping: StoreError(sqliteCode: 10 | (3 << 8), message: "disk I/O error"))
        #expect(io.code == .unavailable && io.message.contains("I/O error"))
        let other = ServerError(wrapping: StoreError(sqliteCode: 1, message: "SQL logic error"))
        #expect(other.code == .internal)
    }

    /// Below ~4 KiB the export's page budget went negative: every page came back empty with a token to the
    /// same place, forever. Now every page holds at least one code and the export ends.
    @Test func exportPagesMoveOnWithTheSmallestFrames() async throws {
        let server = try await TestServer.start { $0.frameBytesMax = 1_024 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign("Small frames"))
        let codes = (0..<30).map { _ in Unique.code("SF") }
        let imported = try await admin.importCodes(campaign.id, codes.map { importing($0) })
        #expect(imported.imported == 30)
        let run = try await admin.exportAll(campaignId: campaign.id, pageSize: 1_000, pagesMax: 100)
        #expect(run.codes.count == 30, "pages: \(run.pageSizes.prefix(10))")
        #expect(run.pageSizes.allSatisfy { $0 >= 1 })
        #expect(run.tokens.last == "")
    }

    /// If binding the port fails after the store opened, the store is closed and no timer keeps it alive:
    /// no file under the data directory stays open.
    @Test func aFailedBindLeavesNoStoreOpen() async throws {
        let first = try await TestServer.start()
        var configuration = ServerConfiguration()
        configuration.port = first.port
        configuration.metricsEnabled = false
        configuration.dataDirectory = makeTemporaryDirectory()
        configuration.bootstrapAdminKey = adminKey
        configuration.failureFlushMs = 10
        configuration.purgeIntervalMs = 10
        var logger = Logger(label: "test.bind")
        logger.logLevel = .critical
        let second = PromoServer(configuration: configuration, logger: logger)
        await #expect(throws: (any Error).self) { try await second.start() }
        #expect(await eventually { openFiles(under: configuration.dataDirectory).isEmpty })
        #expect(openFiles(under: configuration.dataDirectory) == [])
    }

    /// A loyalty reward is bounded like money: a huge amount is refused when the campaign is made, so no sum
    /// of it can overflow (before, one such campaign redeemed in two hours crashed the next report).
    @Test func rewardAmountsBeyondTheBoundAreRefused() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let bound = DomainLimitsProbe.rewardAmountMax
        for (kind, amount) in [(RewardKind.loyaltyPoints, Int64.max), (.bonus, Int64.max), (.loyaltyPoints, bound + 1)] {
            let response = try await admin.send(.createCampaign(.with {
                $0.campaign = bonusCampaign("Huge") { campaign in
                    campaign.reward = Reward.with { reward in
                        reward.kind = kind
                        reward.amountMinor = amount
                        reward.currency = kind == .loyaltyPoints ? "" : "EUR"
                    }
                }
            }))
            #expect(response.status.code == .invalidArgument, "\(kind) \(amount): \(response.status)")
        }
        let match = try await admin.send(.createCampaign(.with {
            $0.campaign = bonusCampaign("Huge cap") { campaign in
                campaign.reward = Reward.with { reward in
                    reward.kind = .depositMatch
                    reward.percent = 100
                    reward.capMinor = Int64.max
                    reward.currency = "EUR"
                }
            }
        }))
        #expect(match.status.code == .invalidArgument, "\(match.status)")
        let atBound = try await admin.createCampaign(bonusCampaign("At the bound") { campaign in
            campaign.reward = Reward.with { reward in
                reward.kind = .loyaltyPoints
                reward.amountMinor = bound
            }
        })
        #expect(atBound.reward?.amountMinor == bound)
    }

    /// An idempotency record outlives its retention only until the background purge: a replay after that is
    /// a new request (with a 1 ms retention and a 20 ms purge, polled, no fixed sleep).
    @Test func aReplayAfterTheRetentionIsANewRequest() async throws {
        let server = try await TestServer.start {
            $0.idempotencyRetentionMs = 1
            $0.purgeIntervalMs = 20
        }
        let admin = try await server.session()
        let code = Unique.code("RET")
        _ = try await admin.createCampaign(bonusCampaign("Retention"), code: code)
        let player = user(Unique.user())
        let key = Unique.key()
        let first = try await admin.redeem(code: code, user: player, idempotencyKey: key)
        #expect(first.verdict == .ok)
        let deadline = ContinuousClock.now + .seconds(20)
        var later = try await admin.redeem(code: code, user: player, idempotencyKey: key)
        while later.replayed && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            later = try await admin.redeem(code: code, user: player, idempotencyKey: key)
        }
        #expect(!later.replayed)
        #expect(later.verdict == .ok && later.redemptionId != first.redemptionId)
    }
}

private enum DomainLimitsProbe {
    /// DomainLimits.rewardAmountMax (PromoDomain is not imported here: its names clash with the wire's).
    static let rewardAmountMax: Int64 = 10_000_000_000
}
