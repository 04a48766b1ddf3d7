import CoreMetrics
import PromoDomain
import PromoWire
import Prometheus
import Synchronization

/// Every metric one server exports, created once at start in the server's own registry.
///
/// The global `MetricsSystem` is never bootstrapped: tests run many servers in one process, and each must
/// count only its own traffic. The metric objects are swift-metrics values over Prometheus handlers; the hot
/// path reaches them by array index (RPC slot, status and verdict numbers), never by name or labels.
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry

    let openConnections: Meter
    let writeQueueDepth: Meter
    /// Connections closed for not reading their answers (`writeStallTimeoutMs`), and for sending
    /// `preHelloFramesMax` frames without a successful hello.
    let writeStallClosures: CoreMetrics.Counter
    let preHelloClosures: CoreMetrics.Counter
    private let outboundQueuedPeak: Meter
    private let outboundQueuedPeakBytesValue = Atomic<Int>(0)
    private let rpcs: [RPCMetrics]
    private let validateVerdicts: VerdictCounters
    private let redeemVerdicts: VerdictCounters
    private let commitBatchJobs: Recorder
    private let commitDuration: CoreMetrics.Timer
    /// How long writer jobs waited in the writer's queue: [interactive, bulk].
    private let writeQueueWait: [CoreMetrics.Timer]

    /// Latency buckets: 50 µs (a validate answered from memory) up to 10 s (a large generate chunk).
    static let durationBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10),
    ]
    /// Jobs per group commit: powers of two up to past `writeBatchMax`'s default.
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024, 4_096]

    /// The label for requests whose RPC is unknown: undecodable frames, or a request without a call.
    static let unknownRPC = "unknown"

    public init() {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        self.registry = registry

        // Slot i holds the metrics of the RPC whose `metricsSlot` is i; the slot after the last is `unknown`.
        var rpcs = [RPCMetrics?](repeating: nil, count: Operation.allCases.count + 1)
        for operation in Operation.allCases {
            precondition(rpcs.indices.contains(operation.metricsSlot) && rpcs[operation.metricsSlot] == nil,
                "Operation.metricsSlot must number the RPCs 0..<allCases.count, each once")
            rpcs[operation.metricsSlot] = RPCMetrics(rpc: operation.rawValue, registry: registry, factory: factory)
        }
        rpcs[Operation.allCases.count] = RPCMetrics(rpc: Self.unknownRPC, registry: registry, factory: factory)
        self.rpcs = rpcs.map { $0! }
        self.validateVerdicts = VerdictCounters(rpc: Operation.validate.rawValue, registry: registry, factory: factory)
        self.redeemVerdicts = VerdictCounters(rpc: Operation.redeem.rawValue, registry: registry, factory: factory)

        let batch = Self.name("commit_batch", "jobs", "Write jobs committed together by one group commit.")
        self.commitBatchJobs = Recorder(
            label: batch.name, dimensions: [], aggregate: true,
            handler: registry.makeValueHistogram(descriptor: batch, buckets: Self.batchBuckets), factory: factory)
        let commit = Self.name("commit_duration", "seconds", "Time to run, durably commit and answer one group-commit batch.")
        self.commitDuration = CoreMetrics.Timer(
            label: commit.name, dimensions: [],
            handler: registry.makeDurationHistogram(descriptor: commit, buckets: Self.durationBuckets), factory: factory)
        let wait = Self.name(
            "write_queue_wait", "seconds",
            "Time a write job waited in the group-commit writer's queue, by job class (interactive: redeems and single-row changes; bulk: slices of generate, import, failure flush, purge).")
        self.writeQueueWait = ["interactive", "bulk"].map { jobClass in
            CoreMetrics.Timer(
                label: wait.name, dimensions: [("class", jobClass)],
                handler: registry.makeDurationHistogram(
                    descriptor: wait, labels: [("class", jobClass)], buckets: Self.durationBuckets),
                factory: factory)
        }
        let queue = Self.name("write_queue_depth", "", "Write jobs left waiting when the writer took its last batch.")
        self.writeQueueDepth = Meter(
            label: queue.name, dimensions: [], handler: registry.makeGauge(descriptor: queue), factory: factory)
        let connections = Self.name("open_connections", "", "Open client connections on the protocol port.")
        self.openConnections = Meter(
            label: connections.name, dimensions: [], handler: registry.makeGauge(descriptor: connections),
            factory: factory)
        let closed = Self.name("connections_closed", "total", "Connections the server closed, by reason.")
        func closedCounter(_ reason: String) -> CoreMetrics.Counter {
            let labels = [("reason", reason)]
            return CoreMetrics.Counter(
                label: closed.name, dimensions: labels, handler: registry.makeCounter(descriptor: closed, labels: labels),
                factory: factory)
        }
        self.writeStallClosures = closedCounter("write_stall")
        self.preHelloClosures = closedCounter("pre_hello")
        let peak = Self.name(
            "outbound_queued_peak", "bytes",
            "Most answer bytes seen queued for one connection (not yet read by its peer) since start.")
        self.outboundQueuedPeak = Meter(
            label: peak.name, dimensions: [], handler: registry.makeGauge(descriptor: peak), factory: factory)
    }

    /// The most answer bytes seen queued for one connection since start (sampled while a connection is over
    /// `outboundBytesMax`; 0 if none ever was).
    public var outboundQueuedPeakBytes: Int { outboundQueuedPeakBytesValue.load(ordering: .relaxed) }

    func noteOutboundQueued(_ bytes: Int) {
        var seen = outboundQueuedPeakBytesValue.load(ordering: .relaxed)
        while bytes > seen {
            let (done, current) = outboundQueuedPeakBytesValue.compareExchange(
                expected: seen, desired: bytes, ordering: .relaxed)
            if done {
                outboundQueuedPeak.set(bytes)
                return
            }
            seen = current
        }
    }

    /// `promo_<metric>_<unit>`, with the `# HELP` text.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "promo", metricName: metric, unitName: unit, helpText: help)
    }

    /// The metrics of a request's RPC (`unknown` for a request without a call or one that did not decode).
    func rpc(for call: Request.Call?) -> RPCMetrics {
        guard let call else { return rpcs[rpcs.count - 1] }
        return rpcs[Operation(call).metricsSlot]
    }

    /// Counts the verdict of an answered validate or redeem; other results carry none.
    func countVerdict(of result: Response.Result) {
        switch result {
        // An explained validate (it carries checks) is support staff asking, not a game server's verdict.
        case .validate(let response) where response.checks.isEmpty: validateVerdicts.count(response.verdict)
        case .redeem(let response): redeemVerdicts.count(response.verdict)
        default: break
        }
    }

    /// One commit of write work, as the store reports it (`StorageObserver.committed`).
    func recordCommit(_ commit: CommitReport) {
        commitBatchJobs.record(commit.jobs)
        commitDuration.recordNanoseconds(commit.nanoseconds)
        writeQueueDepth.set(commit.queuedBehind)
    }

    /// How long a unit of write work waited for its turn, by class (`StorageObserver.waited`).
    func recordWriteWait(_ work: WorkClass, nanoseconds: UInt64) {
        writeQueueWait[work == .interactive ? 0 : 1].recordNanoseconds(nanoseconds)
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 * 1_024)
        registry.emit(into: &buffer)
        return buffer
    }
}

