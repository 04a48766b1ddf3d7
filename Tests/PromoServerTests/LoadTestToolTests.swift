import FoundationEssentials
import PromoClient
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

// `promo-loadtest` as a child process against a live server: its closed loop (frames encoded once, answers
// scanned without unpacking, one write per batch) must count every call exactly, read statuses and verdicts
// right, and hand its connections back for the checks after the run.

struct LoadJSON: Decodable {
    struct Latency: Decodable {
        let p50: UInt64?
        let p99: UInt64?
        let max: UInt64?
    }
    struct Check: Decodable {
        let name: String
        let state: String
        let message: String
    }
    let scenario: String
    let connections: Int
    let depth: Int
    let calls: UInt64
    let throughput: UInt64
    let latencyUs: Latency
    let statuses: [String: UInt64]
    let errors: UInt64
    let verdicts: [String: [String: UInt64]]
    let checks: [Check]
    let failovers: Int

    enum CodingKeys: String, CodingKey {
        case scenario, connections, depth, calls, throughput, statuses, errors, verdicts, checks, failovers
        case latencyUs = "latency_us"
    }
}

struct LoadRun {
    let status: Int32
    let stdout: String
    let stderr: String

    func report() throws -> LoadJSON {
        try JSONDecoder().decode(LoadJSON.self, from: Data(stdout.utf8))
    }
}

enum LoadTestProcess {
    /// Runs `promo-loadtest <arguments> --server 127.0.0.1:<port> --json` (without `--server` when `port` is nil).
    static func run(_ arguments: [String], port: Int?, key: String = adminKey, timeoutMs: Int = 120_000) async throws
        -> LoadRun
    {
        let executable = try #require(builtExecutable("promo-loadtest"), "promo-loadtest not built next to the tests")
        let directory = makeTemporaryDirectory()
        let outPath = directory + "/stdout"
        let errPath = directory + "/stderr"
        let pid = try spawnLogged(
            [executable] + arguments + (port.map { ["--server", "127.0.0.1:\($0)"] } ?? []) + ["--json"],
            environment: ["PROMO_API_KEY=\(key)"], outputPath: outPath, errorPath: errPath)
        // Poll rather than block: the server under test runs in this process and needs its threads.
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) != pid {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                Issue.record("promo-loadtest \(arguments) did not finish in \(timeoutMs) ms")
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(status & 0x7f == 0, "promo-loadtest died of signal \(status & 0x7f)")
        return LoadRun(status: (status >> 8) & 0xff, stdout: contents(outPath), stderr: contents(errPath))
    }

    private static func contents(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}

@Suite("promo-loadtest against a live server", .serverCleanup)
struct LoadTestToolTests {
    @Test func helloRunCountsEveryCallOnEveryConnectionAndSlot() async throws {
        let server = try await TestServer.start()
        // 301 calls over 3 connections of 4 slots: uneven shares, several frames per write.
        let run = try await LoadTestProcess.run(
            ["hello", "--connections", "3", "--depth", "4", "--requests", "301"], port: server.port)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try run.report()
        #expect(report.scenario == "hello")
        #expect(report.connections == 3 && report.depth == 4)
        #expect(report.calls == 301)
        #expect(report.statuses == ["OK": 301])
        #expect(report.errors == 0)
        #expect((report.latencyUs.p50 ?? 0) >= 1)
    }

    @Test func validateRunReadsTheVerdictOfEveryAnswer() async throws {
        let server = try await TestServer.start()
        let run = try await LoadTestProcess.run(
            ["validate", "--connections", "2", "--depth", "3", "--requests", "240"], port: server.port)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try run.report()
        #expect(report.calls == 240)
        #expect(report.statuses == ["OK": 240])
        #expect(report.verdicts == ["validate": ["OK": 240]])
    }

    @Test func refusedCallsAreCountedByStatusNotAsOK() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        // A redeemer may not create the tool's campaign; an analyst key says hello fine but may not validate.
        let analyst = try await admin.createKey(role: "analyst")
        let hello = try await LoadTestProcess.run(
            ["hello", "--connections", "2", "--requests", "40"], port: server.port, key: analyst)
        #expect(hello.status == 0, "\(hello.stderr)")
        #expect(try hello.report().statuses == ["OK": 40])

        let refused = try await LoadTestProcess.run(
            ["report", "--campaign", "no-such-campaign", "--connections", "2", "--depth", "2", "--requests", "30"],
            port: server.port, key: analyst)
        #expect(refused.status == 0, "\(refused.stderr)")
        let report = try refused.report()
        #expect(report.calls == 30)
        #expect(report.errors == 30)
        #expect(report.statuses["OK"] == nil)
        #expect(report.statuses.values.reduce(0, +) == 30)
    }

    @Test func hotLimitCheckSeesExactlyTheLimitThroughTheHandedBackConnection() async throws {
        let server = try await TestServer.start()
        // Redeems are encoded per call (ever-new users); the check's report call runs on a connection the
        // closed loop handed back to the client.
        let run = try await LoadTestProcess.run(
            ["redeem", "--codes", "hot", "--hot-limit", "40", "--connections", "4", "--depth", "2", "--requests", "160"],
            port: server.port)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try run.report()
        #expect(report.calls == 160)
        #expect(report.verdicts["redeem"] == ["OK": 40, "LIMIT_REACHED": 120])
        let check = try #require(report.checks.first { $0.name == "hot_limit" })
        #expect(check.state == "passed", "\(check.message)")
    }

    @Test func timedRunMeasuresOnlyAfterTheWarmUpAndStops() async throws {
        let server = try await TestServer.start()
        let run = try await LoadTestProcess.run(
            ["hello", "--connections", "2", "--depth", "2", "--duration", "1", "--warmup", "0.5"], port: server.port)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try run.report()
        #expect(report.calls > 0)
        #expect(report.errors == 0)
        #expect(report.statuses == ["OK": report.calls])
    }
}
