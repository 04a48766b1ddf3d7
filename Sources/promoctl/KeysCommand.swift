import ArgumentParser
import PromoWire

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys (admin keys only).",
        discussion: """
            Roles: redeemer (game servers: validate, redeem, history), issuer (generate and export codes of \
            the campaigns it is bound to), analyst (reports and read-only lookups), manager (everything but \
            keys), admin (everything).

            Examples:
              promoctl keys create --name "game server eu-1" --role redeemer
              promoctl keys create --name "affiliate portal" --role issuer \\
                  --campaign cmp_123 --campaign cmp_456
              promoctl keys list
              promoctl keys revoke key_789
            """,
        subcommands: [Create.self, Revoke.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key and print its secret, which is shown only this once.",
            discussion: """
                Store the secret right away (in your secret manager, or a file with mode 0600): the server keeps \
                only a digest and cannot show it again. If it is lost, revoke the key and create a new one.

                Examples:
                  promoctl keys create --name "game server eu-1" --role redeemer
                  promoctl keys create --name "affiliate portal" --role issuer \\
                      --campaign cmp_123
                  promoctl keys create --name bi --role analyst --json \\
                      | jq -r .api_key > bi.key
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Who or what uses the key, e.g. \"game server eu-1\".", valueName: "text"))
        var name: String

        @Option(help: ArgumentHelp("What the key may do (see above).", valueName: "role"))
        var role: RoleName

        @Option(name: .customLong("campaign"), help: ArgumentHelp(
            "issuer keys: a campaign the key may generate and export codes for; repeat for several.",
            valueName: "campaign-id"))
        var campaigns: [String] = []

        func validate() throws {
            if role == .issuer && campaigns.isEmpty {
                throw ValidationError("an issuer key needs at least one --campaign")
            }
        }

        func run() async throws {
            let answer = try await global.withSession { session in
                try await session.createApiKey(.with {
                    $0.name = name
                    $0.role = role.rawValue
                    $0.campaignIds = campaigns
                })
            }
            Terminal.error("warning: the secret is shown only this once; store it now. It cannot be shown again.")
            if global.json {
                JSON.object([
                    ("key_id", .string(answer.keyId)), ("api_key", .string(answer.apiKey)),
                    ("name", .string(name)), ("role", .string(role.rawValue)), ("campaign_ids", .strings(campaigns)),
                ]).print()
            } else {
                var lines = Details()
                lines.add("Key id", answer.keyId)
                lines.add("Role", role.rawValue + (campaigns.isEmpty ? "" : " of \(campaigns.joined(separator: ", "))"))
                lines.add("Secret", answer.apiKey)
                print(lines.rendered())
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an API key: it stops working at once, on open connections too.",
            discussion: """
                Example:
                  promoctl keys revoke key_789
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The key's id (from 'promoctl keys list').", valueName: "key-id"))
        var keyId: String

        func run() async throws {
            try await global.withSession { try await $0.revokeApiKey(keyId) }
            if global.json {
                JSON.object([("key_id", .string(keyId)), ("revoked", .bool(true))]).print()
            } else {
                print("Revoked key \(keyId).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List API keys (never their secrets).",
            discussion: """
                Example:
                  promoctl keys list
                """)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let keys = try await global.withSession { try await $0.listApiKeys() }
            if global.json {
                JSON.array(keys.map(\.json)).print()
                return
            }
            var table = Table("KEY ID", "NAME", "ROLE", "CAMPAIGNS", "CREATED", "STATUS")
            for key in keys {
                table.add(
                    key.keyId, key.name, key.role, key.campaignIds.isEmpty ? "-" : key.campaignIds.joined(separator: ","),
                    Format.time(key.createdAtMs), key.revoked ? "revoked" : "active")
            }
            table.print()
        }
    }
}

extension ApiKeyInfo {
    var json: JSON {
        .object([
            ("key_id", .string(keyId)),
            ("name", .string(name)),
            ("role", .string(role)),
            ("campaign_ids", .strings(campaignIds)),
            ("created_at_ms", .number(createdAtMs)),
            ("revoked", .bool(revoked)),
        ])
    }
}