/// One RPC's request counters (one per status code) and its latency histogram.
final class RPCMetrics: Sendable {
    /// Indexed by `StatusCode.rawValue`; the last entry counts codes without a name.
    private let requests: [CoreMetrics.Counter]
    private let latency: CoreMetrics.Timer

    init(rpc: String, registry: PrometheusCollectorRegistry, factory: PrometheusMetricsFactory) {
        let name = ServerMetrics.name("requests", "total", "Requests answered, by RPC and status code.")
        let largest = Int(PromoWire.StatusCode.names.keys.max() ?? 0)
        func counter(_ status: String) -> CoreMetrics.Counter {
            let labels = [("rpc", rpc), ("status", status)]
            return CoreMetrics.Counter(
                label: name.name, dimensions: labels,
                handler: registry.makeCounter(descriptor: name, labels: labels), factory: factory)
        }
        let other = counter("OTHER")
        var requests = (0...largest).map { code in PromoWire.StatusCode.names[Int32(code)].map(counter) ?? other }
        requests.append(other)
        self.requests = requests

        let latencyName = ServerMetrics.name(
            "request_duration", "seconds", "Time from a request's frame being decoded to its answer being written.")
        let labels = [("rpc", rpc)]
        self.latency = CoreMetrics.Timer(
            label: latencyName.name, dimensions: labels,
            handler: registry.makeDurationHistogram(
                descriptor: latencyName, labels: labels, buckets: ServerMetrics.durationBuckets),
            factory: factory)
    }

