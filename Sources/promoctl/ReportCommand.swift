import ArgumentParser
import PromoWire

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "How a campaign is doing: redemptions, rewards, failures, sources, affiliates, timeline, abuse.",
        discussion: """
            The range is widened to whole hours (UTC). Without --from the report starts when the campaign \
            began; without --to it ends now. Timeline buckets are hours for ranges up to 7 days and days \
            beyond, unless --bucket says otherwise.

            Sections: headline numbers, rewards granted, failed attempts by verdict, redemptions by source and \
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
