import Logging
import PromoDomain
import PromoSync

/// Tells the operator about storage faults (disk full, I/O error) once per occurrence window, never once per
/// request: while the disk is full every redeem fails, and a log line each would fill what little is left.
///
/// The store reports after every commit the storage fault it met, or nil (`StorageObserver.storageFault`).
/// The first fault logs an error with its cause; further faults within `intervalMs` are only counted, and the
/// next line (a reminder once the window has passed, or the recovery notice) says how many there were. The
/// first clean commit after a fault logs that writes work again.
final class StorageFaultLog: Sendable {
    enum Line: Equatable {
        case fault(suppressedBefore: Int)
        case recovered(faultsSinceLastLine: Int)
    }

    private struct State {
        var faulty = false
        var lastLineMs: Int64 = 0
        /// Faults since the last line.
        var unreported = 0
    }

    private let state = LockedValue(State())
    private let intervalMs: Int64
    private let logger: Logger
    private let nowMs: @Sendable () -> Int64

    init(intervalMs: Int, logger: Logger, nowMs: @escaping @Sendable () -> Int64 = { WallClock.nowMs() }) {
        self.intervalMs = Int64(intervalMs)
        self.logger = logger
        self.nowMs = nowMs
    }

    /// Records one batch's outcome; returns the line it logged, if any.
    @discardableResult
    func observe(_ fault: StoreError?) -> Line? {
        let now = nowMs()
        let line: Line? = state.withLock { state in
            guard fault != nil else {
                guard state.faulty else { return nil }
                defer { state = State() }
                return .recovered(faultsSinceLastLine: state.unreported)
            }
            defer { state.faulty = true }
            // Saturating: a clock stepped far back must not trap, it just logs a line sooner.
            let (elapsed, overflow) = now.subtractingReportingOverflow(state.lastLineMs)
            guard !state.faulty || overflow || elapsed >= intervalMs || elapsed < 0 else {
                state.unreported += 1
                return nil
            }
            defer {
                state.lastLineMs = now
                state.unreported = 0
            }
            return .fault(suppressedBefore: state.unreported)
        }
        switch line {
        case .fault(let suppressed)?:
            logger.error(
                "storage fault: writes fail with UNAVAILABLE until it clears; reads still work",
                metadata: [
                    "cause": "\(Self.cause(of: fault))",
                    "error": "\(fault?.message ?? "")", "faultsSinceLastLine": "\(suppressed)",
                ])
        case .recovered(let faults)?:
            logger.notice("storage fault cleared: writes succeed again", metadata: ["faultsSinceLastLine": "\(faults)"])
        case nil:
            break
        }
        return line
    }

    private static func cause(of fault: StoreError?) -> String {
        switch fault?.code {
        case .storageFull?: "storage full"
        case .unreachable?: "database unreachable"
        default: "I/O error"
        }
    }
}
