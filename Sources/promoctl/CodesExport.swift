import ArgumentParser
import PromoWire

extension CodesCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a campaign's codes, with how often each was used, as CSV.",
            discussion: """
                Columns: \(CodeInfo.csvHeader) (created_at in ISO-8601 UTC; max_uses 0 = unlimited). Codes come \
                in the order they were made. With --json and no --out, one JSON array of codes is printed \
                instead.

                Examples:
                  promoctl codes export cmp_123 --out codes.csv
                  promoctl codes export cmp_123 --batch bat_456 --unused > still-unused.csv
                  promoctl codes export cmp_123 --owner affiliate-42
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The campaign's id (cmp_…).", valueName: "campaign-id"))
        var campaign: String

        @Option(help: ArgumentHelp("Only the codes of this generate or import batch.", valueName: "batch-id"))
        var batch: String?

        @Option(help: ArgumentHelp("Only the codes of this owner.", valueName: "id"))
        var owner: String?

        enum Usage: EnumerableFlag {
            case used, unused

            static func help(for value: Self) -> ArgumentHelp? {
                value == .used ? "Only codes used at least once." : "Only codes never used."
            }
        }

        @Flag var usage: Usage?

        @Option(help: ArgumentHelp("Write the CSV to this file instead of standard output.", valueName: "file"))
        var out: String?

        func run() async throws {
            let request = ExportCodesRequest.with {
                $0.campaignId = campaign
                $0.batchId = batch ?? ""
                $0.ownerId = owner ?? ""
                $0.usage = switch usage {
                case .used: .used
                case .unused: .unused
                case nil: .any
                }
            }
            // CSV goes to --out, else to standard output unless JSON was asked for.
            let csv: TextSink? = try out.map { path throws(CLIFailure) in try TextSink(creating: path) }
                ?? (global.json ? nil : TextSink())
            var collected: [JSON] = []
            var exported = 0
            var pages = 0
            try await global.withSession { session in
                var progress = ProgressLine()
                try csv?.line(CodeInfo.csvHeader)
                try await session.forEachCodePage(request) { page in
                    for info in page {
                        if let csv { try csv.line(info.csvRow) } else { collected.append(info.json) }
                    }
                    exported += page.count
                    pages += 1
                    // Only exports of several pages are long enough for a progress line.
                    if pages > 1 { progress.update("Exported \(grouped(exported)) codes") }
                }
                if pages > 1 { progress.update("Exported \(grouped(exported)) codes", force: true) }
                progress.finish()
            }
            try csv?.close()
            if let out {
                if global.json {
                    JSON.object([
                        ("campaign_id", .string(campaign)), ("exported", .number(exported)), ("out", .string(out)),
                    ]).print()
                } else {
                    print("Exported \(grouped(exported)) codes of \(campaign) to \(out).")
                }
            } else if global.json {
                JSON.array(collected).print()
            }
        }
    }
}
