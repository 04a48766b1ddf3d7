import Logging
import NIOPosix
import PostgresNIO
import PromoPostgres
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One real PostgreSQL per test process, started on first use and shared by every suite (PromoPostgresTests,
/// PromoServerTests): `initdb` into a temporary folder (as the `postgres` user, or `nobody`, when the tests run
/// as root, since PostgreSQL refuses root), `pg_ctl start` on a free port of 127.0.0.1 with durability off
/// (a test database dies with the process anyway), its socket in the same folder. It is stopped when the
/// process exits (atexit), and by a watchdog when the process is killed, which also removes the folder.
///
/// Each test takes a database of its own (`freshDatabase`: a copy of a migrated template, ~tens of ms), so
/// tests stay independent while paying for the server and the migrations once.
///
/// `PROMO_TEST_POSTGRES_URL` (a superuser URL) uses a running server instead of starting one.
public final class TestPostgres: Sendable {
    /// A database that exists for one test; `drop()` it when done (each one is a few MB of catalog copies).
    public struct Database: Sendable {
        public let name: String
        public let url: DatabaseURL
        /// The URL as text, as `--database-url` takes it (no password: the test server trusts local users).
        public let urlString: String
        let server: TestPostgres

        /// The store configuration for this database, with a small pool (many tests run at once).
        public func configuration(poolSize: Int = 4) -> PostgresStoreConfiguration {
            var configuration = PostgresStoreConfiguration(url: url)
            configuration.poolSize = poolSize
            return configuration
        }

        /// Drops the database, closing whatever connections are still open on it.
        public func drop() async {
            _ = try? await server.admin.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)")
        }
    }

    /// Whether PostgreSQL tests can run here: the binaries are installed (or an external server is named).
    /// In CI (`CI=true`) the tests run regardless and fail loudly when they are missing, never skip.
    public static var isAvailable: Bool {
        getenv("PROMO_TEST_POSTGRES_URL") != nil || binDirectory() != nil || isCI
    }

    static var isCI: Bool {
        guard let value = getenv("CI") else { return false }
        return ["true", "1", "yes"].contains(String(cString: value).lowercased())
    }

    /// The shared server, started by the first caller.
    public static func shared() async throws -> TestPostgres {
        let task = starting.withLock { task in
            if let task { return task }
            let started = Task { try await TestPostgres.start() }
            task = started
            return started
        }
        return try await task.value
    }

    /// A fresh database holding the migrated schema (a copy of the template).
    public static func freshDatabase() async throws -> Database {
        try await shared().makeDatabase(template: templateName)
    }

    /// A fresh database with nothing in it (for migration tests).
    public static func emptyDatabase() async throws -> Database {
        try await shared().makeDatabase(template: "template0")
    }

    public let adminURL: DatabaseURL
    let admin: PostgresClient
    private let adminTask: Task<Void, Never>
    private let databaseNumber = Mutex(0)

    private static let starting = Mutex<Task<TestPostgres, any Error>?>(nil)
    private static let templateName = "promo_template"

    private init(adminURL: DatabaseURL) {
        self.adminURL = adminURL
        let configuration = PostgresClient.Configuration(
            host: adminURL.host, port: adminURL.port, username: adminURL.username, password: adminURL.password,
            database: adminURL.database, tls: .disable)
        let admin = PostgresClient(configuration: configuration)
        self.admin = admin
        adminTask = Task { await admin.run() }
    }

    private static func start() async throws -> TestPostgres {
        let adminURL: DatabaseURL
        if let external = getenv("PROMO_TEST_POSTGRES_URL") {
            adminURL = try DatabaseURL(parsing: String(cString: external))
        } else {
            let port = try await NIOThreadPool.singleton.runIfActive { try LocalCluster.start() }
            adminURL = try DatabaseURL(parsing: "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable")
        }
        let server = TestPostgres(adminURL: adminURL)
        try await server.prepareTemplate()
        return server
    }

    /// The template every fresh database copies: migrated once by a real store, then left without connections.
    private func prepareTemplate() async throws {
        let suffix = "\(getpid())"
        let building = "promo_template_build_\(suffix)"
        _ = try await admin.query("DROP DATABASE IF EXISTS \(unescaped: Self.templateName) WITH (FORCE)")
        _ = try await admin.query("CREATE DATABASE \(unescaped: building) TEMPLATE template0")
        var configuration = PostgresStoreConfiguration(url: url(database: building))
        configuration.poolSize = 1
        let store = try await PostgresStore.open(configuration)
        await store.close()
        try await retryingWhileInUse {
            _ = try await self.admin.query(
                "ALTER DATABASE \(unescaped: building) RENAME TO \(unescaped: Self.templateName)")
        }
    }

    func url(database: String) -> DatabaseURL {
        var url = adminURL
        url.database = database
        return url
    }

    private func makeDatabase(template: String) async throws -> Database {
        let number = databaseNumber.withLock { value in
            value += 1
            return value
        }
        let name = "promo_test_\(getpid())_\(number)"
        try await retryingWhileInUse {
            _ = try await self.admin.query(
                "CREATE DATABASE \(unescaped: name) TEMPLATE \(unescaped: template) STRATEGY FILE_COPY")
        }
        let url = url(database: name)
        let text = "postgres://\(url.username)@\(url.host):\(url.port)/\(name)?sslmode=disable"
        return Database(name: name, url: url, urlString: text, server: self)
    }

    /// CREATE DATABASE … TEMPLATE fails with 55006 while a backend of the template is still going away
    /// (the store's pool closed its connections, the server has not finished ending them).
    private func retryingWhileInUse(_ body: @escaping @Sendable () async throws -> Void) async throws {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "55006" && attempt < 100 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}

/// The PostgreSQL cluster this process starts and owns.
enum LocalCluster {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Set once started: what atexit stops.
    private static let postmasterPid = Mutex<pid_t>(0)

    /// Starts a cluster in a new temporary folder; returns its port. Blocking: run it off the cooperative pool.
    static func start() throws -> Int {
        guard let bin = TestPostgres.binDirectory() else {
            throw Failure(
                description: """
                    PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: run scripts/setup --tests \
                    (installs postgresql-15), or set PROMO_TEST_POSTGRES_URL to a running server's superuser URL
                    """)
        }
        var template = Array("/tmp/promo-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed: errno \(errno)") }
        let folder = String(cString: made)
        let data = "\(folder)/data"
        let log = "\(folder)/harness.log"

        // PostgreSQL refuses to run as root: hand the folder to an unprivileged user and run as it.
        var prefix: [String] = []
        if geteuid() == 0 {
            let users: [String] = ["postgres", "nobody"]
            guard let user = users.first(where: { getpwnam($0) != nil }), let entry = getpwnam(user) else {
                throw Failure(description: "running as root, and neither a postgres nor a nobody user exists")
            }
            guard chown(folder, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
                throw Failure(description: "chown \(folder) to \(user): errno \(errno)")
            }
            let runusers: [String] = ["/usr/sbin/runuser", "/sbin/runuser"]
            guard let runuser = runusers.first(where: { access($0, X_OK) == 0 }) else {
                throw Failure(description: "running as root and runuser is missing (util-linux)")
            }
            prefix = [runuser, "-u", user, "--"]
        }
        try ProcessSpawning.run(
            prefix + ["\(bin)/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            logPath: log)

        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try freePort()
            let options = [
                "-p \(port)", "-k \(folder)", "-c listen_addresses=127.0.0.1",
                // Durability off: a test database dies with the process anyway, and fsync is most of DDL's cost.
                "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
                // Every suite's stores and servers share this one cluster.
                "-c max_connections=300", "-c shared_buffers=128MB",
            ].joined(separator: " ")
            do {
                try ProcessSpawning.run(
                    prefix + ["\(bin)/pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", "\(folder)/postgres.log", "-o", options],
                    logPath: log)
            } catch {
                lastError = error
                continue
            }
            let pid = try readPostmasterPid(data)
            postmasterPid.withLock { $0 = pid }
            atexit { LocalCluster.stopAtExit() }
            try startWatchdog(folder: folder, postmaster: pid, log: log)
            return port
        }
        throw Failure(description: "pg_ctl start failed 5 times; last: \(lastError.map { "\($0)" } ?? "?")")
    }

    /// Immediate shutdown (SIGQUIT): nothing here needs to survive.
    private static func stopAtExit() {
        let pid = postmasterPid.withLock { $0 }
        if pid > 0 { kill(pid, SIGQUIT) }
    }

    /// A shell that outlives this process: once the process is gone (exited or killed), it stops the
    /// postmaster and removes the folder, so a crashed test run leaves no server behind.
    private static func startWatchdog(folder: String, postmaster: pid_t, log: String) throws {
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            kill -QUIT \(postmaster) 2>/dev/null
            while kill -0 \(postmaster) 2>/dev/null; do sleep 0.2; done
            rm -rf '\(folder)'
            """
        _ = try ProcessSpawning.spawn(["/bin/sh", "-c", script], logPath: "/dev/null")
        _ = log
    }

    private static func readPostmasterPid(_ data: String) throws -> pid_t {
        guard let file = fopen("\(data)/postmaster.pid", "r") else {
            throw Failure(description: "no \(data)/postmaster.pid after pg_ctl start")
        }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 64)
        guard fgets(&line, 64, file) != nil,
            let pid = pid_t(String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).trimmingNewline)
        else {
            throw Failure(description: "unreadable \(data)/postmaster.pid")
        }
        return pid
    }

    /// A port nothing listens on right now (bind to 0, read it, close); `start` retries if it is taken meanwhile.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw Failure(description: "bind: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw Failure(description: "getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension TestPostgres {
    /// The newest `/usr/lib/postgresql/<version>/bin` holding initdb and pg_ctl, or nil.
    static func binDirectory() -> String? {
        guard let directory = opendir("/usr/lib/postgresql") else { return nil }
        defer { closedir(directory) }
        var versions: [Int] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if let version = Int(name), access("/usr/lib/postgresql/\(name)/bin/initdb", X_OK) == 0,
                access("/usr/lib/postgresql/\(name)/bin/pg_ctl", X_OK) == 0
            {
                versions.append(version)
            }
        }
        return versions.max().map { "/usr/lib/postgresql/\($0)/bin" }
    }
}

extension String {
    fileprivate var trimmingNewline: String {
        var text = self
        while let last = text.last, last.isNewline || last == " " { text.removeLast() }
        return text
    }
}
