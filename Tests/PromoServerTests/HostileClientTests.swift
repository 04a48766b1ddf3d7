import NIOCore
import NIOPosix
import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

/// A connection that never reads: `autoRead` off, a small receive buffer, writes not awaited.
final class SilentConnection: Sendable {
    let channel: any Channel
    private let collector: RawCollector

    final class RawCollector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = LockedValue(ByteBuffer())
        let closed = LockedValue(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.withLock { _ = $0.writeBuffer(&bytes) }
        }

        func channelInactive(context: ChannelHandlerContext) { closed.withLock { $0 = true } }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    static func connect(port: Int) async throws -> SilentConnection {
        let collector = RawCollector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 4_096)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return SilentConnection(channel: channel, collector: collector)
    }

    private init(channel: any Channel, collector: RawCollector) {
        self.channel = channel
        self.collector = collector
    }

    /// Queues the frames and flushes them; does not wait for the peer to take them (it may stop reading).
    func send(_ requests: [Request]) throws {
        let codec = WireCodec(frameBytesMax: 1 << 20)
        var buffer = ByteBuffer()
        for request in requests { try codec.encode(request, into: &buffer) }
        channel.writeAndFlush(buffer, promise: nil)
    }

    func send(bytes: [UInt8]) { channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil) }

    /// Starts reading at last, and waits until the server has closed the connection; returns the answers.
    func drainUntilClosed(timeoutMs: Int = 60_000) async throws -> (closed: Bool, answers: [Response]) {
        try? await channel.setOption(.autoRead, value: true).get()  // fails when the server has already closed it
        channel.read()
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline, !collector.closed.withLock({ $0 }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let frames = FrameDecoder(frameBytesMax: 64 << 20)
        let codec = WireCodec(frameBytesMax: 64 << 20)
        var answers: [Response] = []
        try collector.received.withLock { buffer in
            while let frame = try frames.nextFrame(from: &buffer) { answers.append(try codec.decodeResponse(frame)) }
        }
        return (collector.closed.withLock { $0 }, answers)
    }

    func close() async { try? await channel.close() }
}

/// The server's own count of `promo_connections_closed_total{reason=…}`.
func closedConnections(_ server: TestServer, reason: String) -> Int {
    let text = String(decoding: server.server.metrics.render(), as: UTF8.self)
    let prefix = "promo_connections_closed_total{reason=\"\(reason)\"} "
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return 0 }
    return Int(Double(line.dropFirst(prefix.count)) ?? 0)
}


/// Nothing a client sends or fails to read grows the server's memory without bound.
@Suite("Back-pressure on the way out and hostile clients", .serverCleanup)
struct OutboundBackPressureTests {
    @Test func framesBeforeHelloAreFewThenTheConnectionIsClosed() async throws {
        let server = try await TestServer.start { $0.preHelloFramesMax = 8 }
        let silent = try await SilentConnection.connect(port: server.port)
        // 10,000 empty frames, then 1,000 calls, none of them a hello, and nothing read.
        silent.send(bytes: [UInt8](repeating: 0, count: 4 * 10_000))
        try silent.send((0..<1_000).map { Request(requestId: UInt64($0 + 1), .listApiKeys(ListApiKeysRequest())) })
        #expect(await eventually { closedConnections(server, reason: "pre_hello") == 1 })
        // Another client is served meanwhile.
        let other = try await server.session()
        guard case .listApiKeys = try await other.call(.listApiKeys(ListApiKeysRequest())) else {
            Issue.record("another client was not served")
            return
        }
        await other.close()
        let (closed, answers) = try await silent.drainUntilClosed()
        #expect(closed)
        // At most eight answers, then the connection-level refusal: nothing more was ever produced for it.
        // (The close may reach the client as a reset that discards some of them, so no lower bound.)
        #expect(answers.count <= 9, "\(answers.count) answers")
        #expect(answers.dropLast().allSatisfy { $0.status.code == .invalidArgument })
        await silent.close()
    }

    @Test func aGoodHelloAfterAFewBadFramesKeepsTheConnection() async throws {
        let server = try await TestServer.start { $0.preHelloFramesMax = 4 }
        let raw = try await server.raw()
        try await raw.write([0, 0, 0, 0, 0, 0, 0, 0])  // two empty frames
        try await raw.write([Request(requestId: 1, .listApiKeys(ListApiKeysRequest()))])
        try await raw.write([Request(requestId: 2, .hello(HelloRequest(apiKey: adminKey)))])
        let answers = try await raw.readResponses(4)
        #expect(answers.map(\.status.code) == [.invalidArgument, .invalidArgument, .unauthenticated, .ok])
        // Authenticated now: frames are no longer counted.
        try await raw.write((3...40).map { Request(requestId: UInt64($0), .listApiKeys(ListApiKeysRequest())) })
        #expect(try await raw.readResponses(38).allSatisfy { $0.status.code == .ok })
        #expect(!raw.isClosed)
        await raw.close()
    }

