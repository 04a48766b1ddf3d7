/// The storage layer's one error type, thrown by every `PromoStorage` method: what went wrong in terms a
/// caller can act on. The server maps it to a wire `Status` in one place; no engine's own error codes
/// appear above the store.
///
/// Errors thrown by a caller's closure that a store method runs inside its transaction (a domain check,
/// say) pass through unchanged.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// A UNIQUE, CHECK or FOREIGN KEY constraint refused the change.
        case constraint
        /// The database stayed locked past the busy timeout, or the write queue is full.
        case busy
        /// The file is missing, unreadable, corrupt or of a newer schema than this build knows.
        case unusable
        /// The disk (or the filesystem's quota) holding the database is full. Reads still work; writes work
        /// again once space is freed, without a restart.
        case storageFull
        /// The operating system reported an I/O error reading or writing the database.
        case ioError
        /// Anything else the database engine reported.
        case engine
        /// The store has been closed.
        case closed
        /// A shared database could not be reached (connection refused or lost, no pooled connection within
        /// its timeout): the call was not done, or its outcome is unknown only when said so in the message.
        /// Worth retrying once the store is available again (`StorageLifecycle.isAvailable`).
        case unreachable
        /// Refusals of the request by the state the store found, with a message meant for the caller (it
        /// names what is missing, taken or in the way).
        case notFound
        case alreadyExists
        case failedPrecondition
        case resourceExhausted
    }

    public let code: Code
    public let message: String
    /// The engine's own result code, when the error came from the engine (for logs only).
    public let engineCode: Int32?

    public init(_ code: Code, _ message: String, engineCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.engineCode = engineCode
    }

    public var description: String { message }

    /// A fault of the storage underneath (full disk, I/O error, a database out of reach) rather than of the
    /// request: worth retrying later, and worth telling an operator about.
    public var isStorageFault: Bool { code == .storageFull || code == .ioError || code == .unreachable }
}
