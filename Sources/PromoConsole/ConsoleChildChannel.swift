import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import PromoServer

/// One console connection's pipeline: the protocol port's TLS (when on), the request read clock, then
/// Hummingbird's HTTP/1.1 channel with its idle timeout.
struct ConsoleChildChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    struct Settings: Sendable {
        let gateway: ServiceGateway
        let idleTimeout: TimeAmount
        let readTimeout: TimeAmount
        let logger: Logger
    }

    let responder: HTTPChannelHandler.Responder
    let settings: Settings

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture { () -> HTTP1Channel in
            try settings.gateway.addTLSHandlers(to: channel)
            // One clock per connection, shared by the handler before the HTTP decoder (sees a request's first
            // bytes) and the one after it (sees its end).
            let clock = NIOLoopBound(RequestReadClock(timeout: settings.readTimeout, logger: settings.logger), eventLoop: channel.eventLoop)
            try channel.pipeline.syncOperations.addHandler(RequestStartHandler(clock: clock))
            return HTTP1Channel(
                responder: responder,
                configuration: HTTP1Channel.Configuration(
                    additionalChannelHandlers: [RequestEndHandler(clock: clock)], idleTimeout: settings.idleTimeout))
        }.flatMap { http in
            http.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder).handle(value: value, logger: logger)
    }
}

/// Slowloris guard: a request must arrive whole (head and body) within `consoleReadTimeoutMs` of its first
/// byte, or the connection is closed. Time spent answering is not counted, nor time between requests (that is
/// the idle timeout's).
final class RequestReadClock {
    private let timeout: TimeAmount
    private let logger: Logger
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    var isRunning: Bool { deadline != nil }

    func start(context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let channel = context.channel
        let logger = logger
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            logger.debug("closing console connection: request not received in time")
            channel.close(promise: nil)
        }
    }

    func stop() {
        deadline?.cancel()
        deadline = nil
    }
}

/// Before the HTTP decoder: a request's first bytes start the clock.
final class RequestStartHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let clock: NIOLoopBound<RequestReadClock>

    init(clock: NIOLoopBound<RequestReadClock>) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        clock.value.start(context: context)
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        clock.value.stop()
        context.fireChannelInactive()
    }
}

/// After the HTTP decoder: a request's end stops the clock.
final class RequestEndHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    private let clock: NIOLoopBound<RequestReadClock>

    init(clock: NIOLoopBound<RequestReadClock>) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { clock.value.stop() }
        context.fireChannelRead(data)
    }
}
