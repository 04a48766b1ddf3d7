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
              promoctl codes show summer-50
              promoctl codes check SUMMER50 --user player-123 --segment regular --deposit-minor 500 --currency EUR
            """,
        subcommands: [
            Generate.self, Import.self, Export.self, Show.self, Check.self, Activate.self, Deactivate.self,
        ])

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
