import PromoDomain

/// List fields are stored joined by a newline; the domain forbids control characters inside them.
private let listSeparator: Character = "\n"

let campaignColumns = """
    id, name, kind, reward_kind, reward_amount, reward_currency, reward_percent, reward_cap_minor, reward_game_id,
    starts_at_ms, expires_at_ms, active, max_redemptions, max_per_user, segments, new_users_only,
    new_user_window_ms, min_deposit_minor, countries, min_vip_level, source, created_at_ms, redemptions, unique_users,
    codes_issued, codes_redeemed, group_id, auto_apply, budget_minor, budget_spent_minor
    """

extension Connection {
    public func insertCampaign(_ campaign: Campaign) throws(StoreError) {
        let insert = try statement("INSERT INTO campaigns (\(campaignColumns)) VALUES (\(placeholders(30)))")
        try bindCampaign(campaign, to: insert)
        try insert.bind(22, campaign.createdAtMs)
        for counter in Int32(23)...26 { try insert.bind(counter, 0) }
        try insert.bind(27, campaign.groupId)
        try insert.bind(28, campaign.autoApply)
        try insert.bind(29, campaign.budgetMinor)
        try insert.bind(30, 0)
        try insert.run()
        if campaign.autoApply { try insertAutoEntry(campaign) }
    }

    /// The codes row that an auto-apply campaign's codeless redemptions name (`CodeText.autoEntry`): always
    /// on, no use limit, not counted in codes_issued. Kept when auto-apply is switched off (its redemptions
    /// name it), so switching back on finds it again.
    private func insertAutoEntry(_ campaign: Campaign) throws(StoreError) {
        let insert = try statement(
            """
            INSERT INTO codes (key, display, campaign, max_uses, uses, active, created_at_ms)
            VALUES (?1, '', (SELECT number FROM campaigns WHERE id = ?2), 0, 0, 1, ?3) ON CONFLICT (key) DO NOTHING
            """)
        try insert.bind(1, CodeText.autoEntry(campaignId: campaign.id).key)
        try insert.bind(2, campaign.id)
        try insert.bind(3, campaign.createdAtMs)
        try insert.run()
    }

    /// The active auto-apply campaigns whose window holds `nowMs`, in creation order, at most `limit`: a
    /// range of the partial index campaigns_auto_apply, so the cost grows with the auto-apply campaigns
    /// (bounded by `limit`), never with the codes or the other campaigns.
    public func autoApplyCampaigns(nowMs: Int64, limit: Int) throws(StoreError) -> [(Campaign, CampaignCounters)] {
        let select = try statement(
            """
            SELECT \(campaignColumns) FROM campaigns INDEXED BY campaigns_auto_apply
            WHERE auto_apply = 1 AND active = 1 AND starts_at_ms <= ?1 AND (expires_at_ms = 0 OR expires_at_ms > ?1)
            ORDER BY created_at_ms, id LIMIT ?2
            """)
        try select.bind(1, nowMs)
        try select.bind(2, limit)
        var result: [(Campaign, CampaignCounters)] = []
        while try select.step() { result.append(readCampaign(select)) }
        return result
    }

    /// Rewrites every field but the id, the creation time and the counters. False when no such campaign.
    /// A change of group must come with `moveGroupCounts` in the same transaction. A reward in another budget
    /// unit (`Reward.budgetUnit`) recomputes the budget spend from the raw rows in the new unit; that spend must
    /// fit the new budget, or the CHECK fails the statement (callers refuse such a change first).
    public func updateCampaign(_ campaign: Campaign) throws(StoreError) -> Bool {
        let unit = try statement("SELECT \(BudgetSQL.unit("campaigns")) FROM campaigns WHERE id = ?")
        try unit.bind(1, campaign.id)
        let unitChanged = try unit.firstRow { $0.string(0) }.map { $0 != campaign.reward.budgetUnit } ?? false
        // Through 0, so that neither the old budget nor the new one meets the other unit's spend in its CHECK.
        if unitChanged { try setBudgetSpent(campaignId: campaign.id, spent: 0) }
        let update = try statement(
            """
            UPDATE campaigns SET name = ?2, kind = ?3, reward_kind = ?4, reward_amount = ?5, reward_currency = ?6,
                reward_percent = ?7, reward_cap_minor = ?8, reward_game_id = ?9, starts_at_ms = ?10,
                expires_at_ms = ?11, active = ?12, max_redemptions = ?13, max_per_user = ?14, segments = ?15,
                new_users_only = ?16, new_user_window_ms = ?17, min_deposit_minor = ?18, countries = ?19,
                min_vip_level = ?20, source = ?21, group_id = ?22, auto_apply = ?23, budget_minor = ?24
            WHERE id = ?1
            """)
        try bindCampaign(campaign, to: update)
        try update.bind(22, campaign.groupId)
        try update.bind(23, campaign.autoApply)
        try update.bind(24, campaign.budgetMinor)
        try update.run()
        let updated = changes == 1
        if updated && campaign.autoApply { try insertAutoEntry(campaign) }
        if unitChanged {
            try setBudgetSpent(campaignId: campaign.id, spent: try budgetSpent(campaignId: campaign.id, reward: campaign.reward))
        }
        return updated
    }

