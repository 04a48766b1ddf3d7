import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import PromoDomain
import PromoSync
import PromoWire
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The promo-service TCP server, as a swift-service-lifecycle `Service`.
///
/// `run()` binds, serves until graceful shutdown is requested (SIGTERM/SIGINT through the service group),
/// then stops accepting, lets in-flight requests finish (up to `shutdownGraceMs`), closes every connection
/// and finally closes the store after its last commit.
public final class PromoServer: Service, Sendable {
    public let configuration: ServerConfiguration
    private let logger: Logger
    private let group: any EventLoopGroup
    private let state = LockedValue(RunState())
    private let bound: (@Sendable (SocketAddress) -> Void)?
    private let metricsBound: (@Sendable (SocketAddress) -> Void)?
    private let consoleDoor: (any ServerDoor)?
    private let consoleBound: (@Sendable (SocketAddress) -> Void)?
    /// This server's own metrics (never the global MetricsSystem), served on the operations port.
    public let metrics = ServerMetrics()
    private let health = ServiceHealth()

    private struct RunState {
        var serverChannel: (any Channel)?
        var quiescing: ServerQuiescingHelper?
        var store: (any PromoStorage)?
        var failures: FailureRecorder?
        var connections: OpenConnections?
        /// The failure flush and the background purge.
        var timers: [RepeatedTask] = []
        var address: SocketAddress?
        var metricsEndpoint: MetricsEndpoint?
        /// The console door while it is open, and its address.
        var console: (any ServerDoor)?
        var consoleAddress: SocketAddress?
    }

