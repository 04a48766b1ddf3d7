// The protocols the generated values in Generated/ conform to. Messages are plain values, field for field,
// with proto3 defaults; sub-message fields are optional because protobuf has presence for them: a missing
// `user` is not an empty one.

/// Every message starts at its proto3 defaults; `with` fills in the fields a caller cares about.
public protocol WireMessage: Hashable, Sendable {
    init()
}

extension WireMessage {
    public static func with(_ configure: (inout Self) -> Void) -> Self {
        var message = Self()
        configure(&message)
        return message
    }
}

// Proto3 enums are open: a peer built from a newer promo.proto may send values this build does not know.
// Each enum is therefore a struct over the raw number with named constants, so unknown values survive
// decoding and the layer that understands them (the server's mapping) decides whether they are an error.

public protocol OpenEnum: RawRepresentable, Hashable, Sendable, CustomStringConvertible where RawValue == Int32 {
    /// The proto name of each known number without the enum's prefix (`LIMIT_REACHED` for `VERDICT_LIMIT_REACHED`).
    static var names: [Int32: String] { get }
}

extension OpenEnum {
    public var description: String { Self.names[rawValue] ?? "\(rawValue)" }
    public var isKnown: Bool { Self.names[rawValue] != nil }
}
