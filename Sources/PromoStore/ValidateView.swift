import PromoDomain

/// What a plain validate reads, kept in memory: codes, their campaigns (with counters, group and how long
/// reservations may hold uses), and per player their blocks and standing redemption counts. A plain
/// validate that finds everything it needs here is one hash lookup under one short lock: no SQLite call.
///
/// Kept exact by the single writer, which knows every change it commits: each write job either notes the
/// entries it changed (redeem, reserve) or, when it notes nothing but changed rows, clears the whole view
/// (`ViewChangeLog`). The writer publishes the changes of a batch after its COMMIT and before it answers any
/// job of it, so a read that starts after an answer was sent never finds an entry older than that write.
///
/// Entries come from SQLite on a miss: `checkLoading` reads them in the caller's read snapshot and keeps
/// them only when no change was published since that snapshot began (`version`), so an entry read from a
/// snapshot older than a published change is never kept.
///
/// Bounded: at most `codesMax` codes (and as many campaigns), `usersMax` players, each with the counts of at
/// most `countsPerUserMax` campaigns and groups and at most `blocksPerUserMax` blocks. A map that reaches
/// its bound is emptied before the next entry goes in (O(1) per entry amortised, no ordering to keep); what
/// was dropped is read from SQLite again when next asked for.
public final class ValidateView: Sendable {
    /// Codes (and, separately, campaigns) resident at most.
    public let codesMax: Int
    /// Players resident at most.
    public let usersMax: Int
    /// Campaigns (and, separately, groups) whose per-player count one player entry keeps at most.
    public static let countsPerUserMax = 64
    /// A player with more block rows than this is not kept: their validates read SQLite.
    public static let blocksPerUserMax = 64

    private let state = LockedValue(State())

    public init(codesMax: Int, usersMax: Int) {
        precondition(codesMax >= 1 && usersMax >= 1)
        self.codesMax = codesMax
        self.usersMax = usersMax
    }

    struct CampaignEntry {
        var campaign: Campaign
        var counters: CampaignCounters
        var group: Group?
        /// The latest expiry of any reservation not redeemed yet in this campaign (in its group's campaigns
        /// when it is in a group); until then the reservation counts are read from SQLite.
        var heldUntilMs: Int64
    }

    struct UserEntry {
        /// Every block row of the player (global and per campaign, in force or ended).
        var blocks: [UserBlock]
        /// Standing redemptions per campaign id (only campaigns with a per-player limit are looked up).
        var campaignRedemptions: [String: UInt64] = [:]
        /// Standing redemptions per group id.
        var groupRedemptions: [String: UInt64] = [:]
    }

    struct State {
        /// Changes published so far.
        var version: UInt64 = 0
        var codes: [String: PromoCode] = [:]
        var campaigns: [String: CampaignEntry] = [:]
        var users: [String: UserEntry] = [:]
    }

    /// Changes published so far: take it before the read snapshot that `checkLoading` will use begins.
    public var version: UInt64 { state.withLock { $0.version } }

    /// Resident entries, for tests and metrics.
    public var counts: (codes: Int, campaigns: Int, users: Int) {
        state.withLock { ($0.codes.count, $0.campaigns.count, $0.users.count) }
    }

    // MARK: - Reads

    /// The verdict of a plain validate (no reservation named) from memory alone, or nil when something it
    /// needs is not resident (then call `checkLoading`). The same rules as `Connection.check`.
    public func check(_ request: RedemptionRequest, nowMs: Int64) -> CheckResult? {
        guard !request.code.isEmpty, request.reservationId == nil else { return nil }
        let key = (try? CodeText(request.code))?.key
        return state.withLock { state -> CheckResult? in
            guard let user = state.users[request.user.userId] else { return nil }
            guard let key else { return Self.notFound(request, user: user, nowMs: nowMs) }
            guard let code = state.codes[key], let entry = state.campaigns[code.campaignId] else { return nil }
            return Self.judge(request, code: code, entry: entry, user: user, nowMs: nowMs)
        }
    }

