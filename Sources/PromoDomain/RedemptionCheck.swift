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

    public init(
        code: PromoCode?,
        campaign: Campaign?,
        group: Group? = nil,
        user: UserContext,
        deposit: Deposit = .none,
        usage: UsageSnapshot = .none,
        nowMs: Int64,
        reservation: ReservationLookup = .notRequested,
        isRateLimited: Bool = false
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
    }

    /// Returns the first verdict that applies, in this order:
    ///
    /// 1. `rateLimited`: before any lookup, so a caller locked out for guessing learns nothing more,
    ///    not even whether a code exists.
    /// 2. `codeNotFound`: nothing else can be judged without the code.
    /// 3. `codeInactive`, 4. `campaignInactive`: an operator's explicit switch-off outranks the
    ///    calendar; the narrower switch (this code) is named first.
    /// 5. `notYetValid`, 6. `expired`: the window is [startsAtMs, expiresAtMs); a reservation does not
    ///    extend it.
    /// 7. `limitReached`, 8. `codeLimitReached`, 9. `userLimitReached`: from the limit that stops
    ///    everyone to the one that stops only this user.
    /// 10. `groupLimitReached`: this user's total over the campaigns of the exclusive group. After the
    ///     campaign's own user limit, so a player who used up this very campaign is told so rather than
    ///     about the wider group.
    /// 11. `notEligible`: who the user is (segments, new user, country, VIP level).
    /// 12. `minDepositNotMet`: the one refusal the player can fix by depositing more, so it is named only
    ///     when nothing else stands in the way and "deposit more" is never a false promise.
    /// 13. `reservationNotFound`, 14. `reservationExpired`: only when the call names a reservation. The
    ///     caller can fix these by retrying without it, so every answer that a retry would meet anyway
    ///     comes first.
    /// 15. `ok`.
    public func evaluate() -> RedemptionOutcome {
        if isRateLimited { return refuse(.rateLimited, remaining: .limited(0)) }
        guard let code, let campaign else { return refuse(.codeNotFound, remaining: .limited(0)) }
        precondition(
            code.campaignId == campaign.id, "RedemptionCheck: the campaign is not the code's campaign")
        precondition(
            group == nil || group?.id == campaign.groupId, "RedemptionCheck: the group is not the campaign's group")

        let campaignRemaining = UsesRemaining(max: campaign.maxRedemptions, used: usage.campaignUsed)
        let codeRemaining = UsesRemaining(max: code.maxUses, used: usage.codeUsed)
        let userRemaining = UsesRemaining(max: UInt64(campaign.maxPerUser), used: usage.userUsed)
        let groupRemaining = UsesRemaining(max: UInt64(group?.maxPerUser ?? 0), used: usage.groupUsed)
        let remaining = campaignRemaining.combined(with: codeRemaining)

        let verdict: Verdict
        if !code.isActive {
            verdict = .codeInactive
        } else if !campaign.isActive {
            verdict = .campaignInactive
        } else if nowMs < campaign.startsAtMs {
            verdict = .notYetValid
        } else if campaign.expiresAtMs != 0 && nowMs >= campaign.expiresAtMs {
            verdict = .expired
        } else if campaignRemaining.isExhausted {
            verdict = .limitReached
        } else if codeRemaining.isExhausted {
            verdict = .codeLimitReached
        } else if userRemaining.isExhausted {
            verdict = .userLimitReached
        } else if groupRemaining.isExhausted {
            verdict = .groupLimitReached
        } else if !campaign.eligibility.admits(user, nowMs: nowMs) {
            verdict = .notEligible
        } else if deposit.qualifyingMinor(for: campaign.reward) < Self.depositMinimumMinor(campaign) {
            verdict = .minDepositNotMet
        } else if let reservationVerdict = reservationVerdict() {
            verdict = reservationVerdict
        } else {
            let depositMinor = deposit.qualifyingMinor(for: campaign.reward)
            return RedemptionOutcome(
                verdict: .ok, remaining: remaining,
                grantedAmount: campaign.reward.grantedAmount(depositMinor: depositMinor))
        }
        return refuse(verdict, remaining: remaining)
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

    private func refuse(_ verdict: Verdict, remaining: UsesRemaining) -> RedemptionOutcome {
        RedemptionOutcome(verdict: verdict, remaining: remaining)
    }
}
