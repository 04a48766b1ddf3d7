import Synchronization

/// Lets at most `limit` plain-validate reads use pooled connections at once; the others wait here, in order. A
/// burst of validates (a client pipelining a thousand) then queues in the process instead of timing out on the
/// pool's connection wait (`connectTimeoutMs`, which is meant to say the database is out of reach), and leaves
/// connections for the batches of writes.
final class ReadGate: Sendable {
    private struct State {
        var inUse = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
        var next = 0
    }

    private let state = Mutex(State())
    private let limit: Int

    init(limit: Int) {
        precondition(limit >= 1)
        self.limit = limit
    }

    func withPermit<Result>(_ body: () async throws -> Result) async rethrows -> Result {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let admitted: Bool = state.withLock { state in
                guard state.inUse >= limit else {
                    state.inUse += 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if admitted { continuation.resume() }
        }
    }

    private func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.next < state.waiting.count else {
                state.inUse -= 1
                state.waiting.removeAll(keepingCapacity: true)
                state.next = 0
                return nil
            }
            // The permit passes straight to the oldest waiter.
            defer { state.next += 1 }
            return state.waiting[state.next]
        }
        next?.resume()
    }
}