    /// One counter increment and one histogram record: the whole per-request cost.
    func answered(_ status: PromoWire.StatusCode, startedNs: UInt64, nowNs: UInt64) {
        let index = Int(status.rawValue)
        requests[index >= 0 && index < requests.count ? index : requests.count - 1].increment()
        latency.recordNanoseconds(nowNs &- startedNs)
    }
}

/// Verdict counters of one RPC, indexed by `Verdict.rawValue`; the last counts verdicts without a name.
final class VerdictCounters: Sendable {
    private let counters: [CoreMetrics.Counter]

    init(rpc: String, registry: PrometheusCollectorRegistry, factory: PrometheusMetricsFactory) {
        let name = ServerMetrics.name("verdicts", "total", "Verdicts of answered validate and redeem requests.")
        func counter(_ verdict: String) -> CoreMetrics.Counter {
            let labels = [("rpc", rpc), ("verdict", verdict)]
            return CoreMetrics.Counter(
                label: name.name, dimensions: labels,
                handler: registry.makeCounter(descriptor: name, labels: labels), factory: factory)
        }
        let largest = Int(PromoWire.Verdict.names.keys.max() ?? 0)
        let other = counter("OTHER")
        var counters = (0...largest).map { verdict in PromoWire.Verdict.names[Int32(verdict)].map(counter) ?? other }
        counters.append(other)
        self.counters = counters
    }

    func count(_ verdict: PromoWire.Verdict) {
        let index = Int(verdict.rawValue)
        counters[index >= 0 && index < counters.count ? index : counters.count - 1].increment()
    }
}

extension Operation {
    // Exhaustive on purpose: a new RPC must get its own slot here (the next free number; the server checks
    // at start that the slots are 0..<allCases.count, each used once).
    /// The RPC's index into the server's per-RPC metrics, found without hashing or searching.
    var metricsSlot: Int {
        switch self {
        case .hello: 0
        case .validate: 1
        case .redeem: 2
        case .generate: 3
        case .report: 4
        case .createCampaign: 5
        case .updateCampaign: 6
        case .getCampaign: 7
        case .listCampaigns: 8
        case .importCodes: 9
        case .exportCodes: 10
        case .setCodeStatus: 11
        case .voidRedemption: 12
        case .rewardHistory: 13
        case .createApiKey: 14
        case .revokeApiKey: 15
        case .listApiKeys: 16
        case .check: 17
        case .backup: 18
        case .fetchBackup: 19
        case .auditLog: 20
        case .getCode: 21
        case .validateExplain: 22
        case .createGroup: 23
        case .getGroup: 24
        case .listGroups: 25
        case .updateGroup: 26
        case .offers: 27
        case .blockUser: 28
        case .unblockUser: 29
        case .listBlocks: 30
        case .compareCampaigns: 31
        case .grantReward: 32
        }
    }
}
