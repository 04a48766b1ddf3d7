/// Why bytes could not become a message, or a message could not become bytes.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        /// The length prefix announces more than the configured maximum.
        case frameTooLarge
        /// The bytes are not a valid protobuf message of the expected type.
        case malformedMessage
        /// A string field is not valid UTF-8.
        case invalidUTF8
        /// A string to encode contains U+0000, which protobuf-c's C strings cannot carry.
        case embeddedNUL
        /// An encoded message would exceed the configured frame maximum.
        case messageTooLarge
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
