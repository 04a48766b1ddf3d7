import NIOCore
import NIOPosix
import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One HTTP exchange with the operations port over a real TCP connection: the raw bytes the server sent
/// before it closed the connection (or the timeout ran out).
struct HTTPExchange {
    let text: String
    let closedByServer: Bool

    /// The status code of the first response.
    var status: Int? {
        guard text.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }

    var body: String {
        guard let range = text.range(of: "\r\n\r\n") else { return "" }
        return String(text[range.upperBound...])
    }

    /// The value of the sample `name` (metric name with its labels, exactly as rendered), if present.
    func sample(_ name: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    /// Sends `request` (bytes as given) to 127.0.0.1:`port` and collects the answer until the server closes.
    static func send(_ request: [UInt8], port: Int, timeoutMs: Int = eventuallyMs) async throws -> HTTPExchange {
        let collector = RawConnection.Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try? await channel.writeAndFlush(ByteBuffer(bytes: request))
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline, !collector.closed.withLock({ $0 }) {
            try await Task.sleep(for: .milliseconds(5))
        }
        let closed = collector.closed.withLock { $0 }
        if !closed { try? await channel.close() }
        let text = collector.received.withLock { String(buffer: $0) }
        return HTTPExchange(text: text, closedByServer: closed)
    }

    static func get(_ path: String, port: Int, method: String = "GET") async throws -> HTTPExchange {
        try await send(Array("\(method) \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".utf8), port: port)
    }
}

extension TestServer {
    var metricsPort: Int {
        get throws { try #require(server.metricsAddress?.port) }
    }
}

/// True when nothing listens on 127.0.0.1:`port` any more.
func connectionRefused(port: Int) async -> Bool {
    do {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try? await channel.close()
        return false
    } catch {
        return true
    }
}

@Suite("Metrics and health endpoints on the operations port", .serverCleanup)
struct MetricsTests {
    @Test func countsEveryRequestByRPCStatusAndVerdict() async throws {
        let server = try await TestServer.start()

        let admin = try await server.session()  // hello OK: 1
        let code = Unique.code("METRICS")
        _ = try await admin.createCampaign(bonusCampaign(), code: code)  // create_campaign OK: 1
        for _ in 0..<3 {  // validate OK, verdict OK: 3
            #expect(try await admin.validate(code: code, user: user(Unique.user())).verdict == .ok)
        }
        for _ in 0..<2 {  // validate OK, verdict CODE_NOT_FOUND: 2
            #expect(try await admin.validate(code: Unique.code("NOPE"), user: user(Unique.user())).verdict == .codeNotFound)
        }
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)  // redeem OK, verdict OK: 1
        // A campaign that has not started: redeem OK with verdict NOT_YET_VALID: 1.
        let later = Unique.code("LATER")
        _ = try await admin.createCampaign(bonusCampaign { $0.startsAtMs = nowMs() + dayMs }, code: later)  // create_campaign OK: 2
        #expect(try await admin.redeem(code: later, user: user(Unique.user())).verdict == .notYetValid)

        let stranger = try await server.client()
        // validate before hello: UNAUTHENTICATED: 1 (no verdict).
        #expect(try await stranger.send(.validate(.with { $0.code = code })).status.code == .unauthenticated)
        // A wrong key: hello UNAUTHENTICATED: 1.
        #expect(try await stranger.send(.hello(.with { $0.apiKey = "pk_wrong_key" })).status.code == .unauthenticated)
        // An undecodable frame (field 1 as a length-delimited run past the end): rpc "unknown", INVALID_ARGUMENT: 1.
        let raw = try await server.raw()
        try await raw.write([0, 0, 0, 2, 0x0A, 0x05])
        #expect(try await raw.readResponse().status.code == .invalidArgument)

