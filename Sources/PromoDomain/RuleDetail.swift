/// The plain-language details of `RuleCheck`, one function per rule. Called only when explaining, so the
/// hot path never builds these strings. Each names the numbers involved, in words a support agent can read
/// out to the player.
enum RuleDetail {
    typealias Text = DetailText

    static func rateLimit(_ isLockedOut: Bool) -> String {
        isLockedOut
            ? "rate limit: the player or their IP is locked out after too many failed attempts; every validate "
                + "and redeem answers RATE_LIMITED until the cool-down ends"
            : "rate limit: neither the player nor their IP is locked out"
    }

    /// "player is blocked from every campaign until 2026-12-31 00:00 UTC: bonus abuse".
    static func userBlocked(_ block: UserBlock?, nowMs: Int64) -> String {
        guard let block else { return "not blocked: the player is not disqualified from this campaign" }
        let scope = block.campaignId.map { "from campaign \($0)" } ?? "from every campaign"
        let until = block.untilMs == 0 ? "indefinitely" : "until \(Text.time(block.untilMs))"
        return "player is blocked \(scope) \(until) (block \(block.id)): \(block.reason)"
    }

    static func codeMissing() -> String {
        "no such code (case, dashes, underscores and spaces do not matter)"
    }

    static func codeFound(_ code: PromoCode) -> String {
        if code.code.isAutoEntry { return "no code needed: campaign \(code.campaignId) applies automatically" }
        return "code \(code.code.display) exists, in campaign \(code.campaignId)"
    }

    static func codeActive(_ code: PromoCode) -> String {
        code.isActive ? "code is switched on" : "code \(code.code.display) is switched off"
    }

    static func campaignActive(_ campaign: Campaign) -> String {
        "campaign \(campaign.id) (\(campaign.name)) is switched \(campaign.isActive ? "on" : "off")"
    }

    static func started(_ campaign: Campaign, nowMs: Int64) -> String {
        nowMs < campaign.startsAtMs
            ? "not started yet: starts \(Text.time(campaign.startsAtMs)), in \(Text.duration(campaign.startsAtMs &- nowMs))"
            : "started \(Text.time(campaign.startsAtMs))"
    }

    static func notExpired(_ campaign: Campaign, nowMs: Int64) -> String {
        if campaign.expiresAtMs == 0 { return "never expires" }
        return nowMs >= campaign.expiresAtMs
            ? "expired \(Text.time(campaign.expiresAtMs))"
            : "expires \(Text.time(campaign.expiresAtMs))"
    }

    /// "campaign limit: 1,000 of 1,000 used", "code limit: none (12 used)"; live reservations count as used.
    static func limit(_ label: String, max: UInt64, redeemed: UInt64, reserved: UInt64) -> String {
        let (sum, overflow) = redeemed.addingReportingOverflow(reserved)
        let used = Text.grouped(overflow ? UInt64.max : sum)
        let held = reserved == 0 ? "" : ", \(Text.grouped(reserved)) of them held by reservations"
        return max == 0
            ? "\(label): none (\(used) used\(held))"
            : "\(label): \(used) of \(Text.grouped(max)) used" + (held.isEmpty ? "" : " (\(held.dropFirst(2)))")
    }

    /// "player already redeemed 1 of 1".
    static func userLimit(max: UInt32, usage: UsageSnapshot) -> String {
        let used = usage.userUsed
        let held = usage.userReservations == 0
            ? "" : " (\(Text.grouped(usage.userReservations)) of them held by a reservation)"
        guard max > 0 else { return "per-player limit: none (player redeemed \(Text.grouped(used)))" }
        return used >= UInt64(max)
            ? "player already redeemed \(Text.grouped(used)) of \(Text.grouped(max))\(held)"
            : "player redeemed \(Text.grouped(used)) of \(Text.grouped(max))\(held)"
    }

    /// "group Welcome offers: player already redeemed 1 of 1 across its campaigns".
    /// "budget: 120.00 of 500.00 EUR left, reward 150.00 EUR"; spins and points as counts.
    static func budget(_ campaign: Campaign, spent: Int64, cost: Int64) -> String {
        let left = campaign.budgetRemaining(spent: spent)
        switch campaign.reward {
        case .bonus(_, let currency), .depositMatch(_, _, let currency):
            let leftText = Text.money(left, currency)
            return "budget: \(leftText.dropLast(currency.isEmpty ? 0 : currency.count + 1)) of "
                + "\(Text.money(campaign.budgetMinor, currency)) left, reward \(Text.money(cost, currency))"
        case .freeSpins, .loyaltyPoints:
            let unit = campaign.reward.budgetUnit
            return "budget: \(Text.grouped(left)) of \(Text.grouped(campaign.budgetMinor)) \(unit) left, "
                + "reward \(Text.grouped(cost)) \(unit)"
        }
    }