    /// `check` for what it missed: reads the missing entries on `connection`, whose read snapshot began at
    /// or after `snapshotVersion` (a `version` taken before it), keeps them when nothing was published since,
    /// and judges. Falls back to `Connection.check` for what the view does not answer (codeless calls, named
    /// reservations, campaigns with reservations that may still hold uses).
    public func checkLoading(
        _ request: RedemptionRequest, nowMs: Int64, connection: Connection, snapshotVersion: UInt64
    ) throws(StoreError) -> CheckResult {
        guard !request.code.isEmpty, request.reservationId == nil else {
            return try connection.check(request, nowMs: nowMs)
        }
        let userId = request.user.userId
        var code: PromoCode?
        var entry: CampaignEntry?
        if let text = try? CodeText(request.code), let found = try connection.code(key: text.key),
            let (campaign, counters) = try connection.campaign(id: found.campaignId)
        {
            var group: Group?
            if let groupId = campaign.groupId { group = try connection.group(id: groupId) }
            let heldUntilMs = try connection.reservationsHeldUntilMs(campaignId: campaign.id, groupId: group?.id)
            var interned = found
            interned.campaignId = campaign.id  // one string for the campaign id of all its resident codes
            interned.batchId = nil  // not a validate input: no string per resident code for it
            code = interned
            entry = CampaignEntry(campaign: campaign, counters: counters, group: group, heldUntilMs: heldUntilMs)
        }
        let blocks = try connection.blockRows(userId: userId, limit: Self.blocksPerUserMax + 1)
        guard blocks.count <= Self.blocksPerUserMax else { return try connection.check(request, nowMs: nowMs) }
        var user = UserEntry(blocks: blocks)
        var userCount: UInt64?
        var groupCount: UInt64?
        if let entry {
            if entry.campaign.maxPerUser > 0 {
                userCount = try connection.standingRedemptions(campaignId: entry.campaign.id, userId: userId)
                user.campaignRedemptions[entry.campaign.id] = userCount
            }
            if let group = entry.group, group.maxPerUser > 0 {
                groupCount = try connection.standingGroupRedemptions(groupId: group.id, userId: userId)
                user.groupRedemptions[group.id] = groupCount
            }
        }
        let kept: UserEntry = state.withLock { state in
            guard state.version == snapshotVersion else { return user }
            if let code, let entry {
                if state.codes[code.code.key] == nil, state.codes.count >= codesMax {
                    state.codes.removeAll(keepingCapacity: true)
                }
                state.codes[code.code.key] = code
                if state.campaigns[entry.campaign.id] == nil, state.campaigns.count >= codesMax {
                    state.campaigns.removeAll(keepingCapacity: true)
                }
                state.campaigns[entry.campaign.id] = entry
            }
            if var resident = state.users[userId] {
                // The same state (no change published since): the counts it has stay true.
                resident.blocks = blocks
                if let entry, let userCount {
                    Self.put(userCount, for: entry.campaign.id, in: &resident.campaignRedemptions)
                }
                if let groupId = entry?.group?.id, let groupCount {
                    Self.put(groupCount, for: groupId, in: &resident.groupRedemptions)
                }
                state.users[userId] = resident
                return resident
            }
            if state.users.count >= usersMax { state.users.removeAll(keepingCapacity: true) }
            state.users[userId] = user
            return user
        }
        guard let code, let entry else { return Self.notFound(request, user: kept, nowMs: nowMs) }
        if let result = Self.judge(request, code: code, entry: entry, user: kept, nowMs: nowMs) { return result }
        // Reservations may hold uses now: SQLite counts them.
        return try connection.check(request, nowMs: nowMs)
    }

    private static func put(_ count: UInt64, for key: String, in counts: inout [String: UInt64]) {
        if counts[key] == nil, counts.count >= countsPerUserMax { counts.removeAll(keepingCapacity: true) }
        counts[key] = count
    }

    /// No code has the key: only a global block outranks CODE_NOT_FOUND.
    private static func notFound(_ request: RedemptionRequest, user: UserEntry, nowMs: Int64) -> CheckResult {
        let inputs = RedemptionCheck(
            code: nil, campaign: nil, user: request.user, deposit: request.deposit, nowMs: nowMs,
            block: blockInForce(user.blocks, campaignId: nil, nowMs: nowMs))
        return CheckResult(outcome: inputs.evaluate(), code: nil, campaign: nil, group: nil)
    }

    /// The check from resident entries; nil when a count it needs is not resident or reservations may hold
    /// uses of the campaign now. Mirrors `Connection.redemptionCheck` for a call that names no reservation.
    private static func judge(
        _ request: RedemptionRequest, code: PromoCode, entry: CampaignEntry, user: UserEntry, nowMs: Int64
    ) -> CheckResult? {
        guard nowMs >= entry.heldUntilMs else { return nil }
        let campaign = entry.campaign
        var usage = UsageSnapshot(campaignRedemptions: entry.counters.redemptions, codeRedemptions: code.uses)
        if campaign.maxPerUser > 0 {
            guard let count = user.campaignRedemptions[campaign.id] else { return nil }
            usage.userRedemptions = count
        }
        if let group = entry.group, group.maxPerUser > 0 {
            guard let count = user.groupRedemptions[group.id] else { return nil }
            usage.groupRedemptions = count
        }
        let inputs = RedemptionCheck(
            code: code, campaign: campaign, group: entry.group, user: request.user, deposit: request.deposit,
            usage: usage, nowMs: nowMs, reservation: .notRequested,
            block: blockInForce(user.blocks, campaignId: campaign.id, nowMs: nowMs)
        ).withBudgetSpent(entry.counters.budgetSpentMinor)
        return CheckResult(outcome: inputs.evaluate(), code: code, campaign: campaign, group: entry.group)
    }

    /// `Connection.blockInForce` over resident rows: a global block first, else this campaign's.
    private static func blockInForce(_ blocks: [UserBlock], campaignId: String?, nowMs: Int64) -> UserBlock? {
        var found: UserBlock?
        for block in blocks where block.untilMs == 0 || block.untilMs > nowMs {
            if block.campaignId == nil { return block }
            if let campaignId, block.campaignId == campaignId { found = block }
        }
        return found
    }

