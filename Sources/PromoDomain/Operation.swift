/// Every RPC, for authorisation and audit. Raw values are the snake_case names of the request's oneof
/// arm in promo.proto, so logs and metrics use the names clients see. One arm has two operations: a
/// validate with `explain` set is `validateExplain` ("validate_explain"), a staff call that the roles grant
/// apart from the game servers' validate.
public enum Operation: String, Sendable, Hashable, CaseIterable {
    case hello
    case validate
    case redeem
    case generate
    case report
    case createCampaign = "create_campaign"
    case updateCampaign = "update_campaign"
    case getCampaign = "get_campaign"
    case listCampaigns = "list_campaigns"
    case importCodes = "import_codes"
    case exportCodes = "export_codes"
    case setCodeStatus = "set_code_status"
    case voidRedemption = "void_redemption"
    case rewardHistory = "reward_history"
    case createApiKey = "create_api_key"
    case revokeApiKey = "revoke_api_key"
    case listApiKeys = "list_api_keys"
    case check
    case backup
    case fetchBackup = "fetch_backup"
    case auditLog = "audit_log"
    case getCode = "get_code"
    case validateExplain = "validate_explain"
    case createGroup = "create_group"
    case getGroup = "get_group"
    case listGroups = "list_groups"
    case updateGroup = "update_group"
    case offers
    case blockUser = "block_user"
    case unblockUser = "unblock_user"
    case listBlocks = "list_blocks"
    case compareCampaigns = "compare_campaigns"
    /// A manual credit without a code (manager, admin); its write-off is `voidRedemption`.
    case grantReward = "grant_reward"

    // Exhaustive on purpose: a new RPC must be classified here before managers get it.
    /// Keys and whole-database operations: admin only.
    var isAdministration: Bool {
        switch self {
        case .createApiKey, .revokeApiKey, .listApiKeys, .check, .backup, .fetchBackup, .auditLog:
            true
        case .hello, .validate, .redeem, .generate, .report, .createCampaign, .updateCampaign,
            .getCampaign, .listCampaigns, .importCodes, .exportCodes, .setCodeStatus, .voidRedemption,
            .rewardHistory, .getCode, .validateExplain, .createGroup, .getGroup, .listGroups, .updateGroup,
            .offers, .blockUser, .unblockUser, .listBlocks, .compareCampaigns, .grantReward:
            false
        }
    }
}
