import PostgresNIO
import PromoDomain

extension PostgresStore {
    /// Check-and-consume, exactly once across the cluster. Nil: the player or their IP has no room for one
    /// more failed attempt (answer RATE_LIMITED; nothing judged, nothing stored).
    ///
    /// Under the campaign's row lock and the keys of the player's group, guessing windows and idempotency
    /// key: reads the inputs, refuses a locked-out caller, answers a replay (or refuses a key reused with
    /// other parameters), judges with `RedemptionCheck`, and records the redemption or the failure with every
    /// maintained total, the idempotency record and the windows in one subtransaction of the batch.
    func redeemJudged(_ command: RedeemCommand, now: @escaping @Sendable () -> Int64) async throws -> RedeemResult? {
        let request = command.request
        let (guessing, lockouts) = (hotPath.guessing, hotPath.lockouts)
        let idempotencyKey = command.idempotencyKey.flatMap { $0.isEmpty ? nil : $0 }
        let fingerprint = Self.fingerprint(command)
        var keys = AttemptWindows.lockKeys(request.user, policy: guessing)
        if let idempotencyKey { keys.append(HotPathLocks.idempotency(apiKeyId: command.apiKeyId, key: idempotencyKey)) }
        let (logger, limits) = (logger, hotPath.limits)
        return try await submitHotJob(request, lockKeys: keys) { connection, lockedCampaign in
            var command = command
            command.nowMs = now()
            let nowMs = command.nowMs
            let inputs = try await RedemptionInputs.read(
                request, nowMs: nowMs, idempotency: idempotencyKey.map { (command.apiKeyId, $0) }, on: connection,
                logger: logger)
            if let code = inputs.check.code, code.campaignId != lockedCampaign { return .moved(code.campaignId) }
            var windows = AttemptWindows(
                user: inputs.userWindow, ip: inputs.ipWindow, userId: request.user.userId, ipAddress: request.user.ip,
                policy: guessing)
            lockouts.note(windows, nowMs: nowMs)
            // Refused before the idempotency lookup too: a locked-out caller learns nothing, not even a replay.
            guard windows.hasRoom(nowMs: nowMs) else { return .done(nil) }
            if let earlier = inputs.earlier {
                guard earlier.fingerprint == fingerprint else {
                    throw DomainError(.failedPrecondition, "idempotency_key was used before with different parameters")
                }
                var redemption: Redemption?
                if let id = earlier.redemptionId {
                    redemption = try await connection.firstRow(
                        "SELECT \(unescaped: RedemptionRow.columns) FROM redemptions WHERE id = \(id)", logger: logger,
                        RedemptionRow.read)
                }
                // A replay repeats an earlier judgement rather than making a new one, so it never counts.
                return .done(
                    RedeemResult(
                        verdict: earlier.verdict, campaignId: earlier.campaignId, redemption: redemption, replayed: true))
            }

            let outcome = inputs.check.evaluate()
            let verdict = outcome.verdict
            let stored = windows.settle(verdict, nowMs: nowMs)
            lockouts.note(windows, nowMs: nowMs)
            let user = request.user
            let campaign = inputs.check.campaign
            let code = inputs.check.code
            let group = inputs.check.group
            let ok = verdict == .ok && campaign != nil && code != nil
            let granted = outcome.grantedAmount ?? 0
            let reward = RewardColumns(campaign?.reward ?? .loyaltyPoints(amount: 0))
            let reservation = request.reservationId.flatMap { $0.isEmpty ? nil : $0 }
            try await connection.finish(
                """
                SELECT promo_finish_redeem(\(ok), \(command.newRedemptionId), \(campaign?.id), \(code?.code.key),
                    \(code?.code.display ?? ""), \(user.userId), \(user.ip), \(user.deviceId), \(command.source),
                    \(request.deposit.amountMinor), \(request.deposit.currency), \(reward.kind), \(granted),
                    \(reward.currency), \(Int64(reward.percent)), \(reward.capMinor), \(reward.gameId), \(nowMs),
                    \(Int64(campaign?.maxPerUser ?? 0)), \(group?.id), \(Int64(group?.maxPerUser ?? 0)), \(reservation),
                    \(verdict.rawValue), \(Int64(limits.dimensionKeysPerHourMax)),
                    \(command.apiKeyId), \(idempotencyKey), \(fingerprint), \(verdict.rawValue),
                    \(stored.user), \(stored.ip), \(guessing.forgetBeforeMs(nowMs: nowMs)))
                """, logger: logger)
            var result = RedeemResult(verdict: verdict, campaignId: campaign?.id ?? "", redemption: nil, replayed: false)
            if ok, let campaign, let code {
                result.redemption = Redemption(
                    id: command.newRedemptionId, campaignId: campaign.id, codeDisplay: code.code.display,
                    userId: user.userId, source: command.source,
                    reward: GrantedReward(
                        kind: reward.kind, amount: granted, currency: reward.currency, percent: reward.percent,
                        capMinor: reward.capMinor, gameId: reward.gameId),
                    redeemedAtMs: nowMs)
            }
            return .done(result)
        }
    }

