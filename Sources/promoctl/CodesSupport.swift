import ArgumentParser
import PromoWire

// The support desk's two commands (issue 17): look one code up, and explain why it does or does not work
// for one player.

extension CodesCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one code: its campaign, uses, owner, batch, status and validity.",
            discussion: """
                The code is looked up as players type it (case, dashes, underscores and spaces do not matter). Needs an \
                analyst key or above.

                Example:
                  promoctl codes show summer-50

                  Code:               SUMMER50
                  Status:             active
                  Uses:               12 / 100
                  Owner:              streamer-7
                  Batch:              bat_01J9Z…
                  Created:            2026-05-20T09:00:00Z
                  Campaign:           cmp_123 (Summer 2026)
                  Campaign status:    active
                  Valid:              2026-06-01T00:00:00Z until 2026-09-01T00:00:00Z
                  Reward:             5.00 EUR bonus
                  Who may redeem:     segment vip; deposit of at least 10.00 EUR
                  Max per user:       1
                  Campaign redeemed:  988 by 988 users, 12 remaining
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The code, as players type it.", valueName: "code"))
        var code: String

        func run() async throws {
            let answer = try await global.withSession { try await $0.getCode(code) }
            if global.json {
                JSON.object([
                    ("code", (answer.code ?? CodeInfo()).json),
                    ("campaign", (answer.campaign ?? Campaign()).json),
                ]).print()
            } else {
                print(CodeDetails.render(answer))
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain why a code does or does not work for one player: the verdict and every rule checked.",
            discussion: """
                Asks the server what a game server's validate would answer now for this player, with every \
                rule the verdict consults, in order, and whether it passed. The verdict is the first rule that \
                failed. Describe the player as the game server would: the options mirror what the game server \
                sends. Nothing is reserved or redeemed, and the check never counts as a failed attempt. Needs \
                an analyst key or above. Exits 0 whatever the verdict.

                Example:
                  promoctl codes check SUMMER50 --user player-123 --segment regular --deposit-minor 500 --currency EUR

                  Verdict: MIN_DEPOSIT_NOT_MET (campaign cmp_123)

                  RULE             CHECK  DETAIL
                  rate_limit       ok     rate limit: neither the player nor their IP is locked out
                  code_exists      ok     code SUMMER50 exists, in campaign cmp_123
                  code_active      ok     code is switched on
                  campaign_active  ok     campaign cmp_123 (Summer 2026) is switched on
                  started          ok     started 2026-06-01 00:00 UTC
                  not_expired      ok     expires 2026-09-01 00:00 UTC
                  campaign_limit   ok     campaign limit: 988 of 1,000 used
                  code_limit       ok     code limit: none (988 used)
                  user_limit       ok     player redeemed 0 of 1
                  segment          ok     segment: campaign is open to every segment
                  new_user         ok     new users only: no, open to players of any age
                  country          ok     country: campaign is open in every country
                  vip_level        ok     VIP level: no minimum (player is level 0)
                  min_deposit      FAIL   deposit 5.00 EUR, minimum 10.00 EUR
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The code, as the player typed it.", valueName: "code"))
        var code: String

        @Option(name: .customLong("user"), help: ArgumentHelp("The player's id at the game server.", valueName: "id"))
        var userId: String

        @Option(name: .customLong("segment"), help: ArgumentHelp(
            "A segment the player is in; repeat for several.", valueName: "segment"))
        var segments: [String] = []

        @Option(help: ArgumentHelp("The player's country, ISO 3166-1 alpha-2.", valueName: "CC"))
        var country: String?

        @Option(help: ArgumentHelp("The player's VIP level.", valueName: "n"))
        var vipLevel: UInt32?

        @Option(help: ArgumentHelp(
            "When the player registered: ISO-8601 UTC (2026-05-01T12:00:00Z, or 2026-05-01) or Unix ms.",
            valueName: "time"))
        var registeredAt: Timestamp?

        @Option(help: ArgumentHelp("The player's IP, as the game server reports it (lock-outs count per IP too).",
                                   valueName: "ip"))
        var ip: String?

        @Option(help: ArgumentHelp("The deposit that goes with the code, in minor units (500 = 5.00 EUR).",
                                   valueName: "n"))
        var depositMinor: Int64?

        @Option(help: ArgumentHelp("The deposit's currency, ISO 4217 (needed with --deposit-minor).", valueName: "C"))
        var currency: String?

        func validate() throws {
            if let depositMinor, depositMinor != 0, currency == nil {
                throw ValidationError("--deposit-minor needs --currency")
            }
            if let registeredAt, registeredAt.ms <= 0 {
                throw ValidationError("--registered-at must be a time after 1970-01-01")
            }
        }

        func run() async throws {
            let request = ValidateRequest.with {
                $0.code = code
                $0.user = UserContext.with { user in
                    user.userId = userId
                    user.segments = segments
                    user.country = country ?? ""
                    user.vipLevel = vipLevel ?? 0
                    user.registeredAtMs = registeredAt?.ms ?? 0
                    user.ip = ip ?? ""
                }
                $0.depositMinor = depositMinor ?? 0
                $0.currency = currency ?? ""
                $0.explain = true
            }
            let answer = try await global.withSession { try await $0.explain(request) }
            if global.json { answer.explanationJSON.print() } else { print(answer.explanationText) }
        }
    }
}

