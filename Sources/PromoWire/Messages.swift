// Swift mirrors of promo.proto's messages: plain values, field for field, with proto3 defaults.
// Sub-message fields are optional because protobuf has presence for them: a missing `user` is not an empty one.

/// Every message starts at its proto3 defaults; `with` fills in the fields a caller cares about.
public protocol WireMessage: Hashable, Sendable {
    init()
}

extension WireMessage {
    public static func with(_ configure: (inout Self) -> Void) -> Self {
        var message = Self()
        configure(&message)
        return message
    }
}

public struct Status: WireMessage {
    public var code: StatusCode = .ok
    public var message: String = ""
    public init() {}
    public init(_ code: StatusCode, _ message: String = "") {
        self.code = code
        self.message = message
    }
    public static let ok = Status(.ok)
}

public struct UserContext: WireMessage {
    public var userId = ""
    public var segments: [String] = []
    public var registeredAtMs: Int64 = 0
    public var country = ""
    public var vipLevel: UInt32 = 0
    public var ip = ""
    public var deviceId = ""
    public init() {}
}

public struct Reward: WireMessage {
    public var kind: RewardKind = .unspecified
    public var amountMinor: Int64 = 0
    public var currency = ""
    public var percent: UInt32 = 0
    public var capMinor: Int64 = 0
    public var freeSpins: UInt32 = 0
    public var gameId = ""
    public init() {}
}

public struct Eligibility: WireMessage {
    public var segments: [String] = []
    public var newUsersOnly = false
    public var newUserWindowMs: Int64 = 0
    public var minDepositMinor: Int64 = 0
    public var countries: [String] = []
    public var minVipLevel: UInt32 = 0
    public init() {}
}

public struct CampaignStats: WireMessage {
    public var redemptions: UInt64 = 0
    public var uniqueUsers: UInt64 = 0
    public var remaining: UInt64 = 0
    public var unlimited = false
    public init() {}
}

public struct Campaign: WireMessage {
    public var id = ""
    public var name = ""
    public var kind: CampaignKind = .unspecified
    public var reward: Reward?
    public var startsAtMs: Int64 = 0
    public var expiresAtMs: Int64 = 0
    public var active = false
    public var maxRedemptions: UInt64 = 0
    public var maxPerUser: UInt32 = 0
    public var eligibility: Eligibility?
    public var source = ""
    public var createdAtMs: Int64 = 0
    public var stats: CampaignStats?
    public var groupId = ""
    public init() {}
}

public struct Count: WireMessage {
    public var key = ""
    public var count: UInt64 = 0
    public init() {}
    public init(_ key: String, _ count: UInt64) {
        self.key = key
        self.count = count
    }
}

public struct Bucket: WireMessage {
    public var startMs: Int64 = 0
    public var redemptions: UInt64 = 0
    public var uniqueUsers: UInt64 = 0
    public init() {}
}

// MARK: - Session

public struct HelloRequest: WireMessage {
    public var apiKey = ""
    public var clientName = ""
    public init() {}
    public init(apiKey: String, clientName: String = "") {
        self.apiKey = apiKey
        self.clientName = clientName
    }
}

public struct HelloResponse: WireMessage {
    public var serverVersion = ""
    public var role = ""
    public init() {}
}

// MARK: - Validate and redeem

public struct ValidateRequest: WireMessage {
    public var code = ""
    public var user: UserContext?
    public var depositMinor: Int64 = 0
    public var currency = ""
    public var reserveMs: UInt32 = 0
    public init() {}
}

public struct ValidateResponse: WireMessage {
    public var verdict: Verdict = .unspecified
    public var campaignId = ""
    public var reward: Reward?
    public var remaining: UInt64 = 0
    public var reservationId = ""
    public var reservedUntilMs: Int64 = 0
    public var unlimited = false
    public init() {}
}

public struct RedeemRequest: WireMessage {
    public var code = ""
    public var user: UserContext?
    public var idempotencyKey = ""
    public var depositMinor: Int64 = 0
    public var currency = ""
    public var source = ""
    public var reservationId = ""
    public init() {}
}

public struct RedeemResponse: WireMessage {
    public var verdict: Verdict = .unspecified
    public var redemptionId = ""
    public var reward: Reward?
    public var campaignId = ""
    public var replayed = false
    public init() {}
}

