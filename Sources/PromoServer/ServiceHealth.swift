import Synchronization

/// What `/readyz` reports: ready once the store is open and the TCP listener accepts, not ready again as
/// soon as a graceful shutdown begins (so a load balancer stops sending new work while in-flight requests
/// finish).
final class ServiceHealth: Sendable {
    private let ready = Atomic<Bool>(false)

    var isReady: Bool { ready.load(ordering: .relaxed) }

    func markReady() { ready.store(true, ordering: .relaxed) }

    func markShuttingDown() { ready.store(false, ordering: .relaxed) }
}
