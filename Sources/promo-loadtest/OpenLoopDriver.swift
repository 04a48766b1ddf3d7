import NIOCore
import PromoClient
import PromoWire

/// Open loop: `rate` calls per second in all, connection `i` of `C` sending its `k`-th call at the fixed
/// intended time `start + i/rate + k·C/rate`, whatever the server answers.
///
/// Coordinated omission: a closed loop that waits for a slow answer sends less while the server is slow,
/// so the stall is hidden from the percentiles. Here every call's latency runs from its *intended* send
/// time, so time a call spent waiting to be sent (the server or the connection being behind) counts.
/// That is the exact form of the correction; hdrhistogram-swift's `recordCorrectedValue(_:expectedInterval:)`
/// is the after-the-fact estimate of the same thing for closed loops, and applying it here as well would
/// count the wait twice.
///
/// Memory stays bounded when the server stalls: each connection has `outstandingMax` slots, each holding
/// at most one call. A slot takes the connection's next ticket (call number) when it is free; a ticket
/// whose time has already passed when taken found every slot busy, is sent at once and counted late.
/// Tickets due before the end but never taken are counted as unsent.
struct OpenLoopDriver: Sendable {
    static let outstandingDefault = 64

    let clients: [FailoverClient]
    let recorders: [Recorder]
    let workload: Workload
    let plan: RunPlan
    let timeline: RunPlan.Timeline
    let live: LiveCounters
    let rate: Double
    let outstandingMax: Int

    func run() async {
        let connections = clients.count
        let callNumbers = AtomicCounter()
        let schedules = (0..<connections).map { index in
            Schedule(
                start: timeline.began, phaseSeconds: Double(index) / rate, intervalSeconds: Double(connections) / rate,
                calls: plan.countsCalls ? Self.share(of: plan.requests, connection: index, of: connections) : nil)
        }
        let tickets = clients.map { _ in AtomicCounter() }
        let sent = clients.map { _ in AtomicCounter() }
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<connections {
                for _ in 0..<outstandingMax {
                    group.addTask {
                        await slot(
                            client: clients[index], recorder: recorders[index], schedule: schedules[index],
                            tickets: tickets[index], sent: sent[index], callNumbers: callNumbers)
                    }
                }
            }
        }
        if !plan.countsCalls {
            // Slots stop sending at the end, so what they sent is final: the rest of the due tickets never went.
            for index in 0..<connections {
                let due = schedules[index].ticketsDue(before: timeline.stopAt)
                let sentCount = sent[index].value
                if due > sentCount { recorders[index].countUnsent(due - sentCount) }
            }
        }
    }

    private func slot(
        client: FailoverClient, recorder: Recorder, schedule: Schedule, tickets: AtomicCounter, sent: AtomicCounter,
        callNumbers: AtomicCounter
    ) async {
        let clock = ContinuousClock()
        // The tool's event loops outlive any one connection: the wake-up timers stay on this one after a failover.
        guard let eventLoop = try? await client.currentLink().client.channel.eventLoop else { return }
        while !Task.isCancelled {
            let ticket = tickets.next()
            if let calls = schedule.calls, ticket >= calls { break }
            let intended = schedule.intendedTime(ofTicket: ticket)
            if schedule.calls == nil, intended >= timeline.stopAt { break }
            let now = clock.now
            if now < intended {
                // The connection's event loop wakes the slot: its timer is exact to a few microseconds,
                // where Task.sleep on Linux adds hundreds of microseconds and occasional long delays.
                let wait = intended - now
                let wake = eventLoop.scheduleTask(in: .nanoseconds(Int64(Seconds.micros(wait)) * 1_000)) {}
                do {
                    try await wake.futureResult.get()
                } catch {
                    break
                }
            } else if now - intended > Self.lateTolerance {
                recorder.countLate()
                live.late.add(1)
            }
            if schedule.calls == nil, clock.now >= timeline.stopAt { break }
            sent.add(1)
            let measured = plan.countsCalls || intended >= timeline.measureFrom
            if measured { recorder.recordSendLag(micros: Seconds.micros(clock.now - intended)) }
            let (kind, call) = workload.makeCall(callNumbers.next())
            let outcome: Outcome
            do {
                outcome = Outcome(try await client.send(call))
            } catch {
                outcome = .clientError
            }
            let micros = Seconds.micros(clock.now - intended)
            recorder.record(kind: kind, outcome: outcome, micros: micros, measured: measured)
            live.calls.add(1)
            if outcome.isError { live.errors.add(1) }
        }
    }

    /// A ticket taken this soon after its time was only delayed by the tool's own scheduling, not by a
    /// full connection; its latency still counts from the intended time.
    static let lateTolerance: Duration = .microseconds(100)

    /// Calls of connection `index` when `total` are spread over `connections`.
    static func share(of total: UInt64, connection index: Int, of connections: Int) -> UInt64 {
        let base = total / UInt64(connections)
        return base + (UInt64(index) < total % UInt64(connections) ? 1 : 0)
    }

    /// One connection's intended send times.
    struct Schedule: Sendable {
        let start: ContinuousClock.Instant
        let phaseSeconds: Double
        let intervalSeconds: Double
        /// Tickets in all with --requests; nil for a timed run.
        let calls: UInt64?

        func intendedTime(ofTicket ticket: UInt64) -> ContinuousClock.Instant {
            start + Seconds.duration(phaseSeconds + Double(ticket) * intervalSeconds)
        }

        /// Tickets whose intended time is before `end`.
        func ticketsDue(before end: ContinuousClock.Instant) -> UInt64 {
            let span = Seconds.of(end - start) - phaseSeconds
            guard span > 0 else { return 0 }
            return UInt64((span / intervalSeconds).rounded(.up))
        }
    }
}