    public func campaign(id: String) throws(StoreError) -> (Campaign, CampaignCounters)? {
        let select = try statement(campaignById)
        try select.bind(1, id)
        return try select.firstRow { readCampaign($0) }
    }

    /// Campaigns in creation order, after `cursor`.
    public func campaigns(after cursor: CampaignCursor?, limit: Int, activeOnly: Bool) throws(StoreError)
        -> [(Campaign, CampaignCounters)]
    {
        let select = try statement(
            """
            SELECT \(campaignColumns) FROM campaigns
            WHERE (created_at_ms, id) > (?1, ?2) AND (?3 = 0 OR active = 1)
            ORDER BY created_at_ms, id LIMIT ?4
            """)
        try select.bind(1, cursor?.createdAtMs ?? Int64.min)
        try select.bind(2, cursor?.id ?? "")
        try select.bind(3, activeOnly)
        try select.bind(4, limit)
        var result: [(Campaign, CampaignCounters)] = []
        while try select.step() { result.append(readCampaign(select)) }
        return result
    }

    /// Binds parameters 1...21 (everything but the creation time and the counters).
    private func bindCampaign(_ campaign: Campaign, to statement: Statement) throws(StoreError) {
        let reward = RewardColumns(campaign.reward)
        try statement.bind(1, campaign.id)
        try statement.bind(2, campaign.name)
        try statement.bind(3, campaign.kind.rawValue)
        try statement.bind(4, reward.kind)
        try statement.bind(5, reward.amount)
        try statement.bind(6, reward.currency)
        try statement.bind(7, Int64(reward.percent))
        try statement.bind(8, reward.capMinor)
        try statement.bind(9, reward.gameId)
        try statement.bind(10, campaign.startsAtMs)
        try statement.bind(11, campaign.expiresAtMs)
        try statement.bind(12, campaign.isActive)
        try statement.bind(13, Int64(clamping: campaign.maxRedemptions))
        try statement.bind(14, Int64(campaign.maxPerUser))
        try statement.bind(15, campaign.eligibility.segments.joined(separator: String(listSeparator)))
        try statement.bind(16, campaign.eligibility.newUsersOnly)
        try statement.bind(17, campaign.eligibility.newUserWindowMs)
        try statement.bind(18, campaign.eligibility.minDepositMinor)
        try statement.bind(19, campaign.eligibility.countries.joined(separator: String(listSeparator)))
        try statement.bind(20, Int64(campaign.eligibility.minVipLevel))
        try statement.bind(21, campaign.source)
    }

    func readCampaign(_ row: Statement) -> (Campaign, CampaignCounters) {
        let reward = RewardColumns(
            kind: row.string(3), amount: row.int64(4), currency: row.string(5), percent: UInt32(clamping: row.int64(6)),
            capMinor: row.int64(7), gameId: row.string(8))
        let eligibility = Eligibility(
            segments: splitList(row.string(14)), newUsersOnly: row.bool(15), newUserWindowMs: row.int64(16),
            minDepositMinor: row.int64(17), countries: splitList(row.string(18)),
            minVipLevel: UInt32(clamping: row.int64(19)))
        let campaign = Campaign(
            id: row.string(0), name: row.string(1), kind: CampaignKind(rawValue: row.string(2)) ?? .other,
            reward: reward.reward, startsAtMs: row.int64(9), expiresAtMs: row.int64(10), isActive: row.bool(11),
            maxRedemptions: UInt64(clamping: row.int64(12)), maxPerUser: UInt32(clamping: row.int64(13)),
            eligibility: eligibility, source: row.string(20), createdAtMs: row.int64(21),
            groupId: row.optionalString(26), autoApply: row.bool(27), budgetMinor: row.int64(28))
        let counters = CampaignCounters(
            redemptions: UInt64(clamping: row.int64(22)), uniqueUsers: UInt64(clamping: row.int64(23)),
            codesIssued: UInt64(clamping: row.int64(24)), codesRedeemed: UInt64(clamping: row.int64(25)),
            budgetSpentMinor: row.int64(29))
        return (campaign, counters)
    }

    private func splitList(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: listSeparator, omittingEmptySubsequences: false).map(String.init)
    }
}

func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}

/// Built once: every validate and redeem looks its campaign up by this text (see `statement(_:)`).
private let campaignById = "SELECT \(campaignColumns) FROM campaigns WHERE id = ?"
