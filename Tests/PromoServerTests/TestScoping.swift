import Foundation
import PostgresTestSupport
import PromoStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Everything one test started that has to be undone after it, whatever the test body did (returned, threw,
/// or forgot): the `TestServer`s it started are stopped (awaited), the child processes it spawned are killed
/// and reaped, and the temporary folders it made are removed, in that order.
///
/// `TestServer.start`, `spawnLogged` and `makeTemporaryDirectory` adopt what they create into
/// `TestResources.current`, which the `.serverCleanup` trait sets around each test. A suite that starts
/// servers, spawns children or makes temporary folders says so once: `@Suite("…", .serverCleanup)`.
/// Outside such a scope nothing is adopted (a warning is recorded for a server), and folders are
/// removed when the test process exits.
final class TestResources: Sendable {
    @TaskLocal static var current: TestResources?

    private struct State {
        var servers: [TestServer] = []
        var children: [SpawnedChild] = []
        var folders: [String] = []
        var databases: [(database: TestPostgres.Database, directory: String)] = []
        var isEmpty: Bool { servers.isEmpty && children.isEmpty && folders.isEmpty && databases.isEmpty }
    }
    private let state = LockedValue(State())

    func adopt(_ server: TestServer) { state.withLock { $0.servers.append(server) } }
    func adopt(child: SpawnedChild) { state.withLock { $0.children.append(child) } }
    func adopt(folder: String) { state.withLock { $0.folders.append(folder) } }
    func adopt(database: TestPostgres.Database, directory: String) {
        state.withLock { $0.databases.append((database, directory)) }
    }

    /// Stops every server (all at once, each awaited), then kills and reaps every child still running, then
    /// removes every folder and drops every PostgreSQL database. Repeats until nothing is left, in case
    /// something was adopted meanwhile.
    func release() async {
        while true {
            let taken = state.withLock { state in
                defer { state = State() }
                return state
            }
            if taken.isEmpty { return }
            await withTaskGroup(of: Void.self) { group in
                for server in taken.servers { group.addTask { await server.stop() } }
            }
            for child in taken.children { child.killAndReap() }
            for folder in taken.folders { removeTemporaryFolder(folder) }
            for (database, directory) in taken.databases {
                TestDatabases.forget(directory: directory)
                await database.drop()
            }
        }
    }
}

/// The trait that gives each test of a suite its own `TestResources` and releases them after the test.
struct ServerCleanupTrait: SuiteTrait, TestTrait, TestScoping {
    /// Applied to every test case of the suite (and of nested suites), not once around the suite.
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let resources = TestResources()
        do {
            try await TestResources.$current.withValue(resources) { try await function() }
        } catch {
            await resources.release()
            throw error
        }
        await resources.release()
    }
}

extension SuiteTrait where Self == ServerCleanupTrait {
    /// Each test of the suite awaits the stop of the servers it started, reaps its child processes and
    /// removes its temporary folders when it ends, even when it throws.
    static var serverCleanup: Self { Self() }
}

extension TestTrait where Self == ServerCleanupTrait {
    /// The same for one test: `@Test(.serverCleanup)`.
    static var serverCleanup: Self { Self() }
}

/// A child process started by `spawnLogged`, held by a pidfd where the kernel has them, so that killing it
/// after the test can never hit another process that was given the same pid after the test reaped it.
struct SpawnedChild: Sendable {
    let pid: pid_t
    let pidfd: Int32

    init(pid: pid_t) {
        self.pid = pid
        self.pidfd = Self.pidfdOpen.map { $0(pid, 0) } ?? -1
    }

    /// Kills the child with SIGKILL and reaps it, unless the test reaped it already.
    func killAndReap() {
        var status: Int32 = 0
        if pidfd >= 0 {
            defer { close(pidfd) }
            // Fails with ESRCH only once the process was reaped; a running child or a zombie is signalled, and
            // then ours to reap (the pid cannot be reused before that).
            guard let send = Self.pidfdSendSignal, send(pidfd, SIGKILL, nil, 0) == 0 else { return }
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        } else if waitpid(pid, &status, WNOHANG) == 0 {
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
    }

    private typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
    private typealias PidfdSendSignal = @convention(c) (Int32, Int32, UnsafeMutableRawPointer?, UInt32) -> Int32
    // glibc 2.36+ exports both; Swift's Glibc module does not, so they are looked up at run time.
    private static let pidfdOpen: PidfdOpen? = dlsym(dlopen(nil, RTLD_NOW), "pidfd_open")
        .map { unsafeBitCast($0, to: PidfdOpen.self) }
    private static let pidfdSendSignal: PidfdSendSignal? = dlsym(dlopen(nil, RTLD_NOW), "pidfd_send_signal")
        .map { unsafeBitCast($0, to: PidfdSendSignal.self) }
}

/// A fresh folder `/tmp/promo-test-XXXXXX`, removed after the current test (inside a `.serverCleanup`
/// scope) or when the test process exits (outside one, e.g. from a `static let` shared by several tests).
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/promo-test-XXXXXX".utf8CString)
    let path = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
    if let resources = TestResources.current {
        resources.adopt(folder: path)
    } else {
        FoldersRemovedAtExit.add(path)
    }
    return path
}

func removeTemporaryFolder(_ path: String) {
    precondition(path.hasPrefix("/tmp/promo-"), "refusing to remove \(path)")
    try? FileManager.default.removeItem(atPath: path)
}

/// Folders made outside a test scope, removed by an `atexit` handler.
enum FoldersRemovedAtExit {
    private static let folders = LockedValue<[String]>([])
    private static let registered: Bool = {
        atexit {
            for folder in FoldersRemovedAtExit.folders.withLock({ $0 }) { removeTemporaryFolder(folder) }
        }
        return true
    }()

    static func add(_ path: String) {
        _ = registered
        folders.withLock { $0.append(path) }
    }
}

/// How long a test waits for something that must happen "eventually" (an answer, a close, a file) before
/// calling it a failure. Generous, because CI shares two cores with other builds: a condition that holds
/// at once on an idle machine can take seconds there. Passing tests never wait this long.
let eventuallyMs = 30_000

/// Polls `condition` every `intervalMs` until it holds (true) or `timeoutMs` has passed (false).
func eventually(
    timeoutMs: Int = eventuallyMs, intervalMs: Int = 10, _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(intervalMs))
    }
}

/// For a test that must act before a wall-clock moment it sets itself (an expiry, the end of a cool-down, a
/// reservation's end): runs `attempt` with a window of `windowsMs[0]`, and while the machine was too slow to
/// act inside the window (`attempt` returns nil without expecting anything), again with the next, longer one.
/// Returns the first result; records an issue when even the longest window was too short.
func withRoomToAct<Value>(
    windowsMs: [Int64] = [3_000, 10_000, 30_000], sourceLocation: SourceLocation = #_sourceLocation,
    _ attempt: (_ windowMs: Int64) async throws -> Value?
) async throws -> Value? {
    for windowMs in windowsMs {
        if let result = try await attempt(windowMs) { return result }
    }
    Issue.record("too slow to act inside a \(windowsMs.last ?? 0) ms window", sourceLocation: sourceLocation)
    return nil
}
