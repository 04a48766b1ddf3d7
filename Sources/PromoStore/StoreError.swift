import CSQLite

/// The store's one error type: what went wrong in terms a caller can act on, plus SQLite's own code.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// A UNIQUE, CHECK or FOREIGN KEY constraint refused the change.
        case constraint
        /// The database stayed locked past the busy timeout.
        case busy
        /// The file is missing, unreadable, corrupt or of a newer schema than this build knows.
        case unusable
        /// The disk (or the filesystem's quota) holding the database is full (SQLITE_FULL). Reads still work;
        /// writes work again once space is freed, without a restart.
        case storageFull
        /// The operating system reported an I/O error reading or writing the database (SQLITE_IOERR).
        case ioError
        /// Anything else SQLite reported.
        case sqlite
        /// The store has been closed.
        case closed
    }

    public let code: Code
    public let message: String
    /// SQLite's extended result code, when the error came from SQLite.
    public let sqliteCode: Int32?

    public init(_ code: Code, _ message: String, sqliteCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
    }

    init(sqliteCode: Int32, message: String) {
        let code: Code
        switch sqliteCode & 0xFF {
        case SQLITE_CONSTRAINT: code = .constraint
        case SQLITE_BUSY, SQLITE_LOCKED: code = .busy
        case SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_CANTOPEN, SQLITE_READONLY: code = .unusable
        case SQLITE_FULL: code = .storageFull
        case SQLITE_IOERR: code = .ioError
        default: code = .sqlite
        }
        self.init(code, message, sqliteCode: sqliteCode)
    }

    public var description: String { message }

    /// A fault of the storage underneath (full disk, I/O error) rather than of the request: worth retrying
    /// later, and worth telling an operator about.
    public var isStorageFault: Bool { code == .storageFull || code == .ioError }
}
