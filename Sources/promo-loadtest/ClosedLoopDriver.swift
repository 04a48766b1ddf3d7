import NIOCore
import PromoClient
import PromoWire

/// Closed loop: each connection keeps exactly `depth` calls in flight; a slot sends its next call as soon
/// as the previous one is answered. Latency runs from just before the write to the matched answer, so it
/// shows what a caller waits, not what a fixed-rate caller would (see `OpenLoopDriver` for that).
///
/// Each connection is driven by a `ClosedLoopConnection` handler on its own event loop, in front of the
/// client's call matching for the length of the run. History of what this costs the tool per call (it
/// shares the two cores with the server it measures, so its cost hides the server's):
/// - a task per slot: two thread hops per call (task → event loop to write, event loop → task to resume):
///   20.8 µs of client CPU per validate against the server's 17.2;
/// - callback chains on each connection's loop through `PromoClient.sendFuture`: 14.5 µs; still two
///   promises, a dictionary entry, a timeout timer, a flush and a buffer per call, each answer decoded into a
///   Swift value and recorded under a lock with string-keyed counts;
/// - this handler (frames encoded once, answers scanned, one write per batch): see docs/benchmarks.md.
///
/// Call number `n` of connection `i` of `C` is `i + k·C` for its `k`-th call, so numbers are unique without
/// a shared counter; with --requests each connection sends its even share.
/// A connection that fails mid-run (its server stopped, a reset) is replaced by one to the next `--server`
/// address, at most `failoversMax` times per connection: the calls in flight on it count as CLIENT_ERROR (they
/// are never sent again: a load tester reports what was lost), and the new connection goes on with the
/// position's next call numbers.
struct ClosedLoopDriver: Sendable {
    let clients: [FailoverClient]
    let recorders: [Recorder]
    let workload: Workload
    let plan: RunPlan
    let timeline: RunPlan.Timeline
    let live: LiveCounters
    let depth: Int
    let failoversMax: Int

    func run() async {
        // The run's instants on NIO's clock, which the handlers read.
        let nowContinuous = ContinuousClock.now
        let nowNIO = NIODeadline.now()
        func deadline(_ instant: ContinuousClock.Instant) -> NIODeadline {
            nowNIO + .nanoseconds(Int64(Seconds.of(instant - nowContinuous) * 1e9))
        }
        let measureFrom = deadline(timeline.measureFrom)
        let stopAt = deadline(timeline.stopAt)
        await withTaskGroup(of: Void.self) { group in
            for index in clients.indices {
                group.addTask { await drive(index: index, measureFrom: measureFrom, stopAt: stopAt) }
            }
        }
    }

    /// Drives position `index` until its share of the run is done, over as many connections as it takes.
    private func drive(index: Int, measureFrom: NIODeadline, stopAt: NIODeadline) async {
        let failover = clients[index]
        guard var link = try? await failover.currentLink() else { return }
        var firstSequence: UInt64 = 0
        var failovers = 0
        let callsMax = plan.countsCalls ? OpenLoopDriver.share(of: plan.requests, connection: index, of: clients.count) : nil
        while true {
            let client = link.client
            let settings = ClosedLoopConnection.Settings(
                depth: depth, connections: clients.count, template: workload.template, makeCall: workload.makeCall,
                callsMax: callsMax, measureFrom: measureFrom, stopAt: stopAt,
                callTimeout: .milliseconds(Int64(client.configuration.callTimeoutMs)),
                frameBytesMax: client.configuration.frameBytesMax, live: live)
            let done = client.channel.eventLoop.makePromise(of: Void.self)
            let start = firstSequence
            let handler: NIOLoopBound<ClosedLoopConnection>
            do {
                handler = try await client.insertFrameHandler {
                    ClosedLoopConnection(index: index, settings: settings, done: done, firstSequence: start)
                }
            } catch {
                // The connection is gone already: nothing was sent on it.
                done.succeed()
                guard failovers < failoversMax, let next = try? await failover.replace(link) else { return }
                failovers += 1
                link = next
                continue
            }
            handler.eventLoop.execute { handler.value.start() }
            try? await done.futureResult.get()
            let channel = client.channel
            let ended = try? await handler.eventLoop.submit {
                // The connection goes back to the client (for the checks after the run).
                let lost = !channel.isActive
                if !lost { _ = channel.pipeline.syncOperations.removeHandler(handler.value) }
                return (tally: handler.value.tally.tally, sequence: handler.value.sequence, lost: lost)
            }.get()
            guard let ended else { return }
            recorders[index].merge(ended.tally)
            firstSequence = ended.sequence
            let runLeft = callsMax.map { firstSequence < $0 } ?? (NIODeadline.now() < stopAt)
            guard ended.lost, runLeft, failovers < failoversMax else { return }
            let reason = client.failure?.message ?? "connection closed"
            guard let next = try? await failover.replace(link) else {
                Stderr.line("connection \(index + 1): lost \(link.address) (\(reason)); no other server reachable")
                return
            }
            Stderr.line("connection \(index + 1): lost \(link.address) (\(reason)); carrying on at \(next.address)")
            failovers += 1
            link = next
        }
    }
}
