import ArgumentParser
import PromoWire

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Block players caught exploiting promotions, lift blocks, list the blocks in force.",
        discussion: """
            A blocked player gets USER_BLOCKED on every validate, redeem and offer (of every campaign, or of \
            the one named with --campaign) until the block ends, and grants to them are refused. The report's \
            suspicious list names users too ('promoctl report ID'): block one straight from it.

            Examples:
              promoctl users block player-123 --reason "multi-accounting"
              promoctl users block player-123 --reason "code sharing" --until 2026-12-31 --campaign cmp_123
              promoctl users unblock player-123
              promoctl users blocks --json
            """,
        subcommands: [Block.self, Unblock.self, Blocks.self])

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Block a player (again: the new block replaces the old one of the same scope); the block id is printed.",
            discussion: """
                Example:
                  promoctl users block player-123 --reason "bonus abuse" --until 2026-12-31T00:00:00Z
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The player's id at the game server.", valueName: "user-id"))
        var userId: String

        @Option(help: ArgumentHelp("Why (required; kept in the block and the audit log).", valueName: "text"))
        var reason: String

        @Option(help: ArgumentHelp(
            "When the block ends: ISO-8601 UTC (2026-12-31T00:00:00Z, or 2026-12-31) or Unix ms. Default: never.",
            valueName: "time"))
        var until: Timestamp?

        @Option(help: ArgumentHelp("Block from this campaign only (cmp_…). Default: every campaign.", valueName: "campaign-id"))
        var campaign: String?

        func run() async throws {
            let blockId = try await global.withSession { session in
                try await session.blockUser(.with {
                    $0.userId = userId
                    $0.reason = reason
                    $0.untilMs = until?.ms ?? 0
                    $0.campaignId = campaign ?? ""
                })
            }
            if global.json {
                JSON.object([("block_id", .string(blockId)), ("user_id", .string(userId))]).print()
            } else {
                let scope = campaign.map { "from campaign \($0)" } ?? "from every campaign"
                let end = until.map { "until \(Format.time($0.ms))" } ?? "indefinitely"
                print("Blocked \(userId) \(scope) \(end) (block \(blockId)).")
            }
        }
    }

    struct Unblock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift a player's block (the global one, or with --campaign that campaign's).",
            discussion: """
                Example:
                  promoctl users unblock player-123 --campaign cmp_123
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The player's id at the game server.", valueName: "user-id"))
        var userId: String

        @Option(help: ArgumentHelp("Lift the block from this campaign (cmp_…) instead of the global one.",
                                   valueName: "campaign-id"))
        var campaign: String?

        func run() async throws {
            let removed = try await global.withSession { session in
                try await session.unblockUser(.with {
                    $0.userId = userId
                    $0.campaignId = campaign ?? ""
                })
            }
            if global.json {
                JSON.object([("user_id", .string(userId)), ("removed", .number(removed))]).print()
            } else {
                print(removed == 0 ? "\(userId) had no such block." : "Unblocked \(userId).")
            }
        }
    }

    struct Blocks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the blocks in force, newest first.",
            discussion: """
                Without --all one page is shown; when more follow, the command says so on standard error and \
                tells you the --page-token for the next page.

                Example:
                  promoctl users blocks --all --json
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Blocks per page (the server caps it).", valueName: "n"))
        var pageSize: UInt32 = 0

        @Option(help: ArgumentHelp("Continue from this token (printed by the previous page).", valueName: "token"))
        var pageToken: String?

        @Flag(help: "Follow every page.")
        var all = false

        func run() async throws {
            var blocks: [PromoWire.Block] = []
            var next = pageToken ?? ""
            try await global.withSession { session in
                repeat {
                    let page = try await session.listBlocks(.with {
                        $0.pageToken = next
                        $0.pageSize = pageSize
                    })
                    blocks += page.blocks
                    next = page.nextPageToken
                } while all && !next.isEmpty
            }
            if global.json {
                JSON.array(blocks.map(\.json)).print()
            } else {
                var table = Table("BLOCK", "USER", "CAMPAIGN", "UNTIL", "REASON")
                for block in blocks {
                    table.add(
                        block.id, block.userId, block.campaignId.isEmpty ? "every" : block.campaignId,
                        Format.time(block.untilMs, zero: "indefinitely"), block.reason)
                }
                print(table.rendered())
            }
            if !all && !next.isEmpty { Terminal.error("more blocks follow: --page-token \(next)") }
        }
    }
}

struct OffersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offers",
        abstract: "Show the auto-apply campaigns a player gets now without a code, as the game server sees them.",
        discussion: """
            Each active auto-apply campaign ('promoctl campaigns create|update --auto-apply') with the verdict \
            a redeem would get (OK first), the reward for the deposit given and the uses left.

            Example:
              promoctl offers --user player-123 --deposit-minor 2000 --currency EUR
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("user"), help: ArgumentHelp("The player's id at the game server.", valueName: "id"))
    var userId: String

    @Option(name: .customLong("segment"), help: ArgumentHelp("A segment the player is in; repeat for several.",
                                                               valueName: "segment"))
    var segments: [String] = []

    @Option(help: ArgumentHelp("The player's country, ISO 3166-1 alpha-2.", valueName: "CC"))
    var country: String?

    @Option(help: ArgumentHelp("The player's VIP level.", valueName: "n"))
    var vipLevel: UInt32?

    @Option(help: ArgumentHelp("The deposit, in minor units (500 = 5.00 EUR).", valueName: "n"))
    var depositMinor: Int64?

    @Option(help: ArgumentHelp("The deposit's currency, ISO 4217 (needed with --deposit-minor).", valueName: "C"))
    var currency: String?

    func validate() throws {
        if let depositMinor, depositMinor != 0, currency == nil { throw ValidationError("--deposit-minor needs --currency") }
    }

    func run() async throws {
        let offers = try await global.withSession { session in
            try await session.offers(.with {
                $0.user = UserContext.with { user in
                    user.userId = userId
                    user.segments = segments
                    user.country = country ?? ""
                    user.vipLevel = vipLevel ?? 0
                }
                $0.depositMinor = depositMinor ?? 0
                $0.currency = currency ?? ""
            })
        }
        if global.json {
            JSON.array(offers.map(\.json)).print()
        } else {
            var table = Table("CAMPAIGN", "NAME", "VERDICT", "REWARD", "REMAINING>")
            for offer in offers {
                let campaign = offer.campaign ?? Campaign()
                table.add(
                    campaign.id, campaign.name, Verdict.names[offer.verdict.rawValue] ?? "\(offer.verdict.rawValue)",
                    offer.reward.map { Format.reward($0) } ?? "-", offer.unlimited ? "unlimited" : grouped(offer.remaining))
            }
            print(table.rendered())
        }
    }
}

