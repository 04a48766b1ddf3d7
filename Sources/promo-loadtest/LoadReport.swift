import Histogram

/// The figures of one run, as a readable table or as one JSON object with the same data.
struct LoadReport {
    enum Mode {
        case closed
        case open(rate: Double)
    }

    let scenario: String
    let mode: Mode
    let connections: Int
    /// Closed loop: calls in flight per connection; open loop: the most outstanding per connection.
    let depth: Int
    let seconds: Double
    let campaignId: String?
    let tally: Tally
    let checks: [RunCheck]
    /// Times a connection moved to the next --server address after losing its own.
    let failovers: Int

    private static let percentileLevels: [(name: String, level: Double)] = [
        ("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9),
    ]

    private static func latency(_ histogram: Histogram<UInt64>) -> [(String, UInt64)] {
        guard histogram.totalCount > 0 else { return [] }
        return percentileLevels.map { ($0.name, histogram.valueAtPercentile($0.level)) } + [("max", histogram.max)]
    }

    private var throughput: Double { Double(tally.measuredCalls) / seconds }

    private var kinds: [CallKind] { tally.latencyMicros.keys.sorted() }

    // MARK: - Table

    var table: String {
        let modeText: String
        switch mode {
        case .closed: modeText = "closed loop, \(connections) connection(s) × depth \(depth)"
        case .open(let rate):
            modeText = "open loop at \(Format.grouped(UInt64(rate.rounded()))) calls/s, \(connections) connection(s), at most \(depth) outstanding each"
        }
        var lines = [
            "scenario \(scenario): \(modeText), \(Format.fixed(seconds, digits: 2)) s measured",
            "calls        \(Format.grouped(tally.measuredCalls))",
            "throughput   \(Format.grouped(UInt64(throughput.rounded()))) calls/s",
            "latency µs   " + Self.latencyText(tally.overallLatency)
                + (Self.isOpen(mode) ? "  (from the intended send time)" : ""),
        ]
        if kinds.count > 1 {
            for kind in kinds {
                let histogram = tally.latencyMicros[kind]!
                lines.append("  \(kind.rawValue.padding(10))\(Format.grouped(histogram.totalCount)) calls: " + Self.latencyText(histogram))
            }
        }
        lines.append("statuses     " + Self.countsText(tally.statuses))
        let errors = tally.errors
        lines.append("errors       \(Format.grouped(errors))" + (errors > 0 ? " (" + Self.countsText(tally.statuses.filter { $0.key != "OK" }) + ")" : ""))
        for kind in tally.verdicts.keys.sorted() {
            lines.append("verdicts     \(kind.rawValue): " + Self.countsText(tally.verdicts[kind]!))
        }
        if Self.isOpen(mode) {
            lines.append("late         \(Format.grouped(tally.late)) (sent after their time: every slot of the connection was busy)")
            lines.append("unsent       \(Format.grouped(tally.unsent)) (due before the end, never sent)")
            lines.append("send lag µs  " + Self.latencyText(tally.sendLagMicros) + "  (intended time to write; part of the latency)")
        }
        if failovers > 0 { lines.append("failovers    \(failovers) (connections moved to the next --server address)") }
        if let campaignId { lines.append("campaign     \(campaignId)") }
        for check in checks {
            lines.append("check        \(check.name) \(check.state.rawValue.uppercased()): \(check.message)")
        }
        return lines.joined(separator: "\n")
    }

    private static func isOpen(_ mode: Mode) -> Bool {
        if case .open = mode { return true }
        return false
    }

    private static func latencyText(_ histogram: Histogram<UInt64>) -> String {
        let values = latency(histogram)
        return values.isEmpty ? "none measured" : values.map { "\($0.0)=\(Format.grouped($0.1))" }.joined(separator: " ")
    }

    private static func countsText(_ counts: [String: UInt64]) -> String {
        counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key)=\(Format.grouped($0.value))" }.joined(separator: " ")
    }

    // MARK: - JSON

    var json: String {
        var fields: [(String, JSONText)] = [
            ("scenario", .string(scenario)),
        ]
        switch mode {
        case .closed: fields += [("mode", .string("closed")), ("rate", .null)]
        case .open(let rate): fields += [("mode", .string("open")), ("rate", .number(rate))]
        }
        fields += [
            ("connections", .integer(UInt64(connections))), ("depth", .integer(UInt64(depth))),
            ("seconds", .number(seconds)), ("calls", .integer(tally.measuredCalls)),
            ("throughput", .integer(UInt64(throughput.rounded()))),
            ("latency_us", Self.latencyJSON(tally.overallLatency)),
            ("by_kind", .object(kinds.map { kind in
                let histogram = tally.latencyMicros[kind]!
                return (kind.rawValue, .object([("calls", .integer(histogram.totalCount)), ("latency_us", Self.latencyJSON(histogram))]))
            })),
            ("statuses", Self.countsJSON(tally.statuses)),
            ("errors", .integer(tally.errors)),
            ("verdicts", .object(tally.verdicts.keys.sorted().map { ($0.rawValue, Self.countsJSON(tally.verdicts[$0]!)) })),
            ("late", .integer(tally.late)), ("unsent", .integer(tally.unsent)),
            ("send_lag_us", Self.latencyJSON(tally.sendLagMicros)),
            ("failovers", .integer(UInt64(failovers))),
            ("campaign_id", campaignId.map { .string($0) } ?? .null),
            ("checks", .array(checks.map { check in
                .object([("name", .string(check.name)), ("state", .string(check.state.rawValue)), ("message", .string(check.message))])
            })),
        ]
        return JSONText.object(fields).rendered
    }

    private static func latencyJSON(_ histogram: Histogram<UInt64>) -> JSONText {
        .object(latency(histogram).map { ($0.0, .integer($0.1)) })
    }

    private static func countsJSON(_ counts: [String: UInt64]) -> JSONText {
        .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .integer($0.value)) })
    }
}

/// Just enough JSON to print one object, keys in the order given.
indirect enum JSONText {
    case string(String)
    case integer(UInt64)
    case number(Double)
    case null
    case array([JSONText])
    case object([(String, JSONText)])

    var rendered: String {
        switch self {
        case .string(let text): Self.quoted(text)
        case .integer(let value): String(value)
        case .number(let value): value.isFinite ? "\(value)" : "null"
        case .null: "null"
        case .array(let items): "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case .object(let fields): "{" + fields.map { Self.quoted($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
