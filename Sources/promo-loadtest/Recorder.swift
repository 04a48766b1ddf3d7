import Histogram
import PromoWire
import Synchronization

/// What came back for one call.
struct Outcome: Sendable {
    /// The transport status; nil when no answer arrived (closed connection, timeout): CLIENT_ERROR.
    let status: StatusCode?
    /// The verdict of an answered validate or redeem.
    let verdict: Verdict?

    static let clientError = Outcome(status: nil, verdict: nil)

    init(status: StatusCode?, verdict: Verdict?) {
        self.status = status
        self.verdict = verdict
    }

    init(_ response: Response) {
        status = response.status.code
        switch response.result {
        case .validate(let answer): verdict = answer.verdict
        case .redeem(let answer): verdict = answer.verdict
        default: verdict = nil
        }
    }

    var isError: Bool { status != .ok }
    var statusName: String { status?.description ?? "CLIENT_ERROR" }
}

/// Everything one run measured; tallies of several connections merge into one.
struct Tally: Sendable {
    /// Latency in microseconds per kind of call, measured calls only.
    var latencyMicros: [CallKind: Histogram<UInt64>] = [:]
    /// Measured calls by transport status name (OK, UNAVAILABLE, …, CLIENT_ERROR).
    var statuses: [String: UInt64] = [:]
    /// Measured answered validates and redeems by kind and verdict.
    var verdicts: [CallKind: [String: UInt64]] = [:]
    /// Every answered call, warm-up included, by kind and verdict (or status when it has none): what a
    /// limit check must count, since warm-up redemptions consume the limit too.
    var everyOutcome: [CallKind: [String: UInt64]] = [:]
    /// Open loop: calls sent after their intended time because the connection had no free slot.
    var late: UInt64 = 0
    /// Open loop: calls whose intended time fell inside the run but that were never sent.
    var unsent: UInt64 = 0
    /// Open loop, measured calls: microseconds from the intended send time to the write (the tool's own
    /// wake-up delay plus any wait for a free slot), already part of the latency.
    var sendLagMicros = Tally.emptyHistogram()

    static func emptyHistogram() -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    mutating func record(kind: CallKind, outcome: Outcome, micros: UInt64, measured: Bool) {
        let name = outcome.verdict?.description ?? outcome.statusName
        everyOutcome[kind, default: [:]][name, default: 0] += 1
        guard measured else { return }
        _ = latencyMicros[kind, default: Self.emptyHistogram()].record(micros)
        statuses[outcome.statusName, default: 0] += 1
        if let verdict = outcome.verdict {
            verdicts[kind, default: [:]][verdict.description, default: 0] += 1
        }
    }

    mutating func merge(_ other: Tally) {
        for (kind, histogram) in other.latencyMicros { latencyMicros[kind, default: Self.emptyHistogram()].add(histogram) }
        statuses.merge(other.statuses, uniquingKeysWith: +)
        for (kind, counts) in other.verdicts { verdicts[kind, default: [:]].merge(counts, uniquingKeysWith: +) }
        for (kind, counts) in other.everyOutcome { everyOutcome[kind, default: [:]].merge(counts, uniquingKeysWith: +) }
        late += other.late
        unsent += other.unsent
        sendLagMicros.add(other.sendLagMicros)
    }

    /// All kinds together.
    var overallLatency: Histogram<UInt64> {
        var total = Self.emptyHistogram()
        for histogram in latencyMicros.values { total.add(histogram) }
        return total
    }

    var measuredCalls: UInt64 { latencyMicros.values.reduce(0) { $0 + $1.totalCount } }
    var errors: UInt64 { statuses.filter { $0.key != "OK" }.reduce(0) { $0 + $1.value } }
}

/// One connection's tally, shared by that connection's in-flight calls (one histogram set per
/// connection, not per call slot, keeps memory small with thousands of open-loop slots).
final class Recorder: Sendable {
    private let tally = Mutex(Tally())

    init() {}

    func record(kind: CallKind, outcome: Outcome, micros: UInt64, measured: Bool) {
        tally.withLock { $0.record(kind: kind, outcome: outcome, micros: micros, measured: measured) }
    }

    func merge(_ other: Tally) { tally.withLock { $0.merge(other) } }

    func countLate() { tally.withLock { $0.late += 1 } }
    func recordSendLag(micros: UInt64) { tally.withLock { _ = $0.sendLagMicros.record(micros) } }
    func countUnsent(_ calls: UInt64) { tally.withLock { $0.unsent += calls } }

    var snapshot: Tally { tally.withLock { $0 } }
}

/// Run-wide counters for the progress line, cheap enough to bump on every call.
final class LiveCounters: Sendable {
    let calls = AtomicCounter()
    let errors = AtomicCounter()
    let late = AtomicCounter()

    init() {}
}
