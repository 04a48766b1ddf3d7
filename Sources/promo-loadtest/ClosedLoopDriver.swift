import PromoClient
import PromoWire

/// Closed loop: each connection keeps exactly `depth` calls in flight; a slot sends its next call as soon
/// as the previous one is answered. Latency runs from just before the write to the matched answer, so it
/// shows what a caller waits, not what a fixed-rate caller would (see `OpenLoopDriver` for that).
struct ClosedLoopDriver: Sendable {
    let clients: [PromoClient]
    let recorders: [Recorder]
    let workload: Workload
    let plan: RunPlan
    let timeline: RunPlan.Timeline
    let live: LiveCounters
    let depth: Int

    func run() async {
        let callNumbers = AtomicCounter()
        await withTaskGroup(of: Void.self) { group in
            for (client, recorder) in zip(clients, recorders) {
                for _ in 0..<depth {
                    group.addTask { await slot(client: client, recorder: recorder, callNumbers: callNumbers) }
                }
            }
        }
    }

    /// One pipelined slot: sends, waits for the answer, records, repeats until the run ends.
    private func slot(client: PromoClient, recorder: Recorder, callNumbers: AtomicCounter) async {
        let clock = ContinuousClock()
        while !Task.isCancelled {
            let n = callNumbers.next()
            let start = clock.now
            if plan.countsCalls {
                guard n < plan.requests else { break }
            } else if start >= timeline.stopAt {
                break
            }
            let (kind, call) = workload.makeCall(n)
            let outcome: Outcome
            do {
                outcome = Outcome(try await client.send(call))
            } catch {
                outcome = .clientError
            }
            let micros = Seconds.micros(clock.now - start)
            recorder.record(kind: kind, outcome: outcome, micros: micros, measured: plan.countsCalls || start >= timeline.measureFrom)
            live.calls.add(1)
            if outcome.isError { live.errors.add(1) }
        }
    }
}
