/// One IP, device or user with its standing redemptions and failed attempts.
public struct ActorTotals: Sendable, Hashable {
    public var key: String
    public var redemptions: UInt64
    public var failures: UInt64
    public init(key: String, redemptions: UInt64, failures: UInt64) {
        self.key = key
        self.redemptions = redemptions
        self.failures = failures
    }
}

/// One timeline bucket: standing redemptions, and users whose first standing redemption falls in it (so
/// the first-time users of all buckets add up to the campaign's unique users).
public struct TimelineBucket: Sendable, Hashable {
    public var startMs: Int64
    public var redemptions: UInt64
    public var newUsers: UInt64
    public init(startMs: Int64, redemptions: UInt64, newUsers: UInt64) {
        self.startMs = startMs
        self.redemptions = redemptions
        self.newUsers = newUsers
    }
}

/// A campaign's numbers over [fromMs, toMs), whole hours, read from the maintained totals.
public struct CampaignReport: Sendable {
    public var campaign: Campaign
    public var counters: CampaignCounters
    public var fromMs: Int64
    public var toMs: Int64
    public var bucketMs: Int64
    /// Redemptions made in the range, voided ones included, and how many of those are voided.
    public var redemptions: UInt64 = 0
    public var voided: UInt64 = 0
    public var uniqueUsers: UInt64 = 0
    public var money: [(currency: String, amountMinor: Int64)] = []
    public var freeSpins: UInt64 = 0
    public var loyaltyPoints: Int64 = 0
    public var failuresByVerdict: [(verdict: String, count: UInt64)] = []
    public var bySource: [(key: String, count: UInt64)] = []
    public var byOwner: [(key: String, count: UInt64)] = []
    public var timeline: [TimelineBucket] = []
    public var topIps: [ActorTotals] = []
    public var topDevices: [ActorTotals] = []
    public var topUsers: [ActorTotals] = []
    /// IPs and devices at or over `ReportQuery.suspectRedemptionsAtLeast` or `suspectFailuresAtLeast`.
    public var suspectIps: [ActorTotals] = []
    public var suspectDevices: [ActorTotals] = []
    /// Deposits and repeat users (EffectTotals.swift).
    public var effect = CampaignEffect()

    public init(campaign: Campaign, counters: CampaignCounters, fromMs: Int64, toMs: Int64, bucketMs: Int64) {
        self.campaign = campaign
        self.counters = counters
        self.fromMs = fromMs
        self.toMs = toMs
        self.bucketMs = bucketMs
    }
}

public struct ReportQuery: Sendable, Hashable {
    public var campaignId: String
    /// 0: since the campaign began.
    public var fromMs: Int64
    /// 0: now.
    public var toMs: Int64
    /// Timeline bucket width; 0 = hours up to 7 days, days beyond.
    public var bucketMs: Int64
    /// Entries per top list.
    public var top: Int
    /// Sources or owners listed at most.
    public var breakdownMax: Int
    public var nowMs: Int64
    /// Flags an IP or device holding at least `suspectShare` of the range's standing redemptions (and at
    /// least `suspectRedemptionsMin`), at least `suspectRedemptionsMax`, or `suspectFailuresMax` failures.
    public var suspectShare: Double = 1
    public var suspectRedemptionsMin: UInt64 = 1
    public var suspectRedemptionsMax: UInt64 = .max
    public var suspectFailuresMax: UInt64 = .max
    /// Suspects listed at most per kind.
    public var suspectsMax = 100
    /// The headline totals only (counts, rewards, failures, effectiveness): no breakdowns, top lists or
    /// suspects, for campaign comparisons.
    public var totalsOnly = false

    public init(campaignId: String, fromMs: Int64, toMs: Int64, bucketMs: Int64, top: Int, breakdownMax: Int, nowMs: Int64) {
        self.campaignId = campaignId
        self.fromMs = fromMs
        self.toMs = toMs
        self.bucketMs = bucketMs
        self.top = top
        self.breakdownMax = breakdownMax
        self.nowMs = nowMs
    }
}

/// A campaign's effectiveness over a range of whole hours: the deposits that came with its standing
/// redemptions, and the users who redeemed it at least twice. Read from totals maintained in the same
/// transaction as each redemption and void (migration 11), like the other report totals.
/// (How the store keeps repeat users exact for any range of hours: see its effectiveness totals.)
public struct CampaignEffect: Sendable, Hashable {
    public struct DepositTotal: Sendable, Hashable {
        public var currency: String
        public var amountMinor: Int64
        /// Standing redemptions that came with a deposit in this currency.
        public var deposits: UInt64
        public init(currency: String, amountMinor: Int64, deposits: UInt64) {
            self.currency = currency
            self.amountMinor = amountMinor
            self.deposits = deposits
        }
    }

    /// Per deposit currency, by currency; currencies whose standing deposits add up to nothing are left out.
    public var deposits: [DepositTotal] = []
    public var repeatUsers: UInt64 = 0

    public init(deposits: [DepositTotal] = [], repeatUsers: UInt64 = 0) {
        self.deposits = deposits
        self.repeatUsers = repeatUsers
    }

    /// The deposits the campaign's currency figures count: those in `currency`, or for a campaign whose
    /// reward has no currency (free spins, loyalty points), those of the range's only deposit currency
    /// (none when deposits came in several).
    public func campaignDeposits(currency: String?) -> DepositTotal? {
        if let currency { return deposits.first { $0.currency == currency } }
        return deposits.count == 1 ? deposits[0] : nil
    }

    /// The campaign currency's deposit total divided by the standing redemptions that brought one,
    /// rounded down; 0 without deposits.
    public func averageDepositMinor(currency: String?) -> Int64 {
        guard let total = campaignDeposits(currency: currency), total.deposits > 0 else { return 0 }
        return total.amountMinor / Int64(clamping: total.deposits)
    }

    /// Rewards ÷ deposits, both in the campaign's currency; 0 without deposits or without a money reward.
    public func rewardCostRatio(rewardTotalMinor: Int64, currency: String?) -> Double {
        guard currency != nil, let total = campaignDeposits(currency: currency), total.amountMinor > 0 else { return 0 }
        return Double(max(rewardTotalMinor, 0)) / Double(total.amountMinor)
    }
}
