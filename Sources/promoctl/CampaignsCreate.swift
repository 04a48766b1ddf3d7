import ArgumentParser
import PromoWire

extension CampaignsCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a campaign, optionally with one shared code everybody can type.",
            discussion: """
                The campaign is active at once unless you add --inactive (turn it on later with \
                'promoctl campaigns activate ID'). The new campaign's id (cmp_…) is printed; the other commands \
                need it.

                Examples:
                  # 5 EUR for the first 1,000 players who type SUMMER50 in December,
                  # once each
                  promoctl campaigns create --name "Summer 50" --kind seasonal \\
                      --reward-kind bonus --amount-minor 500 --currency EUR \\
                      --starts-at 2026-12-01T00:00:00Z --expires-at 2027-01-01T00:00:00Z \\
                      --max-redemptions 1000 --max-per-user 1 --code SUMMER50

                  # 100 % deposit match up to 200 EUR for new players in Germany and Austria
                  promoctl campaigns create --name "Welcome match" --kind welcome \\
                      --reward-kind deposit-match --percent 100 --cap-minor 20000 \\
                      --currency EUR \\
                      --min-deposit-minor 1000 --new-users-only --new-user-window-ms 7d \\
                      --country DE --country AT --max-per-user 1

                  # 50 free spins for VIPs, codes to be generated later
                  promoctl campaigns create --name "VIP spins" --kind vip \\
                      --reward-kind free-spins --free-spins 50 --game-id book-of-gold \\
                      --min-vip-level 3 --inactive
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The campaign's name, shown in reports.", valueName: "text"))
        var name: String

        @Option(help: ArgumentHelp("What kind of campaign.", valueName: "kind"))
        var kind: CampaignKindName

        @OptionGroup(title: "Reward") var reward: RewardOptions

        @Option(help: ArgumentHelp("Valid from (ISO-8601 UTC or Unix ms). Default: now.", valueName: "time"))
        var startsAt: Timestamp?

        @Option(help: ArgumentHelp("Valid until, exclusive (ISO-8601 UTC or Unix ms). Default: never.",
                                   valueName: "time"))
        var expiresAt: Timestamp?

        @Option(help: ArgumentHelp("Redemptions in total, over all codes. Default: unlimited.", valueName: "n"))
        var maxRedemptions: UInt64?

        @Option(help: ArgumentHelp("Redemptions per player. Default: unlimited.", valueName: "n"))
        var maxPerUser: UInt32?

        @OptionGroup(title: "Who may redeem") var eligibility: EligibilityOptions

        @Option(help: ArgumentHelp("Where the campaign runs or comes from (free text, e.g. newsletter).",
                                   valueName: "text"))
        var source: String?

        @Option(help: ArgumentHelp("A shared code for this campaign, e.g. SUMMER50.", valueName: "code"))
        var code: String?

        @Option(help: ArgumentHelp("How often the shared code may be used in total. Default: unlimited.",
                                   valueName: "n"))
        var codeMaxUses: UInt64?

        @Option(help: ArgumentHelp(
            "The exclusive group (grp_…) the campaign joins: a player may redeem the group's campaigns only as often as the group allows in total (see 'promoctl groups').",
            valueName: "group-id"))
        var group: String?

        @Option(help: ArgumentHelp(
            "What the campaign may cost in all, in its reward's unit: minor units of the currency for a bonus or deposit match (a match costs what it credits), spins for free spins, points for loyalty points. 0 = no budget." + " Default: none.",
            valueName: "n"))
        var budgetMinor: Int64?

        @Flag(help: "Create the campaign switched off.")
        var inactive = false

        @Flag(help: "Apply to every eligible player without a code ('promoctl offers'; redeem by campaign id). Codes keep working.")
        var autoApply = false

        func validate() throws {
            guard reward.rewardKind != nil else {
                throw ValidationError("--reward-kind is required (\(RewardKindName.choices))")
            }
            if codeMaxUses != nil && code == nil { throw ValidationError("--code-max-uses needs --code") }
            if let startsAt, let expiresAt, expiresAt.ms != 0, expiresAt.ms <= startsAt.ms {
                throw ValidationError("--expires-at must be after --starts-at")
            }
        }

        func run() async throws {
            let campaign = Campaign.with {
                $0.name = name
                $0.kind = kind.wire
                $0.active = !inactive
                $0.reward = reward.applied(to: Reward())
                $0.startsAtMs = startsAt?.ms ?? 0
                $0.expiresAtMs = expiresAt?.ms ?? 0
                $0.maxRedemptions = maxRedemptions ?? 0
                $0.maxPerUser = maxPerUser ?? 0
                $0.eligibility = eligibility.applied(to: Eligibility())
                $0.source = source ?? ""
                $0.groupId = group ?? ""
                $0.autoApply = autoApply
                $0.budgetMinor = budgetMinor ?? 0
            }
            let created = try await global.withSession { session in
                try await session.createCampaign(.with {
                    $0.campaign = campaign
                    $0.code = code ?? ""
                    $0.codeMaxUses = codeMaxUses ?? 0
                })
            }
            if global.json {
                guard case .object(var members) = created.json else { return }
                if let code { members.append(("code", .string(code))) }
                JSON.object(members).print()
                return
            }
            print("Created campaign \(created.id).")
            print(created.details)
            if let code {
                let limit = codeMaxUses.map { $0 == 0 ? "unlimited" : grouped($0) } ?? "unlimited"
                print("Shared code: \(code) (uses: \(limit))")
            }
        }
    }
}
