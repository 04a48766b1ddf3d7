import PostgresTestSupport
import PromoDomain
import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `promo-server migrate` as an operator runs it: the built executable, a data directory written by the SQLite
/// store, a real PostgreSQL database; the exit status and what it prints. (PromoMigrateTests covers the copy
/// itself at scale.)
@Suite(
    "promo-server migrate (the command)", .serverCleanup,
    .enabled(if: TestPostgres.isAvailable, "PostgreSQL is not installed: scripts/setup --tests installs postgresql-15"))
struct MigrateCommandTests {
    @Test("copies a data directory, prints each table and the check, exits 0; a second run refuses with 1; bad input says why")
    func migrateCommand() async throws {
        let directory = makeTemporaryDirectory()
        try await Self.writeInstallation(directory)
        let database = try await TestPostgres.emptyDatabase()
        do {
            let first = try await Self.migrate(["--from", directory, "--to", database.urlString, "--check-source"], directory)
            #expect(first.status == 0, "\(first.output)")
            #expect(first.output.contains("source check: every total agrees with the raw rows"), "\(first.output)")
            #expect(first.output.contains("copied codes: 3 rows"), "\(first.output)")
            #expect(first.output.contains("copied redemptions: 1 rows"), "\(first.output)")
            #expect(first.output.contains("target check: every total agrees with the raw rows"), "\(first.output)")
            #expect(first.output.contains("migrate: done, check agrees"), "\(first.output)")

            let second = try await Self.migrate(["--from", directory + "/promo.sqlite", "--to", database.urlString], directory)
            #expect(second.status == 1, "\(second.output)")
            #expect(second.output.contains("already holds data"), "\(second.output)")
            #expect(!second.output.contains("copied codes"), "\(second.output)")

            let missing = try await Self.migrate(["--from", directory + "/nothing-here", "--to", database.urlString], directory)
            #expect(missing.status == 1)
            #expect(missing.output.contains("no such file or directory"), "\(missing.output)")

            let badURL = try await Self.migrate(["--from", directory, "--to", "mysql://x/y"], directory)
            #expect(badURL.status == 1)
            #expect(badURL.output.contains("postgres://"), "\(badURL.output)")
            await database.drop()
        } catch {
            await database.drop()
            throw error
        }
    }

    /// A campaign with three codes, one redeemed, through the SQLite store; closed before the command runs.
    private static func writeInstallation(_ directory: String) async throws {
        var configuration = StoreConfiguration(path: directory + "/promo.sqlite")
        configuration.validateViewCodesMax = 0
        let store = try PromoStore(configuration: configuration)
        defer { store.close() }
        let campaign = Campaign(
            id: "cmp_cli", name: "CLI", kind: .other, reward: .bonus(amountMinor: 100, currency: "EUR"), startsAtMs: 0,
            createdAtMs: 1_000)
        try await store.createCampaign(
            campaign, sharedCode: nil, audit: AuditEntry(atMs: 1_000, actorKeyId: "admin", action: "create_campaign", target: "cmp_cli"))
        try store.writer.synchronously { connection in
            for text in ["CLI-ONE", "CLI-TWO", "CLI-THREE"] {
                try connection.insertCode(PromoCode(code: try CodeText(text), campaignId: "cmp_cli", maxUses: 1, createdAtMs: 1_000))
            }
            let result = try connection.redeem(
                RedeemCommand(
                    request: RedemptionRequest(code: "CLI-ONE", user: UserContext(userId: "p1", country: "DE", ip: "", deviceId: "")),
                    source: "web", idempotencyKey: nil, apiKeyId: "key", newRedemptionId: "red_cli", nowMs: 2_000))
            guard result.verdict == .ok else { throw ServerProcessError(description: "redeem: \(result.verdict)") }
        }
    }

    /// Runs `promo-server migrate` with `arguments` until it exits: its exit code and everything it printed.
    private static func migrate(_ arguments: [String], _ directory: String) async throws -> (status: Int32, output: String) {
        let executable = try ServerProcess.executablePath()
        let logPath = directory + "/migrate-\(arguments.count)-\(UInt32.random(in: 0...UInt32.max)).log"
        let pid = try spawnLogged(
            [executable, "migrate"] + arguments + ["--log-level", "warning"], environment: ["SWIFT_BACKTRACE=enable=no"],
            outputPath: logPath)
        let deadline = ContinuousClock.now + .milliseconds(2 * eventuallyMs)
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                // A normal exit: WEXITSTATUS is the second byte (Swift has no macro for it).
                return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), readText(logPath))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        throw ServerProcessError(description: "promo-server migrate did not exit:\n\(readText(logPath))")
    }

    private static func readText(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