    /// - Parameter onBound: called once with the listening address (useful with port 0).
    /// - Parameter onMetricsBound: called once with the operations HTTP address, before `onBound`.
    /// - Parameter console: the console's HTTP/JSON door (PromoConsole's `ConsoleServer`), opened when
    ///   `consoleEnabled`; nil serves no console whatever the setting.
    /// - Parameter onConsoleBound: called once with the console's address, before `onBound`.
    public init(
        configuration: ServerConfiguration, logger: Logger = Logger(label: "promo.server"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        console: (any ServerDoor)? = nil,
        onConsoleBound: (@Sendable (SocketAddress) -> Void)? = nil,
        onMetricsBound: (@Sendable (SocketAddress) -> Void)? = nil,
        onBound: (@Sendable (SocketAddress) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = group
        self.consoleDoor = console
        self.consoleBound = onConsoleBound
        self.metricsBound = onMetricsBound
        self.bound = onBound
    }

    /// The listening address once bound.
    public var address: SocketAddress? { state.withLock { $0.address } }

    /// The operations HTTP address (`/metrics`, `/healthz`, `/readyz`) once bound; nil when `metricsEnabled`
    /// is false. Stays set until shutdown has finished.
    public var metricsAddress: SocketAddress? { state.withLock { $0.metricsEndpoint?.address } }

    /// The console's HTTP address once bound; nil when there is no console (`consoleEnabled` false or no door).
    public var consoleAddress: SocketAddress? { state.withLock { $0.consoleAddress } }

    public func run() async throws {
        try await start()
        // Returns when graceful shutdown is triggered, throws when the task is cancelled.
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Opens the store, installs the bootstrap admin key if needed, and binds.
    public func start() async throws {
        try configuration.validate()
        let tls = try ServerTLS.makeContext(configuration)
        try Self.makeDirectory(configuration.dataDirectory)
        let faults = StorageFaultLog(intervalMs: configuration.storageFaultLogIntervalMs, logger: logger)
        let store = try await StoreOpener.open(configuration, observer: StorageReporter(metrics: metrics, faults: faults))
        do {
            try await serve(store, tls: tls)
        } catch {
            // A failure after opening (a taken port, say) must not leave the store open.
            await store.close()
            throw error
        }
    }

    /// Everything `start` does once the store is open: the services, their timers and the listeners.
    private func serve(_ store: any PromoStorage, tls: NIOSSLContext?) async throws {
        var timers: [RepeatedTask] = []
        var started = false
        defer {
            if !started { for timer in timers { timer.cancel() } }
        }

        let registry = ApiKeyRegistry(records: try await store.apiKeys())
        try await AdminBootstrap.installIfEmpty(
            store: store, registry: registry, configuration: configuration, nowMs: WallClock.nowMs(), logger: logger)
        let failures = FailureRecorder(
            store: store, bufferMax: configuration.failureBufferMax, sliceRows: configuration.bulkSliceRows, logger: logger)
        let failureFlush = group.any().scheduleRepeatedTask(
            initialDelay: .milliseconds(Int64(configuration.failureFlushMs)),
            delay: .milliseconds(Int64(configuration.failureFlushMs))
        ) { _ in failures.flush() }
        timers.append(failureFlush)
        let purge = BackgroundPurge(store: store, configuration: configuration, logger: logger)
        timers.append(
            group.any().scheduleRepeatedTask(
                initialDelay: .milliseconds(Int64(configuration.purgeIntervalMs)),
                delay: .milliseconds(Int64(configuration.purgeIntervalMs))
            ) { _ in purge.run() })
        // The store's synchronous validate path, when it has one: a reader per event loop.
        let local = try store.inProcessValidation.map { validation in
            (validation: validation, loopReaders: try EventLoopReaders(group: group, validation: validation))
        }
        let router = RequestRouter(
            configuration: configuration, registry: registry, store: store, failures: failures, local: local,
            logger: logger)
        let gateway = ServiceGateway(configuration: configuration, router: router, metrics: metrics, tls: tls, logger: logger)

        let quiescing = ServerQuiescingHelper(group: group)
        let connections = OpenConnections(limit: configuration.connectionsMax)
        let configuration = configuration
        let logger = logger
        let metrics = metrics
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Unwritable past outboundBytesMax of unsent answers, writable again below half: ConnectionHandler
            // stops reading such a connection meanwhile.
            .childChannelOption(
                .writeBufferWaterMark,
                value: ChannelOptions.Types.WriteBufferWaterMark(
                    low: configuration.outboundBytesMax / 2, high: configuration.outboundBytesMax))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // TLS first, so even a refusal below is said inside TLS, where the client can read it.
                    if let tls {
                        try channel.pipeline.syncOperations.addHandlers([
                            NIOSSLServerHandler(context: tls),
                            TLSHandshakeGuard(timeoutMs: configuration.tlsHandshakeTimeoutMs, logger: logger),
                        ])
                    }
                    guard connections.admit(channel) else {
                        try channel.pipeline.syncOperations.addHandler(
                            RefuseConnectionHandler(frameBytesMax: configuration.frameBytesMax))
                        return
                    }
                    metrics.openConnections.increment()
                    channel.closeFuture.whenComplete { _ in
                        connections.remove(channel)
                        metrics.openConnections.decrement()
                    }
                    let idle = TimeAmount.milliseconds(Int64(configuration.idleTimeoutMs))
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: idle),
                        ConnectionHandler(router: router, configuration: configuration, metrics: metrics, logger: logger),
                    ])
                }
            }

        // The operations port comes up first: /healthz answers and /readyz says 503 until the listener below accepts.
        let metricsEndpoint = try await bindMetricsEndpoint()
        let console = configuration.consoleEnabled ? consoleDoor : nil
        let consoleAddress: SocketAddress?
        do {
            consoleAddress = try await console?.open(gateway: gateway, group: group, logger: logger)
        } catch {
            await console?.close()
            await metricsEndpoint?.close()
            throw error
        }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            await console?.close()
            await metricsEndpoint?.close()
            throw error
        }
        guard let address = channel.localAddress else { throw ServerError(.internal, "bound without an address") }
        state.withLock {
            $0.serverChannel = channel
            $0.quiescing = quiescing
            $0.store = store
            $0.failures = failures
            $0.connections = connections
            $0.timers = timers
            $0.address = address
            $0.metricsEndpoint = metricsEndpoint
            $0.console = console
            $0.consoleAddress = consoleAddress
        }
        started = true
        health.markReady(storage: store)
        logger.notice("listening", metadata: ["address": "\(address)", "database": "\(StoreOpener.location(configuration))"])
        if tls != nil {
            let clientCertificates = configuration.tlsClientCAPath == nil ? "not asked" : "required"
            logger.notice("TLS on", metadata: ["clientCertificates": "\(clientCertificates)"])
        }
        if let consoleAddress {
            logger.notice("console listening", metadata: ["address": "\(consoleAddress)"])
            consoleBound?(consoleAddress)
        }
        bound?(address)
    }

    private func bindMetricsEndpoint() async throws -> MetricsEndpoint? {
        guard configuration.metricsEnabled else { return nil }
        let endpoint = try await MetricsEndpoint.bind(
            configuration: configuration, metrics: metrics, health: health, group: group)
        logger.notice("metrics listening", metadata: ["address": "\(endpoint.address)"])
        metricsBound?(endpoint.address)
        return endpoint
    }

    /// Graceful stop; safe to call more than once.
    public func shutdown() async {
        let (quiescing, store, failures, timers, connections, console) = state.withLock { state in
            defer {
                state.console = nil
                state.quiescing = nil
                state.store = nil
                state.failures = nil
                state.timers = []
                state.connections = nil
                state.serverChannel = nil
            }
            return (state.quiescing, state.store, state.failures, state.timers, state.connections, state.console)
        }
        guard let quiescing, let store else { return }
        health.markShuttingDown()
        logger.notice("shutting down: no new connections, finishing in-flight requests")
        // The console drains at the same time as the protocol port, each within shutdownGraceMs, and both before
        // the store closes.
        async let consoleClosed: Void = Self.close(console)
        let drained = group.any().makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: drained)
        let grace = TimeAmount.milliseconds(Int64(configuration.shutdownGraceMs))
        let timeout = group.any().scheduleTask(in: grace) {
            drained.fail(ServerError(.unavailable, "shutdown grace period elapsed"))
        }
        do {
            try await drained.futureResult.get()
            timeout.cancel()
        } catch {
            logger.warning("shutdown grace elapsed with requests in flight; closing the connections anyway")
            await connections?.closeAll()
        }
        await consoleClosed
        state.withLock { $0.consoleAddress = nil }
        for timer in timers { timer.cancel() }
        await failures?.flushAndWait()
        await store.close()
        let metricsEndpoint = state.withLock { state in
            defer { state.metricsEndpoint = nil }
            return state.metricsEndpoint
        }
        await metricsEndpoint?.close()
        logger.notice("stopped")
    }

    private static func close(_ door: (any ServerDoor)?) async {
        await door?.close()
    }

    private static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw ServerError(.internal, "cannot create data directory \(path): errno \(errno)")
        }
    }
}

/// The open connections: counted against `connectionsMax`, and kept so that a shutdown whose grace period
/// runs out can still close them.
final class OpenConnections: Sendable {
    private let channels = LockedValue<[ObjectIdentifier: any Channel]>([:])
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func admit(_ channel: any Channel) -> Bool {
        channels.withLock { channels in
            guard channels.count < limit else { return false }
            channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        _ = channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Closes every connection still open and waits for them to be closed.
    /// All at once: a TLS close waits (up to 5 s) for the peer's close_notify, so one at a time would let each
    /// unresponsive TLS peer add its wait to the shutdown.
    func closeAll() async {
        let open = channels.withLock { Array($0.values) }
        await withTaskGroup(of: Void.self) { group in
            for channel in open { group.addTask { try? await channel.close() } }
        }
    }
}

/// Installed instead of the normal pipeline when the server is full: says so, then hangs up.
final class RefuseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let frameBytesMax: Int

    init(frameBytesMax: Int) { self.frameBytesMax = frameBytesMax }

    func channelActive(context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: 64)
        let response = Response(requestId: 0, status: Status(.resourceExhausted, "too many connections"))
        try? WireCodec(frameBytesMax: frameBytesMax).encode(response, into: &out)
        context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
