import Logging
import PromoDomain
import PromoSync

/// Deletes what is kept only for a while (idempotency records after `idempotencyRetentionMs`, reservations
/// that expired unused more than `reservationRetentionMs` ago), in the background.
///
/// One run is a chain of store calls of at most `purgeBatchRows` rows each: the next is made only when the
/// previous committed, so redeems queued meanwhile commit between them and never wait behind more than one
/// small job. Each is bulk work (`MaintenanceStorage`): the store serves queued interactive jobs first. A run
/// stops when a job finds less than a full batch; at most one run is in progress.
final class BackgroundPurge: Sendable {
    private let store: any MaintenanceStorage
    private let idempotencyRetentionMs: Int64
    private let reservationRetentionMs: Int64
    private let batchRows: Int
    private let logger: Logger
    private let nowMs: @Sendable () -> Int64
    private let running = LockedValue(false)

    init(store: any MaintenanceStorage, configuration: ServerConfiguration, logger: Logger, nowMs: @escaping @Sendable () -> Int64 = { WallClock.nowMs() }) {
        self.store = store
        self.idempotencyRetentionMs = Int64(configuration.idempotencyRetentionMs)
        self.reservationRetentionMs = Int64(configuration.reservationRetentionMs)
        self.batchRows = configuration.purgeBatchRows
        self.logger = logger
        self.nowMs = nowMs
    }

    /// Starts a run unless one is in progress; `completion` gets the rows it deleted (or is not called when
    /// another run was already going).
    func run(completion: @escaping @Sendable (PurgeResult) -> Void = { _ in }) {
        let started = running.withLock { running in
            defer { running = true }
            return !running
        }
        guard started else { return }
        step(total: PurgeResult(), completion: completion)
    }

    private func step(total: PurgeResult, completion: @escaping @Sendable (PurgeResult) -> Void) {
        let now = nowMs()
        // Saturating: a retention as long as the clock is old purges nothing rather than trapping.
        let (idempotencyBefore, overflowA) = now.subtractingReportingOverflow(idempotencyRetentionMs)
        let (reservationsBefore, overflowB) = now.subtractingReportingOverflow(reservationRetentionMs)
        let (batchRows, store) = (batchRows, store)
        Task { [self] in
            do {
                let deleted = try await store.purgeExpired(
                    idempotencyBeforeMs: overflowA ? .min : idempotencyBefore,
                    reservationsBeforeMs: overflowB ? .min : reservationsBefore, limit: batchRows)
                let total = PurgeResult(
                    idempotencyRecords: total.idempotencyRecords + deleted.idempotencyRecords,
                    reservations: total.reservations + deleted.reservations)
                if deleted.idempotencyRecords == batchRows || deleted.reservations == batchRows {
                    return step(total: total, completion: completion)
                }
                finish(total, completion)
            } catch {
                // A closed store or a full disk: the next run tries again (a full disk is logged by the writer).
                let expected = (error as? StoreError).map { $0.code == .closed || $0.isStorageFault } ?? false
                if !expected { logger.warning("purging expired records failed", metadata: ["error": "\(error)"]) }
                finish(total, completion)
            }
        }
    }

    private func finish(_ total: PurgeResult, _ completion: @escaping @Sendable (PurgeResult) -> Void) {
        running.withLock { $0 = false }
        if total.idempotencyRecords > 0 || total.reservations > 0 {
            logger.debug("purged expired records", metadata: [
                "idempotencyRecords": "\(total.idempotencyRecords)", "reservations": "\(total.reservations)",
            ])
        }
        completion(total)
    }
}
