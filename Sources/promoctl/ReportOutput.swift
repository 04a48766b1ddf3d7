import PromoWire

// The report as readable sections and as JSON.

extension ReportResponse {
    var json: JSON {
        .object([
            ("campaign_id", .string(campaignId)),
            ("from_ms", .number(fromMs)),
            ("to_ms", .number(toMs)),
            ("bucket", .string(bucket.description.lowercased())),
            ("codes_issued", .number(codesIssued)),
            ("codes_redeemed", .number(codesRedeemed)),
            ("redemptions", .number(redemptions)),
            ("voided", .number(voided)),
            ("unique_users", .number(uniqueUsers)),
            ("redemption_rate", .double(redemptionRate)),
            ("reward_total_minor", .number(rewardTotalMinor)),
            ("reward_totals", .array(rewardTotals.map {
                .object([("currency", .string($0.currency)), ("amount_minor", .number($0.amountMinor))])
            })),
            ("free_spins_granted", .number(freeSpinsGranted)),
            ("loyalty_points_granted", .number(loyaltyPointsGranted)),
            ("deposit_totals", .array(depositTotals.map {
                .object([("currency", .string($0.currency)), ("amount_minor", .number($0.amountMinor))])
            })),
            ("deposit_total_minor", .number(depositTotalMinor)),
            ("average_deposit_minor", .number(averageDepositMinor)),
            ("reward_cost_ratio", .double(rewardCostRatio)),
            ("repeat_users", .number(repeatUsers)),
            ("failures_by_verdict", Self.counts(failuresByVerdict)),
            ("by_source", Self.counts(bySource)),
            ("by_owner", Self.counts(byOwner)),
            ("timeline", .array(timeline.map {
                .object([
                    ("start_ms", .number($0.startMs)), ("redemptions", .number($0.redemptions)),
                    ("unique_users", .number($0.uniqueUsers)),
                ])
            })),
            ("top_ips", Self.actors(topIps)),
            ("top_devices", Self.actors(topDevices)),
            ("top_users", Self.actors(topUsers)),
            ("suspicious", .array(suspicious.map {
                .object([
                    ("kind", .string($0.kind)), ("key", .string($0.key)), ("redemptions", .number($0.redemptions)),
                    ("failures", .number($0.failures)), ("share", .double($0.share)), ("reason", .string($0.reason)),
                ])
            })),
        ])
    }

    private static func counts(_ counts: [Count]) -> JSON {
        .array(counts.map { .object([("key", .string($0.key)), ("count", .number($0.count))]) })
    }

    private static func actors(_ actors: [ActorCount]) -> JSON {
        .array(actors.map {
            .object([
                ("key", .string($0.key)), ("redemptions", .number($0.redemptions)), ("failures", .number($0.failures)),
            ])
        })
    }
}

extension CampaignComparison {
    var json: JSON {
        .object([
            ("campaign_id", .string(campaignId)),
            ("name", .string(name)),
            ("currency", .string(currency)),
            ("from_ms", .number(fromMs)),
            ("to_ms", .number(toMs)),
            ("redemptions", .number(redemptions)),
            ("voided", .number(voided)),
            ("unique_users", .number(uniqueUsers)),
            ("repeat_users", .number(repeatUsers)),
            ("codes_issued", .number(codesIssued)),
            ("codes_redeemed", .number(codesRedeemed)),
            ("redemption_rate", .double(redemptionRate)),
            ("reward_total_minor", .number(rewardTotalMinor)),
            ("free_spins_granted", .number(freeSpinsGranted)),
            ("loyalty_points_granted", .number(loyaltyPointsGranted)),
            ("deposit_total_minor", .number(depositTotalMinor)),
            ("average_deposit_minor", .number(averageDepositMinor)),
            ("reward_cost_ratio", .double(rewardCostRatio)),
            ("failures", .number(failures)),
        ])
    }
}

enum ReportText {
    /// The comparison table: standing redemptions (voided ones left out), then users, money and failures.
    static func comparison(_ rows: [CampaignComparison]) -> String {
        var table = Table(
            "CAMPAIGN", "NAME", "REDEMPTIONS>", "USERS>", "REPEAT>", "RATE>", "REWARDS>", "DEPOSITS>", "AVG DEPOSIT>",
            "COST>", "FAILURES>")
        for row in rows {
            var rewards = Format.money(row.rewardTotalMinor, row.currency)
            if row.freeSpinsGranted > 0 { rewards = "\(grouped(row.freeSpinsGranted)) spins" }
            if row.loyaltyPointsGranted != 0 { rewards = "\(grouped(row.loyaltyPointsGranted)) points" }
            table.add(
                row.campaignId, row.name, grouped(row.redemptions &- min(row.voided, row.redemptions)), grouped(row.uniqueUsers),
                grouped(row.repeatUsers), row.codesIssued == 0 ? "-" : percentText(row.redemptionRate), rewards,
                Format.money(row.depositTotalMinor, row.currency), Format.money(row.averageDepositMinor, row.currency),
                row.depositTotalMinor == 0 ? "-" : percentText(row.rewardCostRatio), grouped(row.failures))
        }
        return table.rendered()
    }

