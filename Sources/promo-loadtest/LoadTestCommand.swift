import ArgumentParser
import NIOPosix
import PromoClient
import PromoWire

#if canImport(Glibc)
import Glibc
#endif

@main
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promo-loadtest",
        abstract: "Drives promo-server with pipelined calls and reports throughput and latency percentiles.",
        discussion: """
            Closed loop (the default): each connection keeps --depth calls in flight; a call's latency runs \
            from just before it is written to when its answer is matched.

            Open loop (--rate N): N calls per second in all, spread evenly over the connections, each sent at \
            its intended time whatever the server does; latency runs from the intended send time, so a stall \
            shows up in the percentiles instead of silently slowing the sender (coordinated omission). Each \
            connection has at most --depth calls outstanding (default 64): a call that finds them all busy is \
            sent late and counted as late; one still unsent when the run ends is counted as unsent.

            The tool creates its own campaign (and, for --codes unique, its own single-use codes) first. The \
            API key comes from --key or PROMO_API_KEY and needs a role that may create campaigns and make the \
            calls (manager or admin).

            Examples:
              promo-loadtest validate --connections 50 --duration 10
              promo-loadtest redeem --codes hot --hot-limit 1000 --connections 50 --requests 20000
              promo-loadtest redeem --codes unique --connections 50 --rate 10000 --duration 10
              promo-loadtest mixed --mix validate=90,redeem=10 --connections 50 --duration 10
              promo-loadtest generate --batch 1000000 --requests 1
            """)

    // MARK: - Every option of the tool (add new ones here, next to their neighbours)

    @Argument(help: "What to send: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: Scenario

    @Option(help: ArgumentHelp(
        "Server as HOST:PORT (default 127.0.0.1:7420). Several, comma-separated or repeated: connection i starts at "
            + "address i mod N and moves to the next when its connection fails.",
        valueName: "host:port[,host:port...]"))
    var server: [String] = []

    @Option(help: "Times each connection may move to the next --server address after losing its connection, in the closed loop (0: never).")
    var failoversMax = 16

    @Option(help: "API key (default: $PROMO_API_KEY).")
    var key: String?

    @Option(help: "Parallel connections.")
    var connections = 1

    @Option(help: "Calls in flight per connection: exactly, in the closed loop (default 1); at most, with --rate (default 64).")
    var depth: Int?

    @Option(help: "Open loop: total calls per second over all connections (absent: closed loop).")
    var rate: Double?

    @Option(help: "Measured seconds.")
    var duration = 5.0

    @Option(help: "Stop after this many measured calls in all (0: run for --duration; warm-up does not apply).")
    var requests: UInt64 = 0

    @Option(help: "Unmeasured seconds before measuring.")
    var warmup = 1.0

    @Option(help: "redeem and mixed: 'hot' (one shared code) or 'unique' (a single-use code per redemption).")
    var codes: CodeMode = .hot

    @Option(help: "With --codes hot: the campaign's redemption limit; the run then checks exactly this many succeed.")
    var hotLimit: UInt64?

    @Option(help: "With --codes unique: codes to prepare (default: enough for the run's expected redeems).")
    var uniqueCodes: UInt64?

    @Option(help: "mixed: weights of hello, validate, redeem and report, e.g. validate=90,redeem=10.")
    var mix = CallMix.defaultMix

    @Option(help: "Campaign to report on (report scenario; default: a new, empty campaign).")
    var campaign: String?

    @Option(help: "Codes per generate call.")
    var batch: UInt32 = 1_000

    @Option(help: "A call unanswered for this long counts as CLIENT_ERROR.")
    var callTimeoutMs = 30_000

    @Option(help: "Event-loop threads of the tool (its connections are spread over them).")
    var threads = LoadTestCommand.threadsDefault

    @Flag(help: "Print a progress line every second on stderr even when it is not a terminal.")
    var progress = false

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Option(help: "TLS: trust this PEM CA (default: $PROMO_TLS_CA).") var tlsCa: String?
    @Option(help: "TLS: PEM client certificate (default: $PROMO_TLS_CERT).") var tlsCert: String?
    @Option(help: "TLS: PEM key of --tls-cert (default: $PROMO_TLS_KEY).") var tlsKey: String?
    @Option(help: "TLS: name the server certificate must carry (default: $PROMO_TLS_SERVER_NAME).")
    var tlsServerName: String?

    // MARK: - Checks and the run

    func validate() throws {
        guard connections >= 1, connections <= 10_000 else { throw ValidationError("--connections must be 1...10000") }
        if let depth, depth < 1 || depth > 1_024 { throw ValidationError("--depth must be 1...1024") }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be > 0, --warmup >= 0") }
        guard callTimeoutMs >= 1 else { throw ValidationError("--call-timeout-ms must be >= 1") }
        guard failoversMax >= 0, failoversMax <= 1_000 else { throw ValidationError("--failovers-max must be 0...1000") }
        _ = try addresses()
        guard threads >= 1, threads <= 64 else { throw ValidationError("--threads must be 1...64") }
        if let rate {
            guard rate > 0, rate / Double(connections) <= 1_000_000 else {
                throw ValidationError("--rate must be > 0 and at most 1,000,000 per connection")
            }
        }
        let redeems = scenario == .redeem || (scenario == .mixed && mix.includes(.redeem))
        if hotLimit != nil {
            guard redeems, codes == .hot else { throw ValidationError("--hot-limit needs redeem or mixed (with redeem) and --codes hot") }
            guard hotLimit! >= 1 else { throw ValidationError("--hot-limit must be >= 1") }
        }
        if uniqueCodes != nil, !(redeems && codes == .unique) {
            throw ValidationError("--unique-codes needs redeem or mixed (with redeem) and --codes unique")
        }
        if scenario != .mixed, mix != CallMix.defaultMix { throw ValidationError("--mix applies to the mixed scenario only") }
        if campaign != nil, scenario != .report { throw ValidationError("--campaign applies to the report scenario only") }
    }

    func run() async throws {
        guard let apiKey = key ?? getenv("PROMO_API_KEY").map({ String(cString: $0) }) else {
            throw ValidationError("no API key: pass --key or set PROMO_API_KEY")
        }
        let clients = try await connectAll(apiKey: apiKey)
        let workload = try await WorkloadSetup(
            scenario: scenario, codes: codes, hotLimit: hotLimit, uniqueCodes: uniqueCodes ?? expectedRedeems,
            mix: mix, reportCampaign: campaign, batch: batch, apiKey: apiKey
        ).prepare(using: clients[0])

        let run = RunPlan(
            connections: clients.count, duration: duration, warmup: requests > 0 ? 0 : warmup, requests: requests)
        let live = LiveCounters()
        let showProgress = progress || isatty(2) == 1
        let outcome = await run.execute(clients: clients, live: live, showProgress: showProgress) { recorders, timeline in
            if let rate {
                await OpenLoopDriver(
                    clients: clients, recorders: recorders, workload: workload, plan: run, timeline: timeline, live: live,
                    rate: rate, outstandingMax: depth ?? OpenLoopDriver.outstandingDefault
                ).run()
            } else {
                await ClosedLoopDriver(
                    clients: clients, recorders: recorders, workload: workload, plan: run, timeline: timeline, live: live,
                    depth: depth ?? 1, failoversMax: failoversMax
                ).run()
            }
        }
        let checks = await RunChecks.evaluate(workload: workload, tally: outcome.tally, client: clients[0])
        let failovers = clients.reduce(0) { $0 + $1.failovers }
        for client in clients { await client.close() }

        let report = LoadReport(
            scenario: scenario.rawValue, mode: rate.map { .open(rate: $0) } ?? .closed, connections: clients.count,
            depth: depth ?? (rate == nil ? 1 : OpenLoopDriver.outstandingDefault), seconds: outcome.measuredSeconds,
            campaignId: workload.campaignId, tally: outcome.tally, checks: checks, failovers: failovers)
        print(json ? report.json : report.table)
        if checks.contains(where: { $0.state == .failed }) { throw ExitCode(1) }
    }

    /// The addresses of `--server`, in the order given.
    func addresses() throws(ValidationError) -> [ServerAddress] {
        do {
            return try ServerAddress.list(parsing: server.isEmpty ? ["127.0.0.1:7420"] : server)
        } catch {
            throw ValidationError("--server: \(error.message)")
        }
    }

    /// Opens and authenticates every connection (the place to add transport options such as TLS). Connection
    /// `i` starts at address `i mod N`, so the connections are spread over the servers; each moves on to the
    /// next address when its own fails. A lost call is never sent again (`sendAttemptsMax` 1): the tool counts
    /// it as CLIENT_ERROR instead of hiding it.
    func connectAll(apiKey: String) async throws -> [FailoverClient] {
        let addresses = try addresses()
        var configuration = ClientConfiguration()
        configuration.callTimeoutMs = callTimeoutMs
        configuration.tls = try ClientTLS.fromCommandLine(
            ca: tlsCa, certificate: tlsCert, key: tlsKey, serverName: tlsServerName)
        var policy = FailoverPolicy()
        policy.sendAttemptsMax = 1
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var clients: [FailoverClient] = []
        for index in 0..<connections {
            let first = index % addresses.count
            clients.append(try await FailoverClient.connect(
                to: Array(addresses[first...] + addresses[..<first]), apiKey: apiKey, clientName: "promo-loadtest",
                configuration: configuration, policy: policy, group: group))
        }
        return clients
    }

    /// One event-loop thread: the tool shares the machine with the server it measures, and one thread
    /// driving every connection (as `scripts/lib/loadc.c` does) costs less CPU per call than two taking turns
    /// on the same two cores (measured in docs/benchmarks.md). Raise it when the tool runs on a machine of its own.
    static let threadsDefault = 1

    /// Unique codes a run needs when --unique-codes is not given: its calls times the redeem share, with
    /// room to spare; a closed loop is assumed to reach at most 20,000 redeems per second.
    var expectedRedeems: UInt64 {
        let share = scenario == .mixed ? mix.share(of: .redeem) : 1
        let calls: Double
        if requests > 0 {
            calls = Double(requests)
        } else {
            calls = (rate ?? 20_000) * (duration + warmup) * 1.1
        }
        return max(1, UInt64((calls * share).rounded(.up)))
    }
}
