import PromoClient
import PromoServer
import PromoWire
import Testing

import enum PromoDomain.Operation
import enum PromoDomain.Role

/// Every RPC called over TCP by a key of every role: the server must refuse exactly what the role matrix
/// refuses, with PERMISSION_DENIED, and let everything else through to the service (which may still find
/// the deliberately minimal request invalid: that is not an authorisation answer).
@Suite("Role matrix over TCP", .serverCleanup)
struct RoleMatrixTests {
    /// A minimal request for `operation`. Exhaustive: a new RPC does not compile until it is covered here.
    private static func call(_ operation: Operation, campaignId: String, key: String) -> Request.Call {
        switch operation {
        case .hello: .hello(.with { $0.apiKey = key })
        case .validate: .validate(.with { $0.code = "NOPE"; $0.user = user("role-matrix") })
        case .redeem: .redeem(.with { $0.code = "NOPE"; $0.user = user("role-matrix") })
        case .generate: .generate(.with { $0.campaignId = campaignId; $0.count = 0 })
        case .report: .report(.with { $0.campaignId = campaignId })
        case .createCampaign: .createCampaign(CreateCampaignRequest())
        case .updateCampaign: .updateCampaign(.with { $0.campaignId = campaignId })
        case .getCampaign: .getCampaign(.with { $0.campaignId = campaignId })
        case .listCampaigns: .listCampaigns(ListCampaignsRequest())
        case .importCodes: .importCodes(.with { $0.campaignId = campaignId })
        case .exportCodes: .exportCodes(.with { $0.campaignId = campaignId })
        case .setCodeStatus: .setCodeStatus(.with { $0.code = "NOPE" })
        case .voidRedemption: .voidRedemption(.with { $0.redemptionId = "rdm_nope"; $0.reason = "role matrix" })
        case .rewardHistory: .rewardHistory(.with { $0.userId = "role-matrix" })
        case .createApiKey: .createApiKey(CreateApiKeyRequest())
        case .revokeApiKey: .revokeApiKey(.with { $0.keyId = "key_nope" })
        case .listApiKeys: .listApiKeys(ListApiKeysRequest())
        case .check: .check(CheckRequest())
        case .backup: .backup(BackupRequest())
        case .fetchBackup: .fetchBackup(.with { $0.name = "nope.sqlite"; $0.length = 16 })
        case .auditLog: .auditLog(AuditLogRequest())
        case .getCode: .getCode(.with { $0.code = "NOPE" })
        case .validateExplain:
            .validate(.with { $0.code = "NOPE"; $0.user = user("role-matrix"); $0.explain = true })
        case .createGroup: .createGroup(.with { $0.name = "Role matrix"; $0.maxPerUser = 1 })
        case .getGroup: .getGroup(.with { $0.groupId = "grp_nope" })
        case .listGroups: .listGroups(ListGroupsRequest())
        case .updateGroup: .updateGroup(.with { $0.groupId = "grp_nope"; $0.updateMask = ["name"] })
        case .grantReward:
            .grantReward(.with {
                $0.user = user("role-matrix")
                $0.reward = Reward.with { $0.kind = .loyaltyPoints; $0.amountMinor = 1 }
                $0.reason = "role matrix"
            })
        case .offers: .offers(.with { $0.user = user("role-matrix") })
        case .blockUser: .blockUser(.with { $0.userId = "role-matrix-blocked"; $0.reason = "role matrix" })
        case .unblockUser: .unblockUser(.with { $0.userId = "role-matrix-blocked" })
        case .listBlocks: .listBlocks(ListBlocksRequest())
        case .compareCampaigns: .compareCampaigns(.with { $0.campaignIds = [campaignId] })
        }
    }

    @Test(arguments: Role.allCases)
    func everyRpcAnswersAsTheMatrixSays(_ role: Role) async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let key = role == .issuer
            ? try await admin.createKey(role: role.rawValue, campaignIds: [campaign.id])
            : role == .admin ? adminKey : try await admin.createKey(role: role.rawValue)
        let client = try await server.session(key: key)
        for operation in Operation.allCases {
            let status = try await client.send(Self.call(operation, campaignId: campaign.id, key: key)).status
            if role.allows(operation) {
                #expect(
                    status.code != .permissionDenied && status.code != .unauthenticated,
                    "\(role.rawValue) may call \(operation.rawValue), got \(status.code): \(status.message)")
            } else {
                #expect(status.code == .permissionDenied, "\(role.rawValue) must not call \(operation.rawValue), got \(status.code)")
            }
        }
        // Still the same caller at the end: no refusal cost the session its authentication.
        #expect(try await client.send(.hello(.with { $0.apiKey = key })).status.code == .ok)
        await client.close()
        await admin.close()
    }

    @Test func anIssuerOnlyReachesItsOwnCampaigns() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let own = try await admin.createCampaign(bonusCampaign())
        let foreign = try await admin.createCampaign(bonusCampaign())
        let issuer = try await server.session(key: try await admin.createKey(role: "issuer", campaignIds: [own.id]))
        for call: Request.Call in [
            .generate(.with { $0.campaignId = foreign.id; $0.count = 1 }),
            .exportCodes(.with { $0.campaignId = foreign.id }),
        ] {
            #expect(try await issuer.send(call).status.code == .permissionDenied)
        }
        #expect(try await issuer.send(.generate(.with { $0.campaignId = own.id; $0.count = 1 })).status.code == .ok)
        #expect(try await issuer.send(.exportCodes(.with { $0.campaignId = own.id })).status.code == .ok)
        await issuer.close()
        await admin.close()
    }
}
