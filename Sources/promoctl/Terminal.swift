#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Plain file-descriptor I/O: standard error, files in and out, and whether a stream is a terminal.
// Standard output for ordinary answers goes through `print`; bulk CSV goes through `TextSink`, which first
// flushes C stdio so the two never interleave out of order.

enum Terminal {
    /// Writes `text` and a newline to standard error, unbuffered.
    static func error(_ text: String) {
        writeAll(fd: 2, text + "\n")
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    static func writeAll(fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    /// The environment variable `name`, or nil when unset.
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A progress line on standard error, redrawn in place, shown only when standard error is a terminal.
struct ProgressLine {
    let enabled: Bool
    private var lastDrawMs: Int64 = 0
    private var drawn = false

    init(enabled: Bool = Terminal.stderrIsTerminal) { self.enabled = enabled }

    /// Redraws at most ten times a second unless `force`.
    mutating func update(_ text: String, force: Bool = false) {
        guard enabled else { return }
        let now = monotonicMs()
        guard force || now - lastDrawMs >= 100 else { return }
        lastDrawMs = now
        drawn = true
        Terminal.writeAll(fd: 2, "\r\u{1B}[2K" + text)
    }

    /// Leaves the last text on its own line.
    func finish() {
        guard enabled, drawn else { return }
        Terminal.writeAll(fd: 2, "\n")
    }

    private func monotonicMs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }
}

/// Buffered text output to a file or to standard output.
final class TextSink {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private let path: String

    /// Standard output.
    init() {
        fflush(nil)
        fd = 1
        ownsDescriptor = false
        path = "standard output"
        buffer.reserveCapacity(1 << 16)
    }

    /// Creates or truncates `path` (mode 0644).
    init(creating path: String) throws(CLIFailure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CLIFailure(.localFailure, "cannot write \(path): \(Terminal.errnoText())")
        }
        fd = descriptor
        ownsDescriptor = true
        self.path = path
        buffer.reserveCapacity(1 << 16)
    }

    func line(_ text: String) throws(CLIFailure) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws(CLIFailure) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw CLIFailure(.localFailure, "cannot write \(path): \(Terminal.errnoText())")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, for a file, closes it.
    func close() throws(CLIFailure) {
        try flush()
        if ownsDescriptor, closeDescriptor(fd) != 0 {
            throw CLIFailure(.localFailure, "cannot write \(path): \(Terminal.errnoText())")
        }
    }
}

enum TextFile {
    /// The whole file as UTF-8 text (invalid bytes replaced). A missing or unreadable file is a usage error.
    static func contents(of path: String, what: String = "file") throws(CLIFailure) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIFailure(.usage, "cannot read \(what) \(path): \(Terminal.errnoText())") }
        defer { _ = closeDescriptor(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIFailure(.usage, "cannot read \(what) \(path): \(Terminal.errnoText())")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `close(2)`, under a name that the types above with a `close()` of their own can still reach.
private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }
