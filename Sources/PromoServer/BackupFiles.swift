#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto

/// Backup file names: plain names inside the backup folder, never a path.
enum BackupFileName {
    /// Part of the protocol (promo.proto's BackupRequest.name).
    static let bytesMax = 128

    /// `name` when it is a plain file name: 1...128 bytes of letters, digits, `.`, `_` and `-`, not starting
    /// with `.` (so never `..`, never hidden, never one of the server's own `.NAME.partial` files).
    static func validated(_ name: String, field: String) throws(ServerError) -> String {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= bytesMax else {
            throw ServerError(.invalidArgument, "\(field) must be 1...\(bytesMax) bytes")
        }
        let allowed = bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard allowed, bytes[0] != UInt8(ascii: ".") else {
            throw ServerError(
                .invalidArgument,
                "\(field) must be a plain file name: letters, digits, '.', '_' and '-', not starting with '.'")
        }
        return name
    }

    /// `promo-20261202T040512345Z.sqlite`: sorts by time, unique at one backup at a time.
    static func timestamped(atMs: Int64) -> String {
        var seconds = time_t(atMs / 1_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        return "promo-" + digits(parts.tm_year + 1_900, 4) + digits(parts.tm_mon + 1, 2) + digits(parts.tm_mday, 2)
            + "T" + digits(parts.tm_hour, 2) + digits(parts.tm_min, 2) + digits(parts.tm_sec, 2)
            + digits(Int32(atMs % 1_000), 3) + "Z.sqlite"
    }

    /// Where a backup is written while it is being made; renamed to `name` once complete and synced.
    static func partial(_ name: String) -> String { "." + name + ".partial" }
}

/// The blocking file work of backups. Call only off the event loops.
enum BackupFiles {
    static func makeDirectory(_ path: String) throws(ServerError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw ServerError(.internal, "cannot create backup directory \(path): \(errnoText())")
        }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw ServerError(.internal, "backup directory \(path) is not a directory")
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Creates an empty file, mode 0600 (a backup holds every key digest and user id); refuses an existing one.
    static func createExclusive(_ path: String) throws(ServerError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw ServerError(.alreadyExists, "\(path) already exists") }
            throw ServerError(.internal, "cannot create \(path): \(errnoText())")
        }
        close(fd)
    }

    static func remove(_ path: String) { unlink(path) }

    static func move(_ from: String, to: String) throws(ServerError) {
        guard rename(from, to) == 0 else {
            throw ServerError(.internal, "cannot rename \(from) to \(to): \(errnoText())")
        }
    }

    /// fsync of a file or folder, so that a completed backup (and its name) survive a power cut.
    static func sync(_ path: String, directory: Bool = false) throws(ServerError) {
        let fd = open(path, (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ServerError(.internal, "cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ServerError(.internal, "cannot sync \(path): \(errnoText())") }
    }

    static func size(_ path: String) throws(ServerError) -> UInt64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ServerError(.internal, "cannot stat \(path): \(errnoText())") }
        return UInt64(info.st_size)
    }

    static func sha256Hex(_ path: String) throws(ServerError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ServerError(.internal, "cannot read \(path): \(errnoText())") }
        defer { close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ServerError(.internal, "cannot read \(path): \(errnoText())")
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return Hex.lowercase(Array(hasher.finalize()))
    }

    /// Up to `length` bytes at `offset`, and the file's size. A missing file is NOT_FOUND.
    static func chunk(_ path: String, name: String, offset: UInt64, length: Int) throws(ServerError)
        -> (bytes: [UInt8], size: UInt64)
    {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw ServerError(.notFound, "backup \(name) does not exist") }
            throw ServerError(.internal, "cannot read \(path): \(errnoText())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ServerError(.internal, "cannot stat \(path): \(errnoText())") }
        let size = UInt64(info.st_size)
        guard offset <= size else {
            throw ServerError(.invalidArgument, "offset \(offset) is beyond the end of \(name) (\(size) bytes)")
        }
        let wanted = Int(min(UInt64(length), size - offset))
        var bytes = [UInt8](repeating: 0, count: wanted)
        var done = 0
        while done < wanted {
            let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, wanted - done, off_t(offset) + off_t(done)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ServerError(.internal, "cannot read \(path): \(errnoText())")
            }
            if count == 0 { break }
            done += count
        }
        if done < wanted { bytes.removeLast(wanted - done) }
        return (bytes, size)
    }

    /// The finished backups in `directory` (valid names only), oldest first.
    static func finished(in directory: String) -> [(name: String, modifiedNs: Int64)] {
        guard let folder = opendir(directory) else { return [] }
        defer { closedir(folder) }
        var found: [(String, Int64)] = []
        while let entry = readdir(folder) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard (try? BackupFileName.validated(name, field: "name")) != nil else { continue }
            var info = stat()
            guard lstat(directory + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            found.append((name, Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)))
        }
        return found.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    }

    /// Deletes the oldest finished backups beyond `keep` (0 keeps all); returns the names deleted.
    static func prune(_ directory: String, keep: Int) -> [String] {
        guard keep > 0 else { return [] }
        let all = finished(in: directory)
        guard all.count > keep else { return [] }
        let doomed = all.prefix(all.count - keep).map(\.name)
        for name in doomed { remove(directory + "/" + name) }
        return doomed
    }

    /// Partial files left by a backup that a crash interrupted (only one backup runs at a time).
    static func removeStalePartials(in directory: String) {
        guard let folder = opendir(directory) else { return }
        var stale: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name.hasPrefix("."), name.hasSuffix(".partial") { stale.append(name) }
        }
        closedir(folder)
        for name in stale { remove(directory + "/" + name) }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
