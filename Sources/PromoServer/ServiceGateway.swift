import Logging
import NIOCore
import NIOSSL
import PromoWire

/// Another door to the server's services: the console's HTTP/JSON port (module PromoConsole). PromoServer opens
/// it once its store and router are up, on the same event loops, and closes it first on shutdown, so its
/// requests in progress finish before the store closes. The door owns its listener, connections and limits;
/// everything a request does past authentication goes through the `ServiceGateway`.
public protocol ServerDoor: Sendable {
    /// Binds and starts serving; returns the bound address. Throws when it cannot bind.
    func open(gateway: ServiceGateway, group: any EventLoopGroup, logger: Logger) async throws -> SocketAddress
    /// Stops accepting, lets requests in progress finish (within `shutdownGraceMs`), closes its connections.
    /// Safe to call more than once.
    func close() async
}

/// What a door may do with the server: authenticate a key and make a call as that key's caller, through the
/// very router, role checks, services, limits, audit entries and metrics the protocol port uses. Nothing a
/// door does is implemented twice.
public struct ServiceGateway: Sendable {
    public let configuration: ServerConfiguration
    let router: RequestRouter
    let metrics: ServerMetrics
    let tls: NIOSSLContext?
    let logger: Logger

    /// The live caller of `apiKey`, presented from `peerIP`. Failures count against the per-IP limit shared
    /// with `hello` (`authFailuresPerIpMax`): UNAUTHENTICATED, then RESOURCE_EXHAUSTED during the cool-down.
    public func authenticate(apiKey: String, peerIP: String) throws(ServerError) -> Caller {
        try router.authenticate(secret: apiKey, peerIP: peerIP)
    }

    /// Runs one call as `caller` (the key is re-checked, so a key revoked since `authenticate` is refused) and
    /// returns its result, or the `ServerError` the protocol port would have answered as its status.
    public func call(_ call: Request.Call, as caller: Caller, on eventLoop: any EventLoop) async throws(ServerError)
        -> Response.Result
    {
        let startedNs = NIODeadline.now().uptimeNanoseconds
        let rpc = metrics.rpc(for: call)
        let router = router
        do {
            // The router runs on the connection's event loop, as for the protocol port (a plain validate reads
            // through that loop's own read connection).
            let result = try await eventLoop.flatSubmit { () -> EventLoopFuture<Response.Result> in
                var session = Session(caller: caller)
                do {
                    switch try router.route(call, session: &session, on: eventLoop) {
                    case .now(let answer): return eventLoop.makeSucceededFuture(answer)
                    case .later(let future): return future
                    }
                } catch {
                    return eventLoop.makeFailedFuture(error)
                }
            }.get()
            metrics.countVerdict(of: result)
            rpc.answered(.ok, startedNs: startedNs, nowNs: NIODeadline.now().uptimeNanoseconds)
            return result
        } catch {
            let error = ServerError(wrapping: error)
            if error.code == .internal { logger.error("request failed", metadata: ["error": "\(error.underlying ?? error)"]) }
            rpc.answered(error.status.code, startedNs: startedNs, nowNs: NIODeadline.now().uptimeNanoseconds)
            throw error
        }
    }

    /// `hello` through a door that authenticates every request itself: the answer the protocol port gives a
    /// successful hello with `caller`'s key (its role), so a door's client learns what it may do.
    public func hello(as caller: Caller) -> HelloResponse {
        let nowNs = NIODeadline.now().uptimeNanoseconds
        metrics.rpc(for: .hello(HelloRequest())).answered(.ok, startedNs: nowNs, nowNs: nowNs)
        return HelloResponse.with {
            $0.serverVersion = RequestRouter.serverVersion
            $0.role = caller.role.rawValue
        }
    }

    /// Whether the server serves TLS (and so must every door).
    public var tlsEnabled: Bool { tls != nil }

    /// Adds the protocol port's TLS handlers to a channel of the door (same certificate, minimum version, client
    /// certificates and handshake timeout); does nothing when TLS is off. Call on the channel's event loop,
    /// before the door's own handlers.
    public func addTLSHandlers(to channel: any Channel) throws {
        guard let tls else { return }
        try channel.pipeline.syncOperations.addHandlers([
            NIOSSLServerHandler(context: tls),
            TLSHandshakeGuard(timeoutMs: configuration.tlsHandshakeTimeoutMs, logger: logger),
        ])
    }
}