    // MARK: - Writes (the writer only)

    /// Applies the changes of a committed (or failed) batch: called by the writer after COMMIT, before it
    /// answers any job of the batch.
    func publish(_ changes: ViewChanges) {
        guard !changes.isEmpty else { return }
        state.withLock { state in
            state.version &+= 1
            if changes.all {
                state.codes.removeAll()
                state.campaigns.removeAll()
                state.users.removeAll()
                return
            }
            for key in changes.codes { state.codes[key] = nil }
            for id in changes.campaigns { state.campaigns[id] = nil }
            if !changes.groups.isEmpty {
                let groups = changes.groups
                state.campaigns = state.campaigns.filter { entry in
                    guard let groupId = entry.value.campaign.groupId else { return true }
                    return !groups.contains(groupId)
                }
            }
            for id in changes.users { state.users[id] = nil }
        }
    }
}

/// What the write jobs of one batch changed of what the validate view holds.
struct ViewChanges {
    /// Something changed that no job noted precisely: drop everything.
    var all = false
    var codes: Set<String> = []
    var campaigns: Set<String> = []
    /// Groups whose campaigns' entries are dropped (a reservation in one campaign holds for the group).
    var groups: Set<String> = []
    var users: Set<String> = []

    var isEmpty: Bool { !all && codes.isEmpty && campaigns.isEmpty && groups.isEmpty && users.isEmpty }
}

/// The writer connection's record of what its jobs change of the validate view.
///
/// A job's row changes (`sqlite3_total_changes64`) are either covered, made inside `coveringViewChanges` by a
/// store function that notes what it changed (or knows it changes nothing the view holds), or not: a job with
/// any uncovered row change drops the whole view. So a write path nobody taught about the view can make it
/// slower, never wrong.
final class ViewChangeLog {
    var changes = ViewChanges()
    private var depth = 0
    private var covered: Int64 = 0
    private var jobStart: Int64 = 0

    func beginJob(totalChanges: Int64) {
        covered = 0
        depth = 0
        jobStart = totalChanges
    }

    func endJob(totalChanges: Int64) {
        if totalChanges - jobStart > covered { changes.all = true }
    }

    func take() -> ViewChanges {
        defer { changes = ViewChanges() }
        return changes
    }

    /// Counts `body`'s row changes as covered. When it throws, whatever it changed before the throw stays
    /// unknown (a caller might go on without rolling it back): the whole view is dropped.
    func covering<T, E: Error>(_ connection: Connection, _ body: () throws(E) -> T) throws(E) -> T {
        if depth > 0 { return try body() }
        depth += 1
        let before = connection.totalChanges
        defer {
            depth -= 1
            covered += connection.totalChanges - before
        }
        do {
            return try body()
        } catch {
            changes.all = true
            throw error
        }
    }
}

extension Connection {
    /// Runs `body`, a store function's writes, as covered: the caller notes in `note` every entry of the
    /// validate view they change (nothing, when they change nothing it holds). No-op off the writer.
    func coveringViewChanges<T, E: Error>(
        note: (inout ViewChanges) -> Void = { _ in }, _ body: () throws(E) -> T
    ) throws(E) -> T {
        guard let log = viewChangeLog else { return try body() }
        let result = try log.covering(self, body)
        note(&log.changes)
        return result
    }

    /// The latest expiry of a reservation not redeemed yet in the campaign, or in any campaign of `groupId`;
    /// 0 when there is none.
    func reservationsHeldUntilMs(campaignId: String, groupId: String?) throws(StoreError) -> Int64 {
        if let groupId {
            let select = try statement(
                """
                SELECT coalesce(max(expires_at_ms), 0) FROM reservations
                WHERE redemption_id IS NULL AND campaign_id IN (SELECT id FROM campaigns WHERE group_id = ?)
                """)
            try select.bind(1, groupId)
            return try select.firstRow { $0.int64(0) } ?? 0
        }
        let select = try statement(
            "SELECT coalesce(max(expires_at_ms), 0) FROM reservations WHERE redemption_id IS NULL AND campaign_id = ?")
        try select.bind(1, campaignId)
        return try select.firstRow { $0.int64(0) } ?? 0
    }

    /// The player's standing redemptions of the campaign (0 when none).
    func standingRedemptions(campaignId: String, userId: String) throws(StoreError) -> UInt64 {
        let select = try statement("SELECT redemptions FROM user_redemptions WHERE campaign_id = ? AND user_id = ?")
        try select.bind(1, campaignId)
        try select.bind(2, userId)
        return UInt64(clamping: try select.firstRow { $0.int64(0) } ?? 0)
    }

    /// The player's standing redemptions over the group's campaigns (0 when none).
    func standingGroupRedemptions(groupId: String, userId: String) throws(StoreError) -> UInt64 {
        let select = try statement("SELECT redemptions FROM group_user_redemptions WHERE group_id = ? AND user_id = ?")
        try select.bind(1, groupId)
        try select.bind(2, userId)
        return UInt64(clamping: try select.firstRow { $0.int64(0) } ?? 0)
    }
}
