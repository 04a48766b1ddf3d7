import ArgumentParser
import PromoWire

extension CodesCommand {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make new random codes for a campaign.",
            discussion: """
                Pattern characters: # a digit, ? a letter, * a letter or digit; A-Z, 0-9, - and _ are kept as \
                they are. The default pattern is ****-****. Codes avoid look-alike characters (no 0/O, 1/I/L). \
                The server refuses a pattern that is too short for the count (the codes would be guessable): \
                use a longer pattern then. Each code works once unless --max-uses says otherwise.

                The codes are written to --out as CSV (a 'code' header, then one code per line), or printed one \
                per line. For a personal code (--owner, e.g. an affiliate), one code per owner and campaign: \
                asking again returns the same code.

                If a run is cut off, run it again with the same --idempotency-key: the server completes the \
                same batch instead of making a second one.

                Examples:
                  promoctl codes generate cmp_123 --count 10000 --out xmas.csv
                  promoctl codes generate cmp_123 --count 500 --pattern "VIP-####-????"
                  promoctl codes generate cmp_123 --owner affiliate-42 --prefix AFF-
                  promoctl codes generate cmp_123 --count 200000 \\
                      --idempotency-key xmas-2026 --out xmas.csv
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The campaign's id (cmp_…).", valueName: "campaign-id"))
        var campaign: String

        @Option(help: ArgumentHelp("How many codes (1 with --owner).", valueName: "n"))
        var count: UInt32?

        @Option(help: ArgumentHelp("Shape of each code, e.g. VIP-####-****. Default: the server's (****-****).",
                                   valueName: "pattern"))
        var pattern: String?

        @Option(help: ArgumentHelp("Fixed text before each code.", valueName: "text"))
        var prefix: String?

        @Option(help: ArgumentHelp("Fixed text after each code.", valueName: "text"))
        var suffix: String?

        @Option(help: ArgumentHelp(
            "How often each code may be used (0: unlimited). Default: 1, each code works once.", valueName: "n"))
        var maxUses: UInt64?

        @Option(help: ArgumentHelp("Make the personal code of this owner (an affiliate or a player).",
                                   valueName: "id"))
        var owner: String?

        @Option(help: ArgumentHelp("Any unique text; repeating a run with it returns the same codes.",
                                   valueName: "key"))
        var idempotencyKey: String?

        @Option(help: ArgumentHelp("Write the codes to this CSV file instead of standard output.",
                                   valueName: "file"))
        var out: String?

        func validate() throws {
            if owner != nil {
                if let count, count != 1 { throw ValidationError("--owner makes one personal code: --count must be 1") }
            } else {
                guard let count else { throw ValidationError("--count is required (or --owner for a personal code)") }
                guard count >= 1 else { throw ValidationError("--count must be at least 1") }
            }
        }

        func run() async throws {
            let request = GenerateRequest.with {
                $0.campaignId = campaign
                $0.count = count ?? 1
                $0.pattern = pattern ?? ""
                $0.prefix = prefix ?? ""
                $0.suffix = suffix ?? ""
                $0.maxUsesPerCode = maxUses ?? 1
                $0.ownerId = owner ?? ""
                $0.idempotencyKey = idempotencyKey ?? ""
            }
            let sink = try out.map { path throws(CLIFailure) in try TextSink(creating: path) }
            let (answer, codes) = try await global.withSession { session in
                try await Self.generate(request, session: session)
            }
            if let sink, let out {
                try sink.line("code")
                for code in codes { try sink.line(CSV.escape(code)) }
                try sink.close()
                if global.json {
                    JSON.object(summary(answer, written: codes.count) + [("out", .string(out))]).print()
                } else {
                    print("Generated \(grouped(answer.generated)) codes for \(campaign) (batch \(answer.batchId)); "
                        + "wrote \(grouped(codes.count)) to \(out).")
                }
            } else if global.json {
                JSON.object(summary(answer, written: codes.count) + [("codes", .strings(codes))]).print()
            } else {
                let output = TextSink()
                for code in codes { try output.line(code) }
                try output.close()
                Terminal.error("Generated \(grouped(answer.generated)) codes (batch \(answer.batchId)).")
            }
            if codes.count < Int(answer.generated) {
                Terminal.error("warning: the server reported \(answer.generated) codes but \(codes.count) arrived")
            }
        }

        private func summary(_ answer: GenerateResponse, written: Int) -> [(String, JSON)] {
            [
                ("campaign_id", .string(campaign)),
                ("batch_id", .string(answer.batchId)),
                ("generated", .number(answer.generated)),
                ("written", .number(written)),
            ]
        }

        /// Runs making more codes than this show progress on standard error.
        static let longRunCodes: UInt32 = 5_000

        /// Generates, then fetches with export_codes whatever did not come inline.
        static func generate(_ request: GenerateRequest, session: Session) async throws -> (GenerateResponse, [String]) {
            // Only long runs get a progress line (and only on a terminal).
            var progress = ProgressLine(enabled: Terminal.stderrIsTerminal && request.count > longRunCodes)
            progress.update("Generating \(grouped(request.count)) codes…", force: true)
            let answer = try await session.generate(request)
            var codes = answer.codes
            if Int(answer.generated) > codes.count && !answer.batchId.isEmpty {
                let inline = Set(codes)
                let total = grouped(answer.generated)
                progress.update("Fetching codes: \(grouped(codes.count)) of \(total)", force: true)
                try await session.forEachCodePage(.with {
                    $0.campaignId = request.campaignId
                    $0.batchId = answer.batchId
                }) { page in
                    for info in page where !inline.contains(info.code) { codes.append(info.code) }
                    progress.update("Fetching codes: \(grouped(codes.count)) of \(total)")
                }
                progress.update("Fetched \(grouped(codes.count)) of \(total) codes", force: true)
            } else {
                progress.update("Generated \(grouped(answer.generated)) codes", force: true)
            }
            progress.finish()
            return (answer, codes)
        }
    }
}

extension Session {
    /// Pages through export_codes (largest pages the server allows) and hands each page to `body`.
    func forEachCodePage(_ request: ExportCodesRequest, _ body: ([CodeInfo]) throws -> Void) async throws {
        var request = request
        request.pageSize = 10_000
        repeat {
            let page = try await exportCodes(request)
            try body(page.codes)
            if !page.nextPageToken.isEmpty && page.nextPageToken == request.pageToken {
                throw CLIFailure(.serverError, "the server repeated page token \(page.nextPageToken)")
            }
            request.pageToken = page.nextPageToken
        } while !request.pageToken.isEmpty
    }
}
