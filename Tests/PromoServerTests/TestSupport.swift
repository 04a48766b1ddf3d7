import Logging
import NIOCore
import NIOPosix
import PostgresTestSupport
import PromoClient
import PromoConsole
import PromoServer
import PromoStore
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The admin key every test server is bootstrapped with (PROMO_ADMIN_KEY's role).
let adminKey = "pk_test_admin_0123456789abcdef0123456789abcdef"

/// A real promo-server on 127.0.0.1, port 0, over a fresh SQLite file in a temporary folder, or a fresh
/// database of the test PostgreSQL (`store: .postgres`, or `PROMO_TEST_STORE=postgres` for every server).
final class TestServer: Sendable {
    let server: PromoServer
    let port: Int
    /// The console's HTTP/JSON port (0 when the test turned `consoleEnabled` off).
    let consolePort: Int
    let dataDirectory: String

    static func start(
        store: TestStore = .fromEnvironment, dataDirectory: String? = nil,
        _ configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.metricsPort = 0
        configuration.consolePort = 0
        configuration.dataDirectory = dataDirectory ?? makeTemporaryDirectory()
        var database: TestPostgres.Database?
        if store == .postgres {
            database = try await TestDatabases.database(forDirectory: configuration.dataDirectory)
            configuration.databaseUrl = database?.urlString
            configuration.databasePoolSize = 4
        }
        configuration.bootstrapAdminKey = adminKey
        // Failure windows are fixed and epoch-aligned: a day-long one keeps a test's few failures inside one
        // window however slowly a loaded machine runs them (RateLimitTests says why).
        configuration.rateLimitWindowMs = 86_400_000
        configure(&configuration)
        var logger = Logger(label: "test.server")
        logger.logLevel = .warning
        let server = PromoServer(configuration: configuration, logger: logger, console: ConsoleServer())
        do {
            try await server.start()
        } catch {
            await server.shutdown()
            throw error
        }
        let port = try #require(server.address?.port)
        if let database { try await TestDatabases.requireServerStores(in: database) }
        let started = TestServer(
            server: server, port: port, consolePort: server.consoleAddress?.port ?? 0, dataDirectory: configuration.dataDirectory)
        if let resources = TestResources.current {
            resources.adopt(started)
        } else {
            Issue.record(
                "TestServer started outside a .serverCleanup scope: nothing awaits its stop (add the trait to the suite)",
                severity: .warning)
        }
        return started
    }

    private init(server: PromoServer, port: Int, consolePort: Int, dataDirectory: String) {
        self.server = server
        self.port = port
        self.consolePort = consolePort
        self.dataDirectory = dataDirectory
    }

    func client(_ configure: (inout ClientConfiguration) -> Void = { _ in }) async throws -> PromoClient {
        var configuration = ClientConfiguration()
        configure(&configuration)
        return try await PromoClient.connect(host: "127.0.0.1", port: port, configuration: configuration)
    }

    /// A client that has already said hello with `key`.
    func session(key: String = adminKey) async throws -> PromoClient {
        let client = try await client()
        _ = try await client.hello(apiKey: key)
        return client
    }

    func raw() async throws -> RawConnection { try await RawConnection.connect(port: port) }

    private let stopping = LockedValue<Task<Void, Never>?>(nil)

    /// Graceful stop. Every call, concurrent or later, waits for the one shutdown to finish.
    func stop() async {
        let shutdown = stopping.withLock { stopping in
            if let stopping { return stopping }
            let server = server
            let task = Task { await server.shutdown() }
            stopping = task
            return task
        }
        await shutdown.value
    }
}

/// A byte-level TCP connection, for tests about framing, garbage and connection-level behaviour.
final class RawConnection: Sendable {
    let channel: any Channel
    private let collector: Collector
    private let codec = LockedValue(WireCodec(frameBytesMax: 64 << 20))
    private let frames = FrameDecoder(frameBytesMax: 64 << 20)

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = LockedValue(ByteBuffer())
        let closed = LockedValue(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.withLock { _ = $0.writeBuffer(&bytes) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.withLock { $0 = true }
        }
    }

    static func connect(port: Int) async throws -> RawConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func write(_ requests: [Request]) async throws {
        var buffer = ByteBuffer()
        try codec.withLock { codec in for request in requests { try codec.encode(request, into: &buffer) } }
        try await channel.writeAndFlush(buffer)
    }

    /// Waits for the next complete response frame (or the close), at most `timeoutMs`: generous by default,
    /// since a loaded machine may take seconds to answer what an idle one answers at once.
    func readResponse(timeoutMs: Int = eventuallyMs) async throws -> Response {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline {
            let frame = try collector.received.withLock { buffer in try frames.nextFrame(from: &buffer) }
            if let frame { return try codec.withLock { try $0.decodeResponse(frame) } }
            if isClosed && collector.received.withLock({ $0.readableBytes }) < 4 { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw RawConnectionError.noResponse
    }

    func readResponses(_ count: Int, timeoutMs: Int = eventuallyMs) async throws -> [Response] {
        var responses: [Response] = []
        for _ in 0..<count { responses.append(try await readResponse(timeoutMs: timeoutMs)) }
        return responses
    }

    var isClosed: Bool { collector.closed.withLock { $0 } }

    /// True when the server closed the connection within the timeout.
    func waitUntilClosed(timeoutMs: Int = eventuallyMs) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline {
            if isClosed { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return isClosed
    }

    func close() async { try? await channel.close() }
}

enum RawConnectionError: Error { case noResponse }

/// A seeded generator, so the random-input tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Finds a product built with the tests: next to the test bundle, else in the package's `.build/debug`.
func builtExecutable(_ name: String, filePath: String = #filePath) -> String? {
    func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
    var candidates: [String] = []
    var buffer = [CChar](repeating: 0, count: 4_096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if length > 0 {
        let exe = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        candidates.append(directory(of: exe) + "/" + name)
    }
    if let argument = CommandLine.arguments.first, argument.contains("/") {
        candidates.append(directory(of: argument) + "/" + name)
    }
    // <root>/Tests/PromoServerTests/TestSupport.swift → <root>/.build/debug/<name>
    candidates.append(directory(of: directory(of: directory(of: filePath))) + "/.build/debug/" + name)
    return candidates.first { access($0, X_OK) == 0 }
}
