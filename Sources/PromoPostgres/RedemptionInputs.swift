import PostgresNIO
import PromoDomain

/// Everything one validate, reserve or redeem is judged on, read in one round trip: the code and its campaign
/// (with its counters and group), the live reservations that hold uses, the player's counts, the block in
/// force, the reservation the call names, the idempotency record of its key and the guessing windows of the
/// player and their IP. Read under the campaign's row lock (and the advisory keys of `HotPathLocks`), it is
/// one consistent state for the rules: every writer of these counts takes the same locks first.
struct RedemptionInputs {
    var check: RedemptionCheck
    var counters: CampaignCounters?
    var earlier: EarlierAnswer?
    var userWindow: FailedAttemptWindow?
    var ipWindow: FailedAttemptWindow?

    /// The stored answer to an earlier redeem with the same idempotency key.
    struct EarlierAnswer {
        var fingerprint: String
        var verdict: Verdict
        var campaignId: String
        var redemptionId: String?
    }

    /// Reads the inputs of `request` at `nowMs`. `idempotency`: the (API key, key) whose record to read.
    static func read(
        _ request: RedemptionRequest, nowMs: Int64, idempotency: (apiKeyId: String, key: String)?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> RedemptionInputs {
        let codeless = request.code.isEmpty
        let key: String
        if codeless {
            key = CodeText.autoEntry(campaignId: request.campaignId ?? "").key
        } else if let text = try? CodeText(request.code) {
            key = text.key
        } else {
            // Malformed: matches nothing, exactly like a well-formed unknown code.
            key = ""
        }
        let userId = request.user.userId
        let reservationId = request.reservationId ?? ""
        let query: PostgresQuery = """
            WITH k AS (SELECT key, display, campaign_id, max_uses, uses, active, owner_id, batch_id, created_at_ms
                       FROM codes WHERE key = \(key)),
                 c AS (SELECT \(unescaped: CampaignRows.columns) FROM campaigns WHERE id = (SELECT campaign_id FROM k))
            SELECT c.*,
                k.key, k.display, k.campaign_id, k.max_uses, k.uses, k.active::int::bigint, k.owner_id, k.batch_id, k.created_at_ms,
                g.id, g.name, g.max_per_user, g.created_at_ms,
                (SELECT count(*) FROM reservations WHERE campaign_id = c.id AND redemption_id IS NULL
                    AND expires_at_ms > \(nowMs) AND id <> \(reservationId)),
                (SELECT count(*) FROM reservations WHERE code_key = k.key AND redemption_id IS NULL
                    AND expires_at_ms > \(nowMs) AND id <> \(reservationId)),
                (SELECT count(*) FROM reservations WHERE campaign_id = c.id AND user_id = \(userId)
                    AND redemption_id IS NULL AND expires_at_ms > \(nowMs) AND id <> \(reservationId)),
                coalesce((SELECT redemptions FROM user_redemptions WHERE campaign_id = c.id AND user_id = \(userId)), 0),
                coalesce((SELECT redemptions FROM group_user_redemptions WHERE group_id = g.id AND user_id = \(userId)), 0),
                (SELECT count(*) FROM reservations WHERE g.id IS NOT NULL AND user_id = \(userId)
                    AND redemption_id IS NULL AND expires_at_ms > \(nowMs) AND id <> \(reservationId)
                    AND campaign_id IN (SELECT id FROM campaigns WHERE group_id = g.id)),
                r.code_key, r.user_id, r.expires_at_ms, (r.redemption_id IS NOT NULL)::int::bigint,
                b.id, b.user_id, b.reason, b.until_ms, b.campaign_id, b.created_at_ms, b.created_by,
                i.fingerprint, i.verdict, i.campaign_id, i.redemption_id,
                wu.window_start_ms, wu.current_failures, wu.previous_failures, wu.locked_until_ms,
                wi.window_start_ms, wi.current_failures, wi.previous_failures, wi.locked_until_ms
            FROM (SELECT 1) AS one
            LEFT JOIN k ON true
            LEFT JOIN c ON true
            LEFT JOIN campaign_groups g ON g.id = c.group_id
            LEFT JOIN reservations r ON r.id = \(reservationId)
            LEFT JOIN LATERAL (SELECT * FROM user_blocks WHERE user_id = \(userId)
                AND campaign_id IN ('', coalesce(c.id, '')) AND (until_ms = 0 OR until_ms > \(nowMs))
                ORDER BY campaign_id LIMIT 1) b ON true
            LEFT JOIN idempotency i ON i.api_key_id = \(idempotency?.apiKeyId ?? "") AND i.key = \(idempotency?.key ?? "")
                AND \(idempotency != nil)
            LEFT JOIN attempt_windows wu ON wu.kind = 'user' AND wu.caller = \(userId)
            LEFT JOIN attempt_windows wi ON wi.kind = 'ip' AND wi.caller = \(request.user.ip) AND \(request.user.ip) <> ''
            """
        guard let inputs = try await connection.firstRow(query, logger: logger, { row in
            try Self.decode(row, request: request, nowMs: nowMs, codeless: codeless)
        }) else { throw StoreError(.engine, "the redemption inputs query returned no row") }
        return inputs
    }

    private static func decode(_ row: RowReader, request: RedemptionRequest, nowMs: Int64, codeless: Bool) throws
        -> RedemptionInputs
    {
        // The campaign's columns come first, where `CampaignRows.read` reads them.
        let campaignRow = try row.optionalString(0) == nil ? nil : try CampaignRows.read(row)
        var column = campaignColumnCount
        func next() -> Int {
            defer { column += 1 }
            return column
        }
        let codeKey = try row.optionalString(next())
        let display = try row.optionalString(next())
        let codeCampaign = try row.optionalString(next())
        let maxUses = try row.optionalInt64(next())
        let uses = try row.optionalInt64(next())
        let active = try row.optionalFlag(next())
        let ownerId = try row.optionalString(next())
        let batchId = try row.optionalString(next())
        let codeCreated = try row.optionalInt64(next())
        let groupId = try row.optionalString(next())
        let groupName = try row.optionalString(next())
        let groupMax = try row.optionalInt64(next())
        let groupCreated = try row.optionalInt64(next())
        var usage = UsageSnapshot()
        usage.campaignReservations = UInt64(clamping: try row.int64(next()))
        usage.codeReservations = UInt64(clamping: try row.int64(next()))
        usage.userReservations = UInt64(clamping: try row.int64(next()))
        usage.userRedemptions = UInt64(clamping: try row.int64(next()))
        usage.groupRedemptions = UInt64(clamping: try row.int64(next()))
        usage.groupReservations = UInt64(clamping: try row.int64(next()))
        let reservationCode = try row.optionalString(next())
        let reservationUser = try row.optionalString(next())
        let reservationExpires = try row.optionalInt64(next())
        let reservationUsed = try row.optionalFlag(next())
        let blockId = try row.optionalString(next())
        let blockUser = try row.optionalString(next())
        let blockReason = try row.optionalString(next())
        let blockUntil = try row.optionalInt64(next())
        let blockCampaign = try row.optionalString(next())
        let blockCreated = try row.optionalInt64(next())
        let blockBy = try row.optionalString(next())
        let earlierFingerprint = try row.optionalString(next())
        let earlierVerdict = try row.optionalString(next())
        let earlierCampaign = try row.optionalString(next())
        let earlierRedemption = try row.optionalString(next())
        let userWindow = try AttemptWindowRow.read(row, at: next())
        column += 3
        let ipWindow = try AttemptWindowRow.read(row, at: next())

        var block: UserBlock?
        if let blockId, let blockUser, let blockReason, let blockUntil, let blockCampaign, let blockCreated, let blockBy {
            block = UserBlock(
                id: blockId, userId: blockUser, reason: blockReason, untilMs: blockUntil,
                campaignId: blockCampaign.isEmpty ? nil : blockCampaign, createdAtMs: blockCreated, createdBy: blockBy)
        }
        var earlier: EarlierAnswer?
        if let earlierFingerprint, let earlierVerdict, let earlierCampaign {
            earlier = EarlierAnswer(
                fingerprint: earlierFingerprint, verdict: Verdict(rawValue: earlierVerdict) ?? .codeNotFound,
                campaignId: earlierCampaign, redemptionId: earlierRedemption)
        }

        var code: PromoCode?
        if let codeKey, let codeCampaign, let maxUses, let uses, let active {
            let text: CodeText? = codeKey.hasPrefix(CodeText.autoEntryPrefix)
                ? (codeless ? CodeText.autoEntry(campaignId: codeCampaign) : nil)
                : try? CodeText(display ?? codeKey)
            if let text {
                code = PromoCode(
                    code: text, campaignId: codeCampaign, maxUses: UInt64(clamping: maxUses), uses: UInt64(clamping: uses),
                    isActive: active, ownerId: ownerId, batchId: batchId, createdAtMs: codeCreated ?? 0)
            }
        }
        // A codeless call names an auto-apply campaign; any other campaign (or a missing one) is no code at all.
        guard let code, let (campaign, counters) = campaignRow, !codeless || campaign.autoApply else {
            let check = RedemptionCheck(
                code: nil, campaign: nil, user: request.user, deposit: request.deposit, nowMs: nowMs,
                block: block?.campaignId == nil ? block : nil)
            return RedemptionInputs(
                check: check, counters: nil, earlier: earlier, userWindow: userWindow, ipWindow: ipWindow)
        }
        usage.campaignRedemptions = counters.redemptions
        usage.codeRedemptions = code.uses
        usage.budgetSpent = counters.budgetSpentMinor
        var group: Group?
        if let groupId, let groupName, let groupMax, let groupCreated {
            group = Group(id: groupId, name: groupName, maxPerUser: UInt32(clamping: groupMax), createdAtMs: groupCreated)
        } else {
            (usage.groupRedemptions, usage.groupReservations) = (0, 0)
        }
        var reservation = ReservationLookup.notRequested
        if let id = request.reservationId, !id.isEmpty {
            // Someone else's reservation, or one already used, is as good as none.
            if let reservationCode, reservationCode == code.code.key, reservationUser == request.user.userId,
                reservationUsed == false, let reservationExpires
            {
                reservation = .found(expiresAtMs: reservationExpires)
            } else {
                reservation = .notFound
            }
        }
        let check = RedemptionCheck(
            code: code, campaign: campaign, group: group, user: request.user, deposit: request.deposit, usage: usage,
            nowMs: nowMs, reservation: reservation, block: block)
        return RedemptionInputs(
            check: check, counters: counters, earlier: earlier, userWindow: userWindow, ipWindow: ipWindow)
    }
}

/// A guessing window's columns (start, current, previous, locked until), nil when the caller has no row.
enum AttemptWindowRow {
    static func read(_ row: RowReader, at index: Int) throws -> FailedAttemptWindow? {
        guard let start = try row.optionalInt64(index), let current = try row.optionalInt64(index + 1),
            let previous = try row.optionalInt64(index + 2), let locked = try row.optionalInt64(index + 3)
        else { return nil }
        return FailedAttemptWindow(
            windowStartMs: start, current: Int(clamping: current), previous: Int(clamping: previous), lockedUntilMs: locked)
    }

    /// The window as the `bigint[]` the finish functions store.
    static func stored(_ window: FailedAttemptWindow) -> [Int64] {
        [window.windowStartMs, Int64(window.current), Int64(window.previous), window.lockedUntilMs]
    }
}

/// How many columns `CampaignRows.columns` selects: where the inputs' own columns start.
private let campaignColumnCount = CampaignRows.columns.split(separator: ",").count
