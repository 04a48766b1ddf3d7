import NIOCore
import PromoWire

/// One connection of the closed loop: a channel handler that keeps `depth` calls in flight on its own event
/// loop, in front of `PromoClient`'s call matching (`PromoClient.insertFrameHandler`).
///
/// Per call it does what the minimal C client `scripts/lib/loadc.c` does: a frame appended from bytes encoded
/// once (`CallTemplate`: length, request id, the call arm; only redeems and mixed calls are packed per call),
/// an answer read for its request id, status and verdict without unpacking (`AnswerScan`), a slot found from
/// the request id, a histogram increment. No promise, task, lock, timer or heap allocation per call; every call
/// sent while handling one batch of reads goes out in one write and one flush per connection.
///
/// A request id is `sequence << slotBits | slot`: the slot is in the id, so an answer finds its slot with no
/// table, and a late answer to a call given up on (timed out, its slot reused) matches nothing.
final class ClosedLoopConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What every connection of a run shares.
    struct Settings: Sendable {
        let depth: Int
        let connections: Int
        /// Encoded once (nil: each call encoded from `makeCall`).
        let template: CallTemplate?
        let makeCall: @Sendable (UInt64) -> (kind: CallKind, call: Request.Call)
        /// Calls this connection sends in all (--requests); nil for a timed run.
        let callsMax: UInt64?
        let measureFrom: NIODeadline
        let stopAt: NIODeadline
        let callTimeout: TimeAmount
        let frameBytesMax: Int
        let live: LiveCounters
    }

    /// Request ids carry the slot in their low bits: room for `--depth` up to 1,024.
    static let slotBits = 10

    private struct Slot {
        var requestId: UInt64 = 0
        var startedNs: UInt64 = 0
        var kind: CallKind = .hello
        var measured = false
        var busy = false
    }

    private let settings: Settings
    private let index: UInt64
    private let codec: WireCodec
    private let done: EventLoopPromise<Void>
    private var context: ChannelHandlerContext?
    private var slots: [Slot]
    private var slotsRunning = 0
    /// Calls sent on this connection so far, plus `firstSequence`: the next call's sequence number.
    private(set) var sequence: UInt64
    private var out: ByteBuffer
    private var answered: UInt64 = 0
    private var errors: UInt64 = 0
    private var timeoutCheck: Scheduled<Void>?
    private var finished = false
    private(set) var tally = ConnectionTally()

    /// `index`: this connection's position among `settings.connections` (call numbers are spread over them).
    /// `firstSequence`: calls the same position already sent on an earlier connection that failed, so that the
    /// call numbers (and single-use codes) go on where they stopped.
    init(index: Int, settings: Settings, done: EventLoopPromise<Void>, firstSequence: UInt64 = 0) {
        precondition(settings.depth >= 1 && settings.depth <= 1 << Self.slotBits)
        self.settings = settings
        self.sequence = firstSequence
        self.index = UInt64(index)
        self.codec = WireCodec(frameBytesMax: settings.frameBytesMax)
        self.done = done
        self.slots = Array(repeating: Slot(), count: settings.depth)
        self.out = ByteBufferAllocator().buffer(capacity: 0)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        out = context.channel.allocator.buffer(capacity: 4_096)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Fills every slot and writes the first calls. Runs on the event loop, once.
    func start() {
        guard let context, context.channel.isActive else { return finish() }
        slotsRunning = settings.depth
        for slot in 0..<settings.depth { sendNext(slot: slot, now: NIODeadline.now().uptimeNanoseconds) }
        flush()
        scheduleTimeoutCheck()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let answer = AnswerScan.scan(frame) else {
            // Undecodable: the stream cannot be trusted further (as PromoClient does).
            context.close(promise: nil)
            return
        }
        let slot = Int(answer.requestId & (1 << Self.slotBits - 1))
        guard answer.requestId != 0, slot < slots.count, slots[slot].busy, slots[slot].requestId == answer.requestId else {
            if answer.requestId == 0 { context.close(promise: nil) }  // a connection-level answer: it is hanging up
            return
        }
        let now = NIODeadline.now().uptimeNanoseconds
        complete(slot: slot, status: answer.status, verdict: answer.verdict, now: now)
        sendNext(slot: slot, now: now)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let now = NIODeadline.now().uptimeNanoseconds
        for slot in slots.indices where slots[slot].busy {
            complete(slot: slot, status: nil, verdict: nil, now: now)
        }
        slotsRunning = 0
        finish()
        context.fireChannelInactive()
    }

    // MARK: - Calls

    private func complete(slot: Int, status: Int32?, verdict: Int32?, now: UInt64) {
        let call = slots[slot]
        slots[slot].busy = false
        let micros = now >= call.startedNs ? (now - call.startedNs) / 1_000 : 0
        tally.record(kind: call.kind, status: status, verdict: verdict, micros: micros, measured: call.measured)
        answered += 1
        if status != 0 { errors += 1 }
    }

    /// Puts the slot's next call in the outgoing buffer, or ends the slot when the run is over.
    private func sendNext(slot: Int, now: UInt64) {
        guard let context, context.channel.isActive,
            settings.callsMax.map({ sequence < $0 }) ?? (now < settings.stopAt.uptimeNanoseconds)
        else { return endSlot() }
        let n = index + sequence * UInt64(settings.connections)
        sequence += 1
        let requestId = sequence << Self.slotBits | UInt64(slot)
        let kind: CallKind
        if let template = settings.template {
            kind = template.kind
            template.append(id: requestId, n: n, to: &out)
        } else {
            let (callKind, call) = settings.makeCall(n)
            kind = callKind
            let start = out.writerIndex
            do {
                try codec.encode(Request(requestId: requestId, call), into: &out)
            } catch {
                out.moveWriterIndex(to: start)
                tally.record(kind: kind, status: nil, verdict: nil, micros: 0, measured: settings.callsMax != nil || now >= settings.measureFrom.uptimeNanoseconds)
                errors += 1
                return endSlot()
            }
        }
        slots[slot] = Slot(
            requestId: requestId, startedNs: now, kind: kind,
            measured: settings.callsMax != nil || now >= settings.measureFrom.uptimeNanoseconds, busy: true)
    }

    private func endSlot() {
        slotsRunning -= 1
        if slotsRunning <= 0 { finish() }
    }

    private func flush() {
        if answered > 0 {
            settings.live.calls.add(answered)
            if errors > 0 { settings.live.errors.add(errors) }
            answered = 0
            errors = 0
        }
        guard let context, out.readableBytes > 0 else { return }
        // Usually written at once, so `out` is the only reference again and is reused without allocating.
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        out.clear()
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        flush()
        timeoutCheck?.cancel()
        timeoutCheck = nil
        done.succeed()
    }

    // MARK: - Timeouts

    /// One timer per connection, not per call: each check gives up on the calls older than `callTimeout`
    /// (CLIENT_ERROR) and sends their slots' next calls.
    private func scheduleTimeoutCheck() {
        guard let context, slotsRunning > 0 else { return }
        let interval = TimeAmount.nanoseconds(max(settings.callTimeout.nanoseconds / 4, 1_000_000))
        timeoutCheck = context.eventLoop.assumeIsolated().scheduleTask(in: interval) {
            self.checkTimeouts()
        }
    }

    private func checkTimeouts() {
        timeoutCheck = nil
        let now = NIODeadline.now().uptimeNanoseconds
        let limit = UInt64(max(settings.callTimeout.nanoseconds, 0))
        for slot in slots.indices where slots[slot].busy && now >= slots[slot].startedNs &+ limit {
            complete(slot: slot, status: nil, verdict: nil, now: now)
            sendNext(slot: slot, now: now)
        }
        flush()
        scheduleTimeoutCheck()
    }
}
