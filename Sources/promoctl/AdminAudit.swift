import ArgumentParser
import PromoWire

extension AdminCommand {
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the audit trail: every back-office change, newest first.",
            discussion: """
                Each entry says when, which key (its id; 'bootstrap' for the first admin key), what (the RPC, \
                such as create_campaign, set_code_status, void_redemption, create_api_key, backup) and on what \
                (a campaign id, code, redemption id, key id, batch id or backup name). Filters combine; \
                --since is inclusive, --until exclusive.

                Examples:
                  promoctl admin audit
                  promoctl admin audit --actor 3f9a0c1d2e4b5a69 --since 2026-12-01 --limit 500
                  promoctl admin audit --action void_redemption --json
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Only changes made with this API key id.", valueName: "key-id"))
        var actor: String?

        @Option(help: ArgumentHelp("Only this action (an RPC name such as update_campaign).", valueName: "action"))
        var action: String?

        @Option(help: ArgumentHelp("Only changes to this target (campaign id, code, key id, …).", valueName: "target"))
        var target: String?

        @Option(help: ArgumentHelp("Only changes at or after this time (ISO-8601 UTC or Unix ms).", valueName: "time"))
        var since: Timestamp?

        @Option(help: ArgumentHelp("Only changes before this time (ISO-8601 UTC or Unix ms).", valueName: "time"))
        var until: Timestamp?

        @Option(help: ArgumentHelp("Show at most this many entries (pages are fetched until then).", valueName: "n"))
        var limit = 50

        @Option(help: ArgumentHelp("Continue from a previous listing's next-page token.", valueName: "token"))
        var pageToken: String?

        func validate() throws {
            guard (1...1_000_000).contains(limit) else { throw ValidationError("--limit must be 1...1000000") }
            if let since, let until, until.ms != 0, until.ms <= since.ms {
                throw ValidationError("--until must be after --since")
            }
        }

        func run() async throws {
            let (entries, nextToken) = try await global.withSession { session in
                var entries: [AuditLogEntry] = []
                var token = pageToken ?? ""
                repeat {
                    let page = try await session.auditLog(.with {
                        $0.actorKeyId = actor ?? ""
                        $0.action = action ?? ""
                        $0.target = target ?? ""
                        $0.fromMs = since?.ms ?? 0
                        $0.toMs = until?.ms ?? 0
                        $0.pageToken = token
                        $0.pageSize = UInt32(min(limit - entries.count, 500))
                    })
                    entries += page.entries.prefix(limit - entries.count)
                    if !token.isEmpty && page.nextPageToken == token {
                        throw CLIFailure(.serverError, "the server repeated page token \(token)")
                    }
                    token = page.nextPageToken
                } while entries.count < limit && !token.isEmpty
                return (entries, token)
            }
            if global.json {
                JSON.array(entries.map(\.json)).print()
            } else if entries.isEmpty {
                print("No audit entries match.")
            } else {
                var table = Table("TIME", "ACTOR", "ACTION", "TARGET", "DETAIL")
                for entry in entries {
                    table.add(
                        Format.time(entry.atMs), entry.actorKeyId, entry.action, entry.target,
                        entry.detail.isEmpty ? "-" : entry.detail)
                }
                table.print()
            }
            if !nextToken.isEmpty {
                Terminal.error("More entries follow: raise --limit, or --page-token \(nextToken) for the next page.")
            }
        }
    }
}

extension AuditLogEntry {
    var json: JSON {
        .object([
            ("id", .number(id)),
            ("at_ms", .number(atMs)),
            ("actor_key_id", .string(actorKeyId)),
            ("action", .string(action)),
            ("target", .string(target)),
            ("detail", .string(detail)),
        ])
    }
}
