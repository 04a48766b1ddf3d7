/// A parsed JSON document, as the proto3 JSON mapping needs it: numbers keep their text (a 64-bit integer
/// must not pass through a Double), objects keep their members in order.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, as it appeared (`-12`, `1.5e3`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// "a string", "an object", …: what the value is, for error messages.
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let text): "the number \(text.prefix(32))"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The member named `key` of an object, if any.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}

/// Why a JSON body was refused: always names the field (or the position of a syntax error).
struct JSONError: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }

    static func wrongType(at path: String, expected: String, got value: JSONValue) -> JSONError {
        JSONError("field \(quoted(path)): expected \(expected), got \(value.kindDescription)")
    }

    static func unknownField(_ name: String, at path: String, in message: String) -> JSONError {
        let place = path.isEmpty ? message : "\(path) (\(message))"
        return JSONError("unknown field \(quoted(name)) in \(place)")
    }

    static func quoted(_ text: String) -> String {
        let clipped = text.utf8.count > 128 ? String(decoding: Array(text.utf8.prefix(128)), as: UTF8.self) + "…" : text
        return "\"" + clipped + "\""
    }
}

/// Field paths in error messages: `campaign.reward.amountMinor`, `codes[3].code`.
enum JSONPath {
    static func field(_ path: String, _ name: String) -> String { path.isEmpty ? name : path + "." + name }
    static func element(_ path: String, _ index: Int) -> String { path + "[\(index)]" }
}
