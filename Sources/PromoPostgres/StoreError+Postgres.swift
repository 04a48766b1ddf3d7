import PostgresNIO
import PromoDomain

/// The one place PostgreSQL's errors become `StoreError`s (DESIGN §6: one error type per layer). Errors that
/// are not PostgreSQL's (a caller's closure, a `StoreError` the store threw itself) pass through unchanged.
enum PostgresErrorMapping {
    /// SQLSTATEs after which the whole transaction may simply run again: serialization_failure and
    /// deadlock_detected (PostgreSQL aborted it so that another could commit).
    static func isRetryable(_ error: any Error) -> Bool {
        guard let state = sqlState(of: error) else { return false }
        return state == "40001" || state == "40P01"
    }

    static func sqlState(of error: any Error) -> String? {
        guard let error = error as? PSQLError, error.code == .server else { return nil }
        return error.serverInfo?[.sqlState]
    }

    /// `error` as a `StoreError`, or unchanged when it is not the database's.
    static func map(_ error: any Error) -> any Error {
        if error is StoreError { return error }
        if error is CancellationError { return StoreError(.unreachable, "the database call was cancelled") }
        guard let error = error as? PSQLError else { return error }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?????"
            let message = "PostgreSQL \(state): \(error.serverInfo?[.message] ?? "error")"
            return StoreError(code(forSQLState: state), message)
        case .poolClosed:
            return StoreError(.closed, "the PostgreSQL store is closed")
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return StoreError(.unreachable, "PostgreSQL is unreachable: \(error.code)")
        case .sslUnsupported:
            return StoreError(.unusable, "PostgreSQL does not offer TLS, which sslmode requires")
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return StoreError(.unusable, "PostgreSQL refused the credentials: \(error.code)")
        default:
            return StoreError(.engine, "PostgreSQL client error: \(error.code)")
        }
    }

    /// By SQLSTATE class (the first two characters), with the few exact states that differ from their class.
    static func code(forSQLState state: String) -> StoreError.Code {
        switch state {
        case "40001", "40P01", "55P03", "57014": return .busy  // retries spent, lock_not_available, statement timeout
        case "53100": return .storageFull  // disk_full
        case "58030": return .ioError  // io_error
        case "53300", "57P01", "57P02", "57P03": return .unreachable  // too_many_connections, shutting down, starting
        case "3D000": return .unusable  // the database does not exist
        default: break
        }
        switch state.prefix(2) {
        case "23": return .constraint  // integrity_constraint_violation: unique, check, foreign key, not null
        case "08": return .unreachable  // connection_exception
        case "28": return .unusable  // invalid_authorization_specification
        case "53": return .busy  // insufficient_resources (out of memory, too many locks)
        default: return .engine
        }
    }
}
