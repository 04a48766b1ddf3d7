import PromoDomain
import PromoWire

/// The server layer's one error type. Every failure a request can meet becomes one of these, and
/// `status` turns it into the wire `Status`: the only place that mapping exists.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        case invalidArgument, unauthenticated, permissionDenied, notFound, alreadyExists
        case failedPrecondition, resourceExhausted, unavailable, unimplemented, `internal`
    }

    public let code: Code
    public let message: String
    public let underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }

    /// Classifies any error a handler may throw.
    public init(wrapping error: any Error) {
        switch error {
        case let error as ServerError:
            self = error
        case let error as DomainError:
            let code: Code =
                switch error.code {
                case .invalidArgument: .invalidArgument
                case .notFound: .notFound
                case .alreadyExists: .alreadyExists
                case .failedPrecondition: .failedPrecondition
                }
            self.init(code, error.message, underlying: error)
        case let error as StoreError:
            switch error.code {
            case .constraint: self.init(.alreadyExists, "conflicts with existing data", underlying: error)
            case .busy: self.init(.unavailable, "storage is busy, retry", underlying: error)
            case .closed: self.init(.unavailable, "server is shutting down", underlying: error)
            // Faults of the disk, not of the request: reads still work; retry later, with the same idempotency key.
            case .storageFull:
                self.init(.unavailable, "storage full: the server's disk has no space left; retry later", underlying: error)
            case .ioError:
                self.init(.unavailable, "storage I/O error; retry later", underlying: error)
            case .unreachable:
                self.init(.unavailable, "storage unreachable; retry later", underlying: error)
            case .unusable, .engine: self.init(.internal, "storage error", underlying: error)
            // Refusals the store found in the stored state: its message is for the caller.
            case .notFound: self.init(.notFound, error.message, underlying: error)
            case .alreadyExists: self.init(.alreadyExists, error.message, underlying: error)
            case .failedPrecondition: self.init(.failedPrecondition, error.message, underlying: error)
            case .resourceExhausted: self.init(.resourceExhausted, error.message, underlying: error)
            }
        case let error as WireError:
            self.init(.invalidArgument, error.message, underlying: error)
        default:
            self.init(.internal, "internal error", underlying: error)
        }
    }

    /// The wire status: the one mapping of the server's errors, used by every door.
    public var status: Status {
        let code: StatusCode =
            switch self.code {
            case .invalidArgument: .invalidArgument
            case .unauthenticated: .unauthenticated
            case .permissionDenied: .permissionDenied
            case .notFound: .notFound
            case .alreadyExists: .alreadyExists
            case .failedPrecondition: .failedPrecondition
            case .resourceExhausted: .resourceExhausted
            case .unavailable: .unavailable
            case .unimplemented: .unimplemented
            case .internal: .internal
            }
        return Status(code, Self.clipped(message))
    }

    /// Messages may quote the caller's input; a refusal must never grow with it (a 1 MiB id must not turn
    /// NOT_FOUND into an answer too large to send).
    static let messageBytesMax = 512

    public static func clipped(_ message: String) -> String {
        guard message.utf8.count > messageBytesMax else { return message }
        var clipped = Substring(message)
        while clipped.utf8.count > messageBytesMax - 3 { clipped = clipped.dropLast(max(1, (clipped.utf8.count - messageBytesMax) / 2)) }
        return clipped + "…"
    }
}
