import Testing

@testable import PromoDomain

@Suite struct RoleTests {
    /// Keys and whole-database operations.
    private static let administration: Set<PromoDomain.Operation> = [
        .createApiKey, .revokeApiKey, .listApiKeys, .check, .backup, .fetchBackup, .auditLog,
    ]

    private static let allowed: [Role: Set<PromoDomain.Operation>] = [
        .redeemer: [.hello, .validate, .redeem, .rewardHistory, .offers],
        .issuer: [.hello, .generate, .exportCodes],
        .analyst: [
            .hello, .report, .getCampaign, .listCampaigns, .rewardHistory, .exportCodes, .getCode, .validateExplain,
            .offers, .compareCampaigns,
        ],
        .manager: Set(PromoDomain.Operation.allCases).subtracting(administration),
        .admin: Set(PromoDomain.Operation.allCases),
    ]

    @Test(arguments: Role.allCases)
    func roleMatrix(_ role: Role) {
        let granted = Set(PromoDomain.Operation.allCases.filter(role.allows))
        #expect(granted == Self.allowed[role])
    }

    @Test func onlyAdminsManageKeysAndCheckTheDatabase() {
        for operation in Self.administration {
            #expect(Role.allCases.filter { $0.allows(operation) } == [.admin])
        }
    }

    @Test func groupsAreForManagersAndAdminsOnly() {
        for operation: PromoDomain.Operation in [.createGroup, .getGroup, .listGroups, .updateGroup] {
            #expect(Role.allCases.filter { $0.allows(operation) } == [.manager, .admin], "\(operation)")
        }
    }

    @Test func comparingCampaignsIsForAnalystsAndUp() {
        #expect(Role.allCases.filter { $0.allows(.compareCampaigns) } == [.analyst, .manager, .admin])
    }

    @Test func blocksAreForManagersAndAdminsOnlyOffersForGameServersAndStaff() {
        for operation: PromoDomain.Operation in [.blockUser, .unblockUser, .listBlocks] {
            #expect(Role.allCases.filter { $0.allows(operation) } == [.manager, .admin], "\(operation)")
        }
        #expect(Role.allCases.filter { $0.allows(.offers) } == [.redeemer, .analyst, .manager, .admin])
    }

    @Test func rawValuesAreTheWireNames() {
        #expect(Role.allCases.map(\.rawValue) == ["redeemer", "issuer", "analyst", "manager", "admin"])
        #expect(Role(rawValue: "Admin") == nil)
        #expect(PromoDomain.Operation.allCases.count == 33)
        #expect(PromoDomain.Operation(rawValue: "block_user") == .blockUser)
        #expect(PromoDomain.Operation(rawValue: "list_blocks") == .listBlocks)
        #expect(PromoDomain.Operation(rawValue: "compare_campaigns") == .compareCampaigns)
        #expect(PromoDomain.Operation(rawValue: "grant_reward") == .grantReward)
        #expect(PromoDomain.Operation(rawValue: "create_group") == .createGroup)
        #expect(PromoDomain.Operation(rawValue: "update_group") == .updateGroup)
        #expect(PromoDomain.Operation.voidRedemption.rawValue == "void_redemption")
        #expect(PromoDomain.Operation(rawValue: "list_api_keys") == .listApiKeys)
        #expect(PromoDomain.Operation(rawValue: "fetch_backup") == .fetchBackup)
        #expect(PromoDomain.Operation(rawValue: "audit_log") == .auditLog)
        #expect(PromoDomain.Operation(rawValue: "get_code") == .getCode)
        #expect(PromoDomain.Operation.validateExplain.rawValue == "validate_explain")
    }
}

@Suite struct SupportRoleTests {
    /// Explaining a verdict is for staff: game servers and affiliates must not learn why a code fails.
    @Test func onlyStaffExplainAndLookUpCodes() {
        for operation in [PromoDomain.Operation.validateExplain, .getCode] {
            #expect(Role.allCases.filter { $0.allows(operation) } == [.analyst, .manager, .admin])
        }
        #expect(!Role.analyst.allows(.validate))
    }
}
