import PromoClient

#if canImport(Glibc)
import Glibc
#endif

/// When a run measures and when it stops, shared by both drivers.
struct RunPlan: Sendable {
    let connections: Int
    let duration: Double
    let warmup: Double
    /// Measured calls in all; 0 runs for `duration` instead.
    let requests: UInt64

    /// After the end of a timed run, how long calls still in flight may take before their connections are
    /// closed (they then count as CLIENT_ERROR), so a stalled server cannot hold the tool forever.
    static let drainSeconds = 5.0

    var countsCalls: Bool { requests > 0 }

    /// Fixed when `execute` starts.
    struct Timeline: Sendable {
        let began: ContinuousClock.Instant
        let measureFrom: ContinuousClock.Instant
        let stopAt: ContinuousClock.Instant
    }

    struct Outcome: Sendable {
        let tally: Tally
        /// The measured span: --duration, or the wall time of a --requests run.
        let measuredSeconds: Double
    }

    /// Runs `drive` with one recorder per connection, the progress line and the drain watchdog beside it.
    func execute(
        clients: [FailoverClient], live: LiveCounters, showProgress: Bool,
        drive: @escaping @Sendable ([Recorder], Timeline) async -> Void
    ) async -> Outcome {
        let recorders = clients.map { _ in Recorder() }
        let clock = ContinuousClock()
        let timeline = timeline(startingAt: clock.now)
        let began = timeline.began
        let stopAt = timeline.stopAt
        let countsCalls = countsCalls
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await drive(recorders, timeline)
                return true
            }
            if showProgress {
                group.addTask {
                    await ProgressLine(live: live, began: began).run()
                    return false
                }
            }
            if !countsCalls {
                group.addTask {
                    // Only reached when the driver has not finished by then.
                    try? await Task.sleep(until: stopAt + Seconds.duration(Self.drainSeconds), clock: .continuous)
                    if !Task.isCancelled {
                        Stderr.line("calls still unanswered \(Self.drainSeconds) s after the end: closing the connections")
                        for client in clients { await client.close() }
                    }
                    return false
                }
            }
            while let driverDone = await group.next() {
                if driverDone { group.cancelAll() }
            }
        }
        let ended = clock.now
        var tally = Tally()
        for recorder in recorders { tally.merge(recorder.snapshot) }
        return Outcome(tally: tally, measuredSeconds: countsCalls ? Seconds.of(ended - began) : duration)
    }

    func timeline(startingAt began: ContinuousClock.Instant) -> Timeline {
        let measureFrom = began + Seconds.duration(warmup)
        return Timeline(began: began, measureFrom: measureFrom, stopAt: measureFrom + Seconds.duration(duration))
    }
}

/// The live line on stderr: once a second, calls per second over the last second and the totals so far.
struct ProgressLine {
    let live: LiveCounters
    let began: ContinuousClock.Instant

    func run() async {
        let terminal = isatty(2) == 1
        var previous: UInt64 = 0
        var tick = 1
        while true {
            do {
                try await Task.sleep(until: began + .seconds(tick), clock: .continuous)
            } catch {
                break
            }
            let calls = live.calls.value
            let text = "[\(tick) s] \(Format.grouped(calls - previous)) calls/s, \(Format.grouped(calls)) calls, "
                + "\(Format.grouped(live.errors.value)) errors, \(Format.grouped(live.late.value)) late"
            Stderr.write(terminal ? "\r\u{1B}[K" + text : text + "\n")
            previous = calls
            tick += 1
        }
        if terminal && tick > 1 { Stderr.write("\r\u{1B}[K") }
    }
}
