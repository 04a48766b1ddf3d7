import ArgumentParser
import Histogram
import PromoClient
import PromoWire
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

@main
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promo-loadtest",
        abstract: "Drives promo-server with pipelined calls and reports throughput and latency percentiles.",
        discussion: """
            Closed loop: each connection keeps --depth calls in flight; a call's latency runs from just before \
            it is written to when its answer is matched. The API key comes from --key or PROMO_API_KEY.
            """)

    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        /// Authenticated round trips with no storage work: the protocol and server floor.
        case hello
        /// Read-only checks of one shared code by ever-new users.
        case validate
        /// Durable redemptions of one shared, unlimited code by ever-new users (the hot-code case).
        case redeem
        /// Batches of --batch unique codes from the default pattern, each durable before it is answered.
        case generate
        /// Whole-campaign reports of --campaign (for example one that an earlier redeem run filled).
        case report
    }

    @Argument(help: "What to send: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: Scenario

    @Option(help: "Server as HOST:PORT.")
    var server = "127.0.0.1:7420"

    @Option(help: "API key (default: $PROMO_API_KEY).")
    var key: String?

    @Option(help: "Parallel connections.")
    var connections = 1

    @Option(help: "Calls in flight per connection (pipeline depth).")
    var depth = 1

    @Option(help: "Measured seconds.")
    var duration = 5.0

    @Option(help: "Stop after this many measured calls in all (0: run for --duration).")
    var requests: UInt64 = 0

    @Option(help: "Unmeasured seconds before measuring.")
    var warmup = 1.0

    @Option(help: "Campaign to report on (report scenario).")
    var campaign: String?

    @Option(help: "Codes per generate call.")
    var batch: UInt32 = 1_000

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Option(help: "TLS: trust this PEM CA (default: $PROMO_TLS_CA).") var tlsCa: String?
    @Option(help: "TLS: PEM client certificate (default: $PROMO_TLS_CERT).") var tlsCert: String?
    @Option(help: "TLS: PEM key of --tls-cert (default: $PROMO_TLS_KEY).") var tlsKey: String?
    @Option(help: "TLS: name the server certificate must carry (default: $PROMO_TLS_SERVER_NAME).")
    var tlsServerName: String?

    func validate() throws {
        guard connections >= 1, connections <= 10_000 else { throw ValidationError("--connections must be 1...10000") }
        guard depth >= 1, depth <= 1_024 else { throw ValidationError("--depth must be 1...1024") }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be > 0, --warmup >= 0") }
    }

    func run() async throws {
        guard let apiKey = key ?? getenv("PROMO_API_KEY").map({ String(cString: $0) }) else {
            throw ValidationError("no API key: pass --key or set PROMO_API_KEY")
        }
        let parts = server.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--server must be HOST:PORT") }
        let host = String(parts[0])

        var clientConfiguration = ClientConfiguration()
        clientConfiguration.tls = try ClientTLS.fromCommandLine(
            ca: tlsCa, certificate: tlsCert, key: tlsKey, serverName: tlsServerName)
        var clients: [PromoClient] = []
        for _ in 0..<connections {
            let client = try await PromoClient.connect(host: host, port: port, configuration: clientConfiguration)
            _ = try await client.hello(apiKey: apiKey, clientName: "promo-loadtest")
            clients.append(client)
        }
        let makeCall: @Sendable (UInt64) -> Request.Call
        if scenario == .report {
            guard let campaign else { throw ValidationError("the report scenario needs --campaign") }
            makeCall = { _ in .report(.with { $0.campaignId = campaign }) }
        } else {
            makeCall = try await Self.prepare(scenario, client: clients[0], apiKey: apiKey, batch: batch)
        }
        let clock = ContinuousClock()
        let measureFrom = clock.now + .seconds(warmup)
        let stopAt = measureFrom + .seconds(duration)

        let began = clock.now
        let result = await withTaskGroup(of: WorkerResult.self) { group in
            for client in clients {
                for _ in 0..<depth {
                    group.addTask {
                        await Self.worker(
                            client: client, makeCall: makeCall, measureFrom: measureFrom, stopAt: stopAt, requests: requests)
                    }
                }
            }
            var total = WorkerResult()
            for await partial in group { total.merge(partial) }
            return total
        }
        for client in clients { await client.close() }

        let report = LoadReport(
            scenario: scenario.rawValue, connections: connections, depth: depth,
            seconds: requests > 0 ? Self.seconds(clock.now - began) : duration, result: result)
        print(json ? report.json : report.table)
    }

    /// Creates what the scenario needs (a campaign and its code) and returns the call for the n-th request.
    static func prepare(_ scenario: Scenario, client: PromoClient, apiKey: String, batch: UInt32) async throws
        -> @Sendable (UInt64) -> Request.Call
    {
        var generator = SystemRandomNumberGenerator()
        let runId = generator.next() as UInt64
        switch scenario {
        case .hello, .report:
            let call = Request.Call.hello(HelloRequest(apiKey: apiKey, clientName: "promo-loadtest"))
            return { _ in call }
        case .validate, .redeem, .generate:
            let code = "LOAD" + String(runId % 1_000_000_000_000, radix: 36).uppercased()
            let created = try await client.call(
                .createCampaign(.with {
                    $0.code = code
                    $0.campaign = .with { campaign in
                        campaign.name = "promo-loadtest \(code)"
                        campaign.kind = .other
                        campaign.active = true
                        campaign.reward = .with { $0.kind = .bonus; $0.amountMinor = 500; $0.currency = "EUR" }
                    }
                }))
            guard case .createCampaign(let answer) = created, let campaignId = answer.campaign?.id else {
                throw ValidationError("create_campaign answered without a campaign")
            }
            if scenario == .generate {
                return { _ in .generate(.with { $0.campaignId = campaignId; $0.count = batch }) }
            }
            FileHandleOutput.standardError("campaign \(campaignId)")
            let prefix = "load-\(runId)-"
            if scenario == .validate {
                return { n in .validate(.with { $0.code = code; $0.user = .with { $0.userId = prefix + String(n % 100_000) } }) }
            }
            return { n in .redeem(.with { $0.code = code; $0.user = .with { $0.userId = prefix + String(n) } }) }
        }
    }

    /// One pipelined slot: sends, waits for the answer, records, repeats until `stopAt`.
    static func worker(
        client: PromoClient, makeCall: @Sendable (UInt64) -> Request.Call, measureFrom: ContinuousClock.Instant,
        stopAt: ContinuousClock.Instant, requests: UInt64
    ) async -> WorkerResult {
        var result = WorkerResult()
        let clock = ContinuousClock()
        while true {
            let start = clock.now
            if requests > 0 {
                // A call budget instead of a deadline (warm-up does not apply).
                guard Budget.take(requests) else { break }
            } else if start >= stopAt {
                break
            }
            let status: String
            do {
                let response = try await client.send(makeCall(Sequence.next()))
                status = Self.outcome(response)
            } catch {
                status = "CLIENT_ERROR"
            }
            guard requests > 0 || start >= measureFrom else { continue }
            let elapsed = clock.now - start
            let micros = UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
            _ = result.latencyMicros.record(max(micros, 1))
            result.statuses[status, default: 0] += 1
        }
        return result
    }
}

