/// The one error type the domain throws.
///
/// There is no underlying error, unlike the other layers' error types: the domain does no I/O, so every
/// failure starts here. The server maps `code` to a wire `Status` in one place.
public struct DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The input itself is wrong, whatever the state of the system.
        case invalidArgument = "invalid_argument"
        case notFound = "not_found"
        case alreadyExists = "already_exists"
        /// The input is well formed but the current state forbids it (e.g. a pattern too small for the
        /// codes already issued).
        case failedPrecondition = "failed_precondition"
    }

    public var code: Code
    /// For operators and logs; never parsed. Names the offending field first.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func invalidArgument(_ message: String) -> DomainError {
        DomainError(.invalidArgument, message)
    }

    public static func failedPrecondition(_ message: String) -> DomainError {
        DomainError(.failedPrecondition, message)
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
