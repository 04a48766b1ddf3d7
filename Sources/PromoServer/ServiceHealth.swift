import PromoDomain
import PromoSync
import Synchronization

/// What `/readyz` reports: ready once the store is open and the TCP listener accepts, and while the store can
/// serve (a shared database out of reach makes it not ready until it is back); not ready again as soon as a
/// graceful shutdown begins (so a load balancer stops sending new work while in-flight requests finish).
final class ServiceHealth: Sendable {
    private let ready = Atomic<Bool>(false)
    private let storage = LockedValue<(any StorageLifecycle)?>(nil)

    var isReady: Bool {
        ready.load(ordering: .relaxed) && (storage.withLock { $0 }?.isAvailable ?? false)
    }

    func markReady(storage store: any StorageLifecycle) {
        storage.withLock { $0 = store }
        ready.store(true, ordering: .relaxed)
    }

    func markShuttingDown() { ready.store(false, ordering: .relaxed) }
}