extension LoadTestCommand {
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The status, or for validate and redeem the verdict, so refusals are visible in the report.
    static func outcome(_ response: Response) -> String {
        switch response.result {
        case .validate(let answer): "VERDICT_\(answer.verdict)"
        case .redeem(let answer): "VERDICT_\(answer.verdict)"
        case .generate(let answer): answer.generated > 0 ? "GENERATED" : "EMPTY"
        default: response.status.code.description
        }
    }
}

enum FileHandleOutput {
    /// A line on standard error (fd 2), so stdout stays one table or one JSON object.
    static func standardError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}

/// The calls left when running with --requests.
enum Budget {
    private static let taken = Atomic<UInt64>(0)
    static func take(_ limit: UInt64) -> Bool { taken.add(1, ordering: .relaxed).oldValue < limit }
}

/// Request numbers shared by every worker, so each redeem uses a user never seen before.
enum Sequence {
    private static let counter = Atomic<UInt64>(0)
    static func next() -> UInt64 { counter.add(1, ordering: .relaxed).oldValue }
}

struct WorkerResult {
    var latencyMicros = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var statuses: [String: Int] = [:]

    mutating func merge(_ other: WorkerResult) {
        latencyMicros.add(other.latencyMicros)
        statuses.merge(other.statuses, uniquingKeysWith: +)
    }
}

struct LoadReport {
    let scenario: String
    let connections: Int
    let depth: Int
    let seconds: Double
    let result: WorkerResult

    private var percentiles: [(String, UInt64)] {
        let h = result.latencyMicros
        return [
            ("p50", h.valueAtPercentile(50)), ("p90", h.valueAtPercentile(90)), ("p99", h.valueAtPercentile(99)),
            ("p99.9", h.valueAtPercentile(99.9)), ("max", h.max),
        ]
    }

    private var throughput: Double { Double(result.latencyMicros.totalCount) / seconds }

    var table: String {
        var lines = [
            "scenario \(scenario): \(connections) connection(s) x depth \(depth), \(seconds) s",
            "calls        \(result.latencyMicros.totalCount)",
            "throughput   \(Int(throughput.rounded())) calls/s",
        ]
        lines.append("latency µs   " + percentiles.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        lines.append("statuses     " + result.statuses.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        return lines.joined(separator: "\n")
    }

    var json: String {
        let latency = percentiles.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
        let statuses = result.statuses.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        return """
            {"scenario":"\(scenario)","connections":\(connections),"depth":\(depth),"seconds":\(seconds),\
            "calls":\(result.latencyMicros.totalCount),"throughput":\(Int(throughput.rounded())),\
            "latency_us":{\(latency)},"statuses":{\(statuses)}}
            """
    }
}
