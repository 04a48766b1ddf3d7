import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PromoServer
import ServiceLifecycle
import Synchronization

/// The console port: the HTTP/JSON API (`POST /api/v1/<arm>`, `GET /api/v1/openapi.json`) and the web
/// console's static files, on Hummingbird, as a `ServerDoor` that PromoServer opens after its store and closes
/// before it (pass one to `PromoServer(configuration:console:)`).
///
/// Limits, each a setting of `ServerConfiguration`: `consoleConnectionsMax` (further connections wait in the
/// backlog), `consoleIdleTimeoutMs` (nothing read), `consoleReadTimeoutMs` (a request must arrive whole within
/// it of its first byte), `consoleBodyBytesMax` (larger bodies are answered 413). TLS is the protocol port's.
public final class ConsoleServer: ServerDoor {
    private struct Running {
        var group: ServiceGroup
        var task: Task<Void, any Error>
    }

    private let running = Mutex<Running?>(nil)
    private let graceMs = Mutex(10_000)

    public init() {}

    public func open(gateway: ServiceGateway, group: any EventLoopGroup, logger: Logger) async throws -> SocketAddress {
        let configuration = gateway.configuration
        graceMs.withLock { $0 = configuration.shutdownGraceMs }
        let responder = ConsoleResponder(gateway: gateway, assets: ConsoleAssets.shared, logger: logger)
        let childChannel = ConsoleChildChannel.Settings(
            gateway: gateway, idleTimeout: .milliseconds(Int64(configuration.consoleIdleTimeoutMs)),
            readTimeout: .milliseconds(Int64(configuration.consoleReadTimeoutMs)), logger: logger)
        let (bound, boundContinuation) = AsyncStream.makeStream(of: Result<SocketAddress, any Error>.self)
        var hummingbirdLogger = logger
        hummingbirdLogger.logLevel = max(logger.logLevel, .warning)
        let application = Application(
            responder: responder,
            server: HTTPServerBuilder { responder in ConsoleChildChannel(responder: responder, settings: childChannel) },
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.consoleHost, port: configuration.consolePort),
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.consoleConnectionsMax, logger: hummingbirdLogger)),
            onServerRunning: { channel in
                if let address = channel.localAddress {
                    boundContinuation.yield(.success(address))
                } else {
                    boundContinuation.yield(.failure(ServerError(.internal, "console bound without an address")))
                }
            },
            eventLoopGroupProvider: .shared(group),
            logger: hummingbirdLogger)
        let serviceGroup = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: hummingbirdLogger))
        let task = Task {
            do {
                try await serviceGroup.run()
                boundContinuation.yield(.failure(ServerError(.internal, "console stopped before it was bound")))
            } catch {
                boundContinuation.yield(.failure(error))
                throw error
            }
        }
        running.withLock { $0 = Running(group: serviceGroup, task: task) }
        for await outcome in bound {
            return try outcome.get()
        }
        throw ServerError(.internal, "console stopped before it was bound")
    }

    public func close() async {
        guard let running = running.withLock({ state in defer { state = nil }; return state }) else { return }
        await running.group.triggerGracefulShutdown()
        // Requests in progress get shutdownGraceMs to finish, like the protocol port's; then the rest are cut.
        let grace = graceMs.withLock { $0 }
        let task = running.task
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = await task.result }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(grace))
                task.cancel()
            }
            await group.next()
            group.cancelAll()
        }
        _ = await task.result
    }
}
