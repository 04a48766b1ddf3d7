import NIOCore
import PromoDomain
import PromoWire

/// Campaign analytics from the maintained totals, with the abuse signals derived from the top lists.
final class ReportService: Sendable {
    let configuration: ServerConfiguration
    let store: any ReportStorage

    init(configuration: ServerConfiguration, store: any ReportStorage) {
        self.configuration = configuration
        self.store = store
    }

    /// to_ms is rounded up to a whole hour: keep room for that below Int64.max.
    private static let timeMax = Int64.max - 3_600_000

    private static func checkRange(fromMs: Int64, toMs: Int64) throws(ServerError) {
        guard fromMs >= 0, toMs >= 0, toMs == 0 || toMs > fromMs, toMs <= timeMax else {
            throw ServerError(.invalidArgument, "need 0 <= from_ms < to_ms <= \(timeMax) (to_ms 0 = now)")
        }
    }

    func report(_ request: ReportRequest, on eventLoop: any EventLoop) throws(ServerError) -> EventLoopFuture<ReportResponse> {
        guard !request.campaignId.isEmpty else { throw ServerError(.invalidArgument, "campaign_id is required") }
        try Self.checkRange(fromMs: request.fromMs, toMs: request.toMs)
        let bucketMs: Int64
        switch request.bucket {
        case .auto: bucketMs = 0
        case .hour: bucketMs = 3_600_000
        case .day: bucketMs = 86_400_000
        default: throw ServerError(.invalidArgument, "bucket: \(request.bucket) is not a bucket width")
        }
        let top = request.top == 0 ? configuration.reportTopDefault : min(Int(request.top), configuration.reportTopMax)
        var query = ReportQuery(
            campaignId: request.campaignId, fromMs: request.fromMs, toMs: request.toMs, bucketMs: bucketMs, top: top,
            breakdownMax: configuration.reportBreakdownMax, nowMs: WallClock.nowMs())
        query.suspectShare = configuration.suspiciousShareMax
        query.suspectRedemptionsMin = configuration.suspiciousRedemptionsMin
        query.suspectRedemptionsMax = configuration.suspiciousRedemptionsMax
        query.suspectFailuresMax = configuration.suspiciousFailuresMax
        let queryToRun = query
        let configuration = configuration
        let store = store
        return eventLoop.makeFutureWithTask {
            guard let report = try await store.report(queryToRun) else {
                throw ServerError(.notFound, "campaign \(queryToRun.campaignId) does not exist")
            }
            return Self.response(report, configuration)
        }
    }

