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
final class EventLoopReaders: Sendable {
    private let readers: [ObjectIdentifier: LoopReader]

    init(group: any EventLoopGroup, store: PromoStore) throws {
        var readers: [ObjectIdentifier: LoopReader] = [:]
        for loop in group.makeIterator() {
            readers[ObjectIdentifier(loop)] = LoopReader(
                eventLoop: loop, connection: try store.makeReadConnection(), view: store.validateView)
        }
        self.readers = readers
    }

    /// The reader of `eventLoop`, which must be the current thread's loop; nil for a loop of another group.
    func reader(on eventLoop: any EventLoop) -> LoopReader? {
        guard let reader = readers[ObjectIdentifier(eventLoop)] else { return nil }
        eventLoop.preconditionInEventLoop()
        return reader
    }
}

/// An event loop's read connection and the snapshot it reads from.
///
/// All reads of one loop iteration share one read transaction, opened by the first and ended by a task
/// queued behind the iteration's I/O. With fifty connections ready at once that is one BEGIN/COMMIT and one
/// round of SQLite's file locks (fcntl) per wake-up instead of per validate. Nothing reads a stale state
/// that matters: an answer a client has seen was sent in an earlier iteration, so a request it sends after
/// reading that answer arrives in a later iteration, under a newer snapshot.
final class LoopReader: @unchecked Sendable {
    // @unchecked: the stored vars are touched only on `eventLoop`, which `read` checks.
    private let eventLoop: any EventLoop
    private let connection: Connection
    private let view: ValidateView?
    private var snapshotOpen = false
    /// The validate view's version taken before the snapshot began: entries read in the snapshot are kept
    /// only if no change was published since (`ValidateView.checkLoading`).
    private var snapshotVersion: UInt64 = 0

    init(eventLoop: any EventLoop, connection: Connection, view: ValidateView?) {
        self.eventLoop = eventLoop
        self.connection = connection
        self.view = view
    }

    func read<T>(_ body: (Connection, _ snapshotVersion: UInt64) throws -> T) throws -> T {
        eventLoop.preconditionInEventLoop()
        if !snapshotOpen {
            snapshotVersion = view?.version ?? 0
            try connection.statement("BEGIN DEFERRED").run()
            snapshotOpen = true
            eventLoop.execute { self.endSnapshot() }
        }
        return try body(connection, snapshotVersion)
    }

    private func endSnapshot() {
        snapshotOpen = false
        try? connection.statement("COMMIT").run()
    }
}
