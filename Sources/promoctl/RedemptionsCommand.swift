import ArgumentParser
import PromoWire

struct RedemptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redemptions",
        abstract: "Look up a player's redemptions, reverse (void) one, credit a player directly, write a credit off.",
        discussion: """
            Examples:
              promoctl redemptions history player-123 --all
              promoctl redemptions void red_456 --reason "chargeback on the deposit"
              promoctl redemptions grant player-123 --amount-minor 1000 --currency EUR --reason "tournament win"
              promoctl redemptions write-off grt_789 --reason "credited twice by mistake"
            """,
        subcommands: [VoidRedemption.self, History.self, Grant.self, WriteOff.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Credit a player directly, without a code: a prize, a compensation, a reward that did not arrive.",
            discussion: """
                The grant is in the player's history (marked grant, with the reason and the key that made it). \
                With --campaign it spends that campaign's budget (refused when it does not fit) and shows in its \
                report under source 'grant'; the campaign's redemption limits do not apply. A credit made by \
                mistake is written off with 'promoctl redemptions write-off'. Managers and admins only.

                The reward: --amount-minor with --currency for a bonus, --free-spins with --game-id for free \
                spins, --reward-kind loyalty-points with --amount-minor for points.

                Examples:
                  promoctl redemptions grant player-123 --amount-minor 1000 --currency EUR --reason "tournament win"
                  promoctl redemptions grant player-123 --free-spins 20 --game-id book-of-ra \\
                      --reason "compensation for the outage" --campaign cmp_123
                  promoctl redemptions grant player-123 --reward-kind loyalty-points --amount-minor 500 \\
                      --reason "missing points" --idempotency-key ticket-4711
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The player's user id.", valueName: "user-id"))
        var user: String

        @OptionGroup(title: "Reward") var reward: RewardOptions

        @Option(help: ArgumentHelp("Why, for the history and the audit log (required).", valueName: "text"))
        var reason: String

        @Option(help: ArgumentHelp("The campaign whose budget the grant spends (cmp_…). Default: none.",
                                   valueName: "campaign-id"))
        var campaign: String?

        @Option(help: ArgumentHelp("Any unique text; repeating the grant with it credits once.", valueName: "key"))
        var idempotencyKey: String?

        /// The reward kind given, or the one the flags imply.
        var kind: RewardKindName? {
            if let kind = reward.rewardKind { return kind }
            if reward.freeSpins != nil || reward.gameId != nil { return .freeSpins }
            if reward.currency != nil { return .bonus }
            return nil
        }

        func validate() throws {
            guard !reason.trimmingWhitespace().isEmpty else { throw ValidationError("--reason must not be empty") }
            guard let kind else {
                throw ValidationError(
                    "which reward? --amount-minor with --currency, --free-spins with --game-id, or --reward-kind")
            }
            if kind == .depositMatch { throw ValidationError("a grant has no deposit to match: use a bonus") }
        }

        func run() async throws {
            var options = reward
            options.rewardKind = kind
            let request = GrantRewardRequest.with {
                $0.user = UserContext.with { $0.userId = user }
                $0.reward = options.applied(to: Reward())
                $0.reason = reason
                $0.campaignId = campaign ?? ""
                $0.idempotencyKey = idempotencyKey ?? ""
            }
            let answer = try await global.withSession { try await $0.grantReward(request) }
            if global.json {
                JSON.object([
                    ("redemption_id", .string(answer.redemptionId)),
                    ("reward", (answer.reward ?? Reward()).json),
                    ("replayed", .bool(answer.replayed)),
                ]).print()
            } else {
                let again = answer.replayed ? " (already granted with this idempotency key)" : ""
                print("Granted \(Format.reward(answer.reward)) to \(user): \(answer.redemptionId)\(again).")
            }
        }
    }

    struct WriteOff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "write-off",
            abstract: "Write off a grant made by mistake: it stays in the history marked voided, its budget comes back.",
            discussion: """
                The same call as 'promoctl redemptions void', on a grant's id (grt_…); the audit log names it \
                write_off. A grant is written off once.

                Example:
                  promoctl redemptions write-off grt_789 --reason "credited twice by mistake"
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The grant's id (grt_…).", valueName: "grant-id"))
        var id: String

        @Option(help: ArgumentHelp("Why, for the history and the audit log (required).", valueName: "text"))
        var reason: String

        func validate() throws {
            guard !reason.trimmingWhitespace().isEmpty else { throw ValidationError("--reason must not be empty") }
        }

        func run() async throws {
            let info = try await global.withSession { try await $0.voidRedemption(id, reason: reason) }
            if global.json {
                info.json.print()
            } else {
                print("Wrote off \(info.grant ? "grant" : "redemption") \(info.redemptionId).")
                print(info.details)
            }
        }
    }

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
                        Format.reward(info.reward),
                        info.grant ? "grant: \(info.reason)" : info.source.isEmpty ? "-" : info.source,
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
            ("grant", .bool(grant)),
            ("reason", .string(reason)),
            ("granted_by", .string(grantedBy)),
        ])
    }

    var details: String {
        var lines = Details()
        lines.add("Redemption", redemptionId)
        lines.add("Player", userId)
        if grant {
            lines.add("Grant", "\(reason) (by key \(grantedBy))")
        } else {
            lines.add("Code", code)
        }
        lines.add("Campaign", campaignId.isEmpty ? "-" : campaignId)
        lines.add("Reward", Format.reward(reward))
        lines.add("Redeemed", Format.time(redeemedAtMs))
        if !source.isEmpty { lines.add("Source", source) }
        if voided {
            lines.add("Voided", Format.time(voidedAtMs) + (voidReason.isEmpty ? "" : " (\(voidReason))"))
        }
        return lines.rendered()
    }
}