    /// One row per named campaign, each with the figures of that campaign's report over the same range, all
    /// read together in one pass (the headline totals only: no top lists, breakdowns or suspects).
    func compare(_ request: CompareCampaignsRequest, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<CompareCampaignsResponse>
    {
        let ids = request.campaignIds
        guard !ids.isEmpty, ids.count <= configuration.compareCampaignsMax else {
            throw ServerError(.invalidArgument, "campaign_ids: 1...\(configuration.compareCampaignsMax) per request")
        }
        var seen = Set<String>()
        for id in ids {
            guard !id.isEmpty, id.utf8.count <= DomainLimits.default.idBytesMax else {
                throw ServerError(.invalidArgument, "campaign_ids: an id is empty or longer than \(DomainLimits.default.idBytesMax) bytes")
            }
            guard seen.insert(id).inserted else { throw ServerError(.invalidArgument, "campaign_ids: \(id) is named twice") }
        }
        try Self.checkRange(fromMs: request.fromMs, toMs: request.toMs)
        let nowMs = WallClock.nowMs()
        let queries = ids.map { id in
            var query = ReportQuery(
                campaignId: id, fromMs: request.fromMs, toMs: request.toMs, bucketMs: 0, top: 0, breakdownMax: 0, nowMs: nowMs)
            query.totalsOnly = true
            return query
        }
        let configuration = configuration
        let store = store
        return eventLoop.makeFutureWithTask {
            let reports = try await store.reports(queries)
            var rows: [CampaignComparison] = []
            for (index, query) in queries.enumerated() {
                guard index < reports.count, let report = reports[index] else {
                    throw ServerError(.notFound, "campaign \(query.campaignId) does not exist")
                }
                // The currency the money figures are in: the reward's, else that of the deposits counted.
                let currency = report.campaign.reward.currency ?? report.effect.campaignDeposits(currency: nil)?.currency ?? ""
                rows.append(Self.comparison(Self.response(report, configuration), name: report.campaign.name, currency: currency))
            }
            return CompareCampaignsResponse.with { $0.rows = rows }
        }
    }

    /// A report's figures as a comparison row: derived from the report's own answer, so the two cannot differ.
    static func comparison(_ report: ReportResponse, name: String, currency: String) -> CampaignComparison {
        CampaignComparison.with {
            $0.campaignId = report.campaignId
            $0.name = name
            $0.currency = currency
            $0.redemptions = report.redemptions
            $0.voided = report.voided
            $0.uniqueUsers = report.uniqueUsers
            $0.redemptionRate = report.redemptionRate
            $0.rewardTotalMinor = report.rewardTotalMinor
            $0.depositTotalMinor = report.depositTotalMinor
            $0.averageDepositMinor = report.averageDepositMinor
            $0.rewardCostRatio = report.rewardCostRatio
            $0.failures = report.failuresByVerdict.reduce(0) { total, count in
                let (sum, overflow) = total.addingReportingOverflow(count.count)
                return overflow ? .max : sum
            }
            $0.repeatUsers = report.repeatUsers
            $0.codesIssued = report.codesIssued
            $0.codesRedeemed = report.codesRedeemed
            $0.freeSpinsGranted = report.freeSpinsGranted
            $0.loyaltyPointsGranted = report.loyaltyPointsGranted
            $0.fromMs = report.fromMs
            $0.toMs = report.toMs
        }
    }

    /// Every maintained total against the raw rows, on a reader's consistent snapshot.
    func check(on eventLoop: any EventLoop) -> EventLoopFuture<CheckResponse> {
        let store = store
        return eventLoop.makeFutureWithTask {
            let problems = try await store.consistencyProblems()
            return CheckResponse.with {
                $0.ok = problems.isEmpty
                $0.problems = problems
                $0.checkedAtMs = WallClock.nowMs()
            }
        }
    }

    static func response(_ report: CampaignReport, _ configuration: ServerConfiguration) -> ReportResponse {
        let standing = report.redemptions &- min(report.voided, report.redemptions)
        func actors(_ list: [ActorTotals]) -> [ActorCount] {
            list.map { actor in ActorCount.with { $0.key = actor.key; $0.redemptions = actor.redemptions; $0.failures = actor.failures } }
        }
        func suspicions(_ kind: String, _ list: [ActorTotals]) -> [Suspicion] {
            list.compactMap { actor in
                let share = standing == 0 ? 0 : Double(actor.redemptions) / Double(standing)
                let reason: String
                if actor.redemptions >= configuration.suspiciousRedemptionsMax {
                    reason = "\(actor.redemptions) redemptions (limit \(configuration.suspiciousRedemptionsMax))"
                } else if actor.redemptions >= configuration.suspiciousRedemptionsMin && share > configuration.suspiciousShareMax {
                    reason = "holds \(Int((share * 100).rounded())) % of the redemptions (limit \(Int(configuration.suspiciousShareMax * 100)) %)"
                } else if actor.failures >= configuration.suspiciousFailuresMax {
                    reason = "\(actor.failures) failed attempts (limit \(configuration.suspiciousFailuresMax))"
                } else {
                    return nil
                }
                return Suspicion.with {
                    $0.kind = kind
                    $0.key = actor.key
                    $0.redemptions = actor.redemptions
                    $0.failures = actor.failures
                    $0.share = share
                    $0.reason = reason
                }
            }
        }
        let currency = report.campaign.reward.currency
        return ReportResponse.with {
            $0.campaignId = report.campaign.id
            $0.codesIssued = report.counters.codesIssued
            $0.codesRedeemed = report.counters.codesRedeemed
            $0.redemptions = report.redemptions
            $0.voided = report.voided
            $0.uniqueUsers = report.uniqueUsers
            $0.redemptionRate = report.counters.codesIssued == 0
                ? 0 : Double(report.counters.codesRedeemed) / Double(report.counters.codesIssued)
            $0.rewardTotalMinor = report.money.first { $0.currency == currency }?.amountMinor ?? 0
            $0.rewardTotals = report.money.map { money in Money.with { $0.currency = money.currency; $0.amountMinor = money.amountMinor } }
            $0.freeSpinsGranted = report.freeSpins
            $0.loyaltyPointsGranted = report.loyaltyPoints
            $0.failuresByVerdict = report.failuresByVerdict.map { Count(wireVerdictName($0.verdict), $0.count) }
            $0.bySource = report.bySource.map { Count($0.key, $0.count) }
            $0.byOwner = report.byOwner.map { Count($0.key, $0.count) }
            $0.timeline = report.timeline.map { bucket in
                Bucket.with { $0.startMs = bucket.startMs; $0.redemptions = bucket.redemptions; $0.uniqueUsers = bucket.newUsers }
            }
            $0.topIps = actors(report.topIps)
            $0.topDevices = actors(report.topDevices)
            $0.topUsers = actors(report.topUsers)
            // Users too: the report's top users (by redemptions across the campaign's codes, and by failures)
            // past the same limits, so an operator goes from the report to block_user in one step.
            $0.suspicious = suspicions("ip", report.suspectIps) + suspicions("device", report.suspectDevices)
                + suspicions("user", report.topUsers)
            $0.fromMs = report.fromMs
            $0.toMs = report.toMs
            $0.bucket = report.bucketMs == 3_600_000 ? .hour : .day
            let effect = report.effect
            $0.depositTotals = effect.deposits.map { total in Money.with { $0.currency = total.currency; $0.amountMinor = total.amountMinor } }
            $0.depositTotalMinor = effect.campaignDeposits(currency: currency)?.amountMinor ?? 0
            $0.averageDepositMinor = effect.averageDepositMinor(currency: currency)
            $0.rewardCostRatio = effect.rewardCostRatio(rewardTotalMinor: $0.rewardTotalMinor, currency: currency)
            $0.repeatUsers = effect.repeatUsers
        }
    }

    /// Verdicts are stored by their domain name; reports use the wire's names, as clients see them.
    private static func wireVerdictName(_ stored: String) -> String {
        guard let verdict = PromoDomain.Verdict(rawValue: stored) else { return stored }
        return "VERDICT_" + WireMapping.wire(verdict).description
    }
}
