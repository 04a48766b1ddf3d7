import Logging
import NIOCore
import PromoDomain
import PromoSync

/// Counts failed validates for the reports without making every validate a write: events gather in memory
/// and one writer job per `failureFlushMs` adds them up. A crash loses at most that interval's failure
/// counts, never a redemption; the buffer is bounded and drops (with a warning) beyond its limit. A flush is
/// bulk work: slices of `sliceRows` events, so redeems commit between them.
final class FailureRecorder: Sendable {
    private let pending = LockedValue<(events: [FailureEvent], dropped: Int)>(([], 0))
    private let bufferMax: Int
    private let sliceRows: Int
    private let store: any RedemptionStorage
    private let logger: Logger

    init(store: any RedemptionStorage, bufferMax: Int, sliceRows: Int = 1_000, logger: Logger) {
        self.store = store
        self.bufferMax = bufferMax
        self.sliceRows = max(1, sliceRows)
        self.logger = logger
    }

    func record(_ event: FailureEvent) {
        pending.withLock { pending in
            if pending.events.count < bufferMax { pending.events.append(event) } else { pending.dropped += 1 }
        }
    }

    /// Hands the buffered events to the writer; `completion` runs after their commit.
    func flush(completion: @escaping @Sendable () -> Void = {}) {
        let (events, dropped) = pending.withLock { pending in
            defer { pending = ([], 0) }
            return pending
        }
        if dropped > 0 { logger.warning("failure buffer full: dropped failed-validate counts", metadata: ["dropped": "\(dropped)"]) }
        guard !events.isEmpty else { return completion() }
        Task { [store, logger, sliceRows] in
            let started = ContinuousClock.now
            do {
                try await store.recordFailures(events, sliceRows: sliceRows)
                // How long the writer took to take them all in (scripts/bench-bulk reads this line).
                let elapsed = ContinuousClock.now - started
                let ms = elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
                logger.debug("failure flush written", metadata: ["events": "\(events.count)", "ms": "\(ms)"])
            } catch {
                // A storage fault is logged by the writer's StorageFaultLog, once per window, not once per flush here.
                if (error as? StoreError)?.isStorageFault != true {
                    logger.error("recording failures failed", metadata: ["error": "\(error)"])
                }
            }
            completion()
        }
    }

    func flushAndWait() async {
        await withCheckedContinuation { continuation in flush { continuation.resume() } }
    }
}