    static func groupLimit(_ group: Group, usage: UsageSnapshot) -> String {
        let used = usage.groupUsed
        let held = usage.groupReservations == 0
            ? "" : " (\(Text.grouped(usage.groupReservations)) of them held by a reservation)"
        guard group.maxPerUser > 0 else {
            return "group \(group.name): no per-player limit (player redeemed \(Text.grouped(used)))"
        }
        let verb = used >= UInt64(group.maxPerUser) ? "already redeemed" : "redeemed"
        return "group \(group.name): player \(verb) \(Text.grouped(used)) of \(Text.grouped(group.maxPerUser))"
            + " across its campaigns\(held)"
    }

    /// "segment: player is in [regular], campaign wants any of [vip]".
    static func segment(_ user: UserContext, _ eligibility: Eligibility) -> String {
        eligibility.segments.isEmpty
            ? "segment: campaign is open to every segment"
            : "segment: player is in \(Text.list(user.segments)), campaign wants any of \(Text.list(eligibility.segments))"
    }

    static func newUser(_ user: UserContext, _ eligibility: Eligibility, nowMs: Int64) -> String {
        guard eligibility.newUsersOnly else { return "new users only: no, open to players of any age" }
        let window = "campaign wants players registered within \(Text.duration(eligibility.newUserWindowMs))"
        guard let registeredAtMs = user.registeredAtMs else {
            return "new users only: player's registration time is not known, \(window)"
        }
        let (ageMs, overflow) = nowMs.subtractingReportingOverflow(registeredAtMs)
        let age = overflow ? "" : ageMs <= 0 ? " (just now)" : " (\(Text.duration(ageMs)) ago)"
        return "new users only: player registered \(Text.time(registeredAtMs))\(age), \(window)"
    }

    static func country(_ user: UserContext, _ eligibility: Eligibility) -> String {
        guard !eligibility.countries.isEmpty else { return "country: campaign is open in every country" }
        let player = user.country.isEmpty ? "player's country is not known" : "player is in \(user.country)"
        return "country: \(player), campaign wants any of \(Text.list(eligibility.countries))"
    }

    static func vipLevel(_ user: UserContext, _ eligibility: Eligibility) -> String {
        eligibility.minVipLevel == 0
            ? "VIP level: no minimum (player is level \(user.vipLevel))"
            : "VIP level: player is level \(user.vipLevel), campaign wants \(eligibility.minVipLevel) or higher"
    }

    /// "deposit 5.00 EUR, minimum 10.00 EUR". A deposit in another currency than the reward's counts as none.
    static func minDeposit(_ deposit: Deposit, _ campaign: Campaign) -> String {
        let reward = campaign.reward
        let qualifyingMinor = deposit.qualifyingMinor(for: reward)
        let minimumMinor = RedemptionCheck.depositMinimumMinor(campaign)
        let currency = reward.currency ?? deposit.currency
        let minimum = minimumMinor == 0 ? "no minimum" : "minimum \(Text.money(minimumMinor, currency))"
        if deposit.amountMinor == 0 { return "no deposit, \(minimum)" }
        let given = "deposit \(Text.money(deposit.amountMinor, deposit.currency))"
        if qualifyingMinor != deposit.amountMinor, let rewardCurrency = reward.currency {
            return "\(given) does not count: the campaign pays in \(rewardCurrency), \(minimum)"
        }
        return "\(given), \(minimum)"
    }

    static func reservation(_ reservation: ReservationLookup, nowMs: Int64) -> String {
        switch reservation {
        case .notRequested: "no reservation named"
        case .notFound: "reservation: not found for this player and code"
        case .found(let expiresAtMs):
            nowMs < expiresAtMs
                ? "reservation: held until \(DetailText.time(expiresAtMs))"
                : "reservation: expired \(DetailText.time(expiresAtMs))"
        }
    }
}
