import Crypto
import FoundationEssentials
import PromoClient
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

// `promoctl admin backup` and `promoctl admin audit`, run as child processes against a live TestServer.

private struct BackupJSON: Decodable {
    let file: String
    let name: String
    let serverPath: String
    let sizeBytes: UInt64
    let pages: UInt64
    let sha256: String
}

private struct AuditEntryJSON: Decodable {
    let id: UInt64
    let atMs: Int64
    let actorKeyId: String
    let action: String
    let target: String
}

private func sha256OfFile(_ path: String) -> (hex: String, size: Int) {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return ("", -1) }
    defer { close(fd) }
    var hasher = SHA256()
    var size = 0
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        hasher.update(data: chunk[0..<count])
        size += count
    }
    return (hex(Array(hasher.finalize())), size)
}

@Suite("promoctl admin backup and audit", .serverCleanup)
struct PromoCtlAdminTests {
    @Test func backupWritesAVerifiedFileThatRestoresOnASecondServer() async throws {
        let server = try await TestServer.start { $0.backupChunkBytesMax = 4_096 }
        let admin = try await server.session()
        let code = Unique.code("CTLBAK")
        let campaign = try await admin.createCampaign(bonusCampaign("Backed up") { $0.maxRedemptions = 2 }, code: code)
        let player = Unique.user()
        #expect(try await admin.redeem(code: code, user: user(player)).verdict == .ok)

        let restored = makeTemporaryDirectory()
        let file = restored + "/promo.sqlite"
        let run = try await PromoctlProcess.run(["admin", "backup", file, "--name", "ctl.sqlite", "--json"], port: server.port)
        try #require(run.status == 0, "\(run)")
        let answer = try run.decode(BackupJSON.self)
        #expect(answer.file == file && answer.name == "ctl.sqlite")
        #expect(answer.serverPath == server.dataDirectory + "/backups/ctl.sqlite")
        let local = sha256OfFile(file)
        #expect(local.hex == answer.sha256 && UInt64(local.size) == answer.sizeBytes && answer.pages > 1)
        #expect(fileMode(file) == 0o600)
        #expect(!fileExists(file + ".partial"))

        // FILE exists now: refused without --force (usage, exit 2), replaced with it.
        let refused = try await PromoctlProcess.run(["admin", "backup", file, "--name", "ctl-2.sqlite"], port: server.port)
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("--force"))
        #expect(sha256OfFile(file).hex == answer.sha256, "the refused run left the file alone")
        let forced = try await PromoctlProcess.run(["admin", "backup", file, "--force"], port: server.port)
        #expect(forced.status == 0, "\(forced)")
        #expect(forced.stdout.contains("SHA-256 verified"))

        // A second server on the file: same campaign and history, check ok, the limit still enforced.
        let copy = try await TestServer.start(dataDirectory: restored)
        let check = try await PromoctlProcess.run(["admin", "check"], port: copy.port)
        #expect(check.status == 0, "\(check)")
        let copyAdmin = try await copy.session()
        #expect(try await copyAdmin.getCampaign(campaign.id).stats?.redemptions == 1)
        #expect(try await copyAdmin.wholeRewardHistory(userId: player).redemptions.count == 1)
        #expect(try await copyAdmin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        #expect(try await copyAdmin.redeem(code: code, user: user(Unique.user())).verdict == .limitReached)
        await copyAdmin.close()
        await admin.close()
    }

    @Test func backupByANonAdminKeyExitsWithAccessDenied() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let manager = try await admin.createKey(role: "manager")
        let file = makeTemporaryDirectory() + "/nope.sqlite"
        let run = try await PromoctlProcess.run(["admin", "backup", file], port: server.port, key: manager)
        #expect(run.status == 4, "\(run)")
        #expect(!fileExists(file) && !fileExists(file + ".partial"))
        await admin.close()
    }

    @Test func auditPrintsFilteredEntriesAsJSONAndAsATable() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let managerSecret = try await admin.createKey(role: "manager")
        let manager = try await server.session(key: managerSecret)
        let campaign = try await manager.createCampaign(bonusCampaign("Audited"))
        _ = try await manager.updateCampaign(campaign.id, mask: ["name"]) { $0.name = "Audited twice" }
        await manager.close()

        let json = try await PromoctlProcess.run(
            ["admin", "audit", "--actor", keyId(ofSecret: managerSecret), "--json"], port: server.port)
        try #require(json.status == 0, "\(json)")
        let entries = try json.decode([AuditEntryJSON].self)
        #expect(entries.map(\.action) == ["update_campaign", "create_campaign"])
        #expect(entries.allSatisfy { $0.target == campaign.id })

        let limited = try await PromoctlProcess.run(["admin", "audit", "--limit", "1"], port: server.port)
        #expect(limited.status == 0, "\(limited)")
        let lines = limited.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("TIME") && lines[1].contains("update_campaign"), "\(limited)")
        #expect(limited.stderr.contains("More entries follow"))

        let none = try await PromoctlProcess.run(["admin", "audit", "--since", "2099-01-01"], port: server.port)
        #expect(none.status == 0 && none.stdout.contains("No audit entries match."), "\(none)")
        await admin.close()
    }
}
