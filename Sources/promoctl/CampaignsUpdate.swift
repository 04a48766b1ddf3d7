import ArgumentParser
import PromoWire

extension CampaignsCommand {
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change some fields of a campaign; the fields you do not name stay as they are.",
            discussion: """
                Only the flags you give are changed. Reward and eligibility flags change just those parts: \
                the rest of the reward and of the rules is kept (changing --reward-kind starts a fresh reward, \
                so give all of its flags). --segment and --country replace the stored lists; --clear-segments \
                and --clear-countries empty them. Lowering --max-redemptions below the redemptions already \
                made is refused.

                Examples:
                  promoctl campaigns update cmp_123 --expires-at 2027-02-01T00:00:00Z
                  promoctl campaigns update cmp_123 --max-redemptions 5000 --max-per-user 2
                  promoctl campaigns update cmp_123 --amount-minor 1000   # a 10.00 EUR bonus
                  promoctl campaigns update cmp_123 --country DE --country CH
                  promoctl campaigns update cmp_123 --no-new-users-only --clear-segments
                  promoctl campaigns update cmp_123 --expires-at never
                  promoctl campaigns update cmp_123 --group grp_456
                  promoctl campaigns update cmp_123 --group none
                  promoctl campaigns update cmp_123 --auto-apply
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The campaign's id (cmp_…).", valueName: "campaign-id"))
        var id: String

        @Option(help: ArgumentHelp("A new name.", valueName: "text"))
        var name: String?

        @Option(help: ArgumentHelp("Valid from (ISO-8601 UTC or Unix ms; 0 = no start).", valueName: "time"))
        var startsAt: Timestamp?

        @Option(help: ArgumentHelp("Valid until (ISO-8601 UTC, Unix ms, or never).", valueName: "time"))
        var expiresAt: Timestamp?

        @Option(help: ArgumentHelp("Redemptions in total (0 = unlimited).", valueName: "n"))
        var maxRedemptions: UInt64?

        @Option(help: ArgumentHelp("Redemptions per player (0 = unlimited).", valueName: "n"))
        var maxPerUser: UInt32?

        @Option(help: ArgumentHelp("Where the campaign runs or comes from.", valueName: "text"))
        var source: String?

        enum Activation: EnumerableFlag {
            case active, inactive

            static func help(for value: Self) -> ArgumentHelp? {
                value == .active ? "Switch the campaign on." : "Switch the campaign off."
            }
        }

        @Flag var activation: Activation?

        @Option(help: ArgumentHelp(
            "Move the campaign into this exclusive group (grp_…); \"none\" takes it out of its group. Its players' standing redemptions count toward the new group.",
            valueName: "group-id"))
        var group: String?

        @Flag(inversion: .prefixedNo, help: "Apply (or, with --no-auto-apply, stop applying) to every eligible player without a code.")
        var autoApply: Bool?

        @Option(help: ArgumentHelp("What the campaign may cost in all, in its reward's unit: minor units of the currency for a bonus or deposit match (a match costs what it credits), spins for free spins, points for loyalty points. 0 = no budget.", valueName: "n"))
        var budgetMinor: Int64?

        @OptionGroup(title: "Reward") var reward: RewardOptions

        @OptionGroup(title: "Who may redeem") var eligibility: EligibilityOptions

        @Flag(help: "Let every segment redeem again.")
        var clearSegments = false

        @Flag(help: "Let every country redeem again.")
        var clearCountries = false

        private var changesEligibility: Bool { !eligibility.isEmpty || clearSegments || clearCountries }

        func validate() throws {
            if name == nil && startsAt == nil && expiresAt == nil && maxRedemptions == nil && maxPerUser == nil
                && source == nil && activation == nil && group == nil && autoApply == nil && budgetMinor == nil
                && reward.isEmpty && !changesEligibility
            {
                throw ValidationError("nothing to change: give at least one flag (see --help)")
            }
            if clearSegments && !eligibility.segments.isEmpty {
                throw ValidationError("--clear-segments and --segment contradict each other")
            }
            if clearCountries && !eligibility.countries.isEmpty {
                throw ValidationError("--clear-countries and --country contradict each other")
            }
        }

        func run() async throws {
            let updated = try await global.withSession { session in
                var changes = Campaign()
                var mask: [String] = []
                if let name {
                    changes.name = name
                    mask.append("name")
                }
                if let activation {
                    changes.active = activation == .active
                    mask.append("active")
                }
                if let startsAt {
                    changes.startsAtMs = startsAt.ms
                    mask.append("starts_at_ms")
                }
                if let expiresAt {
                    changes.expiresAtMs = expiresAt.ms
                    mask.append("expires_at_ms")
                }
                if let maxRedemptions {
                    changes.maxRedemptions = maxRedemptions
                    mask.append("max_redemptions")
                }
                if let maxPerUser {
                    changes.maxPerUser = maxPerUser
                    mask.append("max_per_user")
                }
                if let source {
                    changes.source = source
                    mask.append("source")
                }
                if let group {
                    changes.groupId = group == "none" ? "" : group
                    mask.append("group_id")
                }
                if let autoApply {
                    changes.autoApply = autoApply
                    mask.append("auto_apply")
                }
                if let budgetMinor {
                    changes.budgetMinor = budgetMinor
                    mask.append("budget_minor")
                }
                if !reward.isEmpty || changesEligibility {
                    // The mask names whole sub-messages, so a partial change starts from the stored values.
                    let current = try await session.getCampaign(id)
                    if !reward.isEmpty {
                        changes.reward = reward.applied(to: current.reward ?? Reward())
                        mask.append("reward")
                    }
                    if changesEligibility {
                        var rules = eligibility.applied(to: current.eligibility ?? Eligibility())
                        if clearSegments { rules.segments = [] }
                        if clearCountries { rules.countries = [] }
                        changes.eligibility = rules
                        mask.append("eligibility")
                    }
                }
                return try await session.updateCampaign(.with {
                    $0.campaignId = id
                    $0.campaign = changes
                    $0.updateMask = mask
                })
            }
            if global.json {
                updated.json.print()
            } else {
                print("Updated campaign \(updated.id).")
                print(updated.details)
            }
        }
    }
}
