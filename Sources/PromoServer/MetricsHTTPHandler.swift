import NIOCore
import NIOHTTP1

/// The operations port's routes: `GET /metrics` (Prometheus text), `GET /healthz` (200 while the process
/// serves), `GET /readyz` (200 when ready, 503 once shutdown has begun). Anything else is 404.
/// `HEAD` is answered like `GET` without the body.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: ServerMetrics
    private let health: ServiceHealth
    private var request: HTTPRequestHead?

    init(metrics: ServerMetrics, health: ServiceHealth) {
        self.metrics = metrics
        self.health = health
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break  // no route takes a body; its bytes still count against HTTPRequestBudget
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// A malformed request (HTTPServerProtocolErrorHandler has answered 400) or a broken connection: hang up.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let (status, contentType, body) = answer(head, allocator: context.channel.allocator)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Cache-Control", value: "no-store")
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    private func answer(_ head: HTTPRequestHead, allocator: ByteBufferAllocator)
        -> (HTTPResponseStatus, String, ByteBuffer)
    {
        let text = "text/plain; charset=utf-8"
        guard head.method == .GET || head.method == .HEAD else {
            return (.notFound, text, allocator.buffer(string: "not found\n"))
        }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        switch path {
        case "/metrics":
            return (.ok, "text/plain; version=0.0.4; charset=utf-8", allocator.buffer(bytes: metrics.render()))
        case "/healthz":
            return (.ok, text, allocator.buffer(string: "ok\n"))
        case "/readyz":
            return health.isReady
                ? (.ok, text, allocator.buffer(string: "ready\n"))
                : (.serviceUnavailable, text, allocator.buffer(string: "not ready\n"))
        default:
            return (.notFound, text, allocator.buffer(string: "not found\n"))
        }
    }
}
