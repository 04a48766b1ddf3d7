/// Everything needed to judge one validate or redeem call, and the judgement itself. Pure: the store
/// gathers the inputs inside its transaction and acts on the outcome, so the rules are written once.
public struct RedemptionCheck: Sendable, Hashable {
    /// Nil when no code has the key.
    public var code: PromoCode?
    /// The code's campaign. Nil (a dangling code) is judged `codeNotFound`; the schema should make that
    /// impossible.
    public var campaign: Campaign?
    /// The exclusive group of the campaign; nil when the campaign is in none.
    public var group: Group?
    public var user: UserContext
    public var deposit: Deposit
    public var usage: UsageSnapshot
    public var nowMs: Int64
    public var reservation: ReservationLookup
    /// Set by the server when this user or IP has failed too often lately.
    public var isRateLimited: Bool
    /// The block in force that covers this user and campaign (global or this campaign's), if any.
    public var block: UserBlock?

    public init(
        code: PromoCode?,
        campaign: Campaign?,
        group: Group? = nil,
        user: UserContext,
        deposit: Deposit = .none,
        usage: UsageSnapshot = .none,
        nowMs: Int64,
        reservation: ReservationLookup = .notRequested,
        isRateLimited: Bool = false,
        block: UserBlock? = nil
    ) {
        self.code = code
        self.campaign = campaign
        self.group = group
        self.user = user
        self.deposit = deposit
        self.usage = usage
        self.nowMs = nowMs
        self.reservation = reservation
        self.isRateLimited = isRateLimited
        self.block = block
    }

    /// Returns the first verdict that applies, in this order:
    ///
    /// 1. `rateLimited`: before any lookup, so a caller locked out for guessing learns nothing more,
    ///    not even whether a code exists.
    /// 2. `userBlocked`: a disqualified player is refused everything, whatever the code, before anything
    ///    about the code is revealed. A campaign block needs the campaign, so without a code only a global
    ///    block applies.
    /// 2b. `codeNotFound`: nothing else can be judged without the code. An auto-apply campaign's codeless
    ///    call (validate/redeem by campaign id) comes with its `CodeText.autoEntry` code: always on,
    ///    without a code limit, so the code rules pass and the campaign's own rules decide.
    /// 3. `codeInactive`, 4. `campaignInactive`: an operator's explicit switch-off outranks the
    ///    calendar; the narrower switch (this code) is named first.
    /// 5. `notYetValid`, 6. `expired`: the window is [startsAtMs, expiresAtMs); a reservation does not
    ///    extend it.
    /// 7. `limitReached`, 8. `codeLimitReached`, 9. `userLimitReached`: from the limit that stops
    ///    everyone to the one that stops only this user.
    /// 10. `groupLimitReached`: this user's total over the campaigns of the exclusive group. After the
    ///     campaign's own user limit, so a player who used up this very campaign is told so rather than
    ///     about the wider group.
    /// 11. `budgetExhausted`: the reward (a deposit match priced at what it would credit) does not fit what
    ///     the campaign's budget has left. After the limits, which say more precisely why, and before
    ///     eligibility: an exhausted budget stops everyone, whoever they are.
    /// 12. `notEligible`: who the user is (segments, new user, country, VIP level).
    /// 13. `minDepositNotMet`: the one refusal the player can fix by depositing more, so it is named only
    ///     when nothing else stands in the way and "deposit more" is never a false promise.
    /// 14. `reservationNotFound`, 15. `reservationExpired`: only when the call names a reservation. The
    ///     caller can fix these by retrying without it, so every answer that a retry would meet anyway
    ///     comes first.
    /// 16. `ok`.
    ///
    /// `explain()` walks the same rules in the same order, so the two can never disagree. It goes on past a
    /// failure (past `rateLimited` too: it is for staff, never for the caller being limited) and lists
    /// every rule, except that nothing after `codeNotFound` can be judged.
    public func evaluate() -> RedemptionOutcome {
        var walk = RuleWalk(explaining: false)
        return judge(&walk)
    }

    /// The verdict of `evaluate()` plus every rule it consults, each with whether it passed and a detail
    /// naming the numbers: for support staff, who need all the reasons, not just the first.
    public func explain() -> RedemptionExplanation {
        var walk = RuleWalk(explaining: true)
        let outcome = judge(&walk)
        return RedemptionExplanation(outcome: outcome, checks: walk.checks)
    }

    private func judge(_ walk: inout RuleWalk) -> RedemptionOutcome {
        let remaining = walkRules(&walk)
        guard let verdict = walk.verdict else {
            // walkRules returns only after a lookup succeeded when no rule failed.
            let campaign = campaign!
            let depositMinor = deposit.qualifyingMinor(for: campaign.reward)
            return RedemptionOutcome(
                verdict: .ok, remaining: remaining,
                grantedAmount: campaign.reward.grantedAmount(depositMinor: depositMinor),
                budgetRemaining: campaign.budgetRemaining(spent: usage.budgetSpent))
        }
        let refusedBeforeLookup = verdict == .rateLimited || verdict == .userBlocked
        var outcome = refuse(verdict, remaining: refusedBeforeLookup ? .limited(0) : remaining)
        if !refusedBeforeLookup, let campaign {
            outcome.budgetRemaining = campaign.budgetRemaining(spent: usage.budgetSpent)
        }
        return outcome
    }

