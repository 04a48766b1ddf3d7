import PromoClient
import PromoServer
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A 40+ byte admin key for the server processes started by these tests.
let processAdminKey = "pk_test_durability_admin_0123456789abcdef0123456789"

struct ServerProcessError: Error, CustomStringConvertible {
    let description: String
}

/// The real `promo-server` executable, run as a child process so that it can be killed with SIGKILL.
final class ServerProcess: Sendable {
    let pid: pid_t
    let port: Int
    let logPath: String

    private init(pid: pid_t, port: Int, logPath: String) {
        self.pid = pid
        self.port = port
        self.logPath = logPath
    }

    static func executablePath() throws -> String {
        guard let path = builtExecutable("promo-server") else {
            throw ServerProcessError(description: "promo-server not found next to the tests or in .build/debug")
        }
        return path
    }

    /// Starts `promo-server --port 0 --data-dir <dataDirectory>` and waits for its `listening on` line.
    static func start(dataDirectory: String, timeoutMs: Int = 2 * eventuallyMs) async throws -> ServerProcess {
        let executable = try executablePath()
        let logPath = dataDirectory + "/server-\(UInt32.random(in: 0...UInt32.max)).log"
        let arguments = [executable, "--port", "0", "--metrics-port", "0", "--console-port", "0", "--data-dir", dataDirectory, "--log-level", "warning"]
        let pid = try spawnLogged(arguments, environment: ["PROMO_ADMIN_KEY=\(processAdminKey)"], outputPath: logPath)

        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline {
            let log = readFile(logPath)
            for line in log.split(separator: "\n") where line.hasPrefix("listening on ") {
                if let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...]), port > 0 {
                    return ServerProcess(pid: pid, port: port, logPath: logPath)
                }
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw ServerProcessError(description: "promo-server exited (status \(status)) before listening:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        throw ServerProcessError(description: "promo-server did not report its port in time:\n\(readFile(logPath))")
    }

    func session(key: String = processAdminKey) async throws -> PromoClient {
        let client = try await PromoClient.connect(host: "127.0.0.1", port: port)
        _ = try await client.hello(apiKey: key)
        return client
    }

    /// Sends `signal` and reaps the process.
    func stop(signal: Int32) {
        kill(pid, signal)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    var log: String { readFile(logPath) }
}

private func readFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4_096)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

@Suite("Durability: acknowledged redemptions survive kill -9", .serverCleanup)
struct DurabilityTests {
    @Test func acknowledgedRedemptionsSurviveSIGKILL() async throws {
        let directory = makeTemporaryDirectory()
        let first = try await ServerProcess.start(dataDirectory: directory)
        var firstKilled = false
        defer { if !firstKilled { first.stop(signal: SIGKILL) } }

        let admin = try await first.session()
        #expect(try await admin.hello(apiKey: processAdminKey).role == "admin")
        let code = Unique.code("DURABLE")
        let campaign = try await admin.createCampaign(bonusCampaign("Durable") { $0.maxRedemptions = 20 }, code: code)
        let players = (0..<20).map { _ in Unique.user("durable") }
        let keys = players.map { _ in Unique.key() }

        // Twenty redeems in flight at once; each answer is an acknowledgement of a durable commit.
        let acknowledged = try await withThrowingTaskGroup(of: (Int, RedeemResponse).self) { group in
            for index in players.indices {
                group.addTask {
                    (index, try await admin.redeem(code: code, user: user(players[index]), idempotencyKey: keys[index]))
                }
            }
            return try await group.reduce(into: [Int: RedeemResponse]()) { $0[$1.0] = $1.1 }
        }
        #expect(acknowledged.values.allSatisfy { $0.verdict == .ok })
        #expect(Set(acknowledged.values.map(\.redemptionId)).count == 20)

        // No graceful anything: the process dies right after the last acknowledgement.
        first.stop(signal: SIGKILL)
        firstKilled = true
        await admin.close()

        let second = try await ServerProcess.start(dataDirectory: directory)
        defer { second.stop(signal: SIGKILL) }
        let client = try await second.session()

        for (index, player) in players.enumerated() {
            let history = try await client.rewardHistory(userId: player)
            #expect(history.redemptions.map(\.redemptionId) == [acknowledged[index]?.redemptionId ?? "?"], "\(player)")
            #expect(history.redemptions.first?.campaignId == campaign.id)
            #expect(history.redemptions.first?.voided == false)
        }
        let stats = try #require(try await client.getCampaign(campaign.id).stats)
        #expect(stats.redemptions == 20)
        #expect(stats.uniqueUsers == 20)
        #expect(stats.remaining == 0)

        // The limit and the idempotency record survived too.
        #expect(try await client.redeem(code: code, user: user(Unique.user())).verdict == .limitReached)
        let replay = try await client.redeem(code: code, user: user(players[0]), idempotencyKey: keys[0])
        #expect(replay.replayed)
        #expect(replay.verdict == .ok)
        #expect(replay.redemptionId == acknowledged[0]?.redemptionId)
        await client.close()
    }
}
