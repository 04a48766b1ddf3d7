import ArgumentParser
import PromoWire

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "How campaigns are doing: one campaign's report, or several compared side by side.",
        discussion: """
            'promoctl report ID' is 'promoctl report show ID'.

            Examples:
              promoctl report cmp_123
              promoctl report compare cmp_123 cmp_456 --from 2026-12-01
            """,
        subcommands: [ReportShowCommand.self, ReportCompareCommand.self],
        defaultSubcommand: ReportShowCommand.self)
}

struct ReportShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "How a campaign is doing: redemptions, rewards, deposits, failures, sources, affiliates, timeline, abuse.",
        discussion: """
            The range is widened to whole hours (UTC). Without --from the report starts when the campaign \
            began; without --to it ends now. Timeline buckets are hours for ranges up to 7 days and days \
            beyond, unless --bucket says otherwise.

            Sections: headline numbers, rewards granted, effectiveness (deposits that came with the standing \
            redemptions, the average deposit, rewards as a share of deposits, repeat users), failed attempts by verdict, redemptions by source and \
            by code owner (affiliate), the timeline, the top IPs, devices and users, and IPs or devices that \
            look suspicious (too large a share of the campaign).

            Examples:
              promoctl report cmp_123
              promoctl report cmp_123 --from 2026-12-01 --to 2026-12-08 --bucket day
              promoctl report cmp_123 --json > report.json
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The campaign's id (cmp_…).", valueName: "campaign-id"))
    var campaign: String

    @Option(help: ArgumentHelp("Start of the range (ISO-8601 UTC or Unix ms). Default: the campaign's start.",
                               valueName: "time"))
    var from: Timestamp?

    @Option(help: ArgumentHelp("End of the range, exclusive (ISO-8601 UTC or Unix ms). Default: now.",
                               valueName: "time"))
    var to: Timestamp?

    @Option(help: ArgumentHelp("Timeline bucket width. Default: by the range's length.",
                               valueName: "width"))
    var bucket: BucketName?

    @Option(help: ArgumentHelp("Entries per top list. Default: the server's (10).", valueName: "n"))
    var top: UInt32?

    func validate() throws {
        if let from, let to, to.ms != 0, to.ms <= from.ms { throw ValidationError("--to must be after --from") }
    }

    func run() async throws {
        let report = try await global.withSession { session in
            try await session.report(.with {
                $0.campaignId = campaign
                $0.fromMs = from?.ms ?? 0
                $0.toMs = to?.ms ?? 0
                $0.bucket = bucket?.wire ?? .auto
                $0.top = top ?? 0
            })
        }
        if global.json {
            report.json.print()
        } else {
            print(ReportText.render(report))
        }
    }
}

struct ReportCompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Campaigns side by side: redemptions, users, repeat users, rewards, deposits, cost ratio, failures.",
        discussion: """
            One row per campaign, in the order given, each with the figures of that campaign's report over the \
            same range (without --from, each campaign since its own start; without --to, until now). Money is \
            in each campaign's currency (its reward's). COST is rewards divided by deposits. The server takes \
            at most its compareCampaignsMax campaigns (default 20) per call.

            Examples:
              promoctl report compare cmp_123 cmp_456 cmp_789
              promoctl report compare cmp_123 cmp_456 --from 2026-12-01 --to 2026-12-08 --json
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The campaigns' ids (cmp_…).", valueName: "campaign-id"))
    var campaigns: [String]

    @Option(help: ArgumentHelp("Start of the range (ISO-8601 UTC or Unix ms). Default: each campaign's start.",
                               valueName: "time"))
    var from: Timestamp?

    @Option(help: ArgumentHelp("End of the range, exclusive (ISO-8601 UTC or Unix ms). Default: now.",
                               valueName: "time"))
    var to: Timestamp?

    func validate() throws {
        if campaigns.isEmpty { throw ValidationError("name at least one campaign id") }
        if let from, let to, to.ms != 0, to.ms <= from.ms { throw ValidationError("--to must be after --from") }
    }

    func run() async throws {
        let answer = try await global.withSession { session in
            try await session.compareCampaigns(.with {
                $0.campaignIds = campaigns
                $0.fromMs = from?.ms ?? 0
                $0.toMs = to?.ms ?? 0
            })
        }
        if global.json {
            JSON.array(answer.rows.map(\.json)).print()
        } else {
            print(ReportText.comparison(answer.rows))
        }
    }
}
