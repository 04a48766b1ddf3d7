import PromoDomain

extension Connection {
    /// The active auto-apply campaigns in their window at `nowMs` (at most `limit`, oldest first), each
    /// judged exactly as a codeless redeem by campaign id would be (the same `redemptionCheck`, so blocks,
    /// limits, eligibility and deposits agree with redeem). OK ones first, then the others; each part in
    /// creation order. Reads only: a bounded range of campaigns_auto_apply plus a few index lookups per
    /// campaign, never the codes.
    public func offers(user: UserContext, deposit: Deposit, nowMs: Int64, limit: Int, isRateLimited: Bool)
        throws(StoreError) -> [OfferResult]
    {
        var ok: [OfferResult] = []
        var refused: [OfferResult] = []
        for (campaign, counters) in try autoApplyCampaigns(nowMs: nowMs, limit: limit) {
            var inputs = try redemptionCheck(
                RedemptionRequest(code: "", user: user, deposit: deposit, campaignId: campaign.id), nowMs: nowMs)
            // Without its entry row (it is made with the campaign) the campaign cannot be redeemed either.
            guard inputs.campaign != nil else { continue }
            inputs.isRateLimited = isRateLimited
            let result = CheckResult(
                outcome: inputs.evaluate(), code: inputs.code, campaign: inputs.campaign, group: inputs.group)
            let offer = OfferResult(campaign: campaign, counters: counters, result: result)
            if result.outcome.verdict == .ok { ok.append(offer) } else { refused.append(offer) }
        }
        return ok + refused
    }
}
