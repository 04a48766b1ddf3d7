import FoundationEssentials
import PromoClient
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

// promoctl, the back-office CLI, run as a child process against a live TestServer: its output, its JSON, its
// CSV files and its exit codes.

/// What one promoctl run left behind.
struct PromoctlRun: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(stdout.utf8))
    }
}

struct PromoctlProcessError: Error, CustomStringConvertible {
    let description: String
}

/// Locates the built `promoctl` and runs it with captured standard output and error.
enum PromoctlProcess {
    static func executablePath() throws -> String {
        guard let path = builtExecutable("promoctl") else {
            throw PromoctlProcessError(description: "promoctl not found next to the tests or in .build/debug")
        }
        return path
    }

    /// Runs `promoctl <arguments> --server 127.0.0.1:<port>` with `PROMO_API_KEY=<key>` (none when nil).
    static func run(
        _ arguments: [String], port: Int?, key: String? = adminKey, timeoutMs: Int = 60_000
    ) async throws -> PromoctlRun {
        let executable = try executablePath()
        let directory = makeTemporaryDirectory()
        let outPath = directory + "/stdout"
        let errPath = directory + "/stderr"
        let argv = [executable] + arguments + (port.map { ["--server", "127.0.0.1:\($0)"] } ?? [])
        let pid = try spawnLogged(
            argv, environment: key.map { ["PROMO_API_KEY=\($0)"] } ?? [], outputPath: outPath, errorPath: errPath)

        // Poll rather than block: the server under test runs in this process and needs its threads.
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) != pid {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw PromoctlProcessError(description: "promoctl \(arguments) did not finish in \(timeoutMs) ms")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let signal = status & 0x7f
        guard signal == 0 else {
            throw PromoctlProcessError(description: "promoctl \(arguments) died of signal \(signal): \(wholeFile(errPath))")
        }
        return PromoctlRun(status: (status >> 8) & 0xff, stdout: wholeFile(outPath), stderr: wholeFile(errPath))
    }
}

private func wholeFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func writeWholeFile(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw PromoctlProcessError(description: "cannot create \(path)") }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw PromoctlProcessError(description: "short write to \(path)") }
}

/// The non-empty lines of a file.
private func lines(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init)
}

/// A code or name no other test (or earlier run) uses.
private func uniqueSuffix() -> String {
    String(UInt64.random(in: 0...UInt64.max), radix: 36, uppercase: true)
}

// The JSON promoctl prints, as far as these tests read it.
private struct CampaignJSON: Decodable {
    struct RewardJSON: Decodable {
        let kind: String
        let amountMinor: Int64
        let currency: String
    }
    struct StatsJSON: Decodable {
        let redemptions: UInt64
        let unlimited: Bool
    }
    let id: String
    let name: String
    let kind: String
    let active: Bool
    let reward: RewardJSON
    let maxPerUser: UInt32
    let startsAtMs: Int64
    let expiresAtMs: Int64
    let stats: StatsJSON
    let code: String?
}

private struct GenerateJSON: Decodable {
    let batchId: String
    let generated: Int
    let written: Int
}

private struct ImportJSON: Decodable {
    struct Rejection: Decodable {
        let line: Int
        let code: String
        let reason: String
    }
    let imported: Int
    let rejected: [Rejection]
}

private struct HistoryEntryJSON: Decodable {
    let redemptionId: String
    let campaignId: String
    let voided: Bool
}

private struct ReportJSON: Decodable {
    let campaignId: String
    let redemptions: UInt64
    let uniqueUsers: UInt64
}

private struct KeyJSON: Decodable {
    let keyId: String
    let apiKey: String
}

@Suite("promoctl against a live server", .serverCleanup)
struct PromoCtlTests {
    private func createCampaign(_ port: Int, name: String, extra: [String] = []) async throws -> CampaignJSON {
        let run = try await PromoctlProcess.run(
            ["campaigns", "create", "--name", name, "--kind", "seasonal", "--reward-kind", "bonus", "--amount-minor", "500",
             "--currency", "EUR", "--json"] + extra,
            port: port)
        try #require(run.status == 0, "\(run)")
        return try run.decode(CampaignJSON.self)
    }

