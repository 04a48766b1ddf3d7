import Histogram
import PromoWire

/// One closed-loop connection's figures, kept by its handler on its event loop with no lock and no string:
/// a histogram per kind of call and outcome counts keyed by numbers. Turned into a `Tally` (names as keys)
/// once, after the run. Recording a call is a histogram increment and one integer-keyed dictionary bump.
struct ConnectionTally {
    struct OutcomeKey: Hashable {
        let kind: CallKind
        /// nil: no answer (CLIENT_ERROR).
        let status: Int32?
        let verdict: Int32?
        let measured: Bool
    }

    private var histograms: [Histogram<UInt64>?] = Array(repeating: nil, count: CallKind.allCases.count)
    private var outcomes: [OutcomeKey: UInt64] = [:]
    /// The outcome of the last calls and how many in a row had it, not yet in `outcomes`: a run mostly repeats
    /// one outcome, which then costs a comparison instead of a dictionary lookup.
    private var lastOutcome: OutcomeKey?
    private var lastOutcomeCount: UInt64 = 0

    mutating func record(kind: CallKind, status: Int32?, verdict: Int32?, micros: UInt64, measured: Bool) {
        let key = OutcomeKey(kind: kind, status: status, verdict: verdict, measured: measured)
        if key == lastOutcome {
            lastOutcomeCount += 1
        } else {
            if let lastOutcome { outcomes[lastOutcome, default: 0] += lastOutcomeCount }
            lastOutcome = key
            lastOutcomeCount = 1
        }
        guard measured else { return }
        let index = kind.index
        if histograms[index] == nil { histograms[index] = Tally.emptyHistogram() }
        _ = histograms[index]!.record(max(1, micros))
    }

    /// The same figures as `Tally.record` would have kept, call by call.
    var tally: Tally {
        var tally = Tally()
        for (index, histogram) in histograms.enumerated() {
            if let histogram { tally.latencyMicros[CallKind.allCases[index]] = histogram }
        }
        var outcomes = outcomes
        if let lastOutcome { outcomes[lastOutcome, default: 0] += lastOutcomeCount }
        for (key, count) in outcomes {
            let statusName = key.status.map { StatusCode(rawValue: $0).description } ?? "CLIENT_ERROR"
            let verdictName = key.verdict.map { Verdict(rawValue: $0).description }
            tally.everyOutcome[key.kind, default: [:]][verdictName ?? statusName, default: 0] += count
            guard key.measured else { continue }
            tally.statuses[statusName, default: 0] += count
            if let verdictName { tally.verdicts[key.kind, default: [:]][verdictName, default: 0] += count }
        }
        return tally
    }
}

extension CallKind {
    /// Position in `allCases`, for arrays indexed by kind.
    var index: Int {
        switch self {
        case .hello: 0
        case .validate: 1
        case .redeem: 2
        case .generate: 3
        case .report: 4
        }
    }
}
