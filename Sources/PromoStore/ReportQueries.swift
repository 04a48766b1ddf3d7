import PromoDomain

/// a + b, or the largest value when that overflows: for report totals, where a clamped figure beats a trap.
func saturatingSum<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b > 0 ? .max : .min) : sum
}

extension Connection {
    /// The report, or nil when the campaign does not exist. Reads a bounded number of maintained rows; only
    /// distinct users of a partial range and top lists of a partial range scan (by index) within the range.
    public func report(_ query: ReportQuery) throws(StoreError) -> CampaignReport? {
        try flushPendingTotals()  // inside a writer batch: its totals first
        guard let (campaign, counters) = try campaign(id: query.campaignId) else { return nil }
        let campaignStart = hourStart(campaign.createdAtMs)
        let nowEnd = hourStart(query.nowMs) + hourMs
        let from = query.fromMs == 0 ? campaignStart : hourStart(query.fromMs)
        // A range that starts in the future is empty, not upside down.
        let to = max(from, query.toMs == 0 ? nowEnd : hourStart(query.toMs + hourMs - 1))
        let wholeCampaign = from <= campaignStart && to >= nowEnd
        // 0 picks hours for ranges up to 7 days and days beyond.
        let bucketMs = query.bucketMs > 0 ? query.bucketMs : (to - from <= 7 * 24 * hourMs ? hourMs : 24 * hourMs)
        var report = CampaignReport(campaign: campaign, counters: counters, fromMs: from, toMs: to, bucketMs: bucketMs)

        let hours = try statement(
            """
            SELECT hour_ms, redemptions, voided, new_users, free_spins, loyalty_points FROM campaign_hours
            WHERE campaign_id = ? AND hour_ms >= ? AND hour_ms < ? ORDER BY hour_ms
            """)
        try bindRange(hours, query.campaignId, from, to)
        // Totals saturate instead of trapping: the domain bounds each reward (DomainLimits.rewardAmountMax), but
        // a sum over many hours, or rows written before that bound, could still pass Int64.max.
        while try hours.step() {
            let (redemptions, voided) = (UInt64(clamping: hours.int64(1)), UInt64(clamping: hours.int64(2)))
            report.redemptions = saturatingSum(report.redemptions, redemptions)
            report.voided = saturatingSum(report.voided, voided)
            report.freeSpins = saturatingSum(report.freeSpins, UInt64(clamping: hours.int64(4)))
            report.loyaltyPoints = saturatingSum(report.loyaltyPoints, max(0, hours.int64(5)))
            // Buckets start at UTC hour or midnight boundaries; quiet ones are left out.
            let newUsers = UInt64(clamping: hours.int64(3))
            guard redemptions > voided || newUsers > 0 else { continue }
            let bucket = hours.int64(0) - hours.int64(0) % bucketMs
            if report.timeline.last?.startMs != bucket {
                report.timeline.append(TimelineBucket(startMs: bucket, redemptions: 0, newUsers: 0))
            }
            let last = report.timeline.count - 1
            report.timeline[last].redemptions = saturatingSum(report.timeline[last].redemptions, redemptions &- min(voided, redemptions))
            report.timeline[last].newUsers = saturatingSum(report.timeline[last].newUsers, newUsers)
        }

        // Summed here, saturating: SQLite's sum() fails the whole report with "integer overflow" instead.
        let money = try statement(
            """
            SELECT currency, amount_minor FROM campaign_money_hours
            WHERE campaign_id = ? AND hour_ms >= ? AND hour_ms < ? ORDER BY currency
            """)
        try bindRange(money, query.campaignId, from, to)
        while try money.step() {
            let (currency, amount) = (money.string(0), max(0, money.int64(1)))
            if report.money.last?.currency == currency {
                report.money[report.money.count - 1].amountMinor = saturatingSum(report.money[report.money.count - 1].amountMinor, amount)
            } else {
                report.money.append((currency, amount))
            }
        }
        report.money.removeAll { $0.amountMinor == 0 }

        let failures = try statement(
            """
            SELECT verdict, sum(failures) FROM campaign_failure_hours
            WHERE campaign_id = ? AND hour_ms >= ? AND hour_ms < ? GROUP BY verdict ORDER BY 2 DESC, verdict
            """)
        try bindRange(failures, query.campaignId, from, to)
        while try failures.step() { report.failuresByVerdict.append((failures.string(0), UInt64(clamping: failures.int64(1)))) }

        report.effect = try campaignEffect(campaignId: query.campaignId, from: from, to: to, wholeCampaign: wholeCampaign)
        if !query.totalsOnly {
            report.bySource = try breakdown("source", query, from, to)
            // Grants naming the campaign count under source "grant" (their own table, a range count on its index).
            let grants = try standingGrants(campaignId: query.campaignId, from: from, to: to)
            if grants > 0 {
                if let index = report.bySource.firstIndex(where: { $0.key == grantSource }) {
                    report.bySource[index].count = saturatingSum(report.bySource[index].count, grants)
                } else {
                    report.bySource.append((grantSource, grants))
                }
                report.bySource.sort { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
            }
            report.byOwner = try breakdown("owner", query, from, to)
        }

        if wholeCampaign {
            report.uniqueUsers = counters.uniqueUsers
        } else {
            let users = try statement(
                """
                SELECT count(DISTINCT user_id) FROM redemptions INDEXED BY redemptions_standing_by_time
                WHERE campaign_id = ? AND redeemed_at_ms >= ? AND redeemed_at_ms < ? AND voided_at_ms IS NULL
                """)
            try bindRange(users, query.campaignId, from, to)
            report.uniqueUsers = UInt64(clamping: try users.firstRow { $0.int64(0) } ?? 0)
        }
        if query.totalsOnly { return report }
        report.topIps = try topActors("ip", query, from, to, wholeCampaign: wholeCampaign)
        report.topDevices = try topActors("device", query, from, to, wholeCampaign: wholeCampaign)
        report.topUsers = try topActors("user", query, from, to, wholeCampaign: wholeCampaign)

        // Past the share, or the count, whichever is lower; independent of how long the top lists are.
        let standing = report.redemptions &- min(report.voided, report.redemptions)
        let share = (query.suspectShare * Double(standing)).rounded(.down)
        // UInt64(Double) traps on NaN, infinities and values out of range: clamp before converting.
        let shareCount: UInt64 = share.isNaN || share < 0 ? 0 : share >= 18_446_744_073_709_549_568.0 ? .max - 1 : UInt64(share)
        let byShare = max(query.suspectRedemptionsMin, shareCount + 1)
        let redemptionsAtLeast = min(byShare, query.suspectRedemptionsMax)
        report.suspectIps = try suspects("ip", query, from, to, wholeCampaign, redemptionsAtLeast)
        report.suspectDevices = try suspects("device", query, from, to, wholeCampaign, redemptionsAtLeast)
        return report
    }

    private func suspects(
        _ dimension: String, _ query: ReportQuery, _ from: Int64, _ to: Int64, _ wholeCampaign: Bool,
        _ redemptionsAtLeast: UInt64
    ) throws(StoreError) -> [ActorTotals] {
        let sql = wholeCampaign
            ? """
            SELECT key, redemptions, failures FROM campaign_dimensions INDEXED BY campaign_dimensions_by_redemptions
            WHERE campaign_id = ?1 AND dimension = ?4 AND redemptions >= ?5 AND ?2 <= ?3
            UNION
            SELECT key, redemptions, failures FROM campaign_dimensions INDEXED BY campaign_dimensions_by_failures
            WHERE campaign_id = ?1 AND dimension = ?4 AND failures >= ?6
            ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?7
            """
            : """
            SELECT key, sum(redemptions), sum(failures) FROM campaign_dimension_hours
            WHERE campaign_id = ?1 AND dimension = ?4 AND hour_ms >= ?2 AND hour_ms < ?3
            GROUP BY key HAVING sum(redemptions) >= ?5 OR sum(failures) >= ?6
            ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?7
            """
        let select = try statement(sql)
        try bindRange(select, query.campaignId, from, to)
        try select.bind(4, dimension)
        try select.bind(5, Int64(clamping: redemptionsAtLeast))
        try select.bind(6, Int64(clamping: query.suspectFailuresMax))
        try select.bind(7, query.suspectsMax)
        var result: [ActorTotals] = []
        while try select.step() {
            result.append(
                ActorTotals(key: select.string(0), redemptions: UInt64(clamping: select.int64(1)), failures: UInt64(clamping: select.int64(2))))
        }
        return result
    }

    private func breakdown(_ dimension: String, _ query: ReportQuery, _ from: Int64, _ to: Int64) throws(StoreError)
        -> [(key: String, count: UInt64)]
    {
        let select = try statement(
            """
            SELECT key, sum(redemptions) FROM campaign_dimension_hours
            WHERE campaign_id = ?1 AND dimension = ?4 AND hour_ms >= ?2 AND hour_ms < ?3
            GROUP BY key HAVING sum(redemptions) > 0 ORDER BY 2 DESC, key LIMIT ?5
            """)
        try bindRange(select, query.campaignId, from, to)
        try select.bind(4, dimension)
        try select.bind(5, query.breakdownMax)
        var result: [(key: String, count: UInt64)] = []
        while try select.step() { result.append((select.string(0), UInt64(clamping: select.int64(1)))) }
        return result
    }

    /// The top `query.top` by redemptions, then the top by failures not already listed.
    private func topActors(_ dimension: String, _ query: ReportQuery, _ from: Int64, _ to: Int64, wholeCampaign: Bool)
        throws(StoreError) -> [ActorTotals]
    {
        var result: [ActorTotals] = []
        var seen = Set<String>()
        for order in ["redemptions", "failures"] {
            let sql = dimension == "user"
                ? TopUsersSQL.select(by: order, wholeCampaign: wholeCampaign)
                : wholeCampaign
                ? """
                SELECT key, redemptions, failures FROM campaign_dimensions INDEXED BY campaign_dimensions_by_\(order)
                WHERE campaign_id = ?1 AND dimension = ?4 AND \(order) > 0 AND ?2 <= ?3
                ORDER BY \(order) DESC, key LIMIT ?5
                """
                : """
                SELECT key, sum(redemptions), sum(failures) FROM campaign_dimension_hours
                WHERE campaign_id = ?1 AND dimension = ?4 AND hour_ms >= ?2 AND hour_ms < ?3
                GROUP BY key HAVING sum(\(order)) > 0 ORDER BY sum(\(order)) DESC, key LIMIT ?5
                """
            let select = try statement(sql)
            try bindRange(select, query.campaignId, from, to)
            try select.bind(4, dimension)
            try select.bind(5, query.top)
            while try select.step() {
                let key = select.string(0)
                guard seen.insert(key).inserted else { continue }
                result.append(
                    ActorTotals(key: key, redemptions: UInt64(clamping: select.int64(1)), failures: UInt64(clamping: select.int64(2))))
            }
        }
        return result
    }

    private func bindRange(_ statement: Statement, _ campaignId: String, _ from: Int64, _ to: Int64) throws(StoreError) {
        try statement.bind(1, campaignId)
        try statement.bind(2, from)
        try statement.bind(3, to)
    }
}
