import NIOCore
import PromoDomain
import PromoStore
import PromoWire

/// Game servers' calls: validate (a read, or a write when it reserves), redeem (check-and-consume in the
/// writer's transaction), and the history and voids that back office needs around them.
final class RedemptionService: Sendable {
    let configuration: ServerConfiguration
    let store: PromoStore
    let failures: FailureRecorder
    let loopReaders: EventLoopReaders
    let attempts: AttemptLimiter
    private let limits = DomainLimits.default

    init(
        configuration: ServerConfiguration, store: PromoStore, failures: FailureRecorder, loopReaders: EventLoopReaders,
        attempts: AttemptLimiter
    ) {
        self.configuration = configuration
        self.store = store
        self.failures = failures
        self.loopReaders = loopReaders
        self.attempts = attempts
    }

    func validate(_ wire: ValidateRequest, on eventLoop: any EventLoop) throws(ServerError) -> Pending<ValidateResponse> {
        let request = RedemptionRequest(
            code: try codeInput(wire.code, campaignId: wire.campaignId), user: try WireMapping.user(wire.user),
            deposit: try WireMapping.deposit(minor: wire.depositMinor, currency: wire.currency),
            campaignId: wire.code.isEmpty ? wire.campaignId : nil)
        guard wire.reserveMs <= configuration.reservationMsMax else {
            throw ServerError(.invalidArgument, "reserve_ms must be at most \(configuration.reservationMsMax)")
        }
        guard wire.reserveMs > 0 else {
            // Judged first (from the validate view when it holds everything needed, else on the loop's read
            // connection), then admitted or refused by the limiter in one step: a failure is shown only if it
            // is recorded within the limit.
            let (failures, attempts) = (failures, attempts)
            @Sendable func admitted(_ result: CheckResult, nowMs: Int64) -> ValidateResponse {
                let verdict = attempts.admit(result.outcome.verdict, for: request.user, nowMs: nowMs)
                if verdict == .rateLimited { return Self.rateLimitedValidate }
                if verdict != .ok, let campaign = result.campaign {
                    failures.record(
                        FailureEvent(
                            campaignId: campaign.id, verdict: verdict, atMs: nowMs, ip: request.user.ip,
                            deviceId: request.user.deviceId, userId: request.user.userId))
                }
                return Self.response(result)
            }
            let nowMs = WallClock.nowMs()
            let view = store.validateView
            if let result = view?.check(request, nowMs: nowMs) { return .now(admitted(result, nowMs: nowMs)) }
            guard let reader = loopReaders.reader(on: eventLoop) else {
                return .later(store.read(on: eventLoop) { connection in
                    try connection.readTransaction {
                        let nowMs = WallClock.nowMs()
                        return admitted(try connection.check(request, nowMs: nowMs), nowMs: nowMs)
                    }
                })
            }
            do {
                return .now(try reader.read { connection, snapshotVersion in
                    let result = try view?.checkLoading(
                        request, nowMs: nowMs, connection: connection, snapshotVersion: snapshotVersion)
                        ?? connection.check(request, nowMs: nowMs)
                    return admitted(result, nowMs: nowMs)
                })
            } catch { throw ServerError(wrapping: error) }
        }
        // A locked-out caller costs no writer job; the binding check is the slot taken inside the writer.
        if attempts.isLockedOut(request.user, nowMs: WallClock.nowMs()) { return .now(Self.rateLimitedValidate) }
        let reserveMs = Int64(wire.reserveMs)
        let reservationId = Identifier.makeTimeOrdered("rsv", nowMs: WallClock.nowMs())
        let attempts = attempts
        return .later(store.write(on: eventLoop) { connection in
            let nowMs = WallClock.nowMs()
            let untilMs = nowMs + reserveMs
            let judged = try attempts.withSlot(for: request.user, nowMs: nowMs, verdictOf: { $0.outcome.verdict }) {
                try connection.reserve(request, reservationId: reservationId, untilMs: untilMs, nowMs: nowMs)
            }
            guard let result = judged else { return Self.rateLimitedValidate }
            if result.outcome.verdict != .ok, let campaign = result.campaign {
                // Already in the writer: counted in this transaction rather than through the buffer.
                try connection.recordFailures([
                    FailureEvent(
                        campaignId: campaign.id, verdict: result.outcome.verdict, atMs: nowMs, ip: request.user.ip,
                        deviceId: request.user.deviceId, userId: request.user.userId)
                ])
            }
            var response = Self.response(result)
            if result.outcome.verdict == .ok {
                response.reservationId = reservationId
                response.reservedUntilMs = untilMs
            }
            return response
        })
    }

