import NIOCore
import PromoStore

/// How one column travels from a SQLite row to PostgreSQL's `COPY … FROM STDIN` text format: what SQLite
/// stores and what the PostgreSQL column's type reads.
enum CopyColumnKind: Sendable {
    /// INTEGER → bigint (or integer).
    case int
    /// INTEGER or NULL → bigint.
    case optionalInt
    /// TEXT → text.
    case text
    /// TEXT or NULL → text.
    case optionalText
    /// INTEGER 0/1 → boolean.
    case bool
    /// BLOB → bytea.
    case blob
    /// TEXT of newline-separated items (PromoStore's list columns: segments, countries) → text[].
    case lineList
}

struct CopyColumn: Sendable {
    let name: String
    let kind: CopyColumnKind

    init(_ name: String, _ kind: CopyColumnKind = .text) {
        self.name = name
        self.kind = kind
    }
}

/// Writes values in COPY's text format: columns separated by a tab, rows ended by a newline, `\N` for NULL, and
/// a backslash, tab, newline or carriage return inside a value escaped with a backslash.
enum CopyText {
    static func appendRow(_ row: Statement, columns: [CopyColumn], to buffer: inout ByteBuffer) {
        for (index, column) in columns.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            append(row, column: Int32(index), kind: column.kind, to: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    private static func append(_ row: Statement, column: Int32, kind: CopyColumnKind, to buffer: inout ByteBuffer) {
        switch kind {
        case .int:
            buffer.writeString(String(row.int64(column)))
        case .optionalInt:
            if row.isNull(column) { writeNull(&buffer) } else { buffer.writeString(String(row.int64(column))) }
        case .text:
            appendEscaped(row.string(column), to: &buffer)
        case .optionalText:
            if row.isNull(column) { writeNull(&buffer) } else { appendEscaped(row.string(column), to: &buffer) }
        case .bool:
            buffer.writeInteger(UInt8(ascii: row.int64(column) != 0 ? "t" : "f"))
        case .blob:
            // bytea's hex input `\x…`, its backslash doubled for COPY.
            buffer.writeString("\\\\x")
            for byte in row.bytes(column) {
                buffer.writeInteger(hexDigits[Int(byte >> 4)])
                buffer.writeInteger(hexDigits[Int(byte & 0x0f)])
            }
        case .lineList:
            let text = row.string(column)
            let items = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            appendEscaped(arrayLiteral(items), to: &buffer)
        }
    }

    /// A text[] literal: every item double-quoted, with `"` and `\` inside escaped by a backslash.
    static func arrayLiteral(_ items: [String]) -> String {
        var literal = "{"
        for (index, item) in items.enumerated() {
            if index > 0 { literal += "," }
            literal += "\""
            for character in item {
                if character == "\"" || character == "\\" { literal += "\\" }
                literal.append(character)
            }
            literal += "\""
        }
        return literal + "}"
    }

    static func appendEscaped(_ text: String, to buffer: inout ByteBuffer) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    private static func writeNull(_ buffer: inout ByteBuffer) {
        buffer.writeStaticString("\\N")
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
