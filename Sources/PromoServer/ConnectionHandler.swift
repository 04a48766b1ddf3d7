import Logging
import NIOCore
import NIOExtras
import PromoWire

/// One TCP connection: frames in, requests routed, responses out, in whatever order they complete.
///
/// Back-pressure instead of errors, both ways: the handler stops decoding and withholds `read()` while
/// `inFlightPerConnectionMax` requests are pending, while the channel is not writable (more than
/// `outboundBytesMax` of answers wait for the peer to read them), or while the answers of the requests in
/// progress could push it there (each is charged in advance: `answerBytesBound`). TCP then pushes back on a
/// client that pipelines faster than it reads. Bytes already received wait in `inbound`, which holds at
/// most one frame maximum plus one read. A peer that keeps the channel unwritable for `writeStallTimeoutMs`
/// is closed, and so is one that sends `preHelloFramesMax` frames without a successful hello.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let router: RequestRouter
    private let frames: FrameDecoder
    private let codec: WireCodec
    private let inFlightMax: Int
    private let helloAttemptsMax: Int
    private let preHelloFramesMax: Int
    private let outboundBytesMax: Int
    private let writeStallTimeout: TimeAmount
    /// What a request whose answer may be large is charged while in progress: a whole frame.
    private let bulkAnswerBytes: Int
    private let frameReadTimeout: TimeAmount
    private let metrics: ServerMetrics
    private var logger: Logger

    private var inbound: ByteBuffer?
    private var session = Session()
    private var inFlight = 0
    /// The advance charges of the requests in progress (see `answerBytesBound`).
    private var inFlightAnswerBytes = 0
    /// Frames received while no successful hello stands.
    private var preHelloFrames = 0
    /// Closes the connection if it is still unwritable when it fires.
    private var writeStallTimer: Scheduled<Void>?
    private var readWithheld = false
    /// Answers encoded since the last flush, handed to the channel as one buffer: one allocation and one
    /// pending write per batch rather than per answer. Besides saving work, this keeps the bytes counted
    /// against `outboundBytesMax` close to the memory held: a 15-byte verdict in a buffer of its own costs
    /// ~250 bytes of heap, so 4 MiB of them queued one by one held ~90 MB.
    private var outbox: ByteBuffer?
    private var quiescing = false
    private var closing = false
    /// When the first bytes of the frame still incomplete in `inbound` arrived; nil when no frame is half-read.
    private var partialFrameSince: NIODeadline?
    private var frameTimerArmed = false

    init(router: RequestRouter, configuration: ServerConfiguration, metrics: ServerMetrics, logger: Logger) {
        self.router = router
        self.frames = FrameDecoder(frameBytesMax: configuration.frameBytesMax)
        self.codec = WireCodec(frameBytesMax: configuration.frameBytesMax)
        self.inFlightMax = configuration.inFlightPerConnectionMax
        self.helloAttemptsMax = configuration.helloAttemptsMax
        self.preHelloFramesMax = configuration.preHelloFramesMax
        self.outboundBytesMax = configuration.outboundBytesMax
        self.writeStallTimeout = .milliseconds(Int64(configuration.writeStallTimeoutMs))
        self.bulkAnswerBytes = configuration.frameBytesMax + 4
        self.frameReadTimeout = .milliseconds(Int64(configuration.frameReadTimeoutMs))
        self.metrics = metrics
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        if let remote = context.remoteAddress {
            logger[metadataKey: "peer"] = "\(remote)"
            session.peerIP = remote.ipAddress ?? ""
        }
        logger.debug("connection opened")
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !closing else { return }
        if inbound == nil { inbound = bytes } else { inbound!.writeBuffer(&bytes) }
        processFrames(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if !mayStartRequests(context) || quiescing || closing {
            readWithheld = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeStallTimer?.cancel()
            writeStallTimer = nil
            resume(context: context)
        } else {
            noteOutboundPeak(context)
            armWriteStallTimer(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        writeStallTimer?.cancel()
        writeStallTimer = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let idle as IdleStateHandler.IdleStateEvent where idle == .read:
            guard inFlight == 0 else { return }  // a slow answer is not the client's idleness
            logger.debug("closing idle connection")
            fail(context: context, Status(.unavailable, "idle timeout: no request received in time"))
        case is ChannelShouldQuiesceEvent:
            quiescing = true
            answerBufferedAsUnavailable(context: context)
            closeIfDrained(context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        closing = true
        context.close(promise: nil)
    }

    // MARK: Frames

    private func processFrames(context: ChannelHandlerContext) {
        var waitingForBytes = false
        var completedFrame = false
        while !closing, !quiescing, mayStartRequests(context), inbound != nil {
            let frame: ByteBuffer?
            do {
                frame = try frames.nextFrame(from: &inbound!)
            } catch {
                // The stream cannot be resynchronised after a bad length: say why, then hang up.
                fail(context: context, Status(.invalidArgument, error.message))
                return
            }
            guard let frame else {
                waitingForBytes = true
                break
            }
            completedFrame = true
            handle(frame, context: context)
        }
        compactInbound()
        trackPartialFrame(waitingForBytes: waitingForBytes && inbound != nil, restarted: completedFrame, context: context)
        if quiescing { answerBufferedAsUnavailable(context: context) }
    }

    /// Slowloris guard: a frame must arrive whole within `frameReadTimeoutMs` of its first bytes. Each completed
    /// frame restarts the clock, so a client pipelining steadily is never cut off; time spent with complete
    /// frames queued behind our own in-flight limit is ours, not the client's, and does not count.
    private func trackPartialFrame(waitingForBytes: Bool, restarted: Bool, context: ChannelHandlerContext) {
        guard waitingForBytes else {
            partialFrameSince = nil
            return
        }
        if restarted || partialFrameSince == nil { partialFrameSince = .now() }
        armFrameTimer(at: partialFrameSince! + frameReadTimeout, context: context)
    }

    /// One timer per connection at most: it re-arms itself for a frame that started after it was set.
    private func armFrameTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        guard !frameTimerArmed else { return }
        frameTimerArmed = true
        context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.frameTimerArmed = false
            guard !self.closing, let since = self.partialFrameSince else { return }
            let due = since + self.frameReadTimeout
            if due <= .now() {
                self.logger.debug("closing connection: frame not completed in time")
                self.fail(context: context, Status(.unavailable, "frame read timeout: the frame did not arrive in time"))
            } else {
                self.armFrameTimer(at: due, context: context)
            }
        }
    }

    /// Whether another request may start: under the in-flight limit, the channel writable (its queued answers
    /// under `outboundBytesMax`), and the advance charges of the requests in progress under it too.
    private func mayStartRequests(_ context: ChannelHandlerContext) -> Bool {
        inFlight < inFlightMax && inFlightAnswerBytes < outboundBytesMax && context.channel.isWritable
    }

    /// The bytes a request's answer is charged while it is in progress. The RPCs with small answers (bounded
    /// by the domain's limits to a few KiB) are charged 16 KiB, so 256 pipelined redeems fit the default
    /// budget; those whose answers grow with the data (exports, reports, listings, generate's inline codes,
    /// backup chunks) are charged a whole frame, so a few of them at a time fill the budget.
    private func answerBytesBound(_ call: Request.Call?) -> Int {
        switch call {
        case .hello, .validate, .redeem, .voidRedemption, .setCodeStatus, .getCampaign, .createCampaign,
            .updateCampaign, .createApiKey, .revokeApiKey, .getCode, .createGroup, .getGroup, .updateGroup,
            .blockUser, .unblockUser, .grantReward, .none:
            Self.smallAnswerBytes
        case .generate, .report, .check, .backup, .fetchBackup, .auditLog, .listCampaigns, .importCodes,
            .exportCodes, .rewardHistory, .listApiKeys, .listGroups, .compareCampaigns,
            .listBlocks, .offers:
            bulkAnswerBytes
        }
    }

    private static let smallAnswerBytes = 16 << 10

    /// Frames before a successful hello are counted, whatever they hold; past `preHelloFramesMax` the
    /// connection is closed, so an unauthenticated peer cannot make the server answer without end.
    private func closeIfTooManyFramesBeforeHello(context: ChannelHandlerContext) {
        guard !closing, session.caller == nil, preHelloFrames >= preHelloFramesMax else { return }
        logger.debug("closing connection: too many frames before a successful hello")
        metrics.preHelloClosures.increment()
        fail(context: context, Status(.unauthenticated, "too many frames before a successful hello"))
    }

    private func handle(_ frame: ByteBuffer, context: ChannelHandlerContext) {
        // Monotonic clock read through the vDSO: the latency histogram's start, a few ns.
        let startedNs = NIODeadline.now().uptimeNanoseconds
        if session.caller == nil { preHelloFrames += 1 }
        defer { if session.caller == nil { closeIfTooManyFramesBeforeHello(context: context) } }
        let request: Request
        do {
            request = try codec.decodeRequest(frame)
        } catch {
            // The framing is intact, so the connection survives; the id is unknown, hence 0.
            send(Response(requestId: 0, status: Status(.invalidArgument, error.message)), context: context)
            metrics.rpc(for: nil).answered(.invalidArgument, startedNs: startedNs, nowNs: NIODeadline.now().uptimeNanoseconds)
            return
        }
        let rpc = metrics.rpc(for: request.call)
        let reply: Reply
        do {
            reply = try router.route(request.call, session: &session, on: context.eventLoop)
        } catch {
            send(Response(requestId: request.requestId, status: error.status), context: context)
            rpc.answered(error.status.code, startedNs: startedNs, nowNs: NIODeadline.now().uptimeNanoseconds)
            if session.failedHellos >= helloAttemptsMax {
                fail(context: context, Status(.unauthenticated, "too many failed hello attempts"))
            }
            return
        }
        switch reply {
        case .now(let result):
            let sent = send(Response(requestId: request.requestId, result), context: context)
            metrics.countVerdict(of: result)
            rpc.answered(sent, startedNs: startedNs, nowNs: NIODeadline.now().uptimeNanoseconds)
        case .later(let future):
            inFlight += 1
            let charge = answerBytesBound(request.call)
            inFlightAnswerBytes += charge
            let requestId = request.requestId
            future.hop(to: context.eventLoop).assumeIsolated().whenComplete { outcome in
                self.inFlight -= 1
                self.inFlightAnswerBytes -= charge
                switch outcome {
                case .success(let result):
                    let sent = self.send(Response(requestId: requestId, result), context: context)
                    self.metrics.countVerdict(of: result)
                    rpc.answered(sent, startedNs: startedNs, nowNs: NIODeadline.now().uptimeNanoseconds)
                case .failure(let error):
                    let error = ServerError(wrapping: error)
                    if error.code == .internal { self.logger.error("request failed", metadata: ["error": "\(error.underlying ?? error)"]) }
                    self.send(Response(requestId: requestId, status: error.status), context: context)
                    rpc.answered(error.status.code, startedNs: startedNs, nowNs: NIODeadline.now().uptimeNanoseconds)
                }
                self.flushIfNeeded(context: context)
                self.resume(context: context)
            }
        }
    }

    /// After an answer went out: decode what is buffered, read more, or finish a graceful close.
    private func resume(context: ChannelHandlerContext) {
        if closeIfDrained(context: context) { return }
        processFrames(context: context)
        flushIfNeeded(context: context)
        if readWithheld, mayStartRequests(context), !quiescing, !closing {
            readWithheld = false
            context.read()
        }
    }

    // MARK: Output

    /// - Returns: the status code that went out (RESOURCE_EXHAUSTED when the answer was too large), for metrics.
    @discardableResult
    private func send(_ response: Response, context: ChannelHandlerContext) -> StatusCode {
        guard context.channel.isActive else { return response.status.code }
        var out = outbox ?? context.channel.allocator.buffer(capacity: 1_024)
        outbox = nil  // `out` is the only reference: appended to in place
        let sent = encodeReportingStatus(response, into: &out)
        outbox = out
        // A long batch goes out in chunks, so the channel's writability (the decoding gate) sees it.
        if out.readableBytes >= Self.outboxChunkBytes { flushIfNeeded(context: context) }
        return sent
    }

    private static let outboxChunkBytes = 64 << 10

    /// Records the bytes queued for this connection in the server-wide peak; called only while the channel is
    /// unwritable (below the water mark the queue is under `outboundBytesMax` by definition).
    private func noteOutboundPeak(_ context: ChannelHandlerContext) {
        guard let queued = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes) else { return }
        metrics.noteOutboundQueued(queued)
    }

    /// A peer that leaves the channel unwritable this long is not reading: close it, dropping what it never
    /// took (no graceful answer: it would only queue behind the rest).
    private func armWriteStallTimer(context: ChannelHandlerContext) {
        guard writeStallTimer == nil else { return }
        writeStallTimer = context.eventLoop.assumeIsolated().scheduleTask(in: writeStallTimeout) {
            self.writeStallTimer = nil
            guard !context.channel.isWritable, context.channel.isActive else { return }
            self.logger.info("closing connection: the peer has not read its answers in time")
            self.metrics.writeStallClosures.increment()
            self.closing = true
            self.inbound = nil
            context.close(promise: nil)
        }
    }

    /// Appends the framed answer to `out`; returns the status code that went out.
    private func encodeReportingStatus(_ response: Response, into out: inout ByteBuffer) -> StatusCode {
        let start = out.writerIndex
        do {
            try codec.encode(response, into: &out)
            return response.status.code
        } catch {
            // Only an oversized answer can fail to encode; a status-only answer always fits.
            out.moveWriterIndex(to: start)
            let status = Status(.resourceExhausted, error.message)
            try! codec.encode(Response(requestId: response.requestId, status: status), into: &out)
            return status.code
        }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        guard let out = outbox else { return }
        outbox = nil
        context.write(wrapOutboundOut(out), promise: nil)
        if !context.channel.isWritable { noteOutboundPeak(context) }
        context.flush()
    }

    /// A connection-level answer (request id 0), then close.
    private func fail(context: ChannelHandlerContext, _ status: Status) {
        guard !closing else { return }
        closing = true
        inbound = nil
        var out = outbox ?? context.channel.allocator.buffer(capacity: 128)
        outbox = nil
        _ = encodeReportingStatus(Response(requestId: 0, status: status), into: &out)
        context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        // A peer that does not read may never take that answer: close anyway after the write-stall timeout.
        context.eventLoop.assumeIsolated().scheduleTask(in: writeStallTimeout) {
            if context.channel.isActive { context.close(promise: nil) }
        }
    }

    /// During shutdown, requests that arrived but never started are refused, so the client can retry elsewhere.
    private func answerBufferedAsUnavailable(context: ChannelHandlerContext) {
        guard inbound != nil else { return }
        while let frame = try? frames.nextFrame(from: &inbound!) {
            let requestId = (try? codec.decodeRequest(frame).requestId) ?? 0
            send(Response(requestId: requestId, status: Status(.unavailable, "server is shutting down")), context: context)
        }
        flushIfNeeded(context: context)
    }

    @discardableResult
    private func closeIfDrained(context: ChannelHandlerContext) -> Bool {
        guard quiescing, inFlight == 0, !closing else { return false }
        closing = true
        flushIfNeeded(context: context)
        context.close(promise: nil)
        return true
    }

    private func compactInbound() {
        guard let buffer = inbound else { return }
        if buffer.readableBytes == 0 {
            inbound = nil
        } else if buffer.readerIndex >= 64 * 1024 {
            inbound!.discardReadBytes()
        }
    }
}
