/// A plain-text table: a header row, aligned columns two spaces apart, numbers right-aligned.
struct Table {
    enum Alignment { case left, right }

    let headers: [String]
    let alignments: [Alignment]
    private(set) var rows: [[String]] = []

    /// Columns whose header ends in `>` are right-aligned (the `>` is not shown).
    init(_ headers: String...) {
        self.headers = headers.map { $0.hasSuffix(">") ? String($0.dropLast()) : $0 }
        self.alignments = headers.map { $0.hasSuffix(">") ? .right : .left }
    }

    mutating func add(_ cells: String...) {
        precondition(cells.count == headers.count, "a row needs one cell per column")
        rows.append(cells)
    }

    func rendered() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (column, cell) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                let last = column == cells.count - 1
                switch alignments[column] {
                case .left: text += last ? cell : cell + padding
                case .right: text += padding + cell
                }
                if !last { text += "  " }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    func print() {
        Swift.print(rendered())
    }
}

/// `label: value` lines with the values aligned.
struct Details {
    private var lines: [(String, String)] = []

    mutating func add(_ label: String, _ value: String) { lines.append((label, value)) }

    func rendered(indent: Int = 0) -> String {
        let width = lines.map(\.0.count).max() ?? 0
        let prefix = String(repeating: " ", count: indent)
        return lines.map { label, value in
            prefix + label + ":" + String(repeating: " ", count: width - label.count + 2) + value
        }.joined(separator: "\n")
    }
}

/// 1234567 → "1,234,567".
func grouped<T: BinaryInteger>(_ value: T) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { out += "," }
        out.append(character)
    }
    return value < 0 ? "-" + out : out
}

/// 0.1234 → "12.3%".
func percentText(_ fraction: Double) -> String {
    guard fraction.isFinite else { return "-" }
    let tenths = Int64((fraction * 1_000).rounded())
    return "\(tenths / 10).\(abs(tenths % 10))%"
}
