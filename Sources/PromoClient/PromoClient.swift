import NIOCore
import NIOPosix
import NIOSSL
import PromoWire
import Synchronization

/// Settings of one client connection, with defaults that suit a game server next to promo-server.
public struct ClientConfiguration: Sendable {
    /// Largest frame accepted or sent. Must be at least the server's for large answers. Default 1 MiB.
    public var frameBytesMax = 1 << 20
    /// Give up connecting after this long. Default 5,000 ms.
    public var connectTimeoutMs = 5_000
    /// A call not answered within this long fails with `PromoClientError.Code.timedOut`. Default 30,000 ms.
    public var callTimeoutMs = 30_000
    /// TLS to speak, if any; the handshake must finish within `connectTimeoutMs`. Default nil: plaintext.
    public var tls: ClientTLS?

    public init() {}
}

/// Why a call produced no answer, or an answer that is an error.
public struct PromoClientError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The server answered with a non-OK status (see `status`).
        case status
        /// The server sent a connection-level error (request id 0); see `status`.
        case connection
        /// The connection closed before the answer arrived.
        case closed
        case timedOut
        /// The answer's result arm does not match the call.
        case unexpectedResult
        case wire
        /// TLS could not be set up (a file) or the handshake failed (an untrusted or refused certificate).
        case tls
        /// The connection had already failed when the call was to be written: the server never saw the call,
        /// so it is safe to send again elsewhere, whatever it is. `status` is the connection's end, if the
        /// server gave one.
        case notSent
        /// `FailoverClient`: a call that is not safe to repeat (a redeem without an `idempotency_key`, an
        /// admin change) was sent and its connection failed before the answer. The server may or may not
        /// have applied it; it was not sent again.
        case outcomeUnknown
        /// `FailoverClient`: no address could be connected to (and greeted) within `FailoverPolicy`'s
        /// limits; the message names each address and why.
        case unreachable
        /// The call could not be encoded (larger than `frameBytesMax`): it was not sent.
        case unencodable
        /// A client setting is unusable: an address that is not HOST:PORT, a failover limit out of range.
        case invalidConfiguration
    }

    public let code: Code
    public let status: Status?
    public let message: String

    init(_ code: Code, _ message: String, status: Status? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String {
        if let status { return "\(status.code): \(status.message)" }
        return message
    }

    /// The connection failed (closed, reset, timed out, broken stream or TLS): the call may be sent again on
    /// another connection if it is safe to repeat. An answer with a non-OK status is not a connection failure.
    public var isConnectionFailure: Bool {
        switch code {
        case .closed, .connection, .timedOut, .wire, .tls, .notSent: true
        case .status, .unexpectedResult, .outcomeUnknown, .unreachable, .unencodable, .invalidConfiguration: false
        }
    }
}

/// An asynchronous promo-service client over one TCP connection.
///
/// Calls may be issued concurrently from many tasks: they are pipelined on the connection and matched to
/// their answers by request id, whatever order the server answers in.
///
/// One connection, one server, no retries: for several servers, and moving to the next when a connection
/// fails, use `FailoverClient`.
public final class PromoClient: Sendable {
    public let channel: any Channel
    public let configuration: ClientConfiguration
    /// Why the connection ended, once it has: a call written after that reports it, not just "closed".
    private let ended: ConnectionEnd

    private init(channel: any Channel, configuration: ClientConfiguration, ended: ConnectionEnd) {
        self.channel = channel
        self.configuration = configuration
        self.ended = ended
    }

    public static func connect(
        host: String, port: Int, configuration: ClientConfiguration = .init(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> PromoClient {
        let handshake = configuration.tls.map { _ in group.any().makePromise(of: Void.self) }
        let ended = ConnectionEnd()
        let channel: any Channel
        do {
            channel = try await Self.bootstrap(
                host: host, configuration: configuration, group: group, handshake: handshake, ended: ended)
                .connect(host: host, port: port).get()
        } catch {
            handshake?.fail(error)  // never completed otherwise: a leaked promise
            throw error
        }
        do {
            try await handshake?.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return PromoClient(channel: channel, configuration: configuration, ended: ended)
    }

    private static func bootstrap(
        host: String, configuration: ClientConfiguration, group: any EventLoopGroup, handshake: EventLoopPromise<Void>?,
        ended: ConnectionEnd
    ) -> ClientBootstrap {
        ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(configuration.connectTimeoutMs)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = configuration.tls, let handshake {
                        try channel.pipeline.syncOperations.addHandlers([
                            try tls.makeHandler(host: host),
                            TLSHandshakeWaiter(
                                done: handshake, timeout: .milliseconds(Int64(configuration.connectTimeoutMs))),
                        ])
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(FrameToMessageDecoder(frameBytesMax: configuration.frameBytesMax)),
                        ClientHandler(configuration: configuration, ended: ended),
                    ])
                }
            }
    }

    /// Sends one call and returns the server's whole answer, whatever its status.
    public func send(_ call: Request.Call) async throws -> Response {
        try await sendFuture(call).get()
    }