    @Test func createsACampaignWithASharedCode() async throws {
        let server = try await TestServer.start()
        let code = "CTL" + uniqueSuffix()
        let campaign = try await createCampaign(
            server.port, name: "Summer 50",
            extra: ["--max-per-user", "1", "--code", code, "--starts-at", "2020-01-01T00:00:00Z",
                    "--expires-at", "2099-01-01T00:00:00Z"])
        #expect(campaign.id.hasPrefix("cmp_"))
        #expect(campaign.name == "Summer 50")
        #expect(campaign.kind == "seasonal")
        #expect(campaign.active)
        #expect(campaign.reward.kind == "bonus" && campaign.reward.amountMinor == 500 && campaign.reward.currency == "EUR")
        #expect(campaign.maxPerUser == 1)
        #expect(campaign.startsAtMs == 1_577_836_800_000)
        #expect(campaign.expiresAtMs == 4_070_908_800_000)
        #expect(campaign.code == code)

        // The shared code works, for this campaign.
        let client = try await server.session()
        let result = try await client.call(.validate(.with {
            $0.code = code.lowercased()
            $0.user = .with { $0.userId = "ctl-player" }
        }))
        guard case .validate(let answer) = result else { Issue.record("validate answered \(result)"); return }
        #expect(answer.verdict == .ok)
        #expect(answer.campaignId == campaign.id)
        await client.close()

        // The readable form names what a person needs to see.
        let shown = try await PromoctlProcess.run(["campaigns", "show", campaign.id], port: server.port)
        #expect(shown.status == 0, "\(shown)")
        #expect(shown.stdout.contains(campaign.id))
        #expect(shown.stdout.contains("Summer 50"))
        #expect(shown.stdout.contains("5.00 EUR bonus"))
        #expect(shown.stdout.contains("2099-01-01T00:00:00Z"))

        // A second campaign cannot take the same code.
        let clash = try await PromoctlProcess.run(
            ["campaigns", "create", "--name", "Clash", "--kind", "other", "--reward-kind", "bonus", "--amount-minor", "1",
             "--currency", "EUR", "--code", code],
            port: server.port)
        #expect(clash.status == 6, "\(clash)")
        #expect(clash.stderr.contains("ALREADY_EXISTS"))
    }

    @Test func listsCampaignsAsJSONFollowingPages() async throws {
        let server = try await TestServer.start()
        var ids: [String] = []
        for index in 0..<3 { ids.append(try await createCampaign(server.port, name: "Listed \(index)").id) }
        let deactivated = try await PromoctlProcess.run(["campaigns", "deactivate", ids[1]], port: server.port)
        #expect(deactivated.status == 0, "\(deactivated)")
        #expect(deactivated.stdout.contains("inactive"))

        let all = try await PromoctlProcess.run(["campaigns", "list", "--all", "--page-size", "1", "--json"], port: server.port)
        try #require(all.status == 0, "\(all)")
        let listed = try all.decode([CampaignJSON].self)
        #expect(listed.map(\.id) == ids)
        #expect(listed.map(\.active) == [true, false, true])

        let active = try await PromoctlProcess.run(["campaigns", "list", "--active-only", "--all", "--json"], port: server.port)
        try #require(active.status == 0, "\(active)")
        #expect(try active.decode([CampaignJSON].self).map(\.id) == [ids[0], ids[2]])

        // One page only: the rest is announced on standard error, with the token to continue.
        let firstPage = try await PromoctlProcess.run(["campaigns", "list", "--page-size", "2"], port: server.port)
        #expect(firstPage.status == 0, "\(firstPage)")
        #expect(firstPage.stdout.contains(ids[0]) && firstPage.stdout.contains(ids[1]) && !firstPage.stdout.contains(ids[2]))
        #expect(firstPage.stderr.contains("--page-token"))
    }

