import ArgumentParser
import Crypto
import PromoWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension AdminCommand {
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take an online backup of the live database and download it to a local file.",
            discussion: """
                The server copies its database with SQLite's backup API while it keeps serving (redeems do not \
                stop), keeps the copy in its backup folder, and promoctl then downloads it in chunks, checks its \
                SHA-256 against the server's and writes FILE (mode 0600: the copy holds every key digest). \
                FILE is written as FILE.partial and renamed only once verified. One backup runs at a time on a \
                server; a second one meanwhile is refused (exit 6).

                To restore: stop the server, put FILE at <data-dir>/promo.sqlite (delete promo.sqlite-wal and \
                promo.sqlite-shm), start the server, run 'promoctl admin check'.

                Examples:
                  promoctl admin backup promo-2026-12-02.sqlite
                  promoctl admin backup nightly.sqlite --name nightly-2026-12-02.sqlite --force
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The local file to write.", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp(
            "Name of the copy kept in the server's backup folder (default: promo-<UTC time>.sqlite).",
            valueName: "name"))
        var name: String?

        @Flag(help: "Overwrite FILE if it exists.")
        var force = false

        func run() async throws {
            if !force && BinaryFile.exists(file) {
                throw CLIFailure(.usage, "\(file) already exists; add --force to overwrite it")
            }
            let partial = file + ".partial"
            let started = ContinuousClock.now
            let (made, fetched) = try await global.withSession { session in
                var progress = ProgressLine()
                progress.update("Server is writing the backup…", force: true)
                let made = try await session.backup(name: name ?? "")
                let output = try BinaryFile(creating: partial)
                var hasher = SHA256()
                var offset: UInt64 = 0
                do {
                    while offset < made.sizeBytes {
                        let chunk = try await session.fetchBackup(name: made.name, offset: offset)
                        guard !chunk.data.isEmpty, chunk.sizeBytes == made.sizeBytes else {
                            throw CLIFailure(.serverError, "the server's copy of \(made.name) changed size during the download")
                        }
                        try output.write(chunk.data)
                        hasher.update(data: chunk.data)
                        offset += UInt64(chunk.data.count)
                        progress.update("Fetched \(Self.mib(offset)) of \(Self.mib(made.sizeBytes)) MiB")
                    }
                    progress.update("Fetched \(Self.mib(offset)) of \(Self.mib(made.sizeBytes)) MiB", force: true)
                    progress.finish()
                    try output.syncAndClose()
                } catch {
                    output.abandon()
                    throw error
                }
                let digest = hex(Array(hasher.finalize()))
                guard digest == made.sha256 else {
                    unlink(partial)
                    throw CLIFailure(.serverError, "SHA-256 mismatch: the server said \(made.sha256), the download is \(digest)")
                }
                return (made, offset)
            }
            if !force && BinaryFile.exists(file) {
                unlink(partial)
                throw CLIFailure(.usage, "\(file) appeared during the download; add --force to overwrite it")
            }
            guard rename(partial, file) == 0 else {
                throw CLIFailure(.localFailure, "cannot rename \(partial) to \(file): \(Terminal.errnoText())")
            }
            let elapsed = ContinuousClock.now - started
            let totalMs = elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            if global.json {
                JSON.object([
                    ("file", .string(file)), ("name", .string(made.name)), ("server_path", .string(made.path)),
                    ("size_bytes", .number(fetched)), ("pages", .number(made.pages)), ("sha256", .string(made.sha256)),
                    ("server_ms", .number(made.durationMs)), ("total_ms", .number(totalMs)),
                ]).print()
            } else {
                print("Backed up \(grouped(fetched)) bytes (\(grouped(made.pages)) pages) to \(file); SHA-256 verified.")
                var lines = Details()
                lines.add("Server copy", made.path)
                lines.add("SHA-256", made.sha256)
                lines.add("Server time", "\(grouped(made.durationMs)) ms")
                lines.add("Total time", "\(grouped(totalMs)) ms")
                print(lines.rendered())
            }
        }

        private static func mib(_ bytes: UInt64) -> String {
            let tenths = bytes * 10 / (1 << 20)
            return "\(tenths / 10).\(tenths % 10)"
        }

        private func hex(_ bytes: [UInt8]) -> String {
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
        }
    }
}

/// A binary output file, written straight to its descriptor (no buffering needed for 256 KiB chunks).
final class BinaryFile {
    private let fd: Int32
    private let path: String
    private var isOpen = true

    /// Creates or truncates `path`, mode 0600.
    init(creating path: String) throws(CLIFailure) {
        let descriptor = posixOpen(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CLIFailure(.localFailure, "cannot write \(path): \(Terminal.errnoText())") }
        fd = descriptor
        self.path = path
    }

    deinit { if isOpen { close(fd) } }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    func write(_ bytes: [UInt8]) throws(CLIFailure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw CLIFailure(.localFailure, "cannot write \(path): \(Terminal.errnoText())")
            }
            offset += written
        }
    }

    func syncAndClose() throws(CLIFailure) {
        isOpen = false
        let synced = fsync(fd) == 0
        let closed = close(fd) == 0
        guard synced && closed else { throw CLIFailure(.localFailure, "cannot write \(path): \(Terminal.errnoText())") }
    }

    /// Closes and deletes the file after a failed download.
    func abandon() {
        if isOpen { close(fd) }
        isOpen = false
        unlink(path)
    }
}

/// `open(2)` and `write(2)` under names that BinaryFile's own `write` and `open` do not shadow.
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
