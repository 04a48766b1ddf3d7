/// One client → server message: a client-chosen id and exactly one call (nil when the oneof was empty).
public struct Request: WireMessage {
    public var requestId: UInt64 = 0
    public var call: Call?

    public init() {}
    public init(requestId: UInt64, _ call: Call) {
        self.requestId = requestId
        self.call = call
    }

    public enum Call: Hashable, Sendable {
        case hello(HelloRequest)
        case validate(ValidateRequest)
        case redeem(RedeemRequest)
        case generate(GenerateRequest)
        case report(ReportRequest)
        case createCampaign(CreateCampaignRequest)
        case updateCampaign(UpdateCampaignRequest)
        case getCampaign(GetCampaignRequest)
        case listCampaigns(ListCampaignsRequest)
        case importCodes(ImportCodesRequest)
        case exportCodes(ExportCodesRequest)
        case setCodeStatus(SetCodeStatusRequest)
        case voidRedemption(VoidRedemptionRequest)
        case rewardHistory(RewardHistoryRequest)
        case createApiKey(CreateApiKeyRequest)
        case revokeApiKey(RevokeApiKeyRequest)
        case listApiKeys(ListApiKeysRequest)
        case check(CheckRequest)
        case backup(BackupRequest)
        case fetchBackup(FetchBackupRequest)
        case auditLog(AuditLogRequest)
        case createGroup(CreateGroupRequest)
        case getGroup(GetGroupRequest)
        case listGroups(ListGroupsRequest)
        case updateGroup(UpdateGroupRequest)
    }
}

/// One server → client message: the echoed id, the transport status and, on OK, the call's result.
public struct Response: WireMessage {
    public var requestId: UInt64 = 0
    public var status: Status = .ok
    public var result: Result?

    public init() {}
    public init(requestId: UInt64, status: Status = .ok, _ result: Result? = nil) {
        self.requestId = requestId
        self.status = status
        self.result = result
    }

    public enum Result: Hashable, Sendable {
        case hello(HelloResponse)
        case validate(ValidateResponse)
        case redeem(RedeemResponse)
        case generate(GenerateResponse)
        case report(ReportResponse)
        case createCampaign(CreateCampaignResponse)
        case updateCampaign(UpdateCampaignResponse)
        case getCampaign(GetCampaignResponse)
        case listCampaigns(ListCampaignsResponse)
        case importCodes(ImportCodesResponse)
        case exportCodes(ExportCodesResponse)
        case setCodeStatus(SetCodeStatusResponse)
        case voidRedemption(VoidRedemptionResponse)
        case rewardHistory(RewardHistoryResponse)
        case createApiKey(CreateApiKeyResponse)
        case revokeApiKey(RevokeApiKeyResponse)
        case listApiKeys(ListApiKeysResponse)
        case check(CheckResponse)
        case backup(BackupResponse)
        case fetchBackup(FetchBackupResponse)
        case auditLog(AuditLogResponse)
        case createGroup(CreateGroupResponse)
        case getGroup(GetGroupResponse)
        case listGroups(ListGroupsResponse)
        case updateGroup(UpdateGroupResponse)
    }
}