extension Session {
    func getCode(_ code: String) async throws -> GetCodeResponse {
        let result = try await call(.getCode(.with { $0.code = code }))
        guard case .getCode(let answer) = result, answer.code != nil else {
            throw CLIFailure(.serverError, "unexpected answer to get_code from \(server): \(result)")
        }
        return answer
    }

    /// A validate with `explain` set.
    func explain(_ request: ValidateRequest) async throws -> ValidateResponse {
        let result = try await call(.validate(request))
        guard case .validate(let answer) = result else {
            throw CLIFailure(.serverError, "unexpected answer to validate from \(server): \(result)")
        }
        return answer
    }
}

enum CodeDetails {
    static func render(_ answer: GetCodeResponse) -> String {
        let code = answer.code ?? CodeInfo()
        var lines = Details()
        lines.add("Code", code.code)
        lines.add("Status", code.active ? "active" : "inactive")
        lines.add("Uses", Format.used(code.uses, of: code.maxUses))
        lines.add("Owner", code.ownerId.isEmpty ? "-" : code.ownerId)
        lines.add("Batch", code.batchId.isEmpty ? "-" : code.batchId)
        if code.createdAtMs != 0 { lines.add("Created", Format.time(code.createdAtMs)) }
        if let campaign = answer.campaign {
            let stats = campaign.stats ?? CampaignStats()
            lines.add("Campaign", "\(campaign.id) (\(campaign.name))")
            lines.add("Campaign status", campaign.active ? "active" : "inactive")
            let starts = campaign.startsAtMs == 0 ? "now" : Format.time(campaign.startsAtMs)
            lines.add("Valid", "\(starts) until \(Format.time(campaign.expiresAtMs, zero: "never"))")
            lines.add("Reward", Format.reward(campaign.reward))
            lines.add("Who may redeem", campaign.eligibilityText)
            lines.add("Max per user", campaign.maxPerUser == 0 ? "unlimited" : grouped(campaign.maxPerUser))
            lines.add(
                "Campaign redeemed",
                "\(grouped(stats.redemptions)) by \(grouped(stats.uniqueUsers)) users, "
                    + (stats.unlimited ? "no limit" : "\(grouped(stats.remaining)) remaining"))
        }
        return lines.rendered()
    }
}

extension ValidateResponse {
    var verdictName: String { Verdict.names[verdict.rawValue] ?? "\(verdict.rawValue)" }

    var explanationJSON: JSON {
        .object([
            ("verdict", .string(verdictName)),
            ("campaign_id", .string(campaignId)),
            ("remaining", .number(remaining)),
            ("unlimited", .bool(unlimited)),
            ("checks", .array(checks.map {
                .object([("rule", .string($0.rule)), ("passed", .bool($0.passed)), ("detail", .string($0.detail))])
            })),
        ])
    }

    var explanationText: String {
        var table = Table("RULE", "CHECK", "DETAIL")
        for check in checks { table.add(check.rule, check.passed ? "ok" : "FAIL", check.detail) }
        let campaign = campaignId.isEmpty ? "" : " (campaign \(campaignId))"
        return "Verdict: \(verdictName)\(campaign)\n\n" + table.rendered()
    }
}