    /// A validate with `explain`, for support staff (the router has checked the role): the verdict a game
    /// server would get now, plus every rule with its detail. Never counted as a failed attempt, never
    /// refused as RATE_LIMITED (whether the player is locked out is one of the checks), and it holds no
    /// reservation. Reads on the reader pool, off the game servers' event-loop path.
    func explain(_ wire: ValidateRequest, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<ValidateResponse>
    {
        let request = RedemptionRequest(
            code: try codeInput(wire.code, campaignId: wire.campaignId), user: try WireMapping.user(wire.user),
            deposit: try WireMapping.deposit(minor: wire.depositMinor, currency: wire.currency),
            campaignId: wire.code.isEmpty ? wire.campaignId : nil)
        guard wire.reserveMs == 0 else {
            throw ServerError(.invalidArgument, "explain holds no reservation: reserve_ms must be 0")
        }
        let (attempts, store) = (attempts, store)
        return eventLoop.makeFutureWithTask {
            let result = try await store.explain(request, now: { WallClock.nowMs() }) { nowMs in
                attempts.isLockedOut(request.user, nowMs: nowMs)
            }
            var response = Self.response(result)
            response.checks = result.checks.map(WireMapping.wire)
            return response
        }
    }

    func redeem(_ wire: RedeemRequest, by caller: Caller, on eventLoop: any EventLoop) throws(ServerError)
        -> Pending<RedeemResponse>
    {
        let request = RedemptionRequest(
            code: try codeInput(wire.code, campaignId: wire.campaignId), user: try WireMapping.user(wire.user),
            deposit: try WireMapping.deposit(minor: wire.depositMinor, currency: wire.currency),
            reservationId: wire.reservationId.isEmpty ? nil : wire.reservationId,
            campaignId: wire.code.isEmpty ? wire.campaignId : nil)
        guard wire.idempotencyKey.utf8.count <= configuration.idempotencyKeyBytesMax else {
            throw ServerError(.invalidArgument, "idempotency_key is longer than \(configuration.idempotencyKeyBytesMax) bytes")
        }
        guard wire.source.utf8.count <= limits.sourceBytesMax else {
            throw ServerError(.invalidArgument, "source is longer than \(limits.sourceBytesMax) bytes")
        }
        guard wire.reservationId.utf8.count <= limits.idBytesMax else {
            throw ServerError(.invalidArgument, "reservation_id is longer than \(limits.idBytesMax) bytes")
        }
        // Refused before the idempotency lookup too: a locked-out caller learns nothing, not even a replay.
        // Nothing is stored, so the same key after the cool-down gets a real answer. This early refusal only
        // spares the writer; the binding check is the slot taken inside the writer job.
        if attempts.isLockedOut(request.user, nowMs: WallClock.nowMs()) { return .now(Self.rateLimitedRedeem) }
        // A codeless redeem of an auto-apply campaign is reported under source "auto" unless the caller names one.
        let source = wire.source.isEmpty && wire.code.isEmpty ? "auto" : wire.source
        let idempotencyKey = wire.idempotencyKey
        let apiKeyId = caller.keyId
        let redemptionId = Identifier.makeTimeOrdered("rdm", nowMs: WallClock.nowMs())
        let attempts = attempts
        return .later(store.write(on: eventLoop) { connection in
            let command = RedeemCommand(
                request: request, source: source, idempotencyKey: idempotencyKey, apiKeyId: apiKeyId,
                newRedemptionId: redemptionId, nowMs: WallClock.nowMs())
            // A replay repeats an earlier judgement rather than making a new one, so it never counts.
            let judged = try attempts.withSlot(
                for: request.user, nowMs: command.nowMs, verdictOf: { $0.replayed ? nil : $0.verdict }
            ) { try connection.redeem(command) }
            guard let result = judged else { return Self.rateLimitedRedeem }
            return RedeemResponse.with {
                $0.verdict = WireMapping.wire(result.verdict)
                $0.campaignId = result.campaignId
                $0.replayed = result.replayed
                if let redemption = result.redemption {
                    $0.redemptionId = redemption.id
                    $0.reward = WireMapping.wire(redemption.reward)
                }
            }
        })
    }

    /// A manual credit (manager, admin; the router has checked the role): recorded in the writer's transaction,
    /// with its budget spend and its audit entry. A reward that does not fit the campaign's budget is refused
    /// with FAILED_PRECONDITION (the response has no verdict to carry BUDGET_EXHAUSTED).
    func grant(_ wire: GrantRewardRequest, by caller: Caller, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<GrantRewardResponse>
    {
        let user = try WireMapping.user(wire.user)
        guard let wireReward = wire.reward else { throw ServerError(.invalidArgument, "reward is required") }
        let reward = try WireMapping.reward(wireReward)
        if case .depositMatch = reward {
            throw ServerError(
                .invalidArgument, "reward.kind: a grant credits a bonus, free spins or loyalty points, not a deposit match")
        }
        do { try reward.validate(limits: limits, field: "reward") } catch { throw ServerError(wrapping: error) }
        let reasonBytes = wire.reason.utf8.count
        guard reasonBytes >= 1, reasonBytes <= configuration.grantReasonBytesMax,
            !wire.reason.allSatisfy(\.isWhitespace)
        else {
            throw ServerError(.invalidArgument, "reason is required: 1...\(configuration.grantReasonBytesMax) bytes")
        }
        guard wire.campaignId.utf8.count <= limits.idBytesMax else {
            throw ServerError(.invalidArgument, "campaign_id is longer than \(limits.idBytesMax) bytes")
        }
        guard wire.idempotencyKey.utf8.count <= configuration.idempotencyKeyBytesMax else {
            throw ServerError(.invalidArgument, "idempotency_key is longer than \(configuration.idempotencyKeyBytesMax) bytes")
        }
        let nowMs = WallClock.nowMs()
        let command = GrantCommand(
            user: user, reward: reward, reason: wire.reason, campaignId: wire.campaignId.isEmpty ? nil : wire.campaignId,
            idempotencyKey: wire.idempotencyKey, apiKeyId: caller.keyId,
            newGrantId: Identifier.makeTimeOrdered("grt", nowMs: nowMs), nowMs: nowMs)
        let store = store
        return eventLoop.makeFutureWithTask {
            let result = try await store.grant(command, now: { WallClock.nowMs() }) { result, nowMs in
                let grant = result.grant
                return AuditEntry(
                    atMs: nowMs, actorKeyId: command.apiKeyId, action: "grant_reward", target: grant.id,
                    detail: "user=\(grant.userId) reward=\(grant.reward.kind):\(grant.reward.amount)"
                        + (grant.reward.currency.isEmpty ? "" : " \(grant.reward.currency)")
                        + (grant.campaignId.isEmpty ? "" : " campaign=\(grant.campaignId)")
                        + " reason=\(grant.reason)")
            }
            return GrantRewardResponse.with {
                $0.redemptionId = result.grant.id
                $0.reward = WireMapping.wire(result.grant.reward)
                $0.replayed = result.replayed
            }
        }
    }

    func void(_ wire: VoidRedemptionRequest, by caller: Caller, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<VoidRedemptionResponse>
    {
        let reasonBytes = wire.reason.utf8.count
        guard reasonBytes >= 1, reasonBytes <= configuration.voidReasonBytesMax else {
            throw ServerError(.invalidArgument, "reason must be 1...\(configuration.voidReasonBytesMax) bytes")
        }
        guard !wire.redemptionId.isEmpty else { throw ServerError(.invalidArgument, "redemption_id is required") }
        let (redemptionId, reason) = (wire.redemptionId, wire.reason)
        let keyId = caller.keyId
        let store = store
        return eventLoop.makeFutureWithTask {
            let voided = try await store.voidRedemption(id: redemptionId, reason: reason, now: { WallClock.nowMs() }) {
                voided, nowMs in
                // A grant's void is its write-off: its own action in the audit log.
                AuditEntry(
                    atMs: nowMs, actorKeyId: keyId, action: voided.isGrant ? "write_off" : "void_redemption",
                    target: redemptionId, detail: reason)
            }
            return VoidRedemptionResponse.with { $0.redemption = WireMapping.wire(voided) }
        }
    }

    func history(_ wire: RewardHistoryRequest, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<RewardHistoryResponse>
    {
        guard !wire.userId.isEmpty, wire.userId.utf8.count <= limits.idBytesMax else {
            throw ServerError(.invalidArgument, "user_id must be 1...\(limits.idBytesMax) bytes")
        }
        let cursor = try PageToken.decode(wire.pageToken).map { RedemptionCursor(redeemedAtMs: $0.ms, id: $0.id) }
        let pageSize = PageToken.pageSize(wire.pageSize, configuration)
        let userId = wire.userId
        let store = store
        return eventLoop.makeFutureWithTask {
            let rows = try await store.redemptions(userId: userId, after: cursor, limit: pageSize + 1)
            let page = rows.prefix(pageSize)
            return RewardHistoryResponse.with {
                $0.redemptions = page.map(WireMapping.wire)
                if rows.count > pageSize, let last = page.last {
                    $0.nextPageToken = PageToken.encode(ms: last.redeemedAtMs, id: last.id)
                }
            }
        }
    }

    /// The code as typed. Malformed codes are not an error: they simply match nothing (CODE_NOT_FOUND),
    /// exactly like a well-formed unknown code, so a guesser learns nothing from the status. Empty is
    /// allowed with a `campaign_id` (a codeless call of an auto-apply campaign).
    private func codeInput(_ code: String, campaignId: String) throws(ServerError) -> String {
        guard campaignId.utf8.count <= limits.idBytesMax else {
            throw ServerError(.invalidArgument, "campaign_id is longer than \(limits.idBytesMax) bytes")
        }
        if code.isEmpty && !campaignId.isEmpty { return code }
        guard !code.isEmpty, code.utf8.count <= limits.codeInputBytesMax else {
            throw ServerError(
                .invalidArgument, "code must be 1...\(limits.codeInputBytesMax) bytes (or empty with campaign_id)")
        }
        return code
    }

    private static let rateLimitedValidate = ValidateResponse.with { $0.verdict = WireMapping.wire(Verdict.rateLimited) }
    private static let rateLimitedRedeem = RedeemResponse.with { $0.verdict = WireMapping.wire(Verdict.rateLimited) }

    /// The active auto-apply campaigns for this player now (at most `offersCampaignsMax`), each judged as a
    /// codeless redeem would be: OK first, then the rest, each part in creation order. Read-only, on the
    /// reader pool; never counted as failed attempts. A locked-out player gets RATE_LIMITED on each offer.
    func offers(_ wire: OffersRequest, on eventLoop: any EventLoop) throws(ServerError) -> EventLoopFuture<OffersResponse> {
        let user = try WireMapping.user(wire.user)
        let deposit = try WireMapping.deposit(minor: wire.depositMinor, currency: wire.currency)
        let (limit, attempts, store) = (configuration.offersCampaignsMax, attempts, store)
        return eventLoop.makeFutureWithTask {
            let offers = try await store.offers(user: user, deposit: deposit, limit: limit, now: { WallClock.nowMs() }) {
                nowMs in attempts.isLockedOut(user, nowMs: nowMs)
            }
            return OffersResponse.with {
                $0.offers = offers.map { offer in
                    let validate = Self.response(offer.result)
                    return Offer.with {
                        $0.campaign = WireMapping.wire(offer.campaign, offer.counters)
                        $0.verdict = validate.verdict
                        $0.reward = validate.reward
                        $0.remaining = validate.remaining
                        $0.unlimited = validate.unlimited
                    }
                }
            }
        }
    }

    private static func response(_ result: CheckResult) -> ValidateResponse {
        ValidateResponse.with {
            $0.verdict = WireMapping.wire(result.outcome.verdict)
            $0.campaignId = result.campaign?.id ?? ""
            switch result.outcome.remaining {
            case .unlimited: $0.unlimited = true
            case .limited(let remaining): $0.remaining = remaining
            }
            if result.outcome.verdict == .ok, let campaign = result.campaign {
                $0.reward = WireMapping.wire(campaign.reward, granted: result.outcome.grantedAmount)
            }
            $0.budgetRemainingMinor = result.outcome.budgetRemaining
        }
    }
}
