import ArgumentParser
import PromoWire

struct CodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes",
        abstract: "Generate, import and export a campaign's codes; look one up, explain it, switch it on and off.",
        discussion: """
            Codes are case-insensitive and ignore dashes, underscores and spaces: summer-50, SUMMER_50 and SUMMER50 are one \
            code. Code lists are CSV files.

            Examples:
              promoctl codes generate cmp_123 --count 5000 --out vip.csv
              promoctl codes import cmp_123 partner-codes.csv
              promoctl codes export cmp_123 --unused --out unused.csv
              promoctl codes deactivate SUMMER50
              promoctl codes status --off --batch bat_456
              promoctl codes status --on --campaign cmp_123
              promoctl codes show summer-50
              promoctl codes check SUMMER50 --user player-123 --segment regular --deposit-minor 500 --currency EUR
            """,
        subcommands: [
            Generate.self, Import.self, Export.self, Show.self, Check.self, Activate.self, Deactivate.self,
            Status.self,
        ])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch one code, every code of a batch, or every code of a campaign on or off.",
            discussion: """
                Exactly one of CODE, --batch, --campaign. A batch or campaign is switched in chunks (redeems go \
                on meanwhile); the number of codes whose status changed is printed. An auto-apply campaign's \
                codeless offer is not a code: switch it with 'promoctl campaigns update ID --no-auto-apply'.

                Examples:
                  promoctl codes status --off --campaign cmp_123
                  promoctl codes status --on --batch bat_456 --json
                """)

        enum Switch: String, EnumerableFlag {
            case on, off
            static func help(for value: Self) -> ArgumentHelp? {
                value == .on ? "Switch the codes on." : "Switch the codes off."
            }
        }

        @OptionGroup var global: GlobalOptions

        @Flag var state: Switch

        @Argument(help: ArgumentHelp("One code, as players type it.", valueName: "code"))
        var code: String?

        @Option(help: ArgumentHelp("Every code of this batch (bat_…, as generate and import print it).", valueName: "batch-id"))
        var batch: String?

        @Option(help: ArgumentHelp("Every code of this campaign (cmp_…).", valueName: "campaign-id"))
        var campaign: String?

        func validate() throws {
            if [code, batch, campaign].compactMap({ $0 }).count != 1 {
                throw ValidationError("give exactly one of CODE, --batch, --campaign")
            }
        }

        func run() async throws {
            if let code { return try await CodesCommand.setStatus(code: code, active: state == .on, global: global) }
            let changed = try await global.withSession { session in
                try await session.setCodesStatus(.with {
                    $0.batchId = batch ?? ""
                    $0.campaignId = campaign ?? ""
                    $0.active = state == .on
                })
            }
            if global.json {
                JSON.object([("changed", .number(changed)), ("active", .bool(state == .on))]).print()
            } else {
                let scope = batch.map { "batch \($0)" } ?? "campaign \(campaign ?? "")"
                print("\(grouped(changed)) codes of \(scope) switched \(state.rawValue).")
            }
        }
    }

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch one code on again.",
            discussion: """
                Example:
                  promoctl codes activate SUMMER50
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The code, as players type it.", valueName: "code"))
        var code: String

        func run() async throws {
            try await CodesCommand.setStatus(code: code, active: true, global: global)
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch one code off: it can no longer be redeemed (the campaign and its other codes stay on).",
            discussion: """
                Example:
                  promoctl codes deactivate SUMMER50
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The code, as players type it.", valueName: "code"))
        var code: String

        func run() async throws {
            try await CodesCommand.setStatus(code: code, active: false, global: global)
        }
    }

    static func setStatus(code: String, active: Bool, global: GlobalOptions) async throws {
        let info = try await global.withSession { try await $0.setCodeStatus(code, active: active) }
        if global.json {
            info.json.print()
        } else {
            print("Code \(info.code) is now \(info.active ? "active" : "inactive") "
                + "(campaign \(info.campaignId), used \(Format.used(info.uses, of: info.maxUses))).")
        }
    }
}

extension CodeInfo {
    static let csvHeader = "code,campaign_id,active,max_uses,uses,owner_id,batch_id,created_at"

    var csvRow: String {
        CSV.row(
            code, campaignId, active ? "true" : "false", String(maxUses), String(uses), ownerId, batchId,
            createdAtMs == 0 ? "" : ISO8601.format(createdAtMs))
    }

    var json: JSON {
        .object([
            ("code", .string(code)),
            ("campaign_id", .string(campaignId)),
            ("active", .bool(active)),
            ("max_uses", .number(maxUses)),
            ("uses", .number(uses)),
            ("owner_id", .string(ownerId)),
            ("batch_id", .string(batchId)),
            ("created_at_ms", .number(createdAtMs)),
        ])
    }
}