    @Test func generatesImportsAndExportsCodesAsCSV() async throws {
        let server = try await TestServer.start()
        let campaign = try await createCampaign(server.port, name: "Codes")
        let directory = makeTemporaryDirectory()

        // Generate 50 codes to a file.
        let generatedPath = directory + "/generated.csv"
        let generate = try await PromoctlProcess.run(
            ["codes", "generate", campaign.id, "--count", "50", "--max-uses", "1", "--out", generatedPath, "--json"],
            port: server.port)
        try #require(generate.status == 0, "\(generate)")
        let summary = try generate.decode(GenerateJSON.self)
        #expect(summary.generated == 50 && summary.written == 50)
        let generatedLines = lines(wholeFile(generatedPath))
        #expect(generatedLines.first == "code")
        let generated = Array(generatedLines.dropFirst())
        #expect(generated.count == 50)
        #expect(Set(generated).count == 50)

        // Import: a header, three good codes, and a malformed one on line 4.
        let suffix = uniqueSuffix()
        let importPath = directory + "/import.csv"
        try writeWholeFile(
            importPath,
            "code,max_uses,owner_id\r\nIMP-A\(suffix),1\r\nIMP-B\(suffix),,partner-7\r\nNOT*VALID!\r\n\r\nIMP-C\(suffix)\r\n")
        let imported = try await PromoctlProcess.run(["codes", "import", campaign.id, importPath], port: server.port)
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stdout.contains("Imported 3 of 4 codes"), "\(imported)")
        #expect(imported.stdout.contains("line 4: NOT*VALID!"), "\(imported)")

        // The same file again: everything is a duplicate now, still reported per line, still exit 0.
        let again = try await PromoctlProcess.run(["codes", "import", campaign.id, importPath, "--json"], port: server.port)
        #expect(again.status == 0, "\(again)")
        let report = try again.decode(ImportJSON.self)
        #expect(report.imported == 0)
        #expect(report.rejected.map(\.line) == [2, 3, 4, 6])

