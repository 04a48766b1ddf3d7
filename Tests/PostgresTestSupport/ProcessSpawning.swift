#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Spawning for the PostgreSQL harness, with posix_spawn (never Foundation's `Process`, which crashes on
/// Linux: swift-corelibs-foundation #5472), inheriting no descriptor above stderr (NIO opens its sockets
/// without `SOCK_CLOEXEC`; a PostgreSQL started by a test must not keep a test server's listener open).
enum ProcessSpawning {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `arguments` with stdin from /dev/null and stdout and stderr appended to `logPath`.
    static func spawn(_ arguments: [String], logPath: String, environment: [String] = inheritedEnvironment()) throws
        -> pid_t
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        closeInheritedDescriptors(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard rc == 0 else { throw Failure(description: "posix_spawn \(arguments[0]): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Runs `arguments` to completion; throws with the log's tail when it exits non-zero.
    static func run(_ arguments: [String], logPath: String) throws {
        let pid = try spawn(arguments, logPath: logPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw Failure(
                description: "\(arguments.joined(separator: " ")) failed (status \(status)); log \(logPath):\n\(tail(of: logPath))")
        }
    }

    static func inheritedEnvironment() -> [String] {
        let names: [String] = ["PATH", "HOME", "LD_LIBRARY_PATH", "TMPDIR", "LANG", "LC_ALL"]
        return names.compactMap { name in
            getenv(name).map { "\(name)=\(String(cString: $0))" }
        }
    }

    /// The last 2,000 bytes of a log, for failure messages.
    static func tail(of path: String) -> String {
        guard let file = fopen(path, "r") else { return "(no log)" }
        defer { fclose(file) }
        fseek(file, -2000, SEEK_END)
        if ftell(file) < 0 { fseek(file, 0, SEEK_SET) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes.suffix(2000), as: UTF8.self)
    }

    /// glibc 2.34+ `posix_spawn_file_actions_addclosefrom_np`, looked up at run time (Swift's Glibc module
    /// does not export it), skipped where missing.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> CInt
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
    }
}
