import Crypto
import PromoClient
import PromoStore
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Helpers for the backup and audit tests: downloading a backup to a local file, file facts, key ids.

struct DownloadedBackup {
    let path: String
    let size: UInt64
    let sha256: String
    let chunks: Int
}

extension PromoClient {
    /// Downloads backup `name` into `path` (created 0600) and hashes what arrived.
    func download(backup name: String, to path: String, chunkBytes: UInt32 = 0) async throws -> DownloadedBackup {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0, "cannot create \(path)")
        defer { closeFile(fd) }
        var hasher = SHA256()
        var chunks = 0
        let size = try await downloadBackup(name: name, chunkBytes: chunkBytes) { chunk, offset, _ in
            let written = chunk.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
            #expect(written == chunk.count)
            hasher.update(data: chunk)
            chunks += 1
        }
        return DownloadedBackup(path: path, size: size, sha256: hex(Array(hasher.finalize())), chunks: chunks)
    }

    func auditPage(_ configure: (inout AuditLogRequest) -> Void = { _ in }) async throws -> AuditLogResponse {
        try await auditLog(.with(configure))
    }

    /// Every page of an audit query, concatenated, and the number of pages.
    func wholeAuditLog(_ configure: (inout AuditLogRequest) -> Void = { _ in }) async throws
        -> (entries: [AuditLogEntry], pages: Int)
    {
        var entries: [AuditLogEntry] = []
        var token = ""
        var pages = 0
        repeat {
            let page = try await auditLog(.with {
                configure(&$0)
                $0.pageToken = token
            })
            entries += page.entries
            token = page.nextPageToken
            pages += 1
        } while !token.isEmpty && pages < 1_000
        return (entries, pages)
    }

    /// The id of the only admin key of a fresh test server.
    func bootstrapKeyId() async throws -> String {
        guard case .listApiKeys(let list) = try await call(.listApiKeys(ListApiKeysRequest())),
            let admin = list.keys.first(where: { $0.role == "admin" })
        else { throw UnexpectedAnswer("no admin key listed") }
        return admin.keyId
    }
}

/// `pk_<key id>_<secret>` → the key id.
func keyId(ofSecret secret: String) -> String {
    let body = secret.dropFirst(3)
    return String(body[..<body.lastIndex(of: "_")!])
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

func fileMode(_ path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o777
}

func fileExists(_ path: String) -> Bool { fileMode(path) != nil }

/// The names in a folder, without `.` and `..`.
func directoryEntries(_ path: String) -> [String] {
    guard let folder = opendir(path) else { return [] }
    defer { closedir(folder) }
    var names: [String] = []
    while let entry = readdir(folder) {
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

/// Opens a copied database file through the store's own connection type.
func openCopy(_ path: String) throws -> Connection {
    try Connection(path: path, busyTimeoutMs: 1_000)
}

/// `close(2)`, reachable from inside PromoClient extensions (whose own `close()` hides it).
func closeFile(_ fd: Int32) { close(fd) }
