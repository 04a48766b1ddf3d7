import PromoWire

// The proto3 JSON mapping (https://protobuf.dev/programming-guides/json/) for the values of PromoWire, as far
// as promo.proto uses it. Generated/JSON+Messages.swift (scripts/gen-proto) conforms every message and enum;
// this file holds the rules every field shares:
// - names: output lowerCamelCase; input accepts lowerCamelCase or the .proto's snake_case name;
// - 64-bit integers: output as decimal strings; input a string or a number; 32-bit integers: output numbers;
// - enums: output the value's full .proto name (`VERDICT_OK`), a number when the value is unknown to this build;
//   input the name or the number;
// - bytes: output standard base64 with padding; input standard or URL-safe, padding optional;
// - double/float: numbers, or "NaN", "Infinity", "-Infinity";
// - default values (0, "", false, empty lists, the enum's zero, absent messages) are omitted on output;
//   `null` on input means the default; unknown fields are refused, naming the field.

/// A message with a proto3 JSON form.
protocol ProtoJSONMessage: WireMessage {
    /// Decodes the JSON object `json` found at `path` (the field path, for error messages; "" at the top).
    init(json: JSONValue, at path: String) throws(JSONError)
    func writeJSON(to writer: inout JSONWriter)
}

/// An enum with its proto3 JSON names (the full .proto names).
protocol ProtoJSONEnum: OpenEnum {
    static var jsonNames: [Int32: String] { get }
    static var jsonNumbers: [String: Int32] { get }
}

extension ProtoJSONMessage {
    /// The compact JSON text of this message.
    func jsonBytes() -> [UInt8] {
        var writer = JSONWriter()
        writeJSON(to: &writer)
        return writer.bytes
    }

    init(jsonBytes: [UInt8]) throws(JSONError) {
        try self.init(json: try JSONParser.parse(jsonBytes), at: "")
    }
}

extension JSONValue {
    /// The members of an object (none for `null`), for a message named `message` at `path`.
    func members(at path: String, of message: String) throws(JSONError) -> [(key: String, value: JSONValue)] {
        switch self {
        case .object(let members): return members
        case .null: return []
        default:
            if path.isEmpty { throw JSONError("the body must be a JSON object (\(message)), got \(kindDescription)") }
            throw JSONError.wrongType(at: path, expected: "an object (\(message))", got: self)
        }
    }

    func string(at path: String) throws(JSONError) -> String {
        switch self {
        case .string(let value): return value
        case .null: return ""
        default: throw JSONError.wrongType(at: path, expected: "a string", got: self)
        }
    }

    func bool(at path: String) throws(JSONError) -> Bool {
        switch self {
        case .bool(let value): return value
        case .null: return false
        default: throw JSONError.wrongType(at: path, expected: "true or false", got: self)
        }
    }

    /// An integer field: a JSON number or a decimal string, exact and in `T`'s range.
    func integer<T: FixedWidthInteger>(_ type: T.Type, at path: String) throws(JSONError) -> T {
        let text: String
        switch self {
        case .number(let number): text = number
        case .string(let string): text = string
        case .null: return 0
        default: throw JSONError.wrongType(at: path, expected: "an integer (a number or a decimal string)", got: self)
        }
        if !text.hasPrefix("+"), let value = T(text, radix: 10) { return value }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let isIntegerLiteral = !digits.isEmpty && digits.utf8.allSatisfy { (0x30...0x39).contains($0) }
        // 1e3 and 5.0 are integers too; 1.5, "12abc" and anything out of range are not.
        let isNumberLiteral = !text.isEmpty && text.utf8.allSatisfy { "0123456789.eE+-".utf8.contains($0) }
        if !isIntegerLiteral, isNumberLiteral, let double = Double(text), double.isFinite, double == double.rounded(.towardZero),
            let exact = T(exactly: double)
        {
            return exact
        }
        if isIntegerLiteral || (isNumberLiteral && Double(text).map { $0 == $0.rounded(.towardZero) } == true) {
            throw JSONError("field \(JSONError.quoted(path)): \(text) is out of range for \(T.self)")
        }
        throw JSONError("field \(JSONError.quoted(path)): expected an integer, got \(JSONError.quoted(text))")
    }

    func double(at path: String) throws(JSONError) -> Double {
        switch self {
        case .number(let text):
            if let value = Double(text) { return value }
        case .string(let text):
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default:
                if !text.isEmpty, text.utf8.allSatisfy({ "0123456789.eE+-".utf8.contains($0) }), let value = Double(text) {
                    return value
                }
            }
        case .null:
            return 0
        default:
            break
        }
        throw JSONError.wrongType(at: path, expected: "a number", got: self)
    }

    func float(at path: String) throws(JSONError) -> Float {
        Float(try double(at: path))
    }

    func bytes(at path: String) throws(JSONError) -> [UInt8] {
        switch self {
        case .string(let text):
            guard let bytes = Base64.decode(text) else {
                throw JSONError("field \(JSONError.quoted(path)): expected base64, got an invalid string")
            }
            return bytes
        case .null: return []
        default: throw JSONError.wrongType(at: path, expected: "a base64 string", got: self)
        }
    }

    func enumValue<E: ProtoJSONEnum>(_ type: E.Type, at path: String) throws(JSONError) -> E {
        switch self {
        case .string(let name):
            guard let number = E.jsonNumbers[name] else {
                throw JSONError("field \(JSONError.quoted(path)): unknown \(E.self) value \(JSONError.quoted(name))")
            }
            return E(rawValue: number)!
        case .number:
            return E(rawValue: try integer(Int32.self, at: path))!
        case .null:
            return E(rawValue: 0)!
        default:
            throw JSONError.wrongType(at: path, expected: "an enum name or number (\(E.self))", got: self)
        }
    }

    func message<M: ProtoJSONMessage>(_ type: M.Type, at path: String) throws(JSONError) -> M? {
        if case .null = self { return nil }
        return try M(json: self, at: path)
    }

    func array<T>(at path: String, _ element: (JSONValue, String) throws(JSONError) -> T) throws(JSONError) -> [T] {
        switch self {
        case .array(let values):
            var out: [T] = []
            out.reserveCapacity(values.count)
            for (index, value) in values.enumerated() {
                let elementPath = JSONPath.element(path, index)
                if case .null = value { throw JSONError("field \(JSONError.quoted(elementPath)): null is not allowed in a list") }
                out.append(try element(value, elementPath))
            }
            return out
        case .null: return []
        default: throw JSONError.wrongType(at: path, expected: "an array", got: self)
        }
    }
}
