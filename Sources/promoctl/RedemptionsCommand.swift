import ArgumentParser
import PromoWire

struct RedemptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redemptions",
        abstract: "Look up a player's redemptions and reverse (void) one.",
        discussion: """
            Examples:
              promoctl redemptions history player-123 --all
              promoctl redemptions void red_456 --reason "chargeback on the deposit"
            """,
        subcommands: [VoidRedemption.self, History.self])

    struct VoidRedemption: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "void",
            abstract: "Reverse a redemption: its use is given back and it stays in the history marked voided.",
            discussion: """
                The reward itself is not taken back by promo-service; reverse it in the wallet too. A \
                redemption can be voided once.

                Example:
                  promoctl redemptions void red_456 --reason "duplicate account"
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The redemption's id (from the history or the game server).",
                                     valueName: "redemption-id"))
        var id: String

        @Option(help: ArgumentHelp("Why, for the audit log (required).", valueName: "text"))
        var reason: String

        func validate() throws {
            guard !reason.trimmingWhitespace().isEmpty else { throw ValidationError("--reason must not be empty") }
        }

        func run() async throws {
            let info = try await global.withSession { try await $0.voidRedemption(id, reason: reason) }
            if global.json {
                info.json.print()
            } else {
                print("Voided redemption \(info.redemptionId).")
                print(info.details)
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a player's redemptions, newest first as the server returns them.",
            discussion: """
                Voided redemptions are listed too, marked as such.

                Examples:
                  promoctl redemptions history player-123
                  promoctl redemptions history player-123 --all --json
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The player's user id.", valueName: "user-id"))
        var user: String

        @Flag(help: "Fetch every page, not just the first.")
        var all = false

        @Option(help: ArgumentHelp("Continue from a previous listing's next-page token.", valueName: "token"))
        var pageToken: String?

        func run() async throws {
            let (redemptions, nextToken) = try await global.withSession { session in
                var redemptions: [RedemptionInfo] = []
                var token = pageToken ?? ""
                repeat {
                    let page = try await session.rewardHistory(.with {
                        $0.userId = user
                        $0.pageToken = token
                    })
                    redemptions += page.redemptions
                    if !token.isEmpty && page.nextPageToken == token {
                        throw CLIFailure(.serverError, "the server repeated page token \(token)")
                    }
                    token = page.nextPageToken
                } while all && !token.isEmpty
                return (redemptions, token)
            }
            if global.json {
                JSON.array(redemptions.map(\.json)).print()
            } else if redemptions.isEmpty {
                print("No redemptions for \(user).")
            } else {
                var table = Table("REDEMPTION", "REDEEMED AT", "CODE", "CAMPAIGN", "REWARD", "SOURCE", "STATUS")
                for info in redemptions {
                    table.add(
                        info.redemptionId, Format.time(info.redeemedAtMs), info.code, info.campaignId,
                        Format.reward(info.reward), info.source.isEmpty ? "-" : info.source,
                        info.voided ? "voided" + (info.voidReason.isEmpty ? "" : ": \(info.voidReason)") : "ok")
                }
                table.print()
            }
            if !nextToken.isEmpty {
                Terminal.error("More redemptions follow: add --all, or --page-token \(nextToken) for the next page.")
            }
        }
    }
}

extension RedemptionInfo {
    var json: JSON {
        .object([
            ("redemption_id", .string(redemptionId)),
            ("code", .string(code)),
            ("campaign_id", .string(campaignId)),
            ("user_id", .string(userId)),
            ("reward", (reward ?? Reward()).json),
            ("redeemed_at_ms", .number(redeemedAtMs)),
            ("voided", .bool(voided)),
            ("source", .string(source)),
            ("voided_at_ms", .number(voidedAtMs)),
            ("void_reason", .string(voidReason)),
        ])
    }

    var details: String {
        var lines = Details()
        lines.add("Redemption", redemptionId)
        lines.add("Player", userId)
        lines.add("Code", code)
        lines.add("Campaign", campaignId)
        lines.add("Reward", Format.reward(reward))
        lines.add("Redeemed", Format.time(redeemedAtMs))
        if !source.isEmpty { lines.add("Source", source) }
        if voided {
            lines.add("Voided", Format.time(voidedAtMs) + (voidReason.isEmpty ? "" : " (\(voidReason))"))
        }
        return lines.rendered()
    }
}
