import PromoClient
import PromoServer
import PromoWire
import Testing

import enum PromoDomain.Operation
import enum PromoDomain.Role

@testable import PromoConsole

/// Every arm over HTTP: once with a happy path (admin, in an order where each call has the data it needs), and
/// by every role, refused with 403 exactly where the role matrix refuses it (as RoleMatrixTests over TCP).
@Suite("Console API arms and roles", .serverCleanup)
struct ConsoleArmTests {
    /// A minimal JSON request for `operation` (its arm and body). Exhaustive: a new RPC does not compile until
    /// it is covered here.
    private static func call(_ operation: Operation, campaignId: String) -> (arm: String, body: String)? {
        let user = #"{"userId": "role-matrix"}"#
        return switch operation {
        case .hello: ("hello", "{}")
        case .validate: ("validate", #"{"code": "NOPE", "user": \#(user)}"#)
        case .validateExplain: ("validate", #"{"code": "NOPE", "user": \#(user), "explain": true}"#)
        case .redeem: ("redeem", #"{"code": "NOPE", "user": \#(user)}"#)
        case .generate: ("generate", #"{"campaignId": "\#(campaignId)", "count": 0}"#)
        case .report: ("report", #"{"campaignId": "\#(campaignId)"}"#)
        case .createCampaign: ("create_campaign", "{}")
        case .updateCampaign: ("update_campaign", #"{"campaignId": "\#(campaignId)"}"#)
        case .getCampaign: ("get_campaign", #"{"campaignId": "\#(campaignId)"}"#)
        case .listCampaigns: ("list_campaigns", "{}")
        case .importCodes: ("import_codes", #"{"campaignId": "\#(campaignId)"}"#)
        case .exportCodes: ("export_codes", #"{"campaignId": "\#(campaignId)"}"#)
        case .setCodeStatus: ("set_code_status", #"{"code": "NOPE"}"#)
        case .voidRedemption: ("void_redemption", #"{"redemptionId": "rdm_nope", "reason": "role matrix"}"#)
        case .rewardHistory: ("reward_history", #"{"userId": "role-matrix"}"#)
        case .createApiKey: ("create_api_key", "{}")
        case .revokeApiKey: ("revoke_api_key", #"{"keyId": "key_nope"}"#)
        case .listApiKeys: ("list_api_keys", "")
        case .check: ("check", "")
        case .backup: ("backup", "{}")
        case .fetchBackup: ("fetch_backup", #"{"name": "nope.sqlite", "length": 16}"#)
        case .auditLog: ("audit_log", "{}")
        case .getCode: ("get_code", #"{"code": "NOPE"}"#)
        case .createGroup: ("create_group", #"{"name": "Role matrix", "maxPerUser": 1}"#)
        case .getGroup: ("get_group", #"{"groupId": "grp_nope"}"#)
        case .listGroups: ("list_groups", "{}")
        case .updateGroup: ("update_group", #"{"groupId": "grp_nope", "updateMask": ["name"]}"#)
        case .grantReward:
            ("grant_reward", #"{"user": \#(user), "reward": {"kind": "REWARD_KIND_LOYALTY_POINTS", "amountMinor": 1}, "reason": "role matrix"}"#)
        case .offers: ("offers", #"{"user": \#(user)}"#)
        case .blockUser: ("block_user", #"{"userId": "role-matrix-blocked", "reason": "role matrix"}"#)
        case .unblockUser: ("unblock_user", #"{"userId": "role-matrix-blocked"}"#)
        case .listBlocks: ("list_blocks", "{}")
        case .compareCampaigns: ("compare_campaigns", #"{"campaignIds": ["\#(campaignId)"]}"#)
        }
    }

    @Test(arguments: Role.allCases)
    func everyArmAnswersAsTheRoleMatrixSays(_ role: Role) async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let key = role == .issuer
            ? try await admin.createKey(role: role.rawValue, campaignIds: [campaign.id])
            : role == .admin ? adminKey : try await admin.createKey(role: role.rawValue)
        await admin.close()
        // One kept-alive connection for the whole matrix: refusals must not cost it its keep-alive.
        let connection = try await HTTPConnection.connect(port: server.consolePort)
        for operation in Operation.allCases {
            guard let (arm, body) = Self.call(operation, campaignId: campaign.id) else { continue }
            let answer = try await connection.request(
                "POST", "/api/v1/\(arm)", headers: [("Authorization", "Bearer \(key)")], body: Array(body.utf8))
            if role.allows(operation) {
                #expect(answer.status != 403 && answer.status != 401, "\(role.rawValue) may call \(operation.rawValue): \(answer)")
            } else {
                #expect(answer.status == 403, "\(role.rawValue) must not call \(operation.rawValue): \(answer)")
                #expect(answer.errorCode == "PERMISSION_DENIED")
                #expect(answer.errorMessage == "role \(role.rawValue) may not call \(operation.rawValue)")
            }
        }
        await connection.close()
    }

    /// Every arm once with an admin key, each answered 200 with the response message it names.
    @Test func everyArmHasAHappyPath() async throws {
        let server = try await TestServer.start()
        var called: Set<String> = []
        func ok(_ arm: String, _ body: String = "{}") async throws -> JSONValue {
            let answer = try await server.api(arm, body)
            #expect(answer.status == 200, "\(arm): \(answer)")
            called.insert(arm)
            return try #require(answer.json, "\(arm): \(answer)")
        }
        let hello = try await ok("hello")
        #expect(hello.string("role") == "admin")
        #expect(hello.string("serverVersion")?.hasPrefix("promo-service/") == true)
        let group = try #require(try await ok("create_group", #"{"name": "Weekend", "maxPerUser": 2}"#).string("group", "id"))
        #expect(try await ok("get_group", #"{"groupId": "\#(group)"}"#).string("group", "name") == "Weekend")
        #expect(try await ok("list_groups")["groups"] != nil)
        #expect(
            try await ok("update_group", #"{"groupId": "\#(group)", "group": {"name": "Sunday"}, "update_mask": ["name"]}"#)
                .string("group", "name") == "Sunday")

        let code = Unique.code("ARM")
        let created = try await ok("create_campaign", """
            {"campaign": {"name": "Every arm", "kind": "CAMPAIGN_KIND_WELCOME", "active": true, "budgetMinor": "100000",
              "reward": {"kind": "REWARD_KIND_BONUS", "amountMinor": "500", "currency": "EUR"}}, "code": "\(code)"}
            """)
        let campaign = try #require(created.string("campaign", "id"))
        #expect(
            try await ok("update_campaign", #"{"campaignId": "\#(campaign)", "campaign": {"name": "Renamed"}, "updateMask": ["name"]}"#)
                .string("campaign", "name") == "Renamed")
        #expect(try await ok("get_campaign", #"{"campaignId": "\#(campaign)"}"#).string("campaign", "name") == "Renamed")
        #expect(try await ok("list_campaigns")["campaigns"] != nil)
        let generated = try await ok("generate", #"{"campaignId": "\#(campaign)", "count": 3, "pattern": "****-****-****"}"#)
        #expect(generated["generated"] == .number("3"))
        guard case .array(let codes)? = generated["codes"], case .string(let firstGenerated)? = codes.first else {
            throw UnexpectedAnswer("generate: \(generated)")
        }
        let imported = Unique.code("IMP")
        #expect(try await ok("import_codes", #"{"campaignId": "\#(campaign)", "codes": [{"code": "\#(imported)", "maxUses": "2"}]}"#)["imported"] == .number("1"))
        guard case .array(let exported)? = try await ok("export_codes", #"{"campaignId": "\#(campaign)"}"#)["codes"] else {
            throw UnexpectedAnswer("export_codes")
        }
        #expect(exported.count == 5)
        #expect(try await ok("get_code", #"{"code": "\#(code)"}"#).string("campaign", "id") == campaign)
        #expect(try await ok("set_code_status", #"{"code": "\#(firstGenerated)", "active": false}"#)["changed"] == .string("1"))

        let player = Unique.user("http")
        #expect(try await ok("validate", #"{"code": "\#(code)", "user": {"userId": "\#(player)"}}"#).string("verdict") == "VERDICT_OK")
        let redeemed = try await ok("redeem", #"{"code": "\#(code)", "user": {"user_id": "\#(player)"}, "idempotencyKey": "\#(Unique.key())"}"#)
        #expect(redeemed.string("verdict") == "VERDICT_OK")
        let redemption = try #require(redeemed.string("redemptionId"))
        guard case .array(let history)? = try await ok("reward_history", #"{"userId": "\#(player)"}"#)["redemptions"] else {
            throw UnexpectedAnswer("reward_history")
        }
        #expect(history.first?.string("redemptionId") == redemption)
        #expect(try await ok("void_redemption", #"{"redemptionId": "\#(redemption)", "reason": "test"}"#)["redemption"]?["voided"] == .bool(true))
        #expect(try await ok("grant_reward", #"{"user": {"userId": "\#(player)"}, "reward": {"kind": "REWARD_KIND_LOYALTY_POINTS", "amountMinor": "5"}, "reason": "goodwill"}"#)
            .string("redemptionId") != nil)
        #expect(try await ok("offers", #"{"user": {"userId": "\#(player)"}}"#) == .object([]))  // no auto-apply campaign
        #expect(try await ok("report", #"{"campaignId": "\#(campaign)"}"#).string("campaignId") == campaign)
        #expect(try await ok("compare_campaigns", #"{"campaignIds": ["\#(campaign)"]}"#)["rows"] != nil)
        #expect(try await ok("block_user", #"{"userId": "\#(player)", "reason": "abuse"}"#).string("blockId") != nil)
        #expect(try await ok("list_blocks")["blocks"] != nil)
        #expect(try await ok("unblock_user", #"{"userId": "\#(player)"}"#)["removed"] == .string("1"))

        let key = try await ok("create_api_key", #"{"name": "http", "role": "analyst"}"#)
        let keyId = try #require(key.string("keyId"))
        #expect(key.string("apiKey")?.hasPrefix("pk_") == true)
        #expect(try await server.api("list_campaigns", key: try #require(key.string("apiKey"))).status == 200)
        guard case .array(let keys)? = try await ok("list_api_keys", "")["keys"] else { throw UnexpectedAnswer("list_api_keys") }
        #expect(keys.contains { $0.string("keyId") == keyId })
        #expect(try await ok("revoke_api_key", #"{"keyId": "\#(keyId)"}"#) == .object([]))
        #expect(try await ok("check", "")["ok"] == .bool(true))
        #expect(try await ok("backup", #"{"name": "over-http.sqlite"}"#).string("name") == "over-http.sqlite")
        let chunk = try await ok("fetch_backup", #"{"name": "over-http.sqlite", "length": 16}"#)
        #expect(chunk.string("data").flatMap(Base64.decode) == Array("SQLite format 3\0".utf8))

        // The audit log holds the API's changes under the admin key, as the protocol port's would be.
        guard case .array(let entries)? = try await ok("audit_log", #"{"action": "create_campaign"}"#)["entries"] else {
            throw UnexpectedAnswer("audit_log")
        }
        #expect(entries.contains { $0.string("target") == campaign && $0.string("actorKeyId")?.isEmpty == false }, "\(entries)")
        #expect(called == Set(ApiArms.names), "not called: \(Set(ApiArms.names).subtracting(called).sorted())")
    }
}