    /// `send` without async/await: the answer completes on the connection's event loop. Called on that loop
    /// (from a callback of an earlier answer), a call is written and answered with no thread hop at all,
    /// which is what a load generator needs to stay cheaper than the server it measures.
    public func sendFuture(_ call: Request.Call) -> EventLoopFuture<Response> {
        let promise = channel.eventLoop.makePromise(of: Response.self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        let ended = ended
        written.futureResult.whenFailure {
            // A failed write never reached the server whole (a partial frame is never decoded): not sent.
            promise.fail(PromoClientError.notSent(after: ended.reason, "write failed: \($0)"))
        }
        channel.writeAndFlush(PendingCall(call: call, promise: promise), promise: written)
        return promise.futureResult
    }

    /// Sends one call and returns its result; a non-OK status throws `PromoClientError` with code `.status`.
    public func call(_ call: Request.Call) async throws -> Response.Result {
        let response = try await send(call)
        guard response.status.code == .ok else {
            throw PromoClientError(.status, response.status.message, status: response.status)
        }
        guard let result = response.result else {
            throw PromoClientError(.unexpectedResult, "OK answer without a result")
        }
        return result
    }

    public func hello(apiKey: String, clientName: String = "promo-client") async throws -> HelloResponse {
        guard case .hello(let hello) = try await call(.hello(HelloRequest(apiKey: apiKey, clientName: clientName))) else {
            throw PromoClientError(.unexpectedResult, "hello answered with another result")
        }
        return hello
    }

    public func close() async {
        try? await channel.close()
    }

    /// Closes the connection once every call already sent on it has its answer (or has timed out), so that
    /// giving up a server that is still answering costs none of the calls in flight on it. A call sent after
    /// the close fails `notSent`.
    public func closeWhenIdle() {
        let channel = channel
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: ClientHandler.self) else {
                channel.close(promise: nil)
                return
            }
            handler.closeWhenIdle()
        }
    }

    /// True while the connection is open and has not failed: a call sent now is written to the server.
    public var isUsable: Bool { channel.isActive && ended.reason == nil }

    /// Why the connection failed, once it has.
    public var failure: PromoClientError? { ended.reason }
}

extension PromoClientError {
    /// A call that was never written because the connection had already failed with `reason`.
    static func notSent(after reason: PromoClientError?, _ fallback: String) -> PromoClientError {
        guard let reason else { return PromoClientError(.notSent, "not sent, the connection had failed: \(fallback)") }
        return PromoClientError(.notSent, "not sent, the connection had failed: \(reason.message)", status: reason.status)
    }
}

/// The first reason a connection failed, readable from any thread.
final class ConnectionEnd: Sendable {
    private let first = Mutex<PromoClientError?>(nil)

    var reason: PromoClientError? { first.withLock { $0 } }

    func record(_ error: PromoClientError) {
        first.withLock { if $0 == nil { $0 = error } }
    }
}

struct PendingCall: Sendable {
    let call: Request.Call
    let promise: EventLoopPromise<Response>
}

/// Assigns request ids, remembers each call's promise and completes it when its answer arrives.
final class ClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = PendingCall
    typealias OutboundOut = ByteBuffer

    private let codec: WireCodec
    private let callTimeout: TimeAmount
    private var pending: [UInt64: (promise: EventLoopPromise<Response>, timeout: Scheduled<Void>)] = [:]
    private var nextRequestId: UInt64 = 1
    private var failure: PromoClientError?
    private let ended: ConnectionEnd
    private let plaintext: Bool
    /// Set by `PromoClient.closeWhenIdle`: close once no call is waiting for its answer.
    private var closingWhenIdle = false
    private var context: ChannelHandlerContext?

    init(configuration: ClientConfiguration, ended: ConnectionEnd = ConnectionEnd()) {
        self.ended = ended
        self.plaintext = configuration.tls == nil
        self.codec = WireCodec(frameBytesMax: configuration.frameBytesMax)
        self.callTimeout = .milliseconds(Int64(configuration.callTimeoutMs))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let call = unwrapOutboundIn(data)
        if let failure {
            let notSent = PromoClientError.notSent(after: failure, failure.message)
            call.promise.fail(notSent)
            promise?.fail(notSent)
            return
        }
        let requestId = nextRequestId
        nextRequestId += 1
        var out = context.channel.allocator.buffer(capacity: 128)
        do {
            try codec.encode(Request(requestId: requestId, call.call), into: &out)
        } catch {
            call.promise.fail(PromoClientError(.unencodable, error.message))
            promise?.succeed()
            return
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: callTimeout) { [weak self] in
            guard let self, let entry = self.pending.removeValue(forKey: requestId) else { return }
            entry.promise.fail(PromoClientError(.timedOut, "no answer in time"))
            self.closeIfDrained()
        }
        pending[requestId] = (call.promise, timeout)
        context.write(wrapOutboundOut(out), promise: promise)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Closes the connection now if no call is waiting for its answer, else after the last one is answered
    /// (or times out).
    func closeWhenIdle() {
        closingWhenIdle = true
        closeIfDrained()
    }

    private func closeIfDrained() {
        guard closingWhenIdle, pending.isEmpty, let context else { return }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let response: Response
        do {
            response = try codec.decodeResponse(unwrapInboundIn(data))
        } catch {
            failAll(PromoClientError(.wire, "undecodable answer: \(error.message)"))
            context.close(promise: nil)
            return
        }
        if response.requestId == 0 {
            // A connection-level answer: the server is about to hang up.
            failAll(PromoClientError(.connection, response.status.message, status: response.status))
            return
        }
        guard let entry = pending.removeValue(forKey: response.requestId) else { return }
        entry.timeout.cancel()
        entry.promise.succeed(response)
        closeIfDrained()
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(failure ?? PromoClientError(.closed, "connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS alert after the handshake (TLS 1.3 servers reject a client certificate only then) is a TLS failure.
        let isTLS = error is NIOSSLError || error is BoringSSLError
        // A TLS server's alert to a plaintext client reads as a frame of ~350 MB (0x15030300...).
        let hint = plaintext && (error as? WireError)?.code == .frameTooLarge ? " (does the server require TLS?)" : ""
        failAll(PromoClientError(isTLS ? .tls : .wire, "\(error)\(hint)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: PromoClientError) {
        if failure == nil { failure = error }
        ended.record(error)
        let entries = pending
        pending.removeAll()
        for entry in entries.values {
            entry.timeout.cancel()
            entry.promise.fail(error)
        }
    }
}
