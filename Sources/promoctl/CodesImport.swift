import ArgumentParser
import PromoWire

extension CodesCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add your own codes to a campaign from a CSV file.",
            discussion: """
                The file has one code per line: code[,max_uses[,owner_id]]. max_uses empty or 0 means unlimited; \
                owner_id makes it a personal code (an affiliate's or a player's). A first line starting with \
                'code' is a header and skipped; empty lines are skipped.

                Good codes go in even when some lines are refused: each refused line is listed with its line \
                number and the reason (malformed, duplicate, already exists, owner already has a code), and the \
                command still exits 0. Fix those lines and import just them again.

                Example file:
                  code,max_uses,owner_id
                  SPRING-ALICE,1,affiliate-7
                  SPRING-BOB,1
                  SPRING-OPEN

                Example:
                  promoctl codes import cmp_123 partner-codes.csv
                """)

        /// Codes per import_codes request (the server's own limit is larger by default).
        static let chunkCodesMax = 5_000

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The campaign's id (cmp_…).", valueName: "campaign-id"))
        var campaign: String

        @Argument(help: ArgumentHelp("The CSV file of codes.", valueName: "file"))
        var file: String

        struct Rejection {
            let line: Int
            let code: String
            let reason: String

            var json: JSON { .object([("line", .number(line)), ("code", .string(code)), ("reason", .string(reason))]) }
        }

        struct Entry {
            let line: Int
            let code: ImportCode
        }

        /// The codes of the file and the lines that are not codes.
        static func parse(_ text: String) -> (entries: [Entry], rejections: [Rejection]) {
            var entries: [Entry] = []
            var rejections: [Rejection] = []
            var sawContent = false
            for line in CSV.lines(text) {
                if line.text.trimmingWhitespace().isEmpty { continue }
                let fields: [String]
                do {
                    fields = try CSV.fields(line.text).map { $0.trimmingWhitespace() }
                } catch {
                    rejections.append(Rejection(line: line.number, code: String(line.text), reason: error.reason))
                    sawContent = true
                    continue
                }
                if !sawContent {
                    sawContent = true
                    if fields[0].lowercased() == "code" { continue }
                }
                let code = fields[0]
                guard fields.count <= 3 else {
                    rejections.append(Rejection(
                        line: line.number, code: code, reason: "\(fields.count) columns; expected code[,max_uses[,owner_id]]"))
                    continue
                }
                guard !code.isEmpty else {
                    rejections.append(Rejection(line: line.number, code: code, reason: "no code in the first column"))
                    continue
                }
                var maxUses: UInt64 = 0
                if fields.count > 1, !fields[1].isEmpty {
                    guard let value = UInt64(fields[1]) else {
                        rejections.append(Rejection(
                            line: line.number, code: code, reason: "max_uses '\(fields[1])' is not a whole number"))
                        continue
                    }
                    maxUses = value
                }
                let owner = fields.count > 2 ? fields[2] : ""
                entries.append(Entry(line: line.number, code: .with {
                    $0.code = code
                    $0.maxUses = maxUses
                    $0.ownerId = owner
                }))
            }
            return (entries, rejections)
        }

        func run() async throws {
            let text = try TextFile.contents(of: file, what: "code file")
            let (entries, localRejections) = Self.parse(text)
            if entries.isEmpty && localRejections.isEmpty {
                throw CLIFailure(.usage, "\(file) holds no codes")
            }
            var rejections = localRejections
            var imported = 0
            var batchIds: [String] = []
            if !entries.isEmpty {
                try await global.withSession { session in
                    var progress = ProgressLine(enabled: Terminal.stderrIsTerminal && entries.count > Self.chunkCodesMax)
                    var start = 0
                    while start < entries.count {
                        let chunk = entries[start..<min(start + Self.chunkCodesMax, entries.count)]
                        let answer: ImportCodesResponse
                        do {
                            answer = try await session.importCodes(.with {
                                $0.campaignId = campaign
                                $0.codes = chunk.map(\.code)
                            })
                        } catch let failure as CLIFailure where start > 0 {
                            progress.finish()
                            throw CLIFailure(
                                failure.status,
                                "\(failure.message) (stopped at line \(chunk.first!.line); \(imported) codes "
                                    + "from the lines before it were imported)")
                        }
                        imported += Int(answer.imported)
                        if !answer.batchId.isEmpty { batchIds.append(answer.batchId) }
                        for rejection in answer.rejected {
                            let index = start + Int(rejection.index)
                            let line = index < entries.count ? entries[index].line : 0
                            let code = rejection.code.isEmpty && index < entries.count ? entries[index].code.code : rejection.code
                            rejections.append(Rejection(line: line, code: code, reason: rejection.reason))
                        }
                        start += chunk.count
                        progress.update("Imported \(grouped(imported)) codes, \(grouped(start)) of \(grouped(entries.count)) sent")
                    }
                    progress.finish()
                }
            }
            rejections.sort { $0.line < $1.line }
            if global.json {
                JSON.object([
                    ("campaign_id", .string(campaign)),
                    ("imported", .number(imported)),
                    ("rejected", .array(rejections.map(\.json))),
                    ("batch_ids", .strings(batchIds)),
                ]).print()
                return
            }
            let total = entries.count + localRejections.count
            let batches = batchIds.joined(separator: ", ")
            print("Imported \(grouped(imported)) of \(grouped(total)) codes into \(campaign)"
                + (batches.isEmpty ? "." : " (batch \(batches))."))
            if !rejections.isEmpty {
                print("Rejected \(grouped(rejections.count)):")
                for rejection in rejections {
                    print("  line \(rejection.line): \(rejection.code.isEmpty ? "(empty)" : rejection.code): \(rejection.reason)")
                }
            }
        }
    }
}