public struct RewardHistoryRequest: WireMessage {
    public var userId = ""
    public var pageToken = ""
    public var pageSize: UInt32 = 0
    public init() {}
}

public struct RedemptionInfo: WireMessage {
    public var redemptionId = ""
    public var code = ""
    public var campaignId = ""
    public var userId = ""
    public var reward: Reward?
    public var redeemedAtMs: Int64 = 0
    public var voided = false
    public var source = ""
    public var voidedAtMs: Int64 = 0
    public var voidReason = ""
    public init() {}
}

public struct RewardHistoryResponse: WireMessage {
    public var redemptions: [RedemptionInfo] = []
    public var nextPageToken = ""
    public init() {}
}

// MARK: - Campaigns

public struct CreateCampaignRequest: WireMessage {
    public var campaign: Campaign?
    public var code = ""
    public var codeMaxUses: UInt64 = 0
    public init() {}
}

public struct CreateCampaignResponse: WireMessage {
    public var campaign: Campaign?
    public init() {}
}

public struct UpdateCampaignRequest: WireMessage {
    public var campaignId = ""
    public var campaign: Campaign?
    public var updateMask: [String] = []
    public init() {}
}

public struct UpdateCampaignResponse: WireMessage {
    public var campaign: Campaign?
    public init() {}
}

public struct GetCampaignRequest: WireMessage {
    public var campaignId = ""
    public init() {}
}

public struct GetCampaignResponse: WireMessage {
    public var campaign: Campaign?
    public init() {}
}

public struct ListCampaignsRequest: WireMessage {
    public var pageToken = ""
    public var pageSize: UInt32 = 0
    public var activeOnly = false
    public init() {}
}

public struct ListCampaignsResponse: WireMessage {
    public var campaigns: [Campaign] = []
    public var nextPageToken = ""
    public init() {}
}

// MARK: - Codes

public struct GenerateRequest: WireMessage {
    public var campaignId = ""
    public var count: UInt32 = 0
    public var pattern = ""
    public var prefix = ""
    public var suffix = ""
    public var maxUsesPerCode: UInt64 = 0
    public var ownerId = ""
    public var idempotencyKey = ""
    public init() {}
}

public struct GenerateResponse: WireMessage {
    public var batchId = ""
    public var generated: UInt32 = 0
    public var codes: [String] = []
    public init() {}
}

public struct ImportCode: WireMessage {
    public var code = ""
    public var maxUses: UInt64 = 0
    public var ownerId = ""
    public init() {}
}

public struct ImportCodesRequest: WireMessage {
    public var campaignId = ""
    public var codes: [ImportCode] = []
    public init() {}
}

public struct ImportRejection: WireMessage {
    public var index: UInt32 = 0
    public var code = ""
    public var reason = ""
    public init() {}
}

public struct ImportCodesResponse: WireMessage {
    public var batchId = ""
    public var imported: UInt32 = 0
    public var rejected: [ImportRejection] = []
    public init() {}
}

public struct ExportCodesRequest: WireMessage {
    public var campaignId = ""
    public var batchId = ""
    public var pageToken = ""
    public var pageSize: UInt32 = 0
    public var ownerId = ""
    public var usage: CodeUsage = .any
    public init() {}
}

public struct CodeInfo: WireMessage {
    public var code = ""
    public var campaignId = ""
    public var active = false
    public var maxUses: UInt64 = 0
    public var uses: UInt64 = 0
    public var ownerId = ""
    public var batchId = ""
    public var createdAtMs: Int64 = 0
    public init() {}
}

public struct ExportCodesResponse: WireMessage {
    public var codes: [CodeInfo] = []
    public var nextPageToken = ""
    public init() {}
}

public struct SetCodeStatusRequest: WireMessage {
    public var code = ""
    public var active = false
    public init() {}
}

public struct SetCodeStatusResponse: WireMessage {
    public var code: CodeInfo?
    public init() {}
}

public struct VoidRedemptionRequest: WireMessage {
    public var redemptionId = ""
    public var reason = ""
    public init() {}
}

public struct VoidRedemptionResponse: WireMessage {
    public var redemption: RedemptionInfo?
    public init() {}
}

// MARK: - Analytics