    /// A campaign with `count` generated codes, and an analyst key to export them with.
    private static func exportable(_ server: TestServer, count: UInt32) async throws -> (campaignId: String, analystKey: String) {
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let generated = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = count
            $0.pattern = "****-****"
        }
        #expect(generated.generated == count)
        let analystKey = try await admin.createKey(role: "analyst")
        await admin.close()
        return (campaign.id, analystKey)
    }

    @Test func anAnalystPipeliningExportsWithoutReadingIsHeldToTheBudgetThenClosed() async throws {
        let outboundBytesMax = 256 << 10
        let server = try await TestServer.start {
            $0.outboundBytesMax = outboundBytesMax
            $0.writeStallTimeoutMs = 3_000
            $0.idleTimeoutMs = 600_000
        }
        let (campaignId, analystKey) = try await Self.exportable(server, count: 10_000)
        let silent = try await SilentConnection.connect(port: server.port)
        // 300 exports of the whole campaign (~500 KB each, ~150 MB in all), and nothing read.
        var requests = [Request(requestId: 1, .hello(HelloRequest(apiKey: analystKey)))]
        requests += (2...301).map { id in
            Request(requestId: UInt64(id), .exportCodes(.with { $0.campaignId = campaignId; $0.pageSize = 10_000 }))
        }
        try silent.send(requests)
        // Another client is served throughout, while the silent one fills its budget.
        let other = try await server.session()
        for _ in 0..<20 {
            let page = try await other.exportCodes { $0.campaignId = campaignId; $0.pageSize = 100 }
            #expect(page.codes.count == 100)
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(await eventually { closedConnections(server, reason: "write_stall") == 1 })
        // What the server held for it: over the budget (the test did reach it), never beyond the budget plus
        // the answers charged in advance (one whole frame here).
        let peak = server.server.metrics.outboundQueuedPeakBytes
        #expect(peak > outboundBytesMax, "peak \(peak)")
        #expect(peak <= 2 * outboundBytesMax + (1 << 20) + 4, "peak \(peak)")
        let (closed, answers) = try await silent.drainUntilClosed()
        #expect(closed)
        #expect(answers.count < 100, "\(answers.count) answers were produced for a peer that read none")
        #expect(try await other.exportCodes { $0.campaignId = campaignId; $0.pageSize = 10 }.codes.count == 10)
        await other.close()
        await silent.close()
    }

    @Test func aPeerThatNeverReadsIsClosedAfterTheWriteStallTimeout() async throws {
        let server = try await TestServer.start {
            $0.outboundBytesMax = 64 << 10
            $0.writeStallTimeoutMs = 300
            $0.idleTimeoutMs = 600_000
        }
        let (campaignId, analystKey) = try await Self.exportable(server, count: 2_000)
        let silent = try await SilentConnection.connect(port: server.port)
        var requests = [Request(requestId: 1, .hello(HelloRequest(apiKey: analystKey)))]
        requests += (2...401).map { id in
            Request(requestId: UInt64(id), .exportCodes(.with { $0.campaignId = campaignId; $0.pageSize = 2_000 }))
        }
        try silent.send(requests)
        #expect(await eventually { closedConnections(server, reason: "write_stall") == 1 })
        let (closed, _) = try await silent.drainUntilClosed()
        #expect(closed)
        // The server is fine: the next client is served at once.
        let other = try await server.session()
        #expect(try await other.exportCodes { $0.campaignId = campaignId; $0.pageSize = 5 }.codes.count == 5)
        await other.close()
        await silent.close()
    }

    @Test func aReaderThatKeepsUpIsNeverClosed() async throws {
        let server = try await TestServer.start {
            $0.outboundBytesMax = 64 << 10
            $0.writeStallTimeoutMs = 2_000
        }
        let (campaignId, analystKey) = try await Self.exportable(server, count: 2_000)
        let raw = try await server.raw()
        try await raw.write([Request(requestId: 1, .hello(HelloRequest(apiKey: analystKey)))])
        #expect(try await raw.readResponse().status.code == .ok)
        // 200 exports (~24 MB) pipelined to a client that reads as fast as it can: back-pressure, no closing.
        try await raw.write((2...201).map { id in
            Request(requestId: UInt64(id), .exportCodes(.with { $0.campaignId = campaignId; $0.pageSize = 2_000 }))
        })
        let answers = try await raw.readResponses(200, timeoutMs: 60_000)
        #expect(answers.allSatisfy { $0.status.code == .ok })
        #expect(closedConnections(server, reason: "write_stall") == 0)
        await raw.close()
    }

    @Test func impossibleSettingsAreRefusedAtStart() async throws {
        for configure: @Sendable (inout ServerConfiguration) -> Void in [
            { $0.outboundBytesMax = 1_000 }, { $0.writeStallTimeoutMs = 0 }, { $0.preHelloFramesMax = 0 },
        ] {
            await #expect(throws: ServerError.self) { _ = try await TestServer.start(configure) }
        }
    }
}
