import PromoWire

extension FailoverClient {
    /// Whether sending `call` a second time, after its connection failed with the call's outcome unknown,
    /// can never apply it twice: reads, validates that hold no reservation, and the writes that carry an
    /// `idempotency_key` (redeem, generate, grant_reward), which the server answers with the first outcome
    /// (`replayed`) when it has seen the key. Everything else is not repeated: its lost answer is reported
    /// as `PromoClientError.Code.outcomeUnknown`.
    ///
    /// Every arm is named (no `default`), so a new call arm must be decided on here before the client builds.
    public static func isSafeToRepeat(_ call: Request.Call) -> Bool {
        switch call {
        case .hello, .report, .getCampaign, .listCampaigns, .exportCodes, .rewardHistory, .listApiKeys, .check,
            .fetchBackup, .auditLog, .getCode, .getGroup, .listGroups, .offers, .listBlocks, .compareCampaigns:
            return true
        case .validate(let request):
            // A reservation holds a use: a second one would hold two. (A repeated validate may count one more
            // failed attempt toward the guessing limit; that is the price of an answer.)
            return request.reserveMs == 0
        case .redeem(let request):
            return !request.idempotencyKey.isEmpty
        case .generate(let request):
            return !request.idempotencyKey.isEmpty
        case .grantReward(let request):
            return !request.idempotencyKey.isEmpty
        case .createCampaign, .updateCampaign, .importCodes, .setCodeStatus, .voidRedemption, .createApiKey,
            .revokeApiKey, .backup, .createGroup, .updateGroup, .blockUser, .unblockUser:
            return false
        }
    }

    /// The call's arm name as on the wire, for messages.
    static func armName(_ call: Request.Call) -> String {
        switch call {
        case .hello: "hello"
        case .validate: "validate"
        case .redeem: "redeem"
        case .generate: "generate"
        case .report: "report"
        case .createCampaign: "create_campaign"
        case .updateCampaign: "update_campaign"
        case .getCampaign: "get_campaign"
        case .listCampaigns: "list_campaigns"
        case .importCodes: "import_codes"
        case .exportCodes: "export_codes"
        case .setCodeStatus: "set_code_status"
        case .voidRedemption: "void_redemption"
        case .rewardHistory: "reward_history"
        case .createApiKey: "create_api_key"
        case .revokeApiKey: "revoke_api_key"
        case .listApiKeys: "list_api_keys"
        case .check: "check"
        case .backup: "backup"
        case .fetchBackup: "fetch_backup"
        case .auditLog: "audit_log"
        case .getCode: "get_code"
        case .createGroup: "create_group"
        case .getGroup: "get_group"
        case .listGroups: "list_groups"
        case .updateGroup: "update_group"
        case .grantReward: "grant_reward"
        case .offers: "offers"
        case .blockUser: "block_user"
        case .unblockUser: "unblock_user"
        case .listBlocks: "list_blocks"
        case .compareCampaigns: "compare_campaigns"
        }
    }
}
