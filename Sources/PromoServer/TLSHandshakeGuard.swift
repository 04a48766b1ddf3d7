import Logging
import NIOCore
import NIOTLS

/// Sits right behind `NIOSSLServerHandler` until the handshake is done.
///
/// - Bounds the handshake: a peer that opens TCP and never finishes it (or trickles it) is closed after
///   `tlsHandshakeTimeoutMs`. The idle handler further down cannot do this: it only sees decrypted bytes.
/// - Logs a failed handshake (wrong CA, no client certificate, plaintext client, …) once, at info, and closes,
///   instead of passing a TLS error on to the protocol handler.
///
/// Once the handshake completes it removes itself, so an established connection pays nothing for it.
final class TLSHandshakeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var logger: Logger
    private var deadline: Scheduled<Void>?
    private var failed = false

    init(timeoutMs: Int, logger: Logger) {
        self.timeout = .milliseconds(Int64(timeoutMs))
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startClock(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startClock(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            deadline?.cancel()
            deadline = nil
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        deadline?.cancel()
        if !failed {
            failed = true
            logger.info("TLS handshake failed", metadata: ["error": "\(error)"])
        }
        context.close(promise: nil)
    }

    private func startClock(context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        if let remote = context.remoteAddress { logger[metadataKey: "peer"] = "\(remote)" }
        let timeout = timeout
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, !self.failed else { return }
            self.failed = true
            let timeoutMs = timeout.nanoseconds / 1_000_000
            self.logger.info("TLS handshake timed out; closing", metadata: ["timeoutMs": "\(timeoutMs)"])
            context.close(promise: nil)
        }
    }
}
