import PromoWire

/// Compact JSON output into a byte array. Every value writer puts the separating comma itself, so generated
/// code is a flat sequence of `key` and value calls.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init() { bytes.reserveCapacity(256) }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    mutating func array<T>(_ values: [T], _ element: (inout JSONWriter, T) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        for value in values { element(&self, value) }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }

    /// 32-bit integers: a JSON number.
    mutating func integer<T: FixedWidthInteger>(_ value: T) { raw(String(value)) }

    /// 64-bit integers: a decimal string, since JavaScript's numbers lose precision past 2^53.
    mutating func quotedInteger<T: FixedWidthInteger>(_ value: T) { string(String(value)) }

    mutating func double(_ value: Double) {
        if value.isNaN { return string("NaN") }
        if value.isInfinite { return string(value < 0 ? "-Infinity" : "Infinity") }
        var text = "\(value)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        raw(text)
    }

    mutating func float(_ value: Float) {
        if value.isNaN || value.isInfinite { return double(Double(value)) }
        var text = "\(value)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        raw(text)
    }

    mutating func bytes(_ value: [UInt8]) { string(Base64.encode(value)) }

    mutating func enumValue<E: ProtoJSONEnum>(_ value: E) {
        if let name = E.jsonNames[value.rawValue] { string(name) } else { integer(value.rawValue) }
    }

    mutating func message<M: ProtoJSONMessage>(_ value: M) { value.writeJSON(to: &self) }

    private mutating func raw(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }
}
