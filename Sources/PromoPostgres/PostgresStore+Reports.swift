import PostgresNIO
import PromoDomain

extension PostgresStore: ReportStorage {
    public func report(_ query: ReportQuery) async throws -> CampaignReport? {
        try await transaction(.repeatableReadOnly) { connection in try await self.report(query, on: connection) }
    }

    public func reports(_ queries: [ReportQuery]) async throws -> [CampaignReport?] {
        try await transaction(.repeatableReadOnly) { connection in
            var reports: [CampaignReport?] = []
            for query in queries {
                let report = try await self.report(query, on: connection)
                reports.append(report)
                // The caller refuses the whole comparison at the first missing campaign: no need to read on.
                if report == nil { break }
            }
            return reports
        }
    }

    /// The report from the maintained totals, as the SQLite store builds it (same ranges, buckets, orders and
    /// saturation), or nil when the campaign does not exist.
    func report(_ query: ReportQuery, on connection: PostgresConnection) async throws -> CampaignReport? {
        guard let (campaign, counters) = try await campaign(id: query.campaignId, on: connection) else { return nil }
        let campaignId = query.campaignId
        let campaignStart = hourStart(campaign.createdAtMs)
        let nowEnd = hourStart(query.nowMs) + hourMs
        let from = query.fromMs == 0 ? campaignStart : hourStart(query.fromMs)
        // A range that starts in the future is empty, not upside down.
        let to = max(from, query.toMs == 0 ? nowEnd : hourStart(query.toMs + hourMs - 1))
        let wholeCampaign = from <= campaignStart && to >= nowEnd
        // 0 picks hours for ranges up to 7 days and days beyond.
        let bucketMs = query.bucketMs > 0 ? query.bucketMs : (to - from <= 7 * 24 * hourMs ? hourMs : 24 * hourMs)
        var report = CampaignReport(campaign: campaign, counters: counters, fromMs: from, toMs: to, bucketMs: bucketMs)

        let hours = try await connection.rows(
            """
            SELECT hour_ms, redemptions, voided, new_users, free_spins, loyalty_points FROM campaign_hours
            WHERE campaign_id = \(campaignId) AND hour_ms >= \(from) AND hour_ms < \(to) ORDER BY hour_ms
            """, logger: logger
        ) { row in
            (try row.int64(0), try row.int64(1), try row.int64(2), try row.int64(3), try row.int64(4), try row.int64(5))
        }
        for (hour, redemptionsCount, voidedCount, newUsersCount, spins, points) in hours {
            let (redemptions, voided) = (UInt64(clamping: redemptionsCount), UInt64(clamping: voidedCount))
            report.redemptions = saturatingSum(report.redemptions, redemptions)
            report.voided = saturatingSum(report.voided, voided)
            report.freeSpins = saturatingSum(report.freeSpins, UInt64(clamping: spins))
            report.loyaltyPoints = saturatingSum(report.loyaltyPoints, max(0, points))
            // Buckets start at UTC hour or midnight boundaries; quiet ones are left out.
            let newUsers = UInt64(clamping: newUsersCount)
            guard redemptions > voided || newUsers > 0 else { continue }
            let bucket = hour - hour % bucketMs
            if report.timeline.last?.startMs != bucket {
                report.timeline.append(TimelineBucket(startMs: bucket, redemptions: 0, newUsers: 0))
            }
            let last = report.timeline.count - 1
            report.timeline[last].redemptions = saturatingSum(
                report.timeline[last].redemptions, redemptions &- min(voided, redemptions))
            report.timeline[last].newUsers = saturatingSum(report.timeline[last].newUsers, newUsers)
        }

        let money = try await connection.rows(
            """
            SELECT currency, amount_minor FROM campaign_money_hours
            WHERE campaign_id = \(campaignId) AND hour_ms >= \(from) AND hour_ms < \(to) ORDER BY currency
            """, logger: logger
        ) { (try $0.string(0), max(0, try $0.int64(1))) }
        for (currency, amount) in money {
            if report.money.last?.currency == currency {
                report.money[report.money.count - 1].amountMinor = saturatingSum(
                    report.money[report.money.count - 1].amountMinor, amount)
            } else {
                report.money.append((currency, amount))
            }
        }
        report.money.removeAll { $0.amountMinor == 0 }

        report.failuresByVerdict = try await connection.rows(
            """
            SELECT verdict, \(unescaped: saturatedBigint("sum(failures)")) FROM campaign_failure_hours
            WHERE campaign_id = \(campaignId) AND hour_ms >= \(from) AND hour_ms < \(to)
            GROUP BY verdict ORDER BY 2 DESC, verdict COLLATE "C"
            """, logger: logger
        ) { (verdict: try $0.string(0), count: UInt64(clamping: try $0.int64(1))) }

        report.effect = try await campaignEffect(
            campaignId: campaignId, from: from, to: to, wholeCampaign: wholeCampaign, on: connection)
        if !query.totalsOnly {
            report.bySource = try await breakdown("source", query, from, to, on: connection)
            // Grants naming the campaign count under source "grant" (their own table, a range of its index).
            let grants = UInt64(
                clamping: try await connection.firstRow(
                    """
                    SELECT count(*) FROM grants WHERE campaign_id = \(campaignId) AND granted_at_ms >= \(from)
                      AND granted_at_ms < \(to) AND voided_at_ms IS NULL
                    """, logger: logger
                ) { try $0.int64(0) } ?? 0)
            if grants > 0 {
                if let index = report.bySource.firstIndex(where: { $0.key == grantSource }) {
                    report.bySource[index].count = saturatingSum(report.bySource[index].count, grants)
                } else {
                    report.bySource.append((grantSource, grants))
                }
                report.bySource.sort { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
            }
            report.byOwner = try await breakdown("owner", query, from, to, on: connection)
        }

        if wholeCampaign {
            report.uniqueUsers = counters.uniqueUsers
        } else {
            report.uniqueUsers = UInt64(
                clamping: try await connection.firstRow(
                    """
                    SELECT count(DISTINCT user_id) FROM redemptions
                    WHERE campaign_id = \(campaignId) AND redeemed_at_ms >= \(from) AND redeemed_at_ms < \(to)
                      AND voided_at_ms IS NULL
                    """, logger: logger
                ) { try $0.int64(0) } ?? 0)
        }
        if query.totalsOnly { return report }
        report.topIps = try await topActors("ip", query, from, to, wholeCampaign: wholeCampaign, on: connection)
        report.topDevices = try await topActors("device", query, from, to, wholeCampaign: wholeCampaign, on: connection)
        report.topUsers = try await topActors("user", query, from, to, wholeCampaign: wholeCampaign, on: connection)

        // Past the share, or the count, whichever is lower; independent of how long the top lists are.
        let standing = report.redemptions &- min(report.voided, report.redemptions)
        let share = (query.suspectShare * Double(standing)).rounded(.down)
        // UInt64(Double) traps on NaN, infinities and values out of range: clamp before converting.
        let shareCount: UInt64 =
            share.isNaN || share < 0 ? 0 : share >= 18_446_744_073_709_549_568.0 ? .max - 1 : UInt64(share)
        let byShare = max(query.suspectRedemptionsMin, shareCount + 1)
        let redemptionsAtLeast = min(byShare, query.suspectRedemptionsMax)
        report.suspectIps = try await suspects("ip", query, from, to, wholeCampaign, redemptionsAtLeast, on: connection)
        report.suspectDevices = try await suspects(
            "device", query, from, to, wholeCampaign, redemptionsAtLeast, on: connection)
        return report
    }

    /// Keys sort byte-wise (COLLATE "C"), as SQLite's do, whatever the database's collation.
    private func breakdown(
        _ dimension: String, _ query: ReportQuery, _ from: Int64, _ to: Int64, on connection: PostgresConnection
    ) async throws -> [(key: String, count: UInt64)] {
        try await connection.rows(
            """
            SELECT key, \(unescaped: saturatedBigint("sum(redemptions)")) FROM campaign_dimension_hours
            WHERE campaign_id = \(query.campaignId) AND dimension = \(dimension) AND hour_ms >= \(from) AND hour_ms < \(to)
            GROUP BY key HAVING sum(redemptions) > 0 ORDER BY 2 DESC, key COLLATE "C" LIMIT \(Int64(query.breakdownMax))
            """, logger: logger
        ) { (key: try $0.string(0), count: UInt64(clamping: try $0.int64(1))) }
    }

    /// The top `query.top` by redemptions, then the top by failures not already listed. Users' standing
    /// redemptions come from user_redemptions (whole campaign) or the raw rows (a range): the user dimension
    /// counts failures only.
    private func topActors(
        _ dimension: String, _ query: ReportQuery, _ from: Int64, _ to: Int64, wholeCampaign: Bool,
        on connection: PostgresConnection
    ) async throws -> [ActorTotals] {
        var result: [ActorTotals] = []
        var seen = Set<String>()
        let campaignId = query.campaignId
        let top = Int64(query.top)
        for order in ["redemptions", "failures"] {
            let select: PostgresQuery
            switch (dimension == "user", wholeCampaign, order) {
            case (true, true, "redemptions"):
                select = """
                    SELECT u.user_id, u.redemptions, coalesce(d.failures, 0) FROM user_redemptions u
                    LEFT JOIN campaign_dimensions d ON d.campaign_id = u.campaign_id AND d.dimension = 'user' AND d.key = u.user_id
                    WHERE u.campaign_id = \(campaignId) AND u.redemptions > 0 AND u.user_id <> ''
                    ORDER BY u.redemptions DESC, u.user_id COLLATE "C" LIMIT \(top)
                    """
            case (true, true, _):
                select = """
                    SELECT d.key, coalesce(u.redemptions, 0), d.failures FROM campaign_dimensions d
                    LEFT JOIN user_redemptions u ON u.campaign_id = d.campaign_id AND u.user_id = d.key
                    WHERE d.campaign_id = \(campaignId) AND d.dimension = 'user' AND d.failures > 0
                    ORDER BY d.failures DESC, d.key COLLATE "C" LIMIT \(top)
                    """
            case (true, false, _):
                select = """
                    SELECT key, \(unescaped: saturatedBigint("sum(redemptions)")), \(unescaped: saturatedBigint("sum(failures)")) FROM (
                        SELECT user_id AS key, 1 AS redemptions, 0 AS failures FROM redemptions
                        WHERE campaign_id = \(campaignId) AND redeemed_at_ms >= \(from) AND redeemed_at_ms < \(to)
                          AND voided_at_ms IS NULL AND user_id <> ''
                        UNION ALL
                        SELECT key, 0, failures FROM campaign_dimension_hours
                        WHERE campaign_id = \(campaignId) AND dimension = 'user' AND hour_ms >= \(from) AND hour_ms < \(to)) AS range
                    GROUP BY key HAVING sum(\(unescaped: order)) > 0
                    ORDER BY sum(\(unescaped: order)) DESC, key COLLATE "C" LIMIT \(top)
                    """
            case (false, true, _):
                select = """
                    SELECT key, redemptions, failures FROM campaign_dimensions
                    WHERE campaign_id = \(campaignId) AND dimension = \(dimension) AND \(unescaped: order) > 0
                    ORDER BY \(unescaped: order) DESC, key COLLATE "C" LIMIT \(top)
                    """
            case (false, false, _):
                select = """
                    SELECT key, \(unescaped: saturatedBigint("sum(redemptions)")), \(unescaped: saturatedBigint("sum(failures)"))
                    FROM campaign_dimension_hours
                    WHERE campaign_id = \(campaignId) AND dimension = \(dimension) AND hour_ms >= \(from) AND hour_ms < \(to)
                    GROUP BY key HAVING sum(\(unescaped: order)) > 0
                    ORDER BY sum(\(unescaped: order)) DESC, key COLLATE "C" LIMIT \(top)
                    """
            }
            for actor in try await connection.rows(select, logger: logger, Self.readActor) where seen.insert(actor.key).inserted {
                result.append(actor)
            }
        }
        return result
    }

    private func suspects(
        _ dimension: String, _ query: ReportQuery, _ from: Int64, _ to: Int64, _ wholeCampaign: Bool,
        _ redemptionsAtLeast: UInt64, on connection: PostgresConnection
    ) async throws -> [ActorTotals] {
        let campaignId = query.campaignId
        let redemptionsMin = Int64(clamping: redemptionsAtLeast)
        let failuresMin = Int64(clamping: query.suspectFailuresMax)
        let limit = Int64(query.suspectsMax)
        let select: PostgresQuery =
            wholeCampaign
            ? """
            SELECT key, redemptions, failures FROM campaign_dimensions
            WHERE campaign_id = \(campaignId) AND dimension = \(dimension)
              AND (redemptions >= \(redemptionsMin) OR failures >= \(failuresMin))
            ORDER BY 2 DESC, 3 DESC, key COLLATE "C" LIMIT \(limit)
            """
            : """
            SELECT key, \(unescaped: saturatedBigint("sum(redemptions)")), \(unescaped: saturatedBigint("sum(failures)"))
            FROM campaign_dimension_hours
            WHERE campaign_id = \(campaignId) AND dimension = \(dimension) AND hour_ms >= \(from) AND hour_ms < \(to)
            GROUP BY key HAVING sum(redemptions) >= \(redemptionsMin) OR sum(failures) >= \(failuresMin)
            ORDER BY 2 DESC, 3 DESC, key COLLATE "C" LIMIT \(limit)
            """
        return try await connection.rows(select, logger: logger, Self.readActor)
    }

    /// Deposits and repeat users of [from, to) (whole hours); `wholeCampaign`: the range covers all of it.
    private func campaignEffect(
        campaignId: String, from: Int64, to: Int64, wholeCampaign: Bool, on connection: PostgresConnection
    ) async throws -> CampaignEffect {
        var effect = CampaignEffect()
        let deposits = try await connection.rows(
            """
            SELECT currency, deposits, amount_minor FROM campaign_deposit_hours
            WHERE campaign_id = \(campaignId) AND hour_ms >= \(from) AND hour_ms < \(to) ORDER BY currency COLLATE "C"
            """, logger: logger
        ) { (try $0.string(0), UInt64(clamping: try $0.int64(1)), max(0, try $0.int64(2))) }
        // Summed here, saturating, as the reward totals are.
        for (currency, count, amount) in deposits {
            if effect.deposits.last?.currency == currency {
                let last = effect.deposits.count - 1
                effect.deposits[last].deposits = saturatingSum(effect.deposits[last].deposits, count)
                effect.deposits[last].amountMinor = saturatingSum(effect.deposits[last].amountMinor, amount)
            } else {
                effect.deposits.append(.init(currency: currency, amountMinor: amount, deposits: count))
            }
        }
        effect.deposits.removeAll { $0.deposits == 0 && $0.amountMinor == 0 }
        let repeatUsers: PostgresQuery =
            wholeCampaign
            ? "SELECT repeat_users FROM campaigns WHERE id = \(campaignId)"
            : """
            SELECT \(unescaped: saturatedBigint("coalesce(sum(CASE step WHEN 1 THEN pairs ELSE -pairs END), 0)"))
            FROM campaign_repeat_pairs
            WHERE campaign_id = \(campaignId) AND from_hour_ms >= \(from) AND from_hour_ms < \(to) AND to_hour_ms < \(to)
            """
        effect.repeatUsers = UInt64(clamping: try await connection.firstRow(repeatUsers, logger: logger) { try $0.int64(0) } ?? 0)
        return effect
    }

    static func readActor(_ row: RowReader) throws -> ActorTotals {
        ActorTotals(
            key: try row.string(0), redemptions: UInt64(clamping: try row.int64(1)),
            failures: UInt64(clamping: try row.int64(2)))
    }
}