    /// Checks and, when the verdict is OK, holds one use until `nowMs + reserveMs` under `reservationId`,
    /// counted by every server from its commit on. Nil: no room for one more failed attempt (RATE_LIMITED).
    /// `now` is read under the locks.
    func reserveJudged(
        _ request: RedemptionRequest, reservationId: String, reserveMs: Int64, now: @escaping @Sendable () -> Int64
    ) async throws -> (result: CheckResult, untilMs: Int64)? {
        let (guessing, lockouts) = (hotPath.guessing, hotPath.lockouts)
        var request = request
        request.reservationId = nil
        let keys = AttemptWindows.lockKeys(request.user, policy: guessing)
        let (logger, limits) = (logger, hotPath.limits)
        return try await submitHotJob(request, lockKeys: keys) { [request] connection, lockedCampaign in
            let nowMs = now()
            let inputs = try await RedemptionInputs.read(request, nowMs: nowMs, idempotency: nil, on: connection, logger: logger)
            if let code = inputs.check.code, code.campaignId != lockedCampaign { return .moved(code.campaignId) }
            var windows = AttemptWindows(
                user: inputs.userWindow, ip: inputs.ipWindow, userId: request.user.userId, ipAddress: request.user.ip,
                policy: guessing)
            lockouts.note(windows, nowMs: nowMs)
            guard windows.hasRoom(nowMs: nowMs) else { return .done(nil) }
            let outcome = inputs.check.evaluate()
            let stored = windows.settle(outcome.verdict, nowMs: nowMs)
            lockouts.note(windows, nowMs: nowMs)
            let ok = outcome.verdict == .ok && inputs.check.code != nil
            let untilMs = nowMs.addingReportingOverflow(reserveMs).overflow ? Int64.max : nowMs + reserveMs
            let user = request.user
            try await connection.finish(
                """
                SELECT promo_finish_reserve(\(ok), \(reservationId), \(inputs.check.campaign?.id),
                    \(inputs.check.code?.code.key), \(user.userId), \(user.ip), \(user.deviceId), \(untilMs), \(nowMs),
                    \(nowMs - limits.reservationRetentionMs), \(outcome.verdict.rawValue),
                    \(Int64(limits.dimensionKeysPerHourMax)), \(stored.user), \(stored.ip),
                    \(guessing.forgetBeforeMs(nowMs: nowMs)))
                """, logger: logger)
            let result = CheckResult(
                outcome: outcome, code: inputs.check.code, campaign: inputs.check.campaign, group: inputs.check.group)
            return .done((result, untilMs))
        }
    }

    /// The verdict for a plain validate now, on one consistent state (one statement), counting live
    /// reservations, and whether the player or their IP is locked out anywhere in the cluster (a caller
    /// locked out on one server must not learn from another that a guess was right).
    func checkJudged(_ request: RedemptionRequest, nowMs: Int64) async throws -> (result: CheckResult, lockedOut: Bool) {
        let (logger, guessing, lockouts) = (logger, hotPath.guessing, hotPath.lockouts)
        return try await hotPath.reads.withPermit { try await withConnection { connection in
            let inputs = try await RedemptionInputs.read(request, nowMs: nowMs, idempotency: nil, on: connection, logger: logger)
            let windows = AttemptWindows(
                user: inputs.userWindow, ip: inputs.ipWindow, userId: request.user.userId, ipAddress: request.user.ip,
                policy: guessing)
            lockouts.note(windows, nowMs: nowMs)
            let result = CheckResult(
                outcome: inputs.check.evaluate(), code: inputs.check.code, campaign: inputs.check.campaign,
                group: inputs.check.group)
            return (result, windows.isLockedOut(nowMs: nowMs))
        } }
    }

