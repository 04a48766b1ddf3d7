@testable import PromoStore
import Testing

/// The writer's bulk share as a pure rule: every time is given, nothing is timed.
@Suite("Bulk share of the writer")
struct BulkShareTests {
    private static let ms: UInt64 = 1_000_000

    private static func share(_ shareMax: Double, windowMs: UInt64 = 10) -> BulkShare {
        BulkShare(shareMax: shareMax, windowNs: windowMs * ms)
    }

    @Test func withNoInteractiveWorkAroundBulkRunsFlatOut() {
        var share = Self.share(0.5)
        share.spent(bulkNs: 50 * Self.ms)
        #expect(share.creditNs < 0)
        #expect(share.decide(at: 100 * Self.ms, interactiveWaiting: false) == .runSlice)
        // An interactive job taken long ago no longer counts: the window has passed.
        share.interactiveTaken(at: 100 * Self.ms)
        #expect(share.decide(at: 110 * Self.ms, interactiveWaiting: false) == .runSlice)
        #expect(share.decide(at: 110 * Self.ms - 1, interactiveWaiting: false) != .runSlice)
    }

    @Test func aSliceOverTheShareIsHeldUntilOtherWorkEarnsItBack() {
        var share = Self.share(0.5)
        #expect(share.decide(at: 0, interactiveWaiting: true) == .runSlice)
        share.spent(bulkNs: 3 * Self.ms)  // costs 1.5 ms of credit at a share of one half
        #expect(share.creditNs == -1.5 * Double(Self.ms))
        #expect(share.decide(at: 3 * Self.ms, interactiveWaiting: true) == .hold(untilNs: 6 * Self.ms))
        share.spent(otherNs: 2 * Self.ms)
        #expect(share.decide(at: 5 * Self.ms, interactiveWaiting: true) == .hold(untilNs: 6 * Self.ms))
        share.spent(otherNs: 1 * Self.ms)
        #expect(share.decide(at: 6 * Self.ms, interactiveWaiting: true) == .runSlice)
    }

    /// With nothing interactive queued but a job taken recently, the hold ends when the credit would be back
    /// at zero or when interactive work stops counting as around, whichever comes first.
    @Test func aHoldWithNothingQueuedEndsAtRefillOrWhenInteractiveWorkGoesQuiet() {
        var share = Self.share(0.25)
        share.interactiveTaken(at: 10 * Self.ms)
        share.spent(bulkNs: 2 * Self.ms)  // -1.5 ms: 6 ms of other time at a quarter
        #expect(share.decide(at: 11 * Self.ms, interactiveWaiting: false) == .hold(untilNs: 17 * Self.ms))
        #expect(share.decide(at: 15 * Self.ms, interactiveWaiting: false) == .hold(untilNs: 20 * Self.ms))
        // Queued interactive work is around whatever the window says.
        #expect(share.decide(at: 40 * Self.ms, interactiveWaiting: true) == .hold(untilNs: 46 * Self.ms))
    }

    @Test func aShareOfOneNeverHoldsBulkBack() {
        var share = Self.share(1)
        share.interactiveTaken(at: 0)
        for _ in 0..<100 { share.spent(bulkNs: 100 * Self.ms) }
        #expect(share.decide(at: 1, interactiveWaiting: true) == .runSlice)
    }

    /// Only recent time counts: the credit stays within what one window of writer time earns or costs, so a
    /// long generate alone holds the next one back for at most a window, and a long redeem-only stretch lets
    /// bulk take at most a window.
    @Test func theCreditIsBoundedByTheWindow() {
        var share = Self.share(0.5, windowMs: 10)
        share.spent(bulkNs: 10_000 * Self.ms)
        #expect(share.creditNs == -5 * Double(Self.ms))
        share.spent(otherNs: 10 * Self.ms)
        #expect(share.creditNs == 0)
        share.spent(otherNs: 10_000 * Self.ms)
        #expect(share.creditNs == 5 * Double(Self.ms))
    }

    /// Interactive work always queued, batches of 1 ms, slices of 3 ms: bulk gets its share of the writer in
    /// the long run (never starved), and never waits longer than the bound for its next slice. (The rule is
    /// asked once per batch, as the writer asks it: one slice at most between two interactive batches.)
    @Test(arguments: [0.1, 0.25, 0.5, 0.75, 0.9])
    func underAConstantQueueBulkGetsItsShareAndIsNeverStarved(shareMax: Double) {
        var share = Self.share(shareMax)
        let (slice, batch) = (3 * Self.ms, 1 * Self.ms)
        var (now, bulkTime, slices, longestWait) = (UInt64(0), UInt64(0), 0, UInt64(0))
        var waitingSince = now
        while slices < 2_000 {
            share.interactiveTaken(at: now)
            now += batch
            share.spent(otherNs: batch)
            if share.decide(at: now, interactiveWaiting: true) == .runSlice {
                longestWait = max(longestWait, now - waitingSince)
                now += slice
                bulkTime += slice
                slices += 1
                share.spent(bulkNs: slice)
                waitingSince = now
            }
        }
        // At most one slice between two interactive batches (the writer's order guarantee): 3 / (3 + 1) at most.
        let expected = min(shareMax, 0.75)
        let got = Double(bulkTime) / Double(now)
        #expect(abs(got - expected) < 0.02, "share \(shareMax): bulk got \(got) of the writer, not \(expected)")
        // A slice costs (1 - s) * 3 ms; other time earns s per ns: back at zero after that much, plus a batch.
        let bound = Double(slice) * (1 - shareMax) / shareMax + Double(batch)
        #expect(Double(longestWait) <= bound + 1, "share \(shareMax): waited \(longestWait) ns, bound \(bound)")
    }
}
