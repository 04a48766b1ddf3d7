import NIOCore

extension PromoClient {
    /// Puts a handler of the caller's in front of the client's call matching, for callers that encode and
    /// match their own frames: a load generator cannot afford what `send` costs per call (two promises, a
    /// dictionary entry, a timeout timer, a Swift value decoded field by field, a flush).
    ///
    /// From then on the handler receives every answer frame as a `ByteBuffer` holding one encoded `Response`
    /// (the length prefix removed), and writes whole frames (length prefix included) as `ByteBuffer`s with
    /// request ids of its own; while it is in place, `send` and `call` must not be used (their answers would go
    /// to the handler). Removing the handler from `channel.pipeline` gives the connection back to the client.
    ///
    /// Call it with no call in flight. `makeHandler` runs on the connection's event loop; the handler is
    /// returned bound to that loop.
    public func insertFrameHandler<Handler: ChannelInboundHandler & RemovableChannelHandler & SendableMetatype>(
        _ makeHandler: @escaping @Sendable () -> Handler
    ) async throws -> NIOLoopBound<Handler> where Handler.InboundIn == ByteBuffer {
        let channel = channel
        return try await channel.eventLoop.submit {
            let handler = makeHandler()
            let pipeline = channel.pipeline.syncOperations
            let matching = try pipeline.handler(type: ClientHandler.self)
            try pipeline.addHandler(handler, position: .before(matching))
            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
        }.get()
    }
}
