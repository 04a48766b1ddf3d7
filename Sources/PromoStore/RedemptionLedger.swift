import PromoDomain

private let redemptionColumns = """
    id, campaign_id, code_display, user_id, source, reward_kind, reward_amount, reward_currency, reward_percent,
    reward_cap_minor, reward_game_id, redeemed_at_ms, voided_at_ms, void_reason
    """

extension Connection {
    /// The verdict for `request` now, counting live reservations. Reads only.
    public func check(_ request: RedemptionRequest, nowMs: Int64) throws(StoreError) -> CheckResult {
        let inputs = try redemptionCheck(request, nowMs: nowMs)
        return CheckResult(outcome: inputs.evaluate(), code: inputs.code, campaign: inputs.campaign, group: inputs.group)
    }

    /// `check` with every rule's outcome (`RedemptionCheck.explain`), for support staff. `isRateLimited` is
    /// whether the caller's limiter has the player or their IP locked out; the store keeps no such state.
    /// Reads only.
    public func explain(_ request: RedemptionRequest, nowMs: Int64, isRateLimited: Bool) throws(StoreError)
        -> CheckResult
    {
        var inputs = try redemptionCheck(request, nowMs: nowMs)
        inputs.isRateLimited = isRateLimited
        let explanation = inputs.explain()
        return CheckResult(
            outcome: explanation.outcome, code: inputs.code, campaign: inputs.campaign, group: inputs.group,
            checks: explanation.checks)
    }

    /// The rules' inputs for `request`, read now; code and campaign nil when the code does not exist (or,
    /// for a codeless call, when the campaign is not auto-apply).
    func redemptionCheck(_ request: RedemptionRequest, nowMs: Int64) throws(StoreError) -> RedemptionCheck {
        guard let (code, campaign, counters) = try redemptionTarget(request) else {
            return RedemptionCheck(
                code: nil, campaign: nil, user: request.user, deposit: request.deposit, nowMs: nowMs,
                block: try blockInForce(userId: request.user.userId, campaignId: nil, nowMs: nowMs))
        }
        let reservation = try reservationLookup(request.reservationId, code: code, userId: request.user.userId)
        let (snapshot, mayBeBlocked) = try usageSnapshot(
            campaign: campaign, counters: counters, code: code, userId: request.user.userId, nowMs: nowMs,
            excludingReservation: request.reservationId)
        var usage = snapshot
        // A dangling group id cannot happen (a foreign key), so a missing group is simply no group.
        var group: Group?
        if let groupId = campaign.groupId { group = try self.group(id: groupId) }
        if let group {
            (usage.groupRedemptions, usage.groupReservations) = try groupUsage(
                group: group, userId: request.user.userId, nowMs: nowMs, excludingReservation: request.reservationId)
        }
        return RedemptionCheck(
            code: code, campaign: campaign, group: group, user: request.user, deposit: request.deposit, usage: usage,
            nowMs: nowMs, reservation: reservation,
            block: mayBeBlocked ? try blockInForce(userId: request.user.userId, campaignId: campaign.id, nowMs: nowMs) : nil)
            .withBudgetSpent(counters.budgetSpentMinor)
    }

    /// The code a call names and its campaign: the typed code, or with `code` empty the auto-apply
    /// campaign's entry (`CodeText.autoEntry`). Nil when there is none.
    private func redemptionTarget(_ request: RedemptionRequest) throws(StoreError)
        -> (PromoCode, Campaign, CampaignCounters)?
    {
        if request.code.isEmpty {
            guard let campaignId = request.campaignId, let (campaign, counters) = try campaign(id: campaignId),
                campaign.autoApply
            else { return nil }
            let entry = CodeText.autoEntry(campaignId: campaign.id)
            let select = try statement("SELECT uses FROM codes WHERE key = ?")
            try select.bind(1, entry.key)
            guard let uses = try select.firstRow({ $0.int64(0) }) else { return nil }
            return (PromoCode(code: entry, campaignId: campaign.id, uses: UInt64(clamping: uses)), campaign, counters)
        }
        guard let text = try? CodeText(request.code), let (code, campaign, counters) = try codeAndCampaign(key: text.key)
        else { return nil }
        return (code, campaign, counters)
    }

