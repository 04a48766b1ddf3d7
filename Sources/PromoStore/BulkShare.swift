/// How much of the single writer's time bulk slices may take while interactive work is around: the writer's
/// scheduling rule as a pure value. It has no clock; every call is given the time (monotonic ns), so the rule
/// is tested without timing.
///
/// Why: a slice run in every batch (the rule before this one) makes every redeem batch pay for a slice and its
/// bigger commit. Under a closed loop of redeems that is every batch, since the redeems queue up while the slice
/// runs: a 1,000,000-code generate held redeems to 0.22-0.57x of their throughput (docs/benchmarks.md).
///
/// The rule is a credit, in ns of writer time. Writer time spent on anything but bulk (interactive jobs, the
/// commits of their batches, the writer waiting while bulk is held back) earns bulk `shareMax` ns per ns; time
/// spent on bulk costs it `1 - shareMax` per ns. While interactive work is around, a slice may start only when
/// the credit is not negative; so wherever both compete, bulk gets about `shareMax` of the writer and interactive
/// jobs the rest. Bulk is never starved: every ns the writer spends on something else (or waiting) earns credit,
/// and the credit cannot sink below what `windowNs` of bulk time costs, so after at most
/// `windowNs * (1 - shareMax) / shareMax` of other writer time a slice runs again. The credit cannot rise above
/// what `windowNs` of other time earns either: only recent time counts, and a quiet stretch does not let bulk
/// take the writer for long afterwards.
///
/// Interactive work is around when an interactive job waits, or one was taken within the last `windowNs`: a
/// closed loop of redeems leaves the queue empty for a moment after each commit (while the answers travel), and
/// a slice started in that moment would make all of them wait again. With no interactive work around, bulk runs
/// flat out (its time is still charged, within the bound).
struct BulkShare: Sendable, Equatable {
    /// What the writer may do about the bulk work that waits.
    enum Decision: Sendable, Equatable {
        /// Run a slice now.
        case runSlice
        /// Do not start a slice: run the interactive jobs that wait, if any. When none wait, nothing changes the
        /// decision before `untilNs` (when the credit is back at zero, or interactive work stops counting as
        /// around), except an interactive job arriving.
        case hold(untilNs: UInt64)
    }

    /// Bulk's share of the writer while interactive work is around, in (0, 1]; 1 is no bound (a slice in every
    /// batch, as before).
    let shareMax: Double
    /// How recent counts: how long after the last interactive job interactive work is still around, and the
    /// writer time whose earnings or cost bound the credit.
    let windowNs: UInt64
    /// Positive: bulk is behind its share; negative: ahead of it.
    private(set) var creditNs: Double = 0
    /// When an interactive job was last taken from the queue, if ever.
    private(set) var lastInteractiveNs: UInt64?

    init(shareMax: Double, windowNs: UInt64) {
        precondition(shareMax > 0 && shareMax <= 1, "shareMax must be in (0, 1]")
        self.shareMax = shareMax
        self.windowNs = windowNs
    }

    /// An interactive job was taken from the queue at `now`.
    mutating func interactiveTaken(at now: UInt64) {
        lastInteractiveNs = max(lastInteractiveNs ?? now, now)
    }

    /// The writer spent `bulkNs` on bulk slices and `otherNs` on anything else (interactive jobs, commits of
    /// batches without slices, waiting while bulk was held).
    mutating func spent(bulkNs: UInt64 = 0, otherNs: UInt64 = 0) {
        let window = Double(windowNs)
        let credit = creditNs + shareMax * Double(otherNs) - (1 - shareMax) * Double(bulkNs)
        creditNs = min(shareMax * window, max(-(1 - shareMax) * window, credit))
    }

    /// Whether interactive work is around at `now`.
    func interactiveAround(at now: UInt64, interactiveWaiting: Bool) -> Bool {
        if interactiveWaiting { return true }
        guard let lastInteractiveNs else { return false }
        return now &- min(now, lastInteractiveNs) < windowNs
    }

    /// Whether a slice may start at `now`, bulk work waiting.
    func decide(at now: UInt64, interactiveWaiting: Bool) -> Decision {
        if creditNs >= 0 || !interactiveAround(at: now, interactiveWaiting: interactiveWaiting) { return .runSlice }
        // Back at zero after -credit / share of other time (waiting counts); around until the window passes.
        let refilled = now &+ UInt64((-creditNs / shareMax).rounded(.up))
        let quiet = (lastInteractiveNs ?? now) &+ windowNs
        return .hold(untilNs: interactiveWaiting ? refilled : min(refilled, max(quiet, now)))
    }
}