        // Export everything: the generated and imported codes, each once, with the documented columns.
        let exportPath = directory + "/export.csv"
        let export = try await PromoctlProcess.run(["codes", "export", campaign.id, "--out", exportPath], port: server.port)
        #expect(export.status == 0, "\(export)")
        let exportLines = lines(wholeFile(exportPath))
        #expect(exportLines.first == "code,campaign_id,active,max_uses,uses,owner_id,batch_id,created_at")
        let rows = exportLines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.allSatisfy { $0.count == 8 && $0[1] == campaign.id && $0[2] == "true" })
        let exported = Set(rows.map { $0[0] })
        #expect(exported.count == 53)
        #expect(exported.isSuperset(of: generated))
        #expect(exported.isSuperset(of: ["IMP-A\(suffix)", "IMP-B\(suffix)", "IMP-C\(suffix)"]))
        #expect(rows.first { $0[0] == "IMP-B\(suffix)" }?[5] == "partner-7")

        // Export one batch to standard output: exactly the generated codes, in the order they were made.
        let batch = try await PromoctlProcess.run(["codes", "export", campaign.id, "--batch", summary.batchId], port: server.port)
        #expect(batch.status == 0, "\(batch)")
        let batchCodes = lines(batch.stdout).dropFirst().map { String($0.prefix { $0 != "," }) }
        #expect(batchCodes == generated)

        // Switching one code off shows in the export.
        let off = try await PromoctlProcess.run(["codes", "deactivate", generated[0].lowercased()], port: server.port)
        #expect(off.status == 0, "\(off)")
        let unused = try await PromoctlProcess.run(
            ["codes", "export", campaign.id, "--batch", summary.batchId, "--unused"], port: server.port)
        #expect(lines(unused.stdout).dropFirst().first?.hasPrefix(generated[0] + ",\(campaign.id),false,1,0,") == true)
    }

    @Test func voidsAndShowsRedemptionsAndReports() async throws {
        let server = try await TestServer.start()
        let code = "CTLR" + uniqueSuffix()
        let campaign = try await createCampaign(server.port, name: "Redeemed", extra: ["--code", code])
        let player = "ctl-player-" + uniqueSuffix().lowercased()
        let client = try await server.session()
        let result = try await client.call(.redeem(.with {
            $0.code = code
            $0.user = .with { $0.userId = player }
            $0.source = "newsletter"
        }))
        await client.close()
        guard case .redeem(let redeemed) = result, redeemed.verdict == .ok else {
            Issue.record("redeem answered \(result)")
            return
        }

        let history = try await PromoctlProcess.run(["redemptions", "history", player, "--all", "--json"], port: server.port)
        try #require(history.status == 0, "\(history)")
        let entries = try history.decode([HistoryEntryJSON].self)
        #expect(entries.map(\.redemptionId) == [redeemed.redemptionId])
        #expect(entries.first?.campaignId == campaign.id)

        let report = try await PromoctlProcess.run(["report", campaign.id, "--json"], port: server.port)
        #expect(report.status == 0, "\(report)")
        if report.status == 0 {
            let numbers = try report.decode(ReportJSON.self)
            #expect(numbers.campaignId == campaign.id && numbers.redemptions == 1 && numbers.uniqueUsers == 1)
            let readable = try await PromoctlProcess.run(["report", campaign.id, "--bucket", "day"], port: server.port)
            #expect(readable.status == 0, "\(readable)")
            #expect(readable.stdout.contains("Headline") && readable.stdout.contains("newsletter"))
        }

        let void = try await PromoctlProcess.run(
            ["redemptions", "void", redeemed.redemptionId, "--reason", "test reversal"], port: server.port)
        #expect(void.status == 0, "\(void)")
        let again = try await PromoctlProcess.run(
            ["redemptions", "void", redeemed.redemptionId, "--reason", "twice"], port: server.port)
        #expect(again.status == 6, "\(again)")
        let after = try await PromoctlProcess.run(["redemptions", "history", player], port: server.port)
        #expect(after.stdout.contains("voided: test reversal"), "\(after)")
    }

    @Test func exitCodesTellWhatWentWrong() async throws {
        let server = try await TestServer.start()

        let wrongKey = try await PromoctlProcess.run(
            ["campaigns", "list"], port: server.port, key: "pk_wrong_0123456789abcdef0123456789abcdef")
        #expect(wrongKey.status == 4, "\(wrongKey)")
        #expect(wrongKey.stderr.contains("UNAUTHENTICATED"))
        #expect(wrongKey.stdout.isEmpty)

        let unknown = try await PromoctlProcess.run(["campaigns", "show", "cmp_doesnotexist"], port: server.port)
        #expect(unknown.status == 5, "\(unknown)")
        #expect(unknown.stderr.contains("NOT_FOUND"))

        let invalid = try await PromoctlProcess.run(
            ["campaigns", "create", "--name", "Zero", "--kind", "other", "--reward-kind", "bonus", "--amount-minor", "0",
             "--currency", "EUR"],
            port: server.port)
        #expect(invalid.status == 6, "\(invalid)")

        let usage = try await PromoctlProcess.run(["campaigns", "create", "--name", "No reward", "--kind", "vip"], port: server.port)
        #expect(usage.status == 2, "\(usage)")
        #expect(usage.stderr.contains("--reward-kind"))

        let badTime = try await PromoctlProcess.run(["report", "cmp_x", "--from", "yesterday"], port: server.port)
        #expect(badTime.status == 2, "\(badTime)")

        let noKey = try await PromoctlProcess.run(["keys", "list"], port: server.port, key: nil)
        #expect(noKey.status == 2, "\(noKey)")
        #expect(noKey.stderr.contains("PROMO_API_KEY"))

        // An analyst key may read but not manage keys: PERMISSION_DENIED is exit 4 too.
        let created = try await PromoctlProcess.run(["keys", "create", "--name", "bi", "--role", "analyst", "--json"], port: server.port)
        try #require(created.status == 0, "\(created)")
        #expect(created.stderr.contains("only"))
        let analyst = try created.decode(KeyJSON.self)
        let keyFile = makeTemporaryDirectory() + "/analyst.key"
        try writeWholeFile(keyFile, analyst.apiKey + "  \r\nsecond line is ignored\n")
        let denied = try await PromoctlProcess.run(["keys", "list", "--key-file", keyFile], port: server.port, key: nil)
        #expect(denied.status == 4, "\(denied)")
        #expect(denied.stderr.contains("PERMISSION_DENIED"))
        let allowed = try await PromoctlProcess.run(["campaigns", "list", "--key-file", keyFile], port: server.port, key: nil)
        #expect(allowed.status == 0, "\(allowed)")

        let revoked = try await PromoctlProcess.run(["keys", "revoke", analyst.keyId], port: server.port)
        #expect(revoked.status == 0, "\(revoked)")
        let afterRevoke = try await PromoctlProcess.run(["campaigns", "list", "--key-file", keyFile], port: server.port, key: nil)
        #expect(afterRevoke.status == 4, "\(afterRevoke)")

        // Nothing listens on port 1.
        let unreachable = try await PromoctlProcess.run(["campaigns", "list", "--server", "127.0.0.1:1"], port: nil)
        #expect(unreachable.status == 3, "\(unreachable)")
        #expect(unreachable.stderr.contains("cannot connect"))
    }
}
