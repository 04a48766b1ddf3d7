import ArgumentParser
import PromoWire

struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "Create, change, show and list exclusive groups of campaigns.",
        discussion: """
            An exclusive group lets a player redeem its campaigns only --max-per-user times in total, whichever \
            campaigns they pick: three welcome offers from three affiliates, one per player. A campaign joins \
            a group with 'promoctl campaigns create|update --group ID'. Past the limit the verdict is \
            GROUP_LIMIT_REACHED. Live reservations count; a void gives the slot back.

            Examples:
              promoctl groups create --name "Welcome offers" --max-per-user 1
              promoctl campaigns update cmp_123 --group grp_456
              promoctl groups update grp_456 --max-per-user 2
            """,
        subcommands: [Create.self, Show.self, List.self, Update.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an exclusive group; its id (grp_…) is printed.",
            discussion: """
                Example:
                  promoctl groups create --name "Black Friday week" --max-per-user 1
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The group's name.", valueName: "text"))
        var name: String

        @Option(help: ArgumentHelp(
            "Redemptions per player over all campaigns of the group (0 = unlimited).", valueName: "n"))
        var maxPerUser: UInt32

        func run() async throws {
            let group = try await global.withSession { session in
                try await session.createGroup(.with {
                    $0.name = name
                    $0.maxPerUser = maxPerUser
                })
            }
            if global.json {
                group.json.print()
            } else {
                print("Created group \(group.id).")
                print(group.details)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one group.",
            discussion: """
                Example:
                  promoctl groups show grp_456 --json
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The group's id (grp_…).", valueName: "group-id"))
        var id: String

        func run() async throws {
            let group = try await global.withSession { try await $0.getGroup(id) }
            if global.json { group.json.print() } else { print(group.details) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List groups, oldest first.",
            discussion: """
                Without --all one page is shown; when more follow, the command says so on standard error \
                and tells you the --page-token for the next page.

                Example:
                  promoctl groups list --all --json
                """)

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Fetch every page, not just the first.")
        var all = false

        @Option(help: ArgumentHelp("Groups per page (the server caps it; default: the server's).", valueName: "n"))
        var pageSize: UInt32?

        @Option(help: ArgumentHelp("Continue from a previous listing's next-page token.", valueName: "token"))
        var pageToken: String?

        func run() async throws {
            let (groups, nextToken) = try await global.withSession { session in
                var groups: [Group] = []
                var token = pageToken ?? ""
                repeat {
                    let page = try await session.listGroups(.with {
                        $0.pageToken = token
                        $0.pageSize = pageSize ?? 0
                    })
                    groups += page.groups
                    if page.nextPageToken == token && !token.isEmpty {
                        throw CLIFailure(.serverError, "the server repeated page token \(token)")
                    }
                    token = page.nextPageToken
                } while all && !token.isEmpty
                return (groups, token)
            }
            if global.json {
                JSON.array(groups.map(\.json)).print()
            } else if groups.isEmpty {
                print("No groups.")
            } else {
                var table = Table("ID", "NAME", "MAX PER USER>", "CREATED")
                for group in groups {
                    table.add(
                        group.id, group.name, group.maxPerUser == 0 ? "unlimited" : grouped(group.maxPerUser),
                        Format.time(group.createdAtMs))
                }
                print(table.rendered())
            }
            if !nextToken.isEmpty {
                Terminal.error("More groups follow: add --all, or --page-token \(nextToken) for the next page.")
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rename a group or change its limit.",
            discussion: """
                Lowering --max-per-user below what a player already holds is allowed: it takes nothing back \
                and refuses that player's further redemptions in the group.

                Examples:
                  promoctl groups update grp_456 --max-per-user 2
                  promoctl groups update grp_456 --name "Welcome offers 2027"
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The group's id (grp_…).", valueName: "group-id"))
        var id: String

        @Option(help: ArgumentHelp("A new name.", valueName: "text"))
        var name: String?

        @Option(help: ArgumentHelp("Redemptions per player over the group (0 = unlimited).", valueName: "n"))
        var maxPerUser: UInt32?

        func validate() throws {
            if name == nil && maxPerUser == nil {
                throw ValidationError("nothing to change: give --name or --max-per-user")
            }
        }

        func run() async throws {
            var changes = Group()
            var mask: [String] = []
            if let name {
                changes.name = name
                mask.append("name")
            }
            if let maxPerUser {
                changes.maxPerUser = maxPerUser
                mask.append("max_per_user")
            }
            let group = try await global.withSession { session in
                try await session.updateGroup(.with {
                    $0.groupId = id
                    $0.group = changes
                    $0.updateMask = mask
                })
            }
            if global.json {
                group.json.print()
            } else {
                print("Updated group \(group.id).")
                print(group.details)
            }
        }
    }
}

extension Group {
    var json: JSON {
        .object([
            ("id", .string(id)),
            ("name", .string(name)),
            ("max_per_user", .number(maxPerUser)),
            ("created_at_ms", .number(createdAtMs)),
        ])
    }

    var details: String {
        var lines = Details()
        lines.add("Group", id)
        lines.add("Name", name)
        lines.add("Max per user", maxPerUser == 0 ? "unlimited" : grouped(maxPerUser))
        if createdAtMs != 0 { lines.add("Created", Format.time(createdAtMs)) }
        return lines.rendered()
    }
}
