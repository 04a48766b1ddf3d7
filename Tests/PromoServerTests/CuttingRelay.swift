import NIOCore
import NIOPosix
import PromoStore

/// A TCP relay on 127.0.0.1, port 0, in front of a real server: every connection to it is a connection to
/// the server, byte for byte, until the server's `cutAtAnswer`-th answer frame on it: that frame is dropped
/// and both sides are closed, as a network or load balancer that fails mid-call would (or, with `silent`,
/// that answer and every later one are dropped and the connection stays open, as when the server's machine
/// vanishes and sends no reset). The server has done the work; the client never hears of it. So "the
/// connection died after the call was sent" happens at an exact point, with no timing involved.
final class CuttingRelay: Sendable {
    let port: Int
    private let listener: any Channel
    private let connections = LockedValue<[any Channel]>([])
    /// Connections cut so far.
    private let cutCount = LockedValue(0)

    var cuts: Int { cutCount.withLock { $0 } }

    /// `cutAtAnswer`: the 1-based answer frame (per connection) at which to cut; nil relays everything.
    /// `silent`: from that frame on, drop the answers but keep both connections open.
    static func start(to targetPort: Int, cutAtAnswer: Int?, silent: Bool = false) async throws -> CuttingRelay {
        let relay = Box()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { client in
                // The child is registered (and read) only once this future completes: nothing is lost.
                ClientBootstrap(group: client.eventLoop)
                    .channelInitializer { server in
                        server.eventLoop.makeCompletedFuture {
                            try server.pipeline.syncOperations.addHandler(
                                AnswerForwarder(client: client, cutAtAnswer: cutAtAnswer, silent: silent) { relay.value?.cutCount.withLock { $0 += 1 } })
                        }
                    }
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMapThrowing { server in
                        relay.value?.connections.withLock { $0 += [client, server] }
                        try client.pipeline.syncOperations.addHandler(RequestForwarder(server: server))
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let started = CuttingRelay(listener: listener, port: listener.localAddress?.port ?? 0)
        relay.value = started
        return started
    }

    private init(listener: any Channel, port: Int) {
        self.listener = listener
        self.port = port
    }

    /// Stops listening and closes every relayed connection.
    func stop() async {
        try? await listener.close()
        for channel in connections.withLock({ $0 }) { try? await channel.close() }
    }

    /// Lets the child initializer reach the relay that is being started.
    private final class Box: Sendable {
        private let lock = LockedValue<CuttingRelay?>(nil)
        var value: CuttingRelay? {
            get { lock.withLock { $0 } }
            set { lock.withLock { $0 = newValue } }
        }
    }
}

/// Client → server: every byte as it comes.
private final class RequestForwarder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let server: any Channel

    init(server: any Channel) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        server.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        server.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Server → client: whole answer frames (4-byte big-endian length, then the message), counted; the
/// `cutAtAnswer`-th is dropped and both connections closed.
private final class AnswerForwarder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let client: any Channel
    private let cutAtAnswer: Int?
    private let silent: Bool
    private let onCut: () -> Void
    private var pending = ByteBuffer()
    private var answers = 0

    init(client: any Channel, cutAtAnswer: Int?, silent: Bool, onCut: @escaping () -> Void) {
        self.client = client
        self.cutAtAnswer = cutAtAnswer
        self.silent = silent
        self.onCut = onCut
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        while let length = pending.getInteger(at: pending.readerIndex, as: UInt32.self),
            pending.readableBytes >= 4 + Int(length)
        {
            let frame = pending.readSlice(length: 4 + Int(length))!
            answers += 1
            if let cutAtAnswer, answers >= cutAtAnswer {
                if answers == cutAtAnswer { onCut() }
                if silent { continue }
                client.close(promise: nil)
                context.close(promise: nil)
                return
            }
            client.writeAndFlush(frame, promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
