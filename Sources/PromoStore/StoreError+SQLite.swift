import CSQLite
import PromoDomain

extension StoreError {
    /// Classifies one of SQLite's (extended) result codes; keeps the code for logs.
    init(sqliteCode: Int32, message: String) {
        let code: Code
        switch sqliteCode & 0xFF {
        case SQLITE_CONSTRAINT: code = .constraint
        case SQLITE_BUSY, SQLITE_LOCKED: code = .busy
        case SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_CANTOPEN, SQLITE_READONLY: code = .unusable
        case SQLITE_FULL: code = .storageFull
        case SQLITE_IOERR: code = .ioError
        default: code = .engine
        }
        self.init(code, message, engineCode: sqliteCode)
    }
}

extension StoreError.Code {
    /// Inside the SQLite store the engine is SQLite: an error SQLite reported that fits no other code.
    static let sqlite = StoreError.Code.engine
}