    /// Consults the rules in precedence order until the walk stops; returns the uses anyone may still take
    /// (`.limited(0)` without a code).
    private func walkRules(_ walk: inout RuleWalk) -> UsesRemaining {
        let detail = RuleDetail.self
        guard walk.goesOn(.rateLimit, passes: !isRateLimited, else: .rateLimited, detail.rateLimit(isRateLimited))
        else { return .limited(0) }
        guard walk.goesOn(.userBlocked, passes: block == nil, else: .userBlocked, detail.userBlocked(block, nowMs: nowMs))
        else { return .limited(0) }
        guard let code, let campaign else {
            _ = walk.goesOn(.codeExists, passes: false, else: .codeNotFound, detail.codeMissing())
            return .limited(0)
        }
        precondition(
            code.campaignId == campaign.id, "RedemptionCheck: the campaign is not the code's campaign")
        precondition(
            group == nil || group?.id == campaign.groupId, "RedemptionCheck: the group is not the campaign's group")
        _ = walk.goesOn(.codeExists, passes: true, else: .codeNotFound, detail.codeFound(code))

        let campaignRemaining = UsesRemaining(max: campaign.maxRedemptions, used: usage.campaignUsed)
        let codeRemaining = UsesRemaining(max: code.maxUses, used: usage.codeUsed)
        let userRemaining = UsesRemaining(max: UInt64(campaign.maxPerUser), used: usage.userUsed)
        let groupRemaining = UsesRemaining(max: UInt64(group?.maxPerUser ?? 0), used: usage.groupUsed)
        let remaining = campaignRemaining.combined(with: codeRemaining)
        let eligibility = campaign.eligibility
        // What the reward would cost the budget: a deposit match is priced at the amount it would credit.
        let cost = campaign.reward.grantedAmount(depositMinor: deposit.qualifyingMinor(for: campaign.reward))

        guard walk.goesOn(.codeActive, passes: code.isActive, else: .codeInactive, detail.codeActive(code)),
            walk.goesOn(
                .campaignActive, passes: campaign.isActive, else: .campaignInactive, detail.campaignActive(campaign)),
            walk.goesOn(
                .started, passes: nowMs >= campaign.startsAtMs, else: .notYetValid,
                detail.started(campaign, nowMs: nowMs)),
            walk.goesOn(
                .notExpired, passes: campaign.expiresAtMs == 0 || nowMs < campaign.expiresAtMs, else: .expired,
                detail.notExpired(campaign, nowMs: nowMs)),
            walk.goesOn(
                .campaignLimit, passes: !campaignRemaining.isExhausted, else: .limitReached,
                detail.limit(
                    "campaign limit", max: campaign.maxRedemptions, redeemed: usage.campaignRedemptions,
                    reserved: usage.campaignReservations)),
            walk.goesOn(
                .codeLimit, passes: !codeRemaining.isExhausted, else: .codeLimitReached,
                detail.limit(
                    "code limit", max: code.maxUses, redeemed: usage.codeRedemptions,
                    reserved: usage.codeReservations)),
            walk.goesOn(
                .userLimit, passes: !userRemaining.isExhausted, else: .userLimitReached,
                detail.userLimit(max: campaign.maxPerUser, usage: usage)),
            group == nil
                || walk.goesOn(
                    .groupLimit, passes: !groupRemaining.isExhausted, else: .groupLimitReached,
                    detail.groupLimit(group!, usage: usage)),
            campaign.budgetMinor == 0
                || walk.goesOn(
                    .budget, passes: campaign.budgetAdmits(cost: cost, spent: usage.budgetSpent),
                    else: .budgetExhausted, detail.budget(campaign, spent: usage.budgetSpent, cost: cost)),
            walk.goesOn(
                .segment, passes: eligibility.admitsSegment(of: user), else: .notEligible,
                detail.segment(user, eligibility)),
            walk.goesOn(
                .newUser, passes: eligibility.admitsNewUser(user, nowMs: nowMs), else: .notEligible,
                detail.newUser(user, eligibility, nowMs: nowMs)),
            walk.goesOn(
                .country, passes: eligibility.admitsCountry(of: user), else: .notEligible,
                detail.country(user, eligibility)),
            walk.goesOn(
                .vipLevel, passes: eligibility.admitsVipLevel(of: user), else: .notEligible,
                detail.vipLevel(user, eligibility)),
            walk.goesOn(
                .minDeposit,
                passes: deposit.qualifyingMinor(for: campaign.reward) >= Self.depositMinimumMinor(campaign),
                else: .minDepositNotMet, detail.minDeposit(deposit, campaign))
        else { return remaining }
        if let reservationVerdict = reservationVerdict() {
            _ = walk.goesOn(
                .reservation, passes: false, else: reservationVerdict, detail.reservation(reservation, nowMs: nowMs))
        } else if reservation != .notRequested {
            _ = walk.goesOn(
                .reservation, passes: true, else: .reservationNotFound, detail.reservation(reservation, nowMs: nowMs))
        }
        return remaining
    }

    /// A deposit match needs some qualifying deposit even when the campaign sets no minimum: matching
    /// nothing would spend one of the player's uses on a zero reward.
    static func depositMinimumMinor(_ campaign: Campaign) -> Int64 {
        let floorMinor: Int64 = campaign.reward.kind == .depositMatch ? 1 : 0
        return max(campaign.eligibility.minDepositMinor, floorMinor)
    }

    private func reservationVerdict() -> Verdict? {
        switch reservation {
        case .notRequested: nil
        case .notFound: .reservationNotFound
        case .found(let expiresAtMs): nowMs < expiresAtMs ? nil : .reservationExpired
        }
    }

    /// This check with the campaign's standing budget spend set (`UsageSnapshot.budgetSpent`).
    public func withBudgetSpent(_ spent: Int64) -> RedemptionCheck {
        var check = self
        check.usage.budgetSpent = spent
        return check
    }

    private func refuse(_ verdict: Verdict, remaining: UsesRemaining) -> RedemptionOutcome {
        RedemptionOutcome(verdict: verdict, remaining: remaining)
    }
}
