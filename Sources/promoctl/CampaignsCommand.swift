import ArgumentParser
import PromoWire

struct CampaignsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaigns",
        abstract: "Create, change, show and list campaigns.",
        discussion: """
            A campaign is one promotion: its reward, when it runs, how often it may be redeemed, and who may \
            redeem it. Codes belong to a campaign (see 'promoctl codes').

            Examples:
              promoctl campaigns list
              promoctl campaigns show cmp_123
              promoctl campaigns deactivate cmp_123
            """,
        subcommands: [Create.self, Update.self, Show.self, List.self, Activate.self, Deactivate.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one campaign: its settings and how many redemptions it has had.",
            discussion: """
                Examples:
                  promoctl campaigns show cmp_123
                  promoctl campaigns show cmp_123 --json
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The campaign's id (cmp_…).", valueName: "campaign-id"))
        var id: String

        func run() async throws {
            let campaign = try await global.withSession { try await $0.getCampaign(id) }
            if global.json { campaign.json.print() } else { print(campaign.details) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List campaigns, oldest first.",
            discussion: """
                Without --all one page is shown; when more follow, the command says so on standard error \
                and tells you the --page-token for the next page.

                Examples:
                  promoctl campaigns list --active-only
                  promoctl campaigns list --all --json > campaigns.json
                """)

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Only campaigns that are switched on.")
        var activeOnly = false

        @Flag(help: "Fetch every page, not just the first.")
        var all = false

        @Option(help: ArgumentHelp("Campaigns per page (the server caps it; default: the server's).",
                                   valueName: "n"))
        var pageSize: UInt32?

        @Option(help: ArgumentHelp("Continue from a previous listing's next-page token.", valueName: "token"))
        var pageToken: String?

        func run() async throws {
            let (campaigns, nextToken) = try await global.withSession { session in
                var campaigns: [Campaign] = []
                var token = pageToken ?? ""
                repeat {
                    let page = try await session.listCampaigns(.with {
                        $0.pageToken = token
                        $0.pageSize = pageSize ?? 0
                        $0.activeOnly = activeOnly
                    })
                    campaigns += page.campaigns
                    if page.nextPageToken == token && !token.isEmpty {
                        throw CLIFailure(.serverError, "the server repeated page token \(token)")
                    }
                    token = page.nextPageToken
                } while all && !token.isEmpty
                return (campaigns, token)
            }
            if global.json {
                JSON.array(campaigns.map(\.json)).print()
            } else if campaigns.isEmpty {
                print(activeOnly ? "No active campaigns." : "No campaigns.")
            } else {
                print(CampaignTable.render(campaigns))
            }
            if !nextToken.isEmpty {
                Terminal.error("More campaigns follow: add --all, or --page-token \(nextToken) for the next page.")
            }
        }
    }

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch a campaign on: its codes can be redeemed again (within its dates and limits).",
            discussion: """
                Example:
                  promoctl campaigns activate cmp_123
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The campaign's id (cmp_…).", valueName: "campaign-id"))
        var id: String

        func run() async throws {
            try await CampaignsCommand.setActive(true, id: id, global: global)
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch a campaign off: none of its codes can be redeemed until it is activated again.",
            discussion: """
                Redemptions already made stay. Example:
                  promoctl campaigns deactivate cmp_123
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The campaign's id (cmp_…).", valueName: "campaign-id"))
        var id: String

        func run() async throws {
            try await CampaignsCommand.setActive(false, id: id, global: global)
        }
    }

    /// An update with the mask ["active"].
    static func setActive(_ active: Bool, id: String, global: GlobalOptions) async throws {
        let campaign = try await global.withSession { session in
            try await session.updateCampaign(.with {
                $0.campaignId = id
                $0.campaign = .with { $0.active = active }
                $0.updateMask = ["active"]
            })
        }
        if global.json {
            campaign.json.print()
        } else {
            print("Campaign \(campaign.id) (\(campaign.name)) is now \(campaign.active ? "active" : "inactive").")
        }
    }
}