public struct ReportRequest: WireMessage {
    public var campaignId = ""
    public var fromMs: Int64 = 0
    public var toMs: Int64 = 0
    public var bucket: BucketWidth = .auto
    public var top: UInt32 = 0
    public init() {}
}

public struct Money: WireMessage {
    public var currency = ""
    public var amountMinor: Int64 = 0
    public init() {}
}

public struct ActorCount: WireMessage {
    public var key = ""
    public var redemptions: UInt64 = 0
    public var failures: UInt64 = 0
    public init() {}
}

public struct Suspicion: WireMessage {
    public var kind = ""
    public var key = ""
    public var redemptions: UInt64 = 0
    public var failures: UInt64 = 0
    public var share: Double = 0
    public var reason = ""
    public init() {}
}

public struct ReportResponse: WireMessage {
    public var campaignId = ""
    public var codesIssued: UInt64 = 0
    public var codesRedeemed: UInt64 = 0
    public var redemptions: UInt64 = 0
    public var voided: UInt64 = 0
    public var uniqueUsers: UInt64 = 0
    public var redemptionRate: Double = 0
    public var rewardTotalMinor: Int64 = 0
    public var failuresByVerdict: [Count] = []
    public var bySource: [Count] = []
    public var byOwner: [Count] = []
    public var timeline: [Bucket] = []
    public var rewardTotals: [Money] = []
    public var freeSpinsGranted: UInt64 = 0
    public var loyaltyPointsGranted: Int64 = 0
    public var topIps: [ActorCount] = []
    public var topDevices: [ActorCount] = []
    public var topUsers: [ActorCount] = []
    public var suspicious: [Suspicion] = []
    public var fromMs: Int64 = 0
    public var toMs: Int64 = 0
    public var bucket: BucketWidth = .auto
    public init() {}
}

// MARK: - API keys

public struct CreateApiKeyRequest: WireMessage {
    public var name = ""
    public var role = ""
    public var campaignIds: [String] = []
    public init() {}
}

public struct CreateApiKeyResponse: WireMessage {
    public var keyId = ""
    public var apiKey = ""
    public init() {}
}

public struct RevokeApiKeyRequest: WireMessage {
    public var keyId = ""
    public init() {}
}

public struct RevokeApiKeyResponse: WireMessage {
    public init() {}
}

public struct ListApiKeysRequest: WireMessage {
    public init() {}
}

public struct ApiKeyInfo: WireMessage {
    public var keyId = ""
    public var name = ""
    public var role = ""
    public var campaignIds: [String] = []
    public var createdAtMs: Int64 = 0
    public var revoked = false
    public init() {}
}

public struct ListApiKeysResponse: WireMessage {
    public var keys: [ApiKeyInfo] = []
    public init() {}
}

// MARK: - Operations

public struct CheckRequest: WireMessage {
    public init() {}
}

public struct CheckResponse: WireMessage {
    public var ok = false
    public var problems: [String] = []
    public var checkedAtMs: Int64 = 0
    public init() {}
}

public struct BackupRequest: WireMessage {
    public var name = ""
    public init() {}
}

public struct BackupResponse: WireMessage {
    public var name = ""
    public var path = ""
    public var sizeBytes: UInt64 = 0
    public var pages: UInt64 = 0
    public var sha256 = ""
    public var durationMs: Int64 = 0
    public var createdAtMs: Int64 = 0
    public init() {}
}

public struct FetchBackupRequest: WireMessage {
    public var name = ""
    public var offset: UInt64 = 0
    public var length: UInt32 = 0
    public init() {}
}

public struct FetchBackupResponse: WireMessage {
    public var data: [UInt8] = []
    public var sizeBytes: UInt64 = 0
    public init() {}
}

public struct AuditLogRequest: WireMessage {
    public var actorKeyId = ""
    public var action = ""
    public var target = ""
    public var fromMs: Int64 = 0
    public var toMs: Int64 = 0
    public var pageToken = ""
    public var pageSize: UInt32 = 0
    public init() {}
}

public struct AuditLogEntry: WireMessage {
    public var id: UInt64 = 0
    public var atMs: Int64 = 0
    public var actorKeyId = ""
    public var action = ""
    public var target = ""
    public var detail = ""
    public init() {}
}

public struct AuditLogResponse: WireMessage {
    public var entries: [AuditLogEntry] = []
    public var nextPageToken = ""
    public init() {}
}
