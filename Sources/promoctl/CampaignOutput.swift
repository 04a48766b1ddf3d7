import PromoWire

// How campaigns look on screen and in JSON.

extension Campaign {
    var json: JSON {
        let eligibility = self.eligibility ?? Eligibility()
        let stats = self.stats ?? CampaignStats()
        return .object([
            ("id", .string(id)),
            ("name", .string(name)),
            ("kind", .string(CampaignKindName.name(of: kind))),
            ("active", .bool(active)),
            ("reward", (reward ?? Reward()).json),
            ("starts_at_ms", .number(startsAtMs)),
            ("expires_at_ms", .number(expiresAtMs)),
            ("max_redemptions", .number(maxRedemptions)),
            ("max_per_user", .number(maxPerUser)),
            ("eligibility", .object([
                ("segments", .strings(eligibility.segments)),
                ("new_users_only", .bool(eligibility.newUsersOnly)),
                ("new_user_window_ms", .number(eligibility.newUserWindowMs)),
                ("min_deposit_minor", .number(eligibility.minDepositMinor)),
                ("countries", .strings(eligibility.countries)),
                ("min_vip_level", .number(eligibility.minVipLevel)),
            ])),
            ("source", .string(source)),
            ("created_at_ms", .number(createdAtMs)),
            ("group_id", .string(groupId)),
            ("auto_apply", .bool(autoApply)),
            ("budget_minor", .number(budgetMinor)),
            ("stats", .object([
                ("redemptions", .number(stats.redemptions)),
                ("unique_users", .number(stats.uniqueUsers)),
                ("remaining", .number(stats.remaining)),
                ("unlimited", .bool(stats.unlimited)),
                ("budget_spent_minor", .number(stats.budgetSpentMinor)),
                ("budget_remaining_minor", .number(stats.budgetRemainingMinor)),
            ])),
        ])
    }

    /// Every field, one per line.
    var details: String {
        let stats = self.stats ?? CampaignStats()
        var lines = Details()
        lines.add("Campaign", id)
        lines.add("Name", name)
        lines.add("Status", active ? "active" : "inactive")
        lines.add("Kind", CampaignKindName.name(of: kind))
        lines.add("Reward", Format.reward(reward))
        lines.add("Starts", startsAtMs == 0 ? "immediately" : Format.time(startsAtMs))
        lines.add("Expires", Format.time(expiresAtMs, zero: "never"))
        lines.add("Max redemptions", maxRedemptions == 0 ? "unlimited" : grouped(maxRedemptions))
        lines.add("Max per user", maxPerUser == 0 ? "unlimited" : grouped(maxPerUser))
        lines.add("Who may redeem", eligibilityText)
        if !source.isEmpty { lines.add("Source", source) }
        if !groupId.isEmpty { lines.add("Group", groupId) }
        lines.add("Code needed", autoApply ? "no: applies automatically (codes work too)" : "yes")
        if createdAtMs != 0 { lines.add("Created", Format.time(createdAtMs)) }
        lines.add("Redemptions", "\(grouped(stats.redemptions)) by \(grouped(stats.uniqueUsers)) users")
        lines.add("Remaining", stats.unlimited ? "unlimited" : grouped(stats.remaining))
        if budgetMinor > 0 {
            lines.add(
                "Budget", "\(budgetAmount(stats.budgetSpentMinor)) of \(budgetAmount(budgetMinor)) spent, "
                    + "\(budgetAmount(stats.budgetRemainingMinor)) left")
        }
        return lines.rendered()
    }

    /// A budget amount in the campaign's budget unit: money, spins or points.
    func budgetAmount(_ amount: Int64) -> String {
        switch reward?.kind {
        case .freeSpins: "\(grouped(amount)) spins"
        case .loyaltyPoints: "\(grouped(amount)) points"
        default: Format.money(amount, reward?.currency ?? "")
        }
    }

    var eligibilityText: String {
        guard let eligibility else { return "everyone" }
        var rules: [String] = []
        if !eligibility.segments.isEmpty { rules.append("segment " + eligibility.segments.joined(separator: " or ")) }
        if eligibility.newUsersOnly {
            rules.append("new users (registered within \(Format.duration(eligibility.newUserWindowMs)))")
        }
        if eligibility.minDepositMinor > 0 {
            rules.append("deposit of at least \(Format.money(eligibility.minDepositMinor, reward?.currency ?? ""))")
        }
        if !eligibility.countries.isEmpty { rules.append("in " + eligibility.countries.joined(separator: ", ")) }
        if eligibility.minVipLevel > 0 { rules.append("VIP level \(eligibility.minVipLevel) or higher") }
        return rules.isEmpty ? "everyone" : rules.joined(separator: "; ")
    }
}

enum CampaignTable {
    static func render(_ campaigns: [Campaign]) -> String {
        var table = Table("ID", "NAME", "KIND", "STATUS", "REWARD", "STARTS", "EXPIRES", "REDEEMED>", "REMAINING>")
        for campaign in campaigns {
            let stats = campaign.stats ?? CampaignStats()
            table.add(
                campaign.id, campaign.name, CampaignKindName.name(of: campaign.kind),
                campaign.active ? "active" : "inactive", Format.reward(campaign.reward),
                Format.time(campaign.startsAtMs), Format.time(campaign.expiresAtMs, zero: "never"),
                grouped(stats.redemptions), stats.unlimited ? "unlimited" : grouped(stats.remaining))
        }
        return table.rendered()
    }
}

extension Format {
    /// 604800000 → "7d", 5400000 → "90m"; uneven values in milliseconds.
    static func duration(_ ms: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)]
        where ms >= size && ms % size == 0 {
            return "\(ms / size)\(unit)"
        }
        return "\(ms) ms"
    }
}
