import PromoClient
import PromoWire

/// The exit codes promoctl documents in `promoctl --help`.
enum ExitStatus: Int32, CaseIterable {
    case ok = 0
    /// Something local went wrong, such as an output file that cannot be written.
    case localFailure = 1
    /// A flag or argument is wrong or missing (also ArgumentParser's parse and validation errors).
    case usage = 2
    /// The server cannot be reached, or the connection was lost or timed out.
    case cannotConnect = 3
    /// UNAUTHENTICATED or PERMISSION_DENIED: a wrong or revoked key, or a role that may not do this.
    case accessDenied = 4
    /// NOT_FOUND: no such campaign, code, redemption or key.
    case notFound = 5
    /// INVALID_ARGUMENT, FAILED_PRECONDITION or ALREADY_EXISTS: the server refused the request as given.
    case rejected = 6
    /// Any other server answer (UNIMPLEMENTED, INTERNAL, UNAVAILABLE, RESOURCE_EXHAUSTED, …).
    case serverError = 7
    /// A change was sent and its connection failed before the answer: it may or may not have been applied
    /// (it is never sent again by itself; calls that are safe to repeat are, on the next server).
    case outcomeUnknown = 8

    static let helpText = """
        Exit codes:
          0  ok
          1  local failure (an output file cannot be written)
          2  usage error (a wrong or missing flag or argument; an unreadable file)
          3  cannot connect (or the connection was lost or timed out)
          4  authentication or permission (wrong or revoked key; role not allowed)
          5  not found (no such campaign, code, redemption or key)
          6  refused as invalid (invalid argument, failed precondition, exists)
          7  other server error (unimplemented, internal, unavailable, overloaded)
          8  outcome unknown: a change was sent but its connection failed before the answer, so it may
             or may not have been applied; look (for example with 'show' or 'list') before trying again
        """

    /// How a non-OK status maps to an exit code.
    init(_ code: StatusCode) {
        switch code {
        case .ok: self = .ok
        case .unauthenticated, .permissionDenied: self = .accessDenied
        case .notFound: self = .notFound
        case .invalidArgument, .failedPrecondition, .alreadyExists: self = .rejected
        default: self = .serverError
        }
    }
}

/// An error promoctl reports itself: one message on standard error and a documented exit code.
struct CLIFailure: Error, CustomStringConvertible {
    let status: ExitStatus
    let message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { message }

    /// What a client error means for the person at the terminal.
    init(_ error: PromoClientError, server: String) {
        switch error.code {
        case .status, .connection:
            guard let status = error.status else {
                self.init(.serverError, error.message)
                return
            }
            let text = status.message.isEmpty ? "\(status.code)" : "\(status.code): \(status.message)"
            switch status.code {
            case .unauthenticated:
                self.init(.accessDenied, "\(text) (check PROMO_API_KEY or --key-file)")
            case .permissionDenied:
                self.init(.accessDenied, "\(text) (ask an admin for a key with a suitable role)")
            case .unimplemented:
                self.init(.serverError, "\(text) (this server does not support the call yet)")
            default:
                self.init(ExitStatus(status.code), text)
            }
        case .closed:
            self.init(.cannotConnect, "the connection to \(server) was lost: \(error.message)")
        case .notSent:
            self.init(.cannotConnect, "the connection to \(server) was lost before the call was sent: \(error.message)")
        case .timedOut:
            self.init(.cannotConnect, "\(server) did not answer in time")
        case .unexpectedResult, .wire:
            self.init(.serverError, "unexpected answer from \(server): \(error.message)")
        case .tls:
            self.init(.cannotConnect, "TLS with \(server): \(error.message) (check --tls-ca, --tls-cert, --tls-key)")
        case .unreachable:
            let hint = error.message.contains("TLS") ? " (check --tls-ca, --tls-cert, --tls-key)" : ""
            self.init(.cannotConnect, error.message + hint)
        case .outcomeUnknown:
            self.init(.outcomeUnknown, "\(error.message); look before trying again")
        case .unencodable:
            self.init(.usage, "the request cannot be sent: \(error.message)")
        case .invalidConfiguration:
            self.init(.usage, error.message)
        }
    }
}
