import NIOCore
import PromoDomain
import PromoWire

/// Game servers' calls: validate (a read, or a write when it reserves), redeem (check-and-consume in the
/// writer's transaction), and the history and voids that back office needs around them.
final class RedemptionService: Sendable {
    let configuration: ServerConfiguration
    let store: any RedeemStorage & RedemptionStorage
    let failures: FailureRecorder
    /// The store's synchronous validate path and the event loops' readers, when the store offers them.
    private let local: (validation: any InProcessValidation, loopReaders: EventLoopReaders)?
    private let limits = DomainLimits.default

    init(
        configuration: ServerConfiguration, store: any RedeemStorage & RedemptionStorage, failures: FailureRecorder,
        local: (validation: any InProcessValidation, loopReaders: EventLoopReaders)?
    ) {
        self.configuration = configuration
        self.store = store
        self.failures = failures
        self.local = local
    }

    func validate(_ wire: ValidateRequest, on eventLoop: any EventLoop) throws(ServerError) -> Pending<ValidateResponse> {
        let request = RedemptionRequest(
            code: try codeInput(wire.code, campaignId: wire.campaignId), user: try WireMapping.user(wire.user),
            deposit: try WireMapping.deposit(minor: wire.depositMinor, currency: wire.currency),
            campaignId: wire.code.isEmpty ? wire.campaignId : nil)
        guard wire.reserveMs <= configuration.reservationMsMax else {
            throw ServerError(.invalidArgument, "reserve_ms must be at most \(configuration.reservationMsMax)")
        }
        guard wire.reserveMs > 0 else { return try plainValidate(request, on: eventLoop) }
        // A locked-out caller costs no writer job; the binding check is the slot the store takes in its transaction.
        if store.isLockedOut(request.user, nowMs: WallClock.nowMs()) { return .now(Self.rateLimitedValidate) }
        let reservationId = Identifier.makeTimeOrdered("rsv", nowMs: WallClock.nowMs())
        let promise = eventLoop.makePromise(of: ValidateResponse.self)
        store.reserve(request, reservationId: reservationId, holdMs: Int64(wire.reserveMs), now: { WallClock.nowMs() }) {
            result in
            promise.completeWith(result.map { admission in
                guard case .admitted(let reservation) = admission else { return Self.rateLimitedValidate }
                var response = Self.response(reservation.check)
                if reservation.check.outcome.verdict == .ok {
                    response.reservationId = reservationId
                    response.reservedUntilMs = reservation.heldUntilMs
                }
                return response
            })
        }
        return .later(promise.futureResult)
    }

    /// A validate that holds nothing: judged in this process when the store can (its memory, then the event
    /// loop's reader: no hop) and admitted by the guessing limit in one step, else by the store's `validate`.
    /// A failure is shown only if it is counted within the limit, and then recorded for the reports.
    private func plainValidate(_ request: RedemptionRequest, on eventLoop: any EventLoop) throws(ServerError)
        -> Pending<ValidateResponse>
    {
        let failures = failures
        @Sendable func answer(_ result: CheckResult, shown verdict: PromoDomain.Verdict, nowMs: Int64) -> ValidateResponse {
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
        if let (validation, loopReaders) = local {
            var judged = validation.checkInMemory(request, nowMs: nowMs)
            if judged == nil, let reader = loopReaders.reader(on: eventLoop) {
                do { judged = try reader.check(request, nowMs: nowMs) } catch { throw ServerError(wrapping: error) }
            }
            if let result = judged {
                let shown = validation.admit(result.outcome.verdict, for: request.user, nowMs: nowMs)
                return .now(answer(result, shown: shown, nowMs: nowMs))
            }
        }
        let store = store
        return .later(eventLoop.makeFutureWithTask {
            switch try await store.validate(request, now: { WallClock.nowMs() }) {
            case .rateLimited: return Self.rateLimitedValidate
            case .admitted(let result): return answer(result, shown: result.outcome.verdict, nowMs: WallClock.nowMs())
            }
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
        let store = store
        return eventLoop.makeFutureWithTask {
            let result = try await store.explain(request, now: { WallClock.nowMs() }) { nowMs in
                store.isLockedOut(request.user, nowMs: nowMs)
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
        // spares the writer; the binding check is the slot the store takes in its transaction.
        if store.isLockedOut(request.user, nowMs: WallClock.nowMs()) { return .now(Self.rateLimitedRedeem) }
        // A codeless redeem of an auto-apply campaign is reported under source "auto" unless the caller names one.
        let source = wire.source.isEmpty && wire.code.isEmpty ? "auto" : wire.source
        let command = RedeemCommand(
            request: request, source: source, idempotencyKey: wire.idempotencyKey, apiKeyId: caller.keyId,
            newRedemptionId: Identifier.makeTimeOrdered("rdm", nowMs: WallClock.nowMs()), nowMs: 0)
        // Completed from the store's writer thread after the commit: no task per redeem.
        let promise = eventLoop.makePromise(of: RedeemResponse.self)
        store.redeem(command, now: { WallClock.nowMs() }) { result in
            promise.completeWith(result.map { admission in
                guard case .admitted(let result) = admission else { return Self.rateLimitedRedeem }
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
        return .later(promise.futureResult)
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
        let (limit, store) = (configuration.offersCampaignsMax, store)
        return eventLoop.makeFutureWithTask {
            let offers = try await store.offers(user: user, deposit: deposit, limit: limit, now: { WallClock.nowMs() }) {
                nowMs in store.isLockedOut(user, nowMs: nowMs)
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