    static func render(_ report: ReportResponse) -> String {
        var sections: [String] = []
        let range = (report.fromMs == 0 ? "the start" : Format.time(report.fromMs)) + " to "
            + (report.toMs == 0 ? "now" : Format.time(report.toMs))
        sections.append("Report for campaign \(report.campaignId), \(range)")

        var headline = Details()
        headline.add("Codes issued", grouped(report.codesIssued))
        headline.add("Codes redeemed", "\(grouped(report.codesRedeemed)) (\(percentText(report.redemptionRate)))")
        headline.add("Redemptions", "\(grouped(report.redemptions)), of which \(grouped(report.voided)) voided")
        headline.add("Unique users", grouped(report.uniqueUsers))
        sections.append(section("Headline", headline.rendered(indent: 2)))

        var rewards: [String] = report.rewardTotals.map { Format.money($0.amountMinor, $0.currency) }
        if report.rewardTotals.isEmpty && report.rewardTotalMinor != 0 {
            rewards.append("\(grouped(report.rewardTotalMinor)) (minor units, campaign currency)")
        }
        if report.freeSpinsGranted > 0 { rewards.append("\(grouped(report.freeSpinsGranted)) free spins") }
        if report.loyaltyPointsGranted != 0 { rewards.append("\(grouped(report.loyaltyPointsGranted)) loyalty points") }
        sections.append(section("Rewards granted", rewards.isEmpty ? "  (none)" : rewards.map { "  " + $0 }.joined(separator: "\n")))
        sections.append(section("Effectiveness", effectiveness(report)))

        sections.append(section("Failed attempts by verdict", counts(report.failuresByVerdict, "VERDICT")))
        sections.append(section("Redemptions by source", counts(report.bySource, "SOURCE", empty: "(no source)")))
        sections.append(section("Redemptions by code owner", counts(report.byOwner, "OWNER", empty: "(no owner)")))
        sections.append(section("Timeline" + (report.bucket == .auto ? "" : " (by \(report.bucket.description.lowercased()))"),
                                timeline(report.timeline)))
        sections.append(section("Top IPs", actors(report.topIps, "IP")))
        sections.append(section("Top devices", actors(report.topDevices, "DEVICE")))
        sections.append(section("Top users", actors(report.topUsers, "USER")))
        sections.append(section("Suspicious", suspicious(report.suspicious)))
        return sections.joined(separator: "\n\n")
    }

    private static func effectiveness(_ report: ReportResponse) -> String {
        var details = Details()
        let deposits = report.depositTotals.map { Format.money($0.amountMinor, $0.currency) }
        details.add("Deposits", deposits.isEmpty ? "(none)" : deposits.joined(separator: ", "))
        // The report names no currency: the campaign's is the deposit currency whose total the report took
        // (one the rewards were paid in too, when two totals happen to be equal).
        let candidates = report.depositTotals.filter { $0.amountMinor == report.depositTotalMinor }.map(\.currency)
        let currency = candidates.first { currency in report.rewardTotals.contains { $0.currency == currency } }
            ?? candidates.first ?? ""
        if report.depositTotalMinor > 0 {
            details.add("Average deposit", Format.money(report.averageDepositMinor, currency))
            details.add("Rewards / deposits", percentText(report.rewardCostRatio))
        }
        details.add("Repeat users", grouped(report.repeatUsers))
        return details.rendered(indent: 2)
    }

    private static func section(_ title: String, _ body: String) -> String {
        title + "\n" + body
    }

    private static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    private static func counts(_ counts: [Count], _ header: String, empty: String = "-") -> String {
        guard !counts.isEmpty else { return "  (none)" }
        var table = Table(header, "COUNT>")
        for count in counts { table.add(count.key.isEmpty ? empty : count.key, grouped(count.count)) }
        return indented(table.rendered())
    }

    private static func timeline(_ buckets: [Bucket]) -> String {
        guard !buckets.isEmpty else { return "  (none)" }
        let peak = buckets.map(\.redemptions).max() ?? 0
        var table = Table("FROM", "REDEMPTIONS>", "NEW USERS>", "")
        for bucket in buckets {
            let bar = peak == 0 ? "" : String(repeating: "#", count: Int((bucket.redemptions * 30 + peak - 1) / peak))
            table.add(Format.time(bucket.startMs), grouped(bucket.redemptions), grouped(bucket.uniqueUsers), bar)
        }
        return indented(table.rendered())
    }

    private static func actors(_ actors: [ActorCount], _ header: String) -> String {
        guard !actors.isEmpty else { return "  (none)" }
        var table = Table(header, "REDEMPTIONS>", "FAILURES>")
        for actor in actors { table.add(actor.key, grouped(actor.redemptions), grouped(actor.failures)) }
        return indented(table.rendered())
    }

    private static func suspicious(_ suspicions: [Suspicion]) -> String {
        guard !suspicions.isEmpty else { return "  (none)" }
        var table = Table("KIND", "KEY", "REDEMPTIONS>", "FAILURES>", "SHARE>", "WHY")
        for suspicion in suspicions {
            table.add(
                suspicion.kind, suspicion.key, grouped(suspicion.redemptions), grouped(suspicion.failures),
                percentText(suspicion.share), suspicion.reason)
        }
        return indented(table.rendered())
    }
}
