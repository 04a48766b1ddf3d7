import NIOCore

/// First in the operations port's pipeline: closes a connection that sends more than `bytesMax` bytes
/// without getting an answer, whatever those bytes are (endless headers, a body, pipelined junk).
///
/// Every answer written resets the budget, so a scraper may keep one connection alive for ever while a
/// single request can never make the server buffer more than `bytesMax` (plus one read).
final class HTTPRequestBudget: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let bytesMax: Int
    private var received = 0

    init(bytesMax: Int) { self.bytesMax = bytesMax }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytes
        guard received <= bytesMax else {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        received = 0
        context.write(data, promise: promise)
    }
}
