import NIOCore
import PromoDomain

/// The store's synchronous read path (`SnapshotReader`), one per event loop and used only from that loop, so a
/// plain validate the store's memory cannot answer is answered where its request was decoded: no hop to a
/// reader queue and back, which on two cores cost more than the lookups themselves. Exists only when the
/// store offers `InProcessValidation` (the embedded store); a remote store's validates take the async path.
final class EventLoopReaders: Sendable {
    private let readers: [ObjectIdentifier: LoopReader]

    init(group: any EventLoopGroup, validation: any InProcessValidation) throws {
        var readers: [ObjectIdentifier: LoopReader] = [:]
        for loop in group.makeIterator() {
            readers[ObjectIdentifier(loop)] = LoopReader(eventLoop: loop, reader: try validation.makeSnapshotReader())
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

/// An event loop's snapshot reader, and the end of its snapshot queued behind the loop iteration's I/O.
///
/// All reads of one loop iteration share one snapshot, begun by the first and ended by a task queued behind
/// the iteration's I/O: with fifty connections ready at once that is one snapshot per wake-up instead of per
/// validate. Nothing reads a stale state that matters: an answer a client has seen was sent in an earlier
/// iteration, so a request it sends after reading that answer arrives in a later iteration, under a newer
/// snapshot.
final class LoopReader: @unchecked Sendable {
    // @unchecked: `reader` and `endQueued` are touched only on `eventLoop`, which `check` checks.
    private let eventLoop: any EventLoop
    private let reader: any SnapshotReader
    private var endQueued = false

    init(eventLoop: any EventLoop, reader: any SnapshotReader) {
        self.eventLoop = eventLoop
        self.reader = reader
    }

    func check(_ request: RedemptionRequest, nowMs: Int64) throws -> CheckResult {
        eventLoop.preconditionInEventLoop()
        if !endQueued {
            endQueued = true
            eventLoop.execute { self.endSnapshot() }
        }
        return try reader.check(request, nowMs: nowMs)
    }

    private func endSnapshot() {
        endQueued = false
        reader.endSnapshot()
    }
}
