import CPromoProto

/// A Swift message that has a protobuf-c twin. Decoding copies out of C memory owned by an arena;
/// encoding builds the C struct inside an arena. Neither leaves this module.
protocol CBridged: WireMessage {
    associatedtype CMessage
    init(c: UnsafePointer<CMessage>) throws(WireError)
    func cMessage(in arena: Arena) -> UnsafeMutablePointer<CMessage>
}

typealias CStringArray = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

// MARK: - C → Swift

enum CDecode {
    static func string(_ pointer: UnsafeMutablePointer<CChar>?, _ field: StaticString) throws(WireError) -> String {
        guard let pointer else { return "" }
        // protobuf-c hands strings over NUL-terminated, so a U+0000 sent by a peer ends the string there;
        // the README tells clients that strings must not contain it.
        guard let string = String(validatingCString: pointer) else {
            throw WireError(.invalidUTF8, "field \(field) is not valid UTF-8")
        }
        return string
    }

    static func strings(_ count: Int, _ array: CStringArray?, _ field: StaticString) throws(WireError) -> [String] {
        guard count > 0, let array else { return [] }
        var result: [String] = []
        result.reserveCapacity(count)
        for index in 0..<count { result.append(try string(array[index], field)) }
        return result
    }

    static func message<T: CBridged>(_ pointer: UnsafeMutablePointer<T.CMessage>?) throws(WireError) -> T? {
        guard let pointer else { return nil }
        return try T(c: pointer)
    }

    static func messages<T: CBridged>(
        _ count: Int, _ array: UnsafeMutablePointer<UnsafeMutablePointer<T.CMessage>?>?
    ) throws(WireError) -> [T] {
        guard count > 0, let array else { return [] }
        var result: [T] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            guard let element = array[index] else { continue }
            result.append(try T(c: element))
        }
        return result
    }

    static func bool(_ value: protobuf_c_boolean) -> Bool { value != 0 }

    static func bytes(_ value: ProtobufCBinaryData) -> [UInt8] {
        guard value.len > 0, let data = value.data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: value.len))
    }

    static func enumRaw<E: RawRepresentable>(_ value: E) -> Int32 where E.RawValue: BinaryInteger {
        Int32(truncatingIfNeeded: value.rawValue)
    }

    /// A repeated numeric field (`int64`, `uint32`, `double`, …): protobuf-c's C type is the Swift one.
    static func scalars<T>(_ count: Int, _ array: UnsafeMutablePointer<T>?) -> [T] {
        guard count > 0, let array else { return [] }
        return Array(UnsafeBufferPointer(start: array, count: count))
    }

    static func bools(_ count: Int, _ array: UnsafeMutablePointer<protobuf_c_boolean>?) -> [Bool] {
        scalars(count, array).map { $0 != 0 }
    }

    static func enums<C: RawRepresentable, E: OpenEnum>(
        _ count: Int, _ array: UnsafeMutablePointer<C>?
    ) -> [E] where C.RawValue: BinaryInteger {
        // OpenEnum's init(rawValue:) accepts every number; RawRepresentable merely declares it failable.
        scalars(count, array).map { E(rawValue: enumRaw($0))! }
    }

    static func bytesArray(_ count: Int, _ array: UnsafeMutablePointer<ProtobufCBinaryData>?) -> [[UInt8]] {
        scalars(count, array).map(bytes)
    }
}

// MARK: - Swift → C

extension Arena {
    func cStrings(_ strings: [String]) -> (Int, CStringArray?) {
        guard !strings.isEmpty else { return (0, nil) }
        let array = self.array(of: UnsafeMutablePointer<CChar>?.self, count: strings.count)
        for (index, string) in strings.enumerated() { array[index] = cString(string) }
        return (strings.count, array)
    }

    func cMessage<T: CBridged>(_ message: T?) -> UnsafeMutablePointer<T.CMessage>? {
        message.map { $0.cMessage(in: self) }
    }

    func cMessages<T: CBridged>(_ messages: [T]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<T.CMessage>?>?) {
        guard !messages.isEmpty else { return (0, nil) }
        let array = self.array(of: UnsafeMutablePointer<T.CMessage>?.self, count: messages.count)
        for (index, message) in messages.enumerated() { array[index] = message.cMessage(in: self) }
        return (messages.count, array)
    }

    func cEnum<E: RawRepresentable>(_ type: E.Type, _ raw: Int32) -> E where E.RawValue == UInt32 {
        E(rawValue: UInt32(bitPattern: raw))!
    }

    func cBool(_ value: Bool) -> protobuf_c_boolean { value ? 1 : 0 }

    /// A repeated numeric field's `(n_field, field)`.
    func cScalars<T>(_ values: [T]) -> (Int, UnsafeMutablePointer<T>?) {
        guard !values.isEmpty else { return (0, nil) }
        let array = self.array(of: T.self, count: values.count)
        values.withUnsafeBufferPointer { array.initialize(from: $0.baseAddress!, count: values.count) }
        return (values.count, array)
    }

    func cBools(_ values: [Bool]) -> (Int, UnsafeMutablePointer<protobuf_c_boolean>?) {
        cScalars(values.map(cBool))
    }

    func cEnums<E: RawRepresentable, S: OpenEnum>(_ type: E.Type, _ values: [S]) -> (Int, UnsafeMutablePointer<E>?)
    where E.RawValue == UInt32 {
        cScalars(values.map { cEnum(type, $0.rawValue) })
    }

    func cBytesArray(_ values: [[UInt8]]) -> (Int, UnsafeMutablePointer<ProtobufCBinaryData>?) {
        cScalars(values.map(cBytes))
    }

    /// A copy of `bytes` in the arena; protobuf-c packs `len` bytes from `data`.
    func cBytes(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        guard !bytes.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let pointer = allocate(byteCount: bytes.count).bindMemory(to: UInt8.self, capacity: bytes.count)
        bytes.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: bytes.count) }
        return ProtobufCBinaryData(len: bytes.count, data: pointer)
    }
}
