import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built promo-server run with chosen flags, environment and config file, until it says where it listens
/// or exits: the precedence flags > environment > config file > defaults, seen from outside.
private struct ConfiguredRun {
    /// Everything the process printed (stdout and stderr).
    let output: String
    /// The exit status when it exited by itself (a refused configuration), nil when it was listening.
    let exitStatus: Int32?

    /// `listening on HOST:PORT` / `metrics on HOST:PORT` → "HOST:PORT".
    func address(_ prefix: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.map { String($0.dropFirst(prefix.count + 1)) }
    }

    static func run(arguments: [String], environment: [String], configJSON: String? = nil) async throws -> ConfiguredRun {
        let executable = try ServerProcess.executablePath()
        let directory = makeTemporaryDirectory()
        var arguments = [executable, "--data-dir", directory, "--log-level", "warning"] + arguments
        if let configJSON {
            let path = directory + "/config.json"
            let file = fopen(path, "w")
            fputs(configJSON, file)
            fclose(file)
            arguments += ["--config", path]
        }
        let logPath = directory + "/output.log"
        // The console port is 0 unless the test names one: parallel runs must not race for the default 7422.
        let console = environment.contains { $0.hasPrefix("PROMO_CONSOLE_PORT=") } ? [] : ["PROMO_CONSOLE_PORT=0"]
        let pid = try spawnLogged(
            arguments, environment: environment + console + ["PROMO_ADMIN_KEY=\(processAdminKey)", "SWIFT_BACKTRACE=enable=no"],
            outputPath: logPath)
        let deadline = ContinuousClock.now + .milliseconds(2 * eventuallyMs)
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return ConfiguredRun(output: readText(logPath), exitStatus: status)
            }
            let output = readText(logPath)
            if output.contains("listening on ") {
                kill(pid, SIGTERM)
                waitpid(pid, &status, 0)
                return ConfiguredRun(output: output, exitStatus: nil)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        throw ServerProcessError(description: "promo-server neither listened nor exited:\n\(readText(logPath))")
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

@Suite("Configuration from PROMO_* environment variables", .serialized, .serverCleanup)
struct EnvironmentConfigTests {
    /// The config file names 127.0.0.2 for both ports and port 1 for metrics; the environment overrides the
    /// metrics host and port; the flags override the environment's protocol host and port.
    @Test func flagsBeatEnvironmentWhichBeatsTheConfigFile() async throws {
        let file = #"{"host": "127.0.0.2", "port": 1, "metricsHost": "127.0.0.2", "metricsPort": 1}"#
        let run = try await ConfiguredRun.run(
            arguments: ["--host", "127.0.0.4", "--port", "0"],
            environment: ["PROMO_HOST=127.0.0.3", "PROMO_PORT=1", "PROMO_METRICS_HOST=127.0.0.3", "PROMO_METRICS_PORT=0",
                          "PROMO_API_KEY=not-a-config-key"],
            configJSON: file)
        #expect(run.exitStatus == nil, "\(run.output)")
        let listening = try #require(run.address("listening on"), "\(run.output)")
        let metrics = try #require(run.address("metrics on"), "\(run.output)")
        #expect(listening.hasPrefix("127.0.0.4:"))
        #expect(!listening.hasSuffix(":1"))
        #expect(metrics.hasPrefix("127.0.0.3:"))
        #expect(!metrics.hasSuffix(":1") && !metrics.hasSuffix(":7421"))
    }

    @Test func theConfigFileStillAppliesWhereTheEnvironmentIsSilent() async throws {
        let run = try await ConfiguredRun.run(
            arguments: ["--port", "0"], environment: ["PROMO_METRICS_PORT=0"],
            configJSON: #"{"metricsHost": "127.0.0.2"}"#)
        #expect(try #require(run.address("metrics on"), "\(run.output)").hasPrefix("127.0.0.2:"))
    }

    @Test func booleansAndNumbersComeThroughAsTheirTypes() async throws {
        let off = try await ConfiguredRun.run(
            arguments: ["--port", "0"], environment: ["PROMO_METRICS_ENABLED=false", "PROMO_FRAME_BYTES_MAX=2097152"])
        #expect(off.exitStatus == nil, "\(off.output)")
        #expect(off.address("listening on") != nil)
        #expect(off.address("metrics on") == nil)
    }

    @Test func anUnknownConfigurationVariableIsRefused() async throws {
        let run = try await ConfiguredRun.run(
            arguments: ["--port", "0", "--metrics-port", "0"], environment: ["PROMO_FRAME_BYTE_MAX=2097152"])
        #expect(run.exitStatus != nil && run.exitStatus != 0)
        #expect(run.output.contains("unknown environment variable PROMO_FRAME_BYTE_MAX"), "\(run.output)")
    }

    @Test func aValueOfTheWrongTypeNamesItsVariable() async throws {
        let word = try await ConfiguredRun.run(
            arguments: ["--port", "0", "--metrics-port", "0"], environment: ["PROMO_CONNECTIONS_MAX=many"])
        #expect(word.exitStatus != nil && word.exitStatus != 0)
        #expect(word.output.contains("PROMO_CONNECTIONS_MAX must be a number"), "\(word.output)")

        let negative = try await ConfiguredRun.run(
            arguments: ["--port", "0", "--metrics-port", "0"], environment: ["PROMO_GENERATE_COUNT_MAX=-1"])
        #expect(negative.exitStatus != nil && negative.exitStatus != 0)
        #expect(negative.output.contains("PROMO_GENERATE_COUNT_MAX=-1"), "\(negative.output)")
    }

    /// The README's configuration table names every config-file key once, and every environment variable it
    /// names is accepted by the server with the default it documents.
    @Test func theReadmeTableListsEveryKeyWithAWorkingVariableAndDefault() async throws {
        let root = repositoryRoot()
        let configFile = try readSource(root + "/Sources/promo-server/ConfigFile.swift")
        let keys = configFile.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingPrefix(while: { $0 == " " })
            guard trimmed.hasPrefix("var "), trimmed.hasSuffix("?") else { return nil }
            return String(trimmed.dropFirst(4).prefix { $0 != ":" })
        }
        #expect(keys.count > 40)

        let readme = try readSource(root + "/README.md")
        let tableStart = try #require(readme.range(of: "| flag | environment | config key | default | meaning |"))
        var documentedKeys: [String] = []
        var environment: [String] = []
        for line in readme[tableStart.upperBound...].split(separator: "\n").dropFirst() {
            guard line.hasPrefix("|") else { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingPrefix(while: { $0 == " " }) }
            let variables = backticked(cells[2])
            let rowKeys = backticked(cells[3])
            let defaults = backticked(cells[4])
            documentedKeys += rowKeys
            guard !rowKeys.isEmpty else { continue }
            // "none": unset by default (the TLS files); there is no default value to pass back.
            if cells[4].hasPrefix("none") {
                #expect(variables.count == rowKeys.count, "\(line)")
                continue
            }
            #expect(variables.count == rowKeys.count && defaults.count == rowKeys.count, "\(line)")
            for (variable, value) in zip(variables, defaults) { environment.append("\(variable)=\(value)") }
        }
        #expect(documentedKeys.sorted() == keys.sorted())
        #expect(Set(documentedKeys).count == documentedKeys.count, "a key is listed twice")

        // The flags override the documented ports and folder, so the defaults cannot clash with anything.
        let run = try await ConfiguredRun.run(
            arguments: ["--port", "0", "--metrics-port", "0", "--console-port", "0"], environment: environment)
        #expect(run.exitStatus == nil, "\(run.output)")
        #expect(run.address("listening on")?.hasPrefix("127.0.0.1:") == true, "\(run.output)")
    }

    /// `--console-port` beats the environment, the server says where the console is, and
    /// PROMO_CONSOLE_ENABLED=false leaves it off.
    @Test func theConsolePortIsAFlagAndSaysWhereItListens() async throws {
        let run = try await ConfiguredRun.run(
            arguments: ["--port", "0", "--metrics-port", "0", "--console-port", "0"], environment: ["PROMO_CONSOLE_PORT=1"])
        #expect(run.exitStatus == nil, "\(run.output)")
        let console = try #require(run.address("console on"), "\(run.output)")
        #expect(console.hasPrefix("127.0.0.1:") && !console.hasSuffix(":1") && !console.hasSuffix(":7422"), "\(console)")
        let off = try await ConfiguredRun.run(
            arguments: ["--port", "0", "--metrics-port", "0"], environment: ["PROMO_CONSOLE_ENABLED=false"])
        #expect(off.exitStatus == nil, "\(off.output)")
        #expect(off.address("listening on") != nil)
        #expect(off.address("console on") == nil)
    }

    /// The validation the config file gets applies to the environment too.
    @Test func environmentValuesAreValidatedLikeTheConfigFile() async throws {
        let run = try await ConfiguredRun.run(
            arguments: ["--port", "0", "--metrics-port", "0"], environment: ["PROMO_FRAME_BYTES_MAX=10"])
        #expect(run.exitStatus != nil && run.exitStatus != 0)
        #expect(run.output.contains("frameBytesMax must be 1 KiB...64 MiB"), "\(run.output)")
    }
}

private func backticked(_ cell: Substring) -> [String] {
    cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().compactMap { $0.offset % 2 == 1 ? String($0.element) : nil }
}

/// <root>/Tests/PromoServerTests/ThisFile.swift → <root>
private func repositoryRoot(filePath: String = #filePath) -> String {
    var path = Substring(filePath)
    for _ in 0..<3 { path = path[..<(path.lastIndex(of: "/") ?? path.startIndex)] }
    return String(path)
}

private func readSource(_ path: String) throws -> String {
    guard let file = fopen(path, "r") else { throw ServerProcessError(description: "cannot read \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}