        let metrics = try await HTTPExchange.get("/metrics", port: try server.metricsPort)
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("Content-Type: text/plain; version=0.0.4"))
        let expected: [String: Double] = [
            #"promo_requests_total{rpc="hello",status="OK"}"#: 1,
            #"promo_requests_total{rpc="hello",status="UNAUTHENTICATED"}"#: 1,
            #"promo_requests_total{rpc="create_campaign",status="OK"}"#: 2,
            #"promo_requests_total{rpc="validate",status="OK"}"#: 5,
            #"promo_requests_total{rpc="validate",status="UNAUTHENTICATED"}"#: 1,
            #"promo_requests_total{rpc="redeem",status="OK"}"#: 2,
            #"promo_requests_total{rpc="redeem",status="INVALID_ARGUMENT"}"#: 0,
            #"promo_requests_total{rpc="unknown",status="INVALID_ARGUMENT"}"#: 1,
            #"promo_verdicts_total{rpc="validate",verdict="OK"}"#: 3,
            #"promo_verdicts_total{rpc="validate",verdict="CODE_NOT_FOUND"}"#: 2,
            #"promo_verdicts_total{rpc="redeem",verdict="OK"}"#: 1,
            #"promo_verdicts_total{rpc="redeem",verdict="NOT_YET_VALID"}"#: 1,
            #"promo_verdicts_total{rpc="redeem",verdict="CODE_NOT_FOUND"}"#: 0,
            #"promo_request_duration_seconds_count{rpc="validate"}"#: 6,
            #"promo_request_duration_seconds_count{rpc="redeem"}"#: 2,
            #"promo_request_duration_seconds_count{rpc="hello"}"#: 2,
            // Three client connections are open while /metrics is read.
            "promo_open_connections": 3,
        ]
        for (sample, value) in expected {
            #expect(metrics.sample(sample) == value, "\(sample)")
        }
        // Every validate took at least 0 s and at most 10 s: all six are in the +Inf and the 10 s buckets.
        #expect(metrics.sample(#"promo_request_duration_seconds_bucket{rpc="validate",le="10.0"}"#) == 6)
        #expect(metrics.sample(#"promo_request_duration_seconds_bucket{rpc="validate",le="+Inf"}"#) == 6)
        // Writes went through the group-commit writer: 2 campaigns and 2 redeems at least (plus the admin key).
        #expect((metrics.sample("promo_commit_batch_jobs_sum") ?? 0) >= 4)
        #expect((metrics.sample("promo_commit_duration_seconds_count") ?? 0) >= 1)
        #expect(metrics.sample("promo_commit_batch_jobs_count") == metrics.sample("promo_commit_duration_seconds_count"))
        #expect(metrics.sample("promo_write_queue_depth") != nil)
        // Every write job's queue wait is in its class's histogram: the campaigns and redeems are interactive.
        #expect((metrics.sample(#"promo_write_queue_wait_seconds_count{class="interactive"}"#) ?? 0) >= 4)
        #expect(metrics.sample(#"promo_write_queue_wait_seconds_count{class="bulk"}"#) != nil)
        #expect(metrics.body.contains("# HELP promo_requests_total "))
        #expect(metrics.body.contains("# TYPE promo_request_duration_seconds histogram"))

        await raw.close()
        await stranger.close()
        await admin.close()
    }

    @Test func eachServerCountsOnlyItsOwnTraffic() async throws {
        let first = try await TestServer.start()
        let second = try await TestServer.start()
        let client = try await first.session()
        _ = try await client.hello(apiKey: adminKey)
        let hello = #"promo_requests_total{rpc="hello",status="OK"}"#
        #expect(try await HTTPExchange.get("/metrics", port: try first.metricsPort).sample(hello) == 2)
        #expect(try await HTTPExchange.get("/metrics", port: try second.metricsPort).sample(hello) == 0)
        await client.close()
    }

    @Test func healthReadinessAndUnknownPaths() async throws {
        let server = try await TestServer.start()
        let port = try server.metricsPort

        let health = try await HTTPExchange.get("/healthz", port: port)
        #expect(health.status == 200)
        #expect(health.body == "ok\n")
        #expect(try await HTTPExchange.get("/readyz", port: port).status == 200)
        #expect(try await HTTPExchange.get("/readyz?verbose=1", port: port).status == 200)
        #expect(try await HTTPExchange.get("/", port: port).status == 404)
        #expect(try await HTTPExchange.get("/metrics/extra", port: port).status == 404)
        #expect(try await HTTPExchange.get("/metrics", port: port, method: "POST").status == 404)
        let head = try await HTTPExchange.get("/healthz", port: port, method: "HEAD")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
    }

    @Test func keepAliveAnswersEveryRequestInOrder() async throws {
        let server = try await TestServer.start()
        let twoRequests = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        let exchange = try await HTTPExchange.send(Array(twoRequests.utf8), port: try server.metricsPort)
        #expect(exchange.closedByServer)
        // Bodies carry no final newline, so the second status line follows the first body directly.
        let first = try #require(exchange.text.range(of: "HTTP/1.1 200 OK\r\n"))
        let second = try #require(exchange.text.range(of: "HTTP/1.1 404 Not Found\r\n"))
        #expect(first.upperBound <= second.lowerBound)
        #expect(exchange.text.contains("ok\nHTTP/1.1 404"))
    }

