import NIOCore
import PromoClient
import PromoWire

/// Closed loop: each connection keeps exactly `depth` calls in flight; a slot sends its next call as soon
/// as the previous one is answered. Latency runs from just before the write to the matched answer, so it
/// shows what a caller waits, not what a fixed-rate caller would (see `OpenLoopDriver` for that).
///
/// The slots run as callback chains on each connection's own event loop, not as async tasks: an answer
/// records itself and writes the next call on the thread that read it. With a task per slot every call paid
/// two thread hops (task → event loop to write, event loop → task to resume), and the tool spent more CPU per
/// call than the server it measured, on the same two cores (20.8 vs 17.2 µs per validate, measured).
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
        var slots: [EventLoopFuture<Void>] = []
        for (client, recorder) in zip(clients, recorders) {
            let loop = client.channel.eventLoop
            for _ in 0..<depth {
                let done = loop.makePromise(of: Void.self)
                loop.execute { self.next(client: client, recorder: recorder, callNumbers: callNumbers, done: done) }
                slots.append(done.futureResult)
            }
        }
        for slot in slots { try? await slot.get() }
    }

    /// Sends the slot's next call, or ends the slot when the run is over. Runs on the client's event loop.
    private func next(client: PromoClient, recorder: Recorder, callNumbers: AtomicCounter, done: EventLoopPromise<Void>) {
        let n = callNumbers.next()
        let start = NIODeadline.now()
        if plan.countsCalls ? n >= plan.requests : ContinuousClock.now >= timeline.stopAt {
            return done.succeed()
        }
        let measured = plan.countsCalls || ContinuousClock.now >= timeline.measureFrom
        let (kind, call) = workload.makeCall(n)
        client.sendFuture(call).whenComplete { result in
            let outcome = (try? result.get()).map(Outcome.init) ?? .clientError
            let micros = UInt64(max(0, (NIODeadline.now() - start).nanoseconds / 1_000))
            recorder.record(kind: kind, outcome: outcome, micros: micros, measured: measured)
            live.calls.add(1)
            if outcome.isError { live.errors.add(1) }
            // A dead connection fails the next write at once, inline: end the slot rather than recurse.
            guard client.channel.isActive else { return done.succeed() }
            self.next(client: client, recorder: recorder, callNumbers: callNumbers, done: done)
        }
    }
}