    /// Checks and, when the verdict is OK, holds one use until `untilMs` under `reservationId`.
    ///
    /// Each call also deletes a few reservations that expired unused more than `retentionMs` ago, so the
    /// table stays bounded by the reservations of the last `retentionMs` (until then, redeeming one answers
    /// RESERVATION_EXPIRED rather than RESERVATION_NOT_FOUND).
    public func reserve(
        _ request: RedemptionRequest, reservationId: String, untilMs: Int64, nowMs: Int64, retentionMs: Int64 = 86_400_000
    ) throws(StoreError) -> CheckResult {
        // For the validate view: a held use changes the counts of the code, the campaign (and its group's
        // campaigns) and the player; the purged reservations had expired, so they held nothing.
        var held: CheckResult?
        return try coveringViewChanges(note: { changes in
            guard let held, held.outcome.verdict == .ok, let code = held.code else { return }
            changes.codes.insert(code.code.key)
            changes.campaigns.insert(code.campaignId)
            if let groupId = held.group?.id { changes.groups.insert(groupId) }
            changes.users.insert(request.user.userId)
        }) { () throws(StoreError) in
            held = try reserveCovered(request, reservationId: reservationId, untilMs: untilMs, nowMs: nowMs, retentionMs: retentionMs)
            return held!
        }
    }

    private func reserveCovered(
        _ request: RedemptionRequest, reservationId: String, untilMs: Int64, nowMs: Int64, retentionMs: Int64
    ) throws(StoreError) -> CheckResult {
        let purge = try statement(
            """
            DELETE FROM reservations WHERE id IN (
                SELECT id FROM reservations WHERE redemption_id IS NULL AND expires_at_ms < ? LIMIT 16)
            """)
        try purge.bind(1, nowMs - retentionMs)
        try purge.run()
        var request = request
        request.reservationId = nil
        let result = try check(request, nowMs: nowMs)
        guard result.outcome.verdict == .ok, let code = result.code else { return result }
        let insert = try statement(
            "INSERT INTO reservations (id, campaign_id, code_key, user_id, expires_at_ms) VALUES (?, ?, ?, ?, ?)")
        try insert.bind(1, reservationId)
        try insert.bind(2, code.campaignId)
        try insert.bind(3, code.code.key)
        try insert.bind(4, request.user.userId)
        try insert.bind(5, untilMs)
        try insert.run()
        return result
    }

    /// Check-and-consume. Run it inside the writer's transaction: the check and the writes see one state.
    public func redeem(_ command: RedeemCommand) throws -> RedeemResult {
        // For the validate view: a redemption changes the uses of its code, the counters and budget spend of
        // its campaign and the player's counts (a consumed reservation only lowers what is held). Failures
        // and idempotency records are not among the view's inputs.
        var judged: RedeemResult?
        return try coveringViewChanges(note: { changes in
            guard let result = judged, !result.replayed, let redemption = result.redemption else { return }
            let request = command.request
            let key = request.code.isEmpty
                ? CodeText.autoEntry(campaignId: redemption.campaignId).key : (try? CodeText(request.code))?.key
            guard let key else { return changes.all = true }
            changes.codes.insert(key)
            changes.campaigns.insert(redemption.campaignId)
            changes.users.insert(command.request.user.userId)
        }) {
            judged = try redeemCovered(command)
            return judged!
        }
    }