    /// The verdict to answer for a plain validate judged `verdict` (`GuessingLimit.admit`, cluster-wide):
    /// itself, or RATE_LIMITED when the caller is locked out or a failure would not fit under both limits (a
    /// failure that fits is recorded in the same step, under the caller's keys, batched with the server's
    /// other codeless work).
    func admitJudged(_ verdict: Verdict, for user: UserContext, now: @escaping @Sendable () -> Int64) async throws
        -> Verdict
    {
        let (logger, guessing, lockouts) = (logger, hotPath.guessing, hotPath.lockouts)
        guard guessing.isEnabled, verdict.countsAsFailedAttempt else { return verdict }
        let request = RedemptionRequest(code: "", user: user)
        let keys = AttemptWindows.lockKeys(user, policy: guessing)
        // Not a campaign's job: it runs in the batches of work without a campaign lock.
        return try await withCheckedThrowingContinuation { continuation in
            hotPath.batcher.submit(
                HotPathJob(
                    campaignId: nil, lockKeys: keys, userId: request.user.userId,
                    work: { connection in
                        let nowMs = now()
                        var windows = try await Self.readWindows(user, guessing: guessing, on: connection, logger: logger)
                        lockouts.note(windows, nowMs: nowMs)
                        if windows.isLockedOut(nowMs: nowMs) || !windows.hasRoom(nowMs: nowMs) {
                            return Verdict.rateLimited
                        }
                        let stored = windows.settle(verdict, nowMs: nowMs)
                        lockouts.note(windows, nowMs: nowMs)
                        try await connection.finish(
                            """
                            SELECT promo_finish_redeem(false, '', NULL, NULL, '', \(user.userId), \(user.ip), '', '', 0, '',
                                '', 0, '', 0, 0, '', \(nowMs), 0, NULL, 0, NULL, '', 0, '', NULL, '', '',
                                \(stored.user), \(stored.ip), \(guessing.forgetBeforeMs(nowMs: nowMs)))
                            """, logger: logger)
                        return verdict
                    },
                    complete: { outcome in
                        switch outcome {
                        case .success(let value): continuation.resume(returning: value as! Verdict)
                        case .failure(let error): continuation.resume(throwing: error)
                        }
                    }), on: self)
        }
    }

    static func readWindows(_ user: UserContext, guessing: GuessingPolicy, on connection: PostgresConnection, logger: Logger)
        async throws -> AttemptWindows
    {
        var windows = AttemptWindows(user: nil, ip: nil, userId: user.userId, ipAddress: user.ip, policy: guessing)
        let rows = try await connection.rows(
            """
            SELECT kind, window_start_ms, current_failures, previous_failures, locked_until_ms FROM attempt_windows
            WHERE (kind = 'user' AND caller = \(user.userId)) OR (kind = 'ip' AND caller = \(user.ip) AND \(user.ip) <> '')
            """, logger: logger
        ) { row in (try row.string(0), try AttemptWindowRow.read(row, at: 1)) }
        for (kind, window) in rows {
            if kind == "user" { windows.user = window } else { windows.ip = window }
        }
        return windows
    }

    /// The SQLite store's fingerprint of a redeem, character for character, so that records moved by
    /// `migrate` keep answering replays.
    static func fingerprint(_ command: RedeemCommand) -> String {
        let request = command.request
        let code = request.code.isEmpty
            ? CodeText.autoEntry(campaignId: request.campaignId ?? "").key
            : (try? CodeText(request.code))?.key ?? request.code
        return [
            code, request.user.userId, String(request.deposit.amountMinor), request.deposit.currency, command.source,
            request.reservationId ?? "",
        ].joined(separator: "\u{1F}")
    }
}

/// A redemption row as the history and replays read it.
enum RedemptionRow {
    static let columns = """
        id, campaign_id, code_display, user_id, source, reward_kind, reward_amount, reward_currency, reward_percent,
        reward_cap_minor, reward_game_id, redeemed_at_ms, voided_at_ms, void_reason
        """

    static func read(_ row: RowReader) throws -> Redemption {
        Redemption(
            id: try row.string(0), campaignId: try row.string(1), codeDisplay: try row.string(2),
            userId: try row.string(3), source: try row.string(4),
            reward: GrantedReward(
                kind: try row.string(5), amount: try row.int64(6), currency: try row.string(7),
                percent: UInt32(clamping: try row.int64(8)), capMinor: try row.int64(9), gameId: try row.string(10)),
            redeemedAtMs: try row.int64(11), voidedAtMs: try row.optionalInt64(12), voidReason: try row.optionalString(13))
    }
}
