import NIOCore
import NIOHTTP1
import NIOPosix

/// The operations HTTP listener (`metricsHost:metricsPort`), apart from the protocol port so that scrapers
/// and probes never compete with game servers for connections, and the protocol port speaks only protobuf.
///
/// Bounded like the protocol port: `metricsConnectionsMax` connections (more are closed at once),
/// `metricsRequestBytesMax` bytes per unanswered request, and `metricsIdleTimeoutMs` of silence.
final class MetricsEndpoint: Sendable {
    let address: SocketAddress
    private let channel: any Channel
    private let connections: OpenConnections

    private init(address: SocketAddress, channel: any Channel, connections: OpenConnections) {
        self.address = address
        self.channel = channel
        self.connections = connections
    }

    static func bind(
        configuration: ServerConfiguration, metrics: ServerMetrics, health: ServiceHealth, group: any EventLoopGroup
    ) async throws -> MetricsEndpoint {
        let connections = OpenConnections(limit: configuration.metricsConnectionsMax)
        let idle = TimeAmount.milliseconds(Int64(configuration.metricsIdleTimeoutMs))
        let bytesMax = configuration.metricsRequestBytesMax
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard connections.admit(channel) else {
                        channel.close(promise: nil)
                        return
                    }
                    channel.closeFuture.whenComplete { _ in connections.remove(channel) }
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idle))
                    try pipeline.addHandler(HTTPRequestBudget(bytesMax: bytesMax))
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(MetricsHTTPHandler(metrics: metrics, health: health))
                }
            }
            .bind(host: configuration.metricsHost, port: configuration.metricsPort).get()
        guard let address = channel.localAddress else {
            try? await channel.close()
            throw ServerError(.internal, "metrics listener bound without an address")
        }
        return MetricsEndpoint(address: address, channel: channel, connections: connections)
    }

    /// Stops listening and closes the open scrape connections.
    func close() async {
        try? await channel.close()
        await connections.closeAll()
    }
}