    private func redeemCovered(_ command: RedeemCommand) throws -> RedeemResult {
        let idempotencyKey = command.idempotencyKey.flatMap { $0.isEmpty ? nil : $0 }
        let fingerprint = Self.fingerprint(command)
        if let idempotencyKey, let earlier = try idempotentAnswer(apiKeyId: command.apiKeyId, key: idempotencyKey) {
            guard earlier.fingerprint == fingerprint else {
                throw DomainError(.failedPrecondition, "idempotency_key was used before with different parameters")
            }
            return earlier.result
        }

        let checked = try check(command.request, nowMs: command.nowMs)
        var result = RedeemResult(
            verdict: checked.outcome.verdict, campaignId: checked.campaign?.id ?? "", redemption: nil, replayed: false)
        if checked.outcome.verdict == .ok, let code = checked.code, let campaign = checked.campaign {
            result.redemption = try recordRedemption(
                command, code: code, campaign: campaign, group: checked.group,
                granted: checked.outcome.grantedAmount ?? 0)
        } else if let campaign = checked.campaign {
            let user = command.request.user
            try recordFailures([
                FailureEvent(
                    campaignId: campaign.id, verdict: checked.outcome.verdict, atMs: command.nowMs, ip: user.ip,
                    deviceId: user.deviceId, userId: user.userId)
            ])
        }
        if let idempotencyKey {
            let insert = try statement(
                """
                INSERT INTO idempotency (api_key_id, key, fingerprint, verdict, campaign_id, redemption_id, created_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            try insert.bind(1, command.apiKeyId)
            try insert.bind(2, idempotencyKey)
            try insert.bind(3, fingerprint)
            try insert.bind(4, result.verdict.rawValue)
            try insert.bind(5, result.campaignId)
            try insert.bind(6, result.redemption?.id)
            try insert.bind(7, command.nowMs)
            try insert.run()
        }
        return result
    }

    /// Reverses a redemption: the counts and the budget spend go back, the row stays with its void time and
    /// reason. On a grant's id it writes the grant off (`voidGrant`).
    public func voidRedemption(id: String, reason: String, nowMs: Int64) throws -> Redemption {
        guard var redemption = try redemption(id: id) else {
            if let grant = try grantRecord(id: id) { return try voidGrant(grant, reason: reason, nowMs: nowMs) }
            throw DomainError(.notFound, "redemption \(id) does not exist")
        }
        guard redemption.voidedAtMs == nil else {
            throw DomainError(.failedPrecondition, "redemption \(id) is already voided")
        }
        let void = try statement("UPDATE redemptions SET voided_at_ms = ?, void_reason = ? WHERE id = ?")
        try void.bind(1, nowMs)
        try void.bind(2, reason)
        try void.bind(3, id)
        try void.run()

        // The user's first standing redemption moves to their next standing one (or they hold none now),
        // and the timeline's first-time user moves with it.
        let next = try statement(
            """
            SELECT min(redeemed_at_ms) FROM redemptions
            WHERE campaign_id = ? AND user_id = ? AND voided_at_ms IS NULL
            """)
        try next.bind(1, redemption.campaignId)
        try next.bind(2, redemption.userId)
        let nextFirstMs = try next.firstRow { $0.optionalInt64(0) } ?? nil
        let previousFirst = try statement("SELECT first_at_ms FROM user_redemptions WHERE campaign_id = ? AND user_id = ?")
        try previousFirst.bind(1, redemption.campaignId)
        try previousFirst.bind(2, redemption.userId)
        let firstMs = try previousFirst.firstRow { $0.int64(0) } ?? 0
        let user = try statement(
            """
            UPDATE user_redemptions SET redemptions = redemptions - 1, first_at_ms = ?3
            WHERE campaign_id = ?1 AND user_id = ?2 RETURNING redemptions
            """)
        try user.bind(1, redemption.campaignId)
        try user.bind(2, redemption.userId)
        try user.bind(3, nextFirstMs ?? 0)
        let userRemaining = try user.firstRow { $0.int64(0) } ?? 0
        let group = try statement(
            """
            UPDATE group_user_redemptions SET redemptions = redemptions - 1
            WHERE group_id = (SELECT group_id FROM campaigns WHERE id = ?1) AND user_id = ?2
            """)
        try group.bind(1, redemption.campaignId)
        try group.bind(2, redemption.userId)
        try group.run()
        var firstTimeUser = TotalsDelta()
        if firstMs != nextFirstMs {
            moveFirstTimeUser(campaignId: redemption.campaignId, fromMs: firstMs, toMs: nextFirstMs, in: &firstTimeUser)
        }
        let code = try statement(
            """
            UPDATE codes SET uses = uses - 1 WHERE key = (SELECT code_key FROM redemptions WHERE id = ?)
            RETURNING uses, owner_id, (SELECT ip FROM redemptions WHERE id = ?1), (SELECT device_id FROM redemptions WHERE id = ?1),
                substr(key, 1, \(CodeText.autoEntryPrefix.utf8.count)) = '\(CodeText.autoEntryPrefix)'
            """)
        try code.bind(1, id)
        guard let (usesLeft, ownerId, ip, deviceId, isAutoEntry) = try code.firstRow({
            ($0.int64(0), $0.optionalString(1), $0.string(2), $0.string(3), $0.bool(4))
        })
        else { throw StoreError(.sqlite, "redemption \(id) has no code") }
        let campaign = try statement(
            """
            UPDATE campaigns SET redemptions = redemptions - 1, unique_users = unique_users - ?,
                codes_redeemed = codes_redeemed - ? WHERE id = ?
            """)
        try campaign.bind(1, userRemaining == 0)
        try campaign.bind(2, usesLeft == 0 && !isAutoEntry)
        try campaign.bind(3, redemption.campaignId)
        try campaign.run()
        try applyRedemptionTotals(
            campaignId: redemption.campaignId, ownerId: ownerId, redemption: redemption, ip: ip, deviceId: deviceId,
            newUser: false, delta: -1, extra: firstTimeUser)
        if redemption.reward.amount != 0 {
            try addBudgetSpent(
                campaignId: redemption.campaignId, unit: Self.budgetUnit(redemption.reward),
                delta: -redemption.reward.amount)
        }

        redemption.voidedAtMs = nowMs
        redemption.voidReason = reason
        return redemption
    }

    /// Moves one first-time user from the hour of `fromMs` to the hour of `toMs` (nil: out of the timeline).
    private func moveFirstTimeUser(campaignId: String, fromMs: Int64, toMs: Int64?, in totals: inout TotalsDelta) {
        if let toMs, hourStart(toMs) == hourStart(fromMs) { return }
        totals.hours[TotalsDelta.Hour(campaignId: campaignId, hourMs: hourStart(fromMs)), default: .init()].newUsers -= 1
        guard let toMs else { return }
        totals.hours[TotalsDelta.Hour(campaignId: campaignId, hourMs: hourStart(toMs)), default: .init()].newUsers += 1
    }

    public func redemption(id: String) throws(StoreError) -> Redemption? {
        let select = try statement(redemptionById)
        try select.bind(1, id)
        return try select.firstRow { readRedemption($0) }
    }

    /// A user's redemptions and grants, newest first, after `cursor`.
    public func redemptions(userId: String, after cursor: RedemptionCursor?, limit: Int) throws(StoreError) -> [Redemption] {
        try history(userId: userId, after: cursor, limit: limit)
    }

    /// A user's redemptions only, newest first, after `cursor`.
    public func codeRedemptions(userId: String, after cursor: RedemptionCursor?, limit: Int) throws(StoreError)
        -> [Redemption]
    {
        let select = try statement(
            """
            SELECT \(redemptionColumns) FROM redemptions
            WHERE user_id = ?1 AND (redeemed_at_ms, id) < (?2, ?3)
            ORDER BY redeemed_at_ms DESC, id DESC LIMIT ?4
            """)
        try select.bind(1, userId)
        try select.bind(2, cursor?.redeemedAtMs ?? Int64.max)
        try select.bind(3, cursor?.id ?? "\u{10FFFF}")
        try select.bind(4, limit)
        var result: [Redemption] = []
        while try select.step() { result.append(readRedemption(select)) }
        return result
    }

    // MARK: - Pieces

    private func recordRedemption(
        _ command: RedeemCommand, code: PromoCode, campaign: Campaign, group: Group?, granted: Int64
    ) throws(StoreError) -> Redemption {
        let request = command.request
        let reward = RewardColumns(campaign.reward)
        let insert = try statement(insertRedemption)
        try insert.bind(1, command.newRedemptionId)
        try insert.bind(2, campaign.id)
        try insert.bind(3, code.code.key)
        try insert.bind(4, code.code.display)
        try insert.bind(5, request.user.userId)
        try insert.bind(6, request.user.ip)
        try insert.bind(7, request.user.deviceId)
        try insert.bind(8, command.source)
        try insert.bind(9, request.deposit.amountMinor)
        try insert.bind(10, request.deposit.currency)
        try insert.bind(11, reward.kind)
        try insert.bind(12, granted)
        try insert.bind(13, reward.currency)
        try insert.bind(14, Int64(reward.percent))
        try insert.bind(15, reward.capMinor)
        try insert.bind(16, reward.gameId)
        try insert.bind(17, command.nowMs)
        try insert.run()
        // Known now, so the totals below need not read the row back.
        let deposit = RedemptionDeposit(
            rowid: lastInsertRowid, depositMinor: request.deposit.amountMinor, currency: request.deposit.currency)

        let user = try statement(
            """
            INSERT INTO user_redemptions (campaign_id, user_id, redemptions, max_per_user, first_at_ms) VALUES (?1, ?2, 1, ?3, ?4)
            ON CONFLICT (campaign_id, user_id) DO UPDATE SET redemptions = redemptions + 1, max_per_user = ?3,
                first_at_ms = CASE WHEN redemptions = 0 THEN ?4 ELSE first_at_ms END
            RETURNING redemptions
            """)
        try user.bind(1, campaign.id)
        try user.bind(2, request.user.userId)
        try user.bind(3, Int64(campaign.maxPerUser))
        try user.bind(4, command.nowMs)
        let userCount = try user.firstRow { $0.int64(0) } ?? 1
        if let group {
            // The limit is copied at each increment, so the CHECK refuses the commit if a bug above let a
            // player past the group's limit in force now.
            let groupCount = try statement(
                """
                INSERT INTO group_user_redemptions (group_id, user_id, redemptions, max_per_user) VALUES (?1, ?2, 1, ?3)
                ON CONFLICT (group_id, user_id) DO UPDATE SET redemptions = redemptions + 1, max_per_user = ?3
                """)
            try groupCount.bind(1, group.id)
            try groupCount.bind(2, request.user.userId)
            try groupCount.bind(3, Int64(group.maxPerUser))
            try groupCount.run()
        }
        // A user is new to the campaign when they held no standing redemption before this one: it becomes their
        // first, which is where the timeline counts them (and the unique-user counter below).
        let newUser = userCount == 1
        let uses = try statement("UPDATE codes SET uses = uses + 1 WHERE key = ? RETURNING uses")
        try uses.bind(1, code.code.key)
        let codeUses = try uses.firstRow { $0.int64(0) } ?? 1
        // The counters and the budget spend in one statement (the spend counts only in the campaign's own unit,
        // as `addBudgetSpent` does).
        let counters = try statement(countRedemption)
        try counters.bind(1, newUser)
        // An auto-apply campaign's entry is not one of its codes (see codes_issued).
        try counters.bind(2, codeUses == 1 && !code.code.isAutoEntry)
        try counters.bind(3, campaign.id)
        try counters.bind(4, granted)
        try counters.bind(5, campaign.reward.budgetUnit)
        try counters.run()
        if let reservationId = request.reservationId {
            let consume = try statement("UPDATE reservations SET redemption_id = ? WHERE id = ?")
            try consume.bind(1, command.newRedemptionId)
            try consume.bind(2, reservationId)
            try consume.run()
        }
        let redemption = Redemption(
            id: command.newRedemptionId, campaignId: campaign.id, codeDisplay: code.code.display,
            userId: request.user.userId, source: command.source,
            reward: GrantedReward(
                kind: reward.kind, amount: granted, currency: reward.currency, percent: reward.percent,
                capMinor: reward.capMinor, gameId: reward.gameId),
            redeemedAtMs: command.nowMs)
        try applyRedemptionTotals(
            campaignId: campaign.id, ownerId: code.ownerId, redemption: redemption, ip: request.user.ip,
            deviceId: request.user.deviceId, newUser: newUser, delta: 1, deposit: deposit)
        return redemption
    }

    private func reservationLookup(_ id: String?, code: PromoCode, userId: String) throws(StoreError) -> ReservationLookup {
        guard let id, !id.isEmpty else { return .notRequested }
        let select = try statement(
            "SELECT code_key, user_id, expires_at_ms, redemption_id IS NOT NULL FROM reservations WHERE id = ?")
        try select.bind(1, id)
        let row = try select.firstRow { ($0.string(0), $0.string(1), $0.int64(2), $0.bool(3)) }
        // Someone else's reservation, or one already used, is as good as none.
        guard let row, row.0 == code.code.key, row.1 == userId, !row.3 else { return .notFound }
        return .found(expiresAtMs: row.2)
    }

    /// The counts the rules need, and whether a block may keep the user from the campaign (then
    /// `blockInForce`, with the same condition, reads which): most players have none, so one statement.
    private func usageSnapshot(
        campaign: Campaign, counters: CampaignCounters, code: PromoCode, userId: String, nowMs: Int64,
        excludingReservation reservationId: String?
    ) throws(StoreError) -> (UsageSnapshot, mayBeBlocked: Bool) {
        let select = try statement(
            """
            SELECT
              (SELECT count(*) FROM reservations
                 WHERE campaign_id = ?1 AND redemption_id IS NULL AND expires_at_ms > ?4 AND id <> ?5),
              (SELECT count(*) FROM reservations
                 WHERE code_key = ?2 AND redemption_id IS NULL AND expires_at_ms > ?4 AND id <> ?5),
              (SELECT count(*) FROM reservations
                 WHERE campaign_id = ?1 AND user_id = ?3 AND redemption_id IS NULL AND expires_at_ms > ?4 AND id <> ?5),
              (SELECT redemptions FROM user_redemptions WHERE campaign_id = ?1 AND user_id = ?3),
              EXISTS (SELECT 1 FROM user_blocks
                 WHERE user_id = ?3 AND campaign_id IN ('', ?1) AND (until_ms = 0 OR until_ms > ?4))
            """)
        try select.bind(1, campaign.id)
        try select.bind(2, code.code.key)
        try select.bind(3, userId)
        try select.bind(4, nowMs)
        try select.bind(5, reservationId ?? "")
        let row = try select.firstRow { ($0.int64(0), $0.int64(1), $0.int64(2), $0.int64(3), $0.bool(4)) } ?? (0, 0, 0, 0, true)
        let usage = UsageSnapshot(
            campaignRedemptions: counters.redemptions, campaignReservations: UInt64(clamping: row.0),
            codeRedemptions: code.uses, codeReservations: UInt64(clamping: row.1),
            userRedemptions: UInt64(clamping: row.3), userReservations: UInt64(clamping: row.2))
        return (usage, row.4)
    }

    /// This user's standing redemptions over the group's campaigns (the maintained counter) and their live
    /// reservations in any of those campaigns, leaving out the one this call redeems.
    private func groupUsage(group: Group, userId: String, nowMs: Int64, excludingReservation reservationId: String?)
        throws(StoreError) -> (UInt64, UInt64)
    {
        let select = try statement(
            """
            SELECT
              (SELECT redemptions FROM group_user_redemptions WHERE group_id = ?1 AND user_id = ?2),
              (SELECT count(*) FROM reservations
                 WHERE user_id = ?2 AND redemption_id IS NULL AND expires_at_ms > ?3 AND id <> ?4
                   AND campaign_id IN (SELECT id FROM campaigns WHERE group_id = ?1))
            """)
        try select.bind(1, group.id)
        try select.bind(2, userId)
        try select.bind(3, nowMs)
        try select.bind(4, reservationId ?? "")
        let row = try select.firstRow { ($0.int64(0), $0.int64(1)) } ?? (0, 0)
        return (UInt64(clamping: row.0), UInt64(clamping: row.1))
    }

    private func idempotentAnswer(apiKeyId: String, key: String) throws(StoreError)
        -> (fingerprint: String, result: RedeemResult)?
    {
        let select = try statement(
            "SELECT fingerprint, verdict, campaign_id, redemption_id FROM idempotency WHERE api_key_id = ? AND key = ?")
        try select.bind(1, apiKeyId)
        try select.bind(2, key)
        guard let row = try select.firstRow({ ($0.string(0), $0.string(1), $0.string(2), $0.optionalString(3)) }) else {
            return nil
        }
        var redemption: Redemption?
        if let id = row.3 { redemption = try self.redemption(id: id) }
        let result = RedeemResult(
            verdict: Verdict(rawValue: row.1) ?? .codeNotFound, campaignId: row.2, redemption: redemption, replayed: true)
        return (row.0, result)
    }

    private static func fingerprint(_ command: RedeemCommand) -> String {
        let request = command.request
        let code = request.code.isEmpty
            ? CodeText.autoEntry(campaignId: request.campaignId ?? "").key
            : (try? CodeText(request.code))?.key ?? request.code
        return [
            code, request.user.userId, String(request.deposit.amountMinor), request.deposit.currency, command.source,
            request.reservationId ?? "",
        ].joined(separator: "\u{1F}")
    }

    private func readRedemption(_ row: Statement) -> Redemption {
        Redemption(
            id: row.string(0), campaignId: row.string(1), codeDisplay: row.string(2), userId: row.string(3),
            source: row.string(4),
            reward: GrantedReward(
                kind: row.string(5), amount: row.int64(6), currency: row.string(7),
                percent: UInt32(clamping: row.int64(8)), capMinor: row.int64(9), gameId: row.string(10)),
            redeemedAtMs: row.int64(11), voidedAtMs: row.optionalInt64(12), voidReason: row.optionalString(13))
    }
}

private let redemptionColumnsForInsert = """
    id, campaign_id, code_key, code_display, user_id, ip, device_id, source, deposit_minor, deposit_currency,
    reward_kind, reward_amount, reward_currency, reward_percent, reward_cap_minor, reward_game_id, redeemed_at_ms
    """

// Hot-path SQL built once: `statement(_:)` looks statements up by their text, and building the text with
// interpolation on every call cost an allocation and a join per redemption before the lookup even began.
private let redemptionById = "SELECT \(redemptionColumns) FROM redemptions WHERE id = ?"
private let insertRedemption = "INSERT INTO redemptions (\(redemptionColumnsForInsert)) VALUES (\(placeholders(17)))"
private let countRedemption = """
    UPDATE campaigns SET redemptions = redemptions + 1, unique_users = unique_users + ?1,
        codes_redeemed = codes_redeemed + ?2,
        budget_spent_minor = budget_spent_minor + (CASE WHEN \(BudgetSQL.unit("campaigns")) = ?5 THEN ?4 ELSE 0 END)
    WHERE id = ?3
    """