    /// While shutdown drains an in-flight redeem, /readyz says 503 and /healthz still 200; once stopped,
    /// the operations port refuses connections.
    @Test func readinessFailsAsSoonAsShutdownBegins() async throws {
        // A port below the kernel's ephemeral range (32768-60999 by default): once this server lets it go, no
        // other test server (all on port 0) can be handed it, so "connection refused" means what it says.
        var started: TestServer?
        for _ in 0..<20 where started == nil {
            let port = Int.random(in: 20_000..<32_000)
            started = try? await TestServer.start {
                $0.metricsPort = port
                // The blocker below holds the write lock for as long as a loaded machine takes to poll readiness.
                $0.storeBusyTimeoutMs = 300_000
            }
        }
        let server = try #require(started)
        let port = try server.metricsPort
        let admin = try await server.session()
        let code = Unique.code("DRAIN")
        _ = try await admin.createCampaign(bonusCampaign(), code: code)

        // Another SQLite connection holds the write lock, so the next redeem stays in flight.
        let blocker = try Connection(path: server.dataDirectory + "/promo.sqlite", busyTimeoutMs: 1_000)
        try blocker.execute("BEGIN IMMEDIATE")
        let redeem = admin.sendFuture(.redeem(.with {
            $0.code = code
            $0.user = user(Unique.user())
            $0.idempotencyKey = Unique.key()
        }))
        // Frames are handled in order, so once the validate written after it is answered (from the event loop,
        // past the held write lock), the server has read the redeem and handed it to the writer.
        _ = try await admin.validate(code: code, user: user(Unique.user()))
        let stopping = Task { await server.stop() }

        var readiness = try await HTTPExchange.get("/readyz", port: port)
        let deadline = ContinuousClock.now + .seconds(30)
        while readiness.status == 200, ContinuousClock.now < deadline {
            readiness = try await HTTPExchange.get("/readyz", port: port)
        }
        #expect(readiness.status == 503)
        #expect(try await HTTPExchange.get("/healthz", port: port).status == 200)

        try blocker.execute("ROLLBACK")
        // The in-flight request was finished, not dropped.
        let answer = try await redeem.get()
        #expect(answer.status.code == .ok, "\(answer.status)")
        guard case .redeem(let redeemed)? = answer.result else {
            Issue.record("no redeem result: \(answer)")
            return
        }
        #expect(redeemed.verdict == .ok)
        await stopping.value
        #expect(server.server.metricsAddress == nil)
        #expect(await connectionRefused(port: port))
        await admin.close()
    }

    @Test func oversizedAndGarbageRequestsAreClosedWithoutHarm() async throws {
        let server = try await TestServer.start()
        let port = try server.metricsPort

        // Headers that never end, past metricsRequestBytesMax (16 KiB): closed without an answer.
        let endless = Array("GET /metrics HTTP/1.1\r\nX-Filler: ".utf8) + [UInt8](repeating: 0x61, count: 40_000)
        let oversized = try await HTTPExchange.send(endless, port: port)
        #expect(oversized.closedByServer)
        #expect(oversized.status == nil)

        // Not HTTP at all: 400, then closed.
        let garbage = try await HTTPExchange.send([0x00, 0xFF, 0x13, 0x37] + Array(" nonsense\r\n\r\n".utf8), port: port)
        #expect(garbage.closedByServer)
        #expect(garbage.status == 400)

        // Both ports still serve.
        #expect(try await HTTPExchange.get("/healthz", port: port).status == 200)
        let client = try await server.session()
        #expect(try await client.hello(apiKey: adminKey).role == "admin")
        await client.close()
    }

    @Test func idleConnectionsAreClosed() async throws {
        let server = try await TestServer.start { $0.metricsIdleTimeoutMs = 100 }
        // Half a request line, then silence.
        let exchange = try await HTTPExchange.send(Array("GET /hea".utf8), port: try server.metricsPort)
        #expect(exchange.closedByServer)
    }

    @Test func metricsPortCanBeSwitchedOff() async throws {
        let server = try await TestServer.start { $0.metricsEnabled = false }
        #expect(server.server.metricsAddress == nil)
        let client = try await server.session()
        #expect(try await client.hello(apiKey: adminKey).role == "admin")
        await client.close()
    }

    @Test func configurationRefusesClashingPorts() {
        var configuration = ServerConfiguration()
        configuration.metricsPort = configuration.port
        #expect(throws: ServerError.self) { try configuration.validate() }
        configuration.metricsEnabled = false
        #expect(throws: Never.self) { try configuration.validate() }
    }
}
