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
struct ClosedLoopDriver: Sendable {
    let clients: [PromoClient]
    let recorders: [Recorder]
    let workload: Workload
    let plan: RunPlan
    let timeline: RunPlan.Timeline
    let live: LiveCounters
    let depth: Int

    func run() async {
        // The run's instants on NIO's clock, which the handlers read.
        let nowContinuous = ContinuousClock.now
        let nowNIO = NIODeadline.now()
        func deadline(_ instant: ContinuousClock.Instant) -> NIODeadline {
            nowNIO + .nanoseconds(Int64(Seconds.of(instant - nowContinuous) * 1e9))
        }
        let measureFrom = deadline(timeline.measureFrom)
        let stopAt = deadline(timeline.stopAt)

        var connections: [(index: Int, client: PromoClient, handler: NIOLoopBound<ClosedLoopConnection>, done: EventLoopFuture<Void>)] = []
        for (index, client) in clients.enumerated() {
            let settings = ClosedLoopConnection.Settings(
                depth: depth, connections: clients.count, template: workload.template, makeCall: workload.makeCall,
                callsMax: plan.countsCalls ? OpenLoopDriver.share(of: plan.requests, connection: index, of: clients.count) : nil,
                measureFrom: measureFrom, stopAt: stopAt,
                callTimeout: .milliseconds(Int64(client.configuration.callTimeoutMs)),
                frameBytesMax: client.configuration.frameBytesMax, live: live)
            let done = client.channel.eventLoop.makePromise(of: Void.self)
            do {
                let handler = try await client.insertFrameHandler {
                    ClosedLoopConnection(index: index, settings: settings, done: done)
                }
                connections.append((index, client, handler, done.futureResult))
            } catch {
                // The connection is gone already: nothing to drive on it.
                done.succeed()
            }
        }
        for connection in connections {
            let handler = connection.handler
            handler.eventLoop.execute { handler.value.start() }
        }
        for connection in connections {
            try? await connection.done.get()
            let handler = connection.handler
            let channel = connection.client.channel
            let tally = try? await handler.eventLoop.submit {
                // The connection goes back to the client (for the checks after the run).
                if channel.isActive { _ = channel.pipeline.syncOperations.removeHandler(handler.value) }
                return handler.value.tally.tally
            }.get()
            if let tally { recorders[connection.index].merge(tally) }
        }
    }
}
