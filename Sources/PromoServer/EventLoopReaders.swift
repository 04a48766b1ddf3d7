import NIOCore
import PromoStore

/// One read-only SQLite connection per event loop, used only from that loop, so a plain validate is
/// answered where its request was decoded: no hop to a reader queue and back, which on two cores cost more
/// than the lookups themselves.
///
/// This bends "no SQLite on an event loop" on purpose and for validate alone: its check is a handful of
/// primary-key and index probes on pages that stay in the connection's cache, and in WAL mode a reader never
/// waits for the writer, so it does not block the loop in any way that matters. Everything that scans
/// (reports, listings, exports, history) stays on the reader pool.
final class EventLoopReaders: @unchecked Sendable {
    // @unchecked: the dictionary is written only in init; each Connection is touched only on its own loop,
    // which `connection(on:)` checks.
    private let connections: [ObjectIdentifier: Connection]

    init(group: any EventLoopGroup, store: PromoStore) throws {
        var connections: [ObjectIdentifier: Connection] = [:]
        for loop in group.makeIterator() {
            connections[ObjectIdentifier(loop)] = try store.makeReadConnection()
        }
        self.connections = connections
    }

    /// The connection of `eventLoop`, which must be the current thread's loop; nil for a loop of another group.
    func connection(on eventLoop: any EventLoop) -> Connection? {
        guard let connection = connections[ObjectIdentifier(eventLoop)] else { return nil }
        eventLoop.preconditionInEventLoop()
        return connection
    }
}