extension PromoWire.Block {
    var json: JSON {
        .object([
            ("id", .string(id)),
            ("user_id", .string(userId)),
            ("reason", .string(reason)),
            ("until_ms", .number(untilMs)),
            ("campaign_id", .string(campaignId)),
            ("created_at_ms", .number(createdAtMs)),
            ("created_by", .string(createdBy)),
        ])
    }
}

extension Offer {
    var json: JSON {
        .object([
            ("campaign", (campaign ?? Campaign()).json),
            ("verdict", .string(Verdict.names[verdict.rawValue] ?? "\(verdict.rawValue)")),
            ("reward", reward.map(\.json) ?? .null),
            ("remaining", .number(remaining)),
            ("unlimited", .bool(unlimited)),
        ])
    }
}

extension Session {
    func blockUser(_ request: BlockUserRequest) async throws -> String {
        let result = try await call(.blockUser(request))
        guard case .blockUser(let answer) = result else {
            throw CLIFailure(.serverError, "unexpected answer to block_user from \(server): \(result)")
        }
        return answer.blockId
    }

    func unblockUser(_ request: UnblockUserRequest) async throws -> UInt64 {
        let result = try await call(.unblockUser(request))
        guard case .unblockUser(let answer) = result else {
            throw CLIFailure(.serverError, "unexpected answer to unblock_user from \(server): \(result)")
        }
        return answer.removed
    }

    func listBlocks(_ request: ListBlocksRequest) async throws -> ListBlocksResponse {
        let result = try await call(.listBlocks(request))
        guard case .listBlocks(let answer) = result else {
            throw CLIFailure(.serverError, "unexpected answer to list_blocks from \(server): \(result)")
        }
        return answer
    }

    func offers(_ request: OffersRequest) async throws -> [Offer] {
        let result = try await call(.offers(request))
        guard case .offers(let answer) = result else {
            throw CLIFailure(.serverError, "unexpected answer to offers from \(server): \(result)")
        }
        return answer.offers
    }

    /// A bulk set_code_status (by batch or campaign): how many codes changed.
    func setCodesStatus(_ request: SetCodeStatusRequest) async throws -> UInt64 {
        let result = try await call(.setCodeStatus(request))
        guard case .setCodeStatus(let answer) = result else {
            throw CLIFailure(.serverError, "unexpected answer to set_code_status from \(server): \(result)")
        }
        return answer.changed
    }
}
