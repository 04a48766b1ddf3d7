import Testing

@testable import PromoWire

// promo.proto's field numbers, transcribed by hand: each `verify` checks that every Swift property of a value
// sits on the wire under the field number and type that promo.proto gives it, and that nothing else is there.
// `ProtoFields` is the test's own parser, so this does not trust protobuf-c or the bridge.

private func expectNumbers(
    _ fields: ProtoFields, _ expected: Set<Int>, _ type: String, _ location: SourceLocation
) {
    // Samples set every field to a non-default value, so every field number must be present.
    #expect(fields.numbers == expected, "\(type): field numbers on the wire", sourceLocation: location)
}

private func verifyOptional<T>(
    _ value: T?, _ fields: ProtoFields?, _ location: SourceLocation,
    _ verify: (T, ProtoFields, SourceLocation) throws -> Void
) throws {
    switch (value, fields) {
    case (nil, nil): break
    case (let value?, let fields?): try verify(value, fields, location)
    default: Issue.record("sub-message presence differs: \(String(describing: value))", sourceLocation: location)
    }
}

private func verifyAll<T>(
    _ values: [T], _ fields: [ProtoFields], _ location: SourceLocation,
    _ verify: (T, ProtoFields, SourceLocation) throws -> Void
) throws {
    #expect(values.count == fields.count, "repeated message count", sourceLocation: location)
    for (value, field) in zip(values, fields) { try verify(value, field, location) }
}

enum WireSchema {
    static func verify(_ v: Status, _ f: ProtoFields, _ l: SourceLocation) {
        #expect(f.numbers.isSubset(of: [1, 2]), sourceLocation: l)
        #expect(f.enumeration(1) == v.code.rawValue, sourceLocation: l)
        #expect(f.string(2) == v.message, sourceLocation: l)
    }

    static func verify(_ v: UserContext, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, Set(1...7), "UserContext", l)
        #expect(f.string(1) == v.userId, sourceLocation: l)
        #expect(f.strings(2) == v.segments, sourceLocation: l)
        #expect(f.int64(3) == v.registeredAtMs, sourceLocation: l)
        #expect(f.string(4) == v.country, sourceLocation: l)
        #expect(f.uint32(5) == v.vipLevel, sourceLocation: l)
        #expect(f.string(6) == v.ip, sourceLocation: l)
        #expect(f.string(7) == v.deviceId, sourceLocation: l)
    }

    static func verify(_ v: Reward, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, Set(1...7), "Reward", l)
        #expect(f.enumeration(1) == v.kind.rawValue, sourceLocation: l)
        #expect(f.int64(2) == v.amountMinor, sourceLocation: l)
        #expect(f.string(3) == v.currency, sourceLocation: l)
        #expect(f.uint32(4) == v.percent, sourceLocation: l)
        #expect(f.int64(5) == v.capMinor, sourceLocation: l)
        #expect(f.uint32(6) == v.freeSpins, sourceLocation: l)
        #expect(f.string(7) == v.gameId, sourceLocation: l)
    }

    static func verify(_ v: Eligibility, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, Set(1...6), "Eligibility", l)
        #expect(f.strings(1) == v.segments, sourceLocation: l)
        #expect(f.bool(2) == v.newUsersOnly, sourceLocation: l)
        #expect(f.int64(3) == v.newUserWindowMs, sourceLocation: l)
        #expect(f.int64(4) == v.minDepositMinor, sourceLocation: l)
        #expect(f.strings(5) == v.countries, sourceLocation: l)
        #expect(f.uint32(6) == v.minVipLevel, sourceLocation: l)
    }

    static func verify(_ v: CampaignStats, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, Set(1...6), "CampaignStats", l)
        #expect(f.uint64(1) == v.redemptions, sourceLocation: l)
        #expect(f.uint64(2) == v.uniqueUsers, sourceLocation: l)
        #expect(f.uint64(3) == v.remaining, sourceLocation: l)
        #expect(f.bool(4) == v.unlimited, sourceLocation: l)
        #expect(f.int64(5) == v.budgetSpentMinor, sourceLocation: l)
        #expect(f.int64(6) == v.budgetRemainingMinor, sourceLocation: l)
    }

    static func verify(_ v: Campaign, _ f: ProtoFields, _ l: SourceLocation) throws {
        expectNumbers(f, Set(1...16), "Campaign", l)
        #expect(f.string(1) == v.id, sourceLocation: l)
        #expect(f.string(2) == v.name, sourceLocation: l)
        #expect(f.enumeration(3) == v.kind.rawValue, sourceLocation: l)
        try verifyOptional(v.reward, try f.message(4), l, verify)
        #expect(f.int64(5) == v.startsAtMs, sourceLocation: l)
        #expect(f.int64(6) == v.expiresAtMs, sourceLocation: l)
        #expect(f.bool(7) == v.active, sourceLocation: l)
        #expect(f.uint64(8) == v.maxRedemptions, sourceLocation: l)
        #expect(f.uint32(9) == v.maxPerUser, sourceLocation: l)
        try verifyOptional(v.eligibility, try f.message(10), l, verify)
        #expect(f.string(11) == v.source, sourceLocation: l)
        #expect(f.int64(12) == v.createdAtMs, sourceLocation: l)
        try verifyOptional(v.stats, try f.message(13), l, verify)
        #expect(f.string(14) == v.groupId, sourceLocation: l)
        #expect(f.int64(15) == v.budgetMinor, sourceLocation: l)
        #expect(f.bool(16) == v.autoApply, sourceLocation: l)
    }

    static func verify(_ v: Offer, _ f: ProtoFields, _ l: SourceLocation) throws {
        expectNumbers(f, Set(1...5), "Offer", l)
        try verifyOptional(v.campaign, try f.message(1), l, verify)
        #expect(f.enumeration(2) == v.verdict.rawValue, sourceLocation: l)
        try verifyOptional(v.reward, try f.message(3), l, verify)
        #expect(f.uint64(4) == v.remaining, sourceLocation: l)
        #expect(f.bool(5) == v.unlimited, sourceLocation: l)
    }

    static func verify(_ v: Block, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, Set(1...7), "Block", l)
        #expect(f.string(1) == v.id, sourceLocation: l)
        #expect(f.string(2) == v.userId, sourceLocation: l)
        #expect(f.string(3) == v.reason, sourceLocation: l)
        #expect(f.int64(4) == v.untilMs, sourceLocation: l)
        #expect(f.string(5) == v.campaignId, sourceLocation: l)
        #expect(f.int64(6) == v.createdAtMs, sourceLocation: l)
        #expect(f.string(7) == v.createdBy, sourceLocation: l)
    }

    static func verify(_ v: Group, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, Set(1...4), "Group", l)
        #expect(f.string(1) == v.id, sourceLocation: l)
        #expect(f.string(2) == v.name, sourceLocation: l)
        #expect(f.uint32(3) == v.maxPerUser, sourceLocation: l)
        #expect(f.int64(4) == v.createdAtMs, sourceLocation: l)
    }

    static func verify(_ v: Count, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, [1, 2], "Count", l)
        #expect(f.string(1) == v.key, sourceLocation: l)
        #expect(f.uint64(2) == v.count, sourceLocation: l)
    }

    static func verify(_ v: CampaignComparison, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, Set(1...19), "CampaignComparison", l)
        #expect(f.string(1) == v.campaignId, sourceLocation: l)
        #expect(f.string(2) == v.name, sourceLocation: l)
        #expect(f.string(3) == v.currency, sourceLocation: l)
        #expect(f.uint64(4) == v.redemptions, sourceLocation: l)
        #expect(f.uint64(5) == v.voided, sourceLocation: l)
        #expect(f.uint64(6) == v.uniqueUsers, sourceLocation: l)
        #expect(f.double(7) == v.redemptionRate, sourceLocation: l)
        #expect(f.int64(8) == v.rewardTotalMinor, sourceLocation: l)
        #expect(f.int64(9) == v.depositTotalMinor, sourceLocation: l)
        #expect(f.int64(10) == v.averageDepositMinor, sourceLocation: l)
        #expect(f.double(11) == v.rewardCostRatio, sourceLocation: l)
        #expect(f.uint64(12) == v.failures, sourceLocation: l)
        #expect(f.uint64(13) == v.repeatUsers, sourceLocation: l)
        #expect(f.uint64(14) == v.codesIssued, sourceLocation: l)
        #expect(f.uint64(15) == v.codesRedeemed, sourceLocation: l)
        #expect(f.uint64(16) == v.freeSpinsGranted, sourceLocation: l)
        #expect(f.int64(17) == v.loyaltyPointsGranted, sourceLocation: l)
        #expect(f.int64(18) == v.fromMs, sourceLocation: l)
        #expect(f.int64(19) == v.toMs, sourceLocation: l)
    }

    static func verify(_ v: Bucket, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, [1, 2, 3], "Bucket", l)
        #expect(f.int64(1) == v.startMs, sourceLocation: l)
        #expect(f.uint64(2) == v.redemptions, sourceLocation: l)
        #expect(f.uint64(3) == v.uniqueUsers, sourceLocation: l)
    }

    static func verify(_ v: CodeInfo, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, Set(1...8), "CodeInfo", l)
        #expect(f.string(1) == v.code, sourceLocation: l)
        #expect(f.string(2) == v.campaignId, sourceLocation: l)
        #expect(f.bool(3) == v.active, sourceLocation: l)
        #expect(f.uint64(4) == v.maxUses, sourceLocation: l)
        #expect(f.uint64(5) == v.uses, sourceLocation: l)
        #expect(f.string(6) == v.ownerId, sourceLocation: l)
        #expect(f.string(7) == v.batchId, sourceLocation: l)
        #expect(f.int64(8) == v.createdAtMs, sourceLocation: l)
    }

    static func verify(_ v: RedemptionInfo, _ f: ProtoFields, _ l: SourceLocation) throws {
        expectNumbers(f, Set(1...13), "RedemptionInfo", l)
        #expect(f.string(1) == v.redemptionId, sourceLocation: l)
        #expect(f.string(2) == v.code, sourceLocation: l)
        #expect(f.string(3) == v.campaignId, sourceLocation: l)
        #expect(f.string(4) == v.userId, sourceLocation: l)
        try verifyOptional(v.reward, try f.message(5), l, verify)
        #expect(f.int64(6) == v.redeemedAtMs, sourceLocation: l)
        #expect(f.bool(7) == v.voided, sourceLocation: l)
        #expect(f.string(8) == v.source, sourceLocation: l)
        #expect(f.int64(9) == v.voidedAtMs, sourceLocation: l)
        #expect(f.string(10) == v.voidReason, sourceLocation: l)
        #expect(f.bool(11) == v.grant, sourceLocation: l)
        #expect(f.string(12) == v.reason, sourceLocation: l)
        #expect(f.string(13) == v.grantedBy, sourceLocation: l)
    }

    static func verify(_ v: ImportCode, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, [1, 2, 3], "ImportCode", l)
        #expect(f.string(1) == v.code, sourceLocation: l)
        #expect(f.uint64(2) == v.maxUses, sourceLocation: l)
        #expect(f.string(3) == v.ownerId, sourceLocation: l)
    }

    static func verify(_ v: ImportRejection, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, [1, 2, 3], "ImportRejection", l)
        #expect(f.uint32(1) == v.index, sourceLocation: l)
        #expect(f.string(2) == v.code, sourceLocation: l)
        #expect(f.string(3) == v.reason, sourceLocation: l)
    }

    static func verify(_ v: ApiKeyInfo, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, Set(1...6), "ApiKeyInfo", l)
        #expect(f.string(1) == v.keyId, sourceLocation: l)
        #expect(f.string(2) == v.name, sourceLocation: l)
        #expect(f.string(3) == v.role, sourceLocation: l)
        #expect(f.strings(4) == v.campaignIds, sourceLocation: l)
        #expect(f.int64(5) == v.createdAtMs, sourceLocation: l)
        #expect(f.bool(6) == v.revoked, sourceLocation: l)
    }

    static func verify(_ v: RuleCheck, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, [1, 2, 3], "RuleCheck", l)
        #expect(f.string(1) == v.rule, sourceLocation: l)
        #expect(f.bool(2) == v.passed, sourceLocation: l)
        #expect(f.string(3) == v.detail, sourceLocation: l)
    }

    static func verify(_ v: AuditLogEntry, _ f: ProtoFields, _ l: SourceLocation) {
        expectNumbers(f, Set(1...6), "AuditLogEntry", l)
        #expect(f.uint64(1) == v.id, sourceLocation: l)
        #expect(f.int64(2) == v.atMs, sourceLocation: l)
        #expect(f.string(3) == v.actorKeyId, sourceLocation: l)
        #expect(f.string(4) == v.action, sourceLocation: l)
        #expect(f.string(5) == v.target, sourceLocation: l)
        #expect(f.string(6) == v.detail, sourceLocation: l)
    }

    // MARK: - Request arms

    static func verify(_ call: Request.Call, _ f: ProtoFields, _ l: SourceLocation) throws {
        switch call {
        case .hello(let v):
            expectNumbers(f, [1, 2], "HelloRequest", l)
            #expect(f.string(1) == v.apiKey, sourceLocation: l)
            #expect(f.string(2) == v.clientName, sourceLocation: l)
        case .validate(let v):
            expectNumbers(f, Set(1...7), "ValidateRequest", l)
            #expect(f.string(7) == v.campaignId, sourceLocation: l)
            #expect(f.string(1) == v.code, sourceLocation: l)
            try verifyOptional(v.user, try f.message(2), l, verify)
            #expect(f.int64(3) == v.depositMinor, sourceLocation: l)
            #expect(f.string(4) == v.currency, sourceLocation: l)
            #expect(f.uint32(5) == v.reserveMs, sourceLocation: l)
            #expect(f.bool(6) == v.explain, sourceLocation: l)
        case .redeem(let v):
            expectNumbers(f, Set(1...8), "RedeemRequest", l)
            #expect(f.string(8) == v.campaignId, sourceLocation: l)
            #expect(f.string(1) == v.code, sourceLocation: l)
            try verifyOptional(v.user, try f.message(2), l, verify)
            #expect(f.string(3) == v.idempotencyKey, sourceLocation: l)
            #expect(f.int64(4) == v.depositMinor, sourceLocation: l)
            #expect(f.string(5) == v.currency, sourceLocation: l)
            #expect(f.string(6) == v.source, sourceLocation: l)
            #expect(f.string(7) == v.reservationId, sourceLocation: l)
        case .generate(let v):
            expectNumbers(f, Set(1...8), "GenerateRequest", l)
            #expect(f.string(1) == v.campaignId, sourceLocation: l)
            #expect(f.uint32(2) == v.count, sourceLocation: l)
            #expect(f.string(3) == v.pattern, sourceLocation: l)
            #expect(f.string(4) == v.prefix, sourceLocation: l)
            #expect(f.string(5) == v.suffix, sourceLocation: l)
            #expect(f.uint64(6) == v.maxUsesPerCode, sourceLocation: l)
            #expect(f.string(7) == v.ownerId, sourceLocation: l)
            #expect(f.string(8) == v.idempotencyKey, sourceLocation: l)
        case .report(let v):
            expectNumbers(f, [1, 2, 3], "ReportRequest", l)
            #expect(f.string(1) == v.campaignId, sourceLocation: l)
            #expect(f.int64(2) == v.fromMs, sourceLocation: l)
            #expect(f.int64(3) == v.toMs, sourceLocation: l)
        case .createCampaign(let v):
            expectNumbers(f, [1, 2, 3], "CreateCampaignRequest", l)
            try verifyOptional(v.campaign, try f.message(1), l, verify)
            #expect(f.string(2) == v.code, sourceLocation: l)
            #expect(f.uint64(3) == v.codeMaxUses, sourceLocation: l)
        case .updateCampaign(let v):
            expectNumbers(f, [1, 2, 3], "UpdateCampaignRequest", l)
            #expect(f.string(1) == v.campaignId, sourceLocation: l)
            try verifyOptional(v.campaign, try f.message(2), l, verify)
            #expect(f.strings(3) == v.updateMask, sourceLocation: l)
        case .getCampaign(let v):
            expectNumbers(f, [1], "GetCampaignRequest", l)
            #expect(f.string(1) == v.campaignId, sourceLocation: l)
        case .listCampaigns(let v):
            expectNumbers(f, [1, 2, 3], "ListCampaignsRequest", l)
            #expect(f.string(1) == v.pageToken, sourceLocation: l)
            #expect(f.uint32(2) == v.pageSize, sourceLocation: l)
            #expect(f.bool(3) == v.activeOnly, sourceLocation: l)
        case .importCodes(let v):
            expectNumbers(f, [1, 2], "ImportCodesRequest", l)
            #expect(f.string(1) == v.campaignId, sourceLocation: l)
            try verifyAll(v.codes, try f.messages(2), l, verify)
        case .exportCodes(let v):
            expectNumbers(f, Set(1...6), "ExportCodesRequest", l)
            #expect(f.string(1) == v.campaignId, sourceLocation: l)
            #expect(f.string(2) == v.batchId, sourceLocation: l)
            #expect(f.string(3) == v.pageToken, sourceLocation: l)
            #expect(f.uint32(4) == v.pageSize, sourceLocation: l)
            #expect(f.string(5) == v.ownerId, sourceLocation: l)
            #expect(f.enumeration(6) == v.usage.rawValue, sourceLocation: l)
        case .setCodeStatus(let v):
            expectNumbers(f, [1, 2, 3, 4], "SetCodeStatusRequest", l)
            #expect(f.string(3) == v.batchId, sourceLocation: l)
            #expect(f.string(4) == v.campaignId, sourceLocation: l)
            #expect(f.string(1) == v.code, sourceLocation: l)
            #expect(f.bool(2) == v.active, sourceLocation: l)
        case .voidRedemption(let v):
            expectNumbers(f, [1, 2], "VoidRedemptionRequest", l)
            #expect(f.string(1) == v.redemptionId, sourceLocation: l)
            #expect(f.string(2) == v.reason, sourceLocation: l)
        case .rewardHistory(let v):
            expectNumbers(f, [1, 2, 3], "RewardHistoryRequest", l)
            #expect(f.string(1) == v.userId, sourceLocation: l)
            #expect(f.string(2) == v.pageToken, sourceLocation: l)
            #expect(f.uint32(3) == v.pageSize, sourceLocation: l)
        case .createApiKey(let v):
            expectNumbers(f, [1, 2, 3], "CreateApiKeyRequest", l)
            #expect(f.string(1) == v.name, sourceLocation: l)
            #expect(f.string(2) == v.role, sourceLocation: l)
            #expect(f.strings(3) == v.campaignIds, sourceLocation: l)
        case .revokeApiKey(let v):
            expectNumbers(f, [1], "RevokeApiKeyRequest", l)
            #expect(f.string(1) == v.keyId, sourceLocation: l)
        case .listApiKeys:
            expectNumbers(f, [], "ListApiKeysRequest", l)
        case .check:
            expectNumbers(f, [], "CheckRequest", l)
        case .backup(let v):
            expectNumbers(f, [1], "BackupRequest", l)
            #expect(f.string(1) == v.name, sourceLocation: l)
        case .fetchBackup(let v):
            expectNumbers(f, [1, 2, 3], "FetchBackupRequest", l)
            #expect(f.string(1) == v.name, sourceLocation: l)
            #expect(f.uint64(2) == v.offset, sourceLocation: l)
            #expect(f.uint32(3) == v.length, sourceLocation: l)
        case .auditLog(let v):
            expectNumbers(f, Set(1...7), "AuditLogRequest", l)
            #expect(f.string(1) == v.actorKeyId, sourceLocation: l)
            #expect(f.string(2) == v.action, sourceLocation: l)
            #expect(f.string(3) == v.target, sourceLocation: l)
            #expect(f.int64(4) == v.fromMs, sourceLocation: l)
            #expect(f.int64(5) == v.toMs, sourceLocation: l)
            #expect(f.string(6) == v.pageToken, sourceLocation: l)
            #expect(f.uint32(7) == v.pageSize, sourceLocation: l)
        case .getCode(let v):
            expectNumbers(f, [1], "GetCodeRequest", l)
            #expect(f.string(1) == v.code, sourceLocation: l)
        case .createGroup(let v):
            expectNumbers(f, [1, 2], "CreateGroupRequest", l)
            #expect(f.string(1) == v.name, sourceLocation: l)
            #expect(f.uint32(2) == v.maxPerUser, sourceLocation: l)
        case .getGroup(let v):
            expectNumbers(f, [1], "GetGroupRequest", l)
            #expect(f.string(1) == v.groupId, sourceLocation: l)
        case .listGroups(let v):
            expectNumbers(f, [1, 2], "ListGroupsRequest", l)
            #expect(f.string(1) == v.pageToken, sourceLocation: l)
            #expect(f.uint32(2) == v.pageSize, sourceLocation: l)
        case .updateGroup(let v):
            expectNumbers(f, [1, 2, 3], "UpdateGroupRequest", l)
            #expect(f.string(1) == v.groupId, sourceLocation: l)
            try verifyOptional(v.group, try f.message(2), l, verify)
            #expect(f.strings(3) == v.updateMask, sourceLocation: l)
        case .grantReward(let v):
            expectNumbers(f, Set(1...5), "GrantRewardRequest", l)
            try verifyOptional(v.user, try f.message(1), l, verify)
            try verifyOptional(v.reward, try f.message(2), l, verify)
            #expect(f.string(3) == v.reason, sourceLocation: l)
            #expect(f.string(4) == v.campaignId, sourceLocation: l)
            #expect(f.string(5) == v.idempotencyKey, sourceLocation: l)
        case .offers(let v):
            expectNumbers(f, [1, 2, 3], "OffersRequest", l)
            try verifyOptional(v.user, try f.message(1), l, verify)
            #expect(f.int64(2) == v.depositMinor, sourceLocation: l)
            #expect(f.string(3) == v.currency, sourceLocation: l)
        case .blockUser(let v):
            expectNumbers(f, [1, 2, 3, 4], "BlockUserRequest", l)
            #expect(f.string(1) == v.userId, sourceLocation: l)
            #expect(f.string(2) == v.reason, sourceLocation: l)
            #expect(f.int64(3) == v.untilMs, sourceLocation: l)
            #expect(f.string(4) == v.campaignId, sourceLocation: l)
        case .unblockUser(let v):
            expectNumbers(f, [1, 2], "UnblockUserRequest", l)
            #expect(f.string(1) == v.userId, sourceLocation: l)
            #expect(f.string(2) == v.campaignId, sourceLocation: l)
        case .listBlocks(let v):
            expectNumbers(f, [1, 2], "ListBlocksRequest", l)
            #expect(f.string(1) == v.pageToken, sourceLocation: l)
            #expect(f.uint32(2) == v.pageSize, sourceLocation: l)
        case .compareCampaigns(let v):
            expectNumbers(f, [1, 2, 3], "CompareCampaignsRequest", l)
            #expect(f.strings(1) == v.campaignIds, sourceLocation: l)
            #expect(f.int64(2) == v.fromMs, sourceLocation: l)
            #expect(f.int64(3) == v.toMs, sourceLocation: l)
        }
    }

    // MARK: - Response arms

    static func verify(_ result: Response.Result, _ f: ProtoFields, _ l: SourceLocation) throws {
        switch result {
        case .hello(let v):
            expectNumbers(f, [1, 2], "HelloResponse", l)
            #expect(f.string(1) == v.serverVersion, sourceLocation: l)
            #expect(f.string(2) == v.role, sourceLocation: l)
        case .validate(let v):
            expectNumbers(f, Set(1...9), "ValidateResponse", l)
            #expect(f.enumeration(1) == v.verdict.rawValue, sourceLocation: l)
            #expect(f.string(2) == v.campaignId, sourceLocation: l)
            try verifyOptional(v.reward, try f.message(3), l, verify)
            #expect(f.uint64(4) == v.remaining, sourceLocation: l)
            #expect(f.string(5) == v.reservationId, sourceLocation: l)
            #expect(f.int64(6) == v.reservedUntilMs, sourceLocation: l)
            #expect(f.bool(7) == v.unlimited, sourceLocation: l)
            try verifyAll(v.checks, try f.messages(8), l, verify)
            #expect(f.int64(9) == v.budgetRemainingMinor, sourceLocation: l)
        case .redeem(let v):
            expectNumbers(f, Set(1...5), "RedeemResponse", l)
            #expect(f.enumeration(1) == v.verdict.rawValue, sourceLocation: l)
            #expect(f.string(2) == v.redemptionId, sourceLocation: l)
            try verifyOptional(v.reward, try f.message(3), l, verify)
            #expect(f.string(4) == v.campaignId, sourceLocation: l)
            #expect(f.bool(5) == v.replayed, sourceLocation: l)
        case .generate(let v):
            expectNumbers(f, [1, 2, 3], "GenerateResponse", l)
            #expect(f.string(1) == v.batchId, sourceLocation: l)
            #expect(f.uint32(2) == v.generated, sourceLocation: l)
            #expect(f.strings(3) == v.codes, sourceLocation: l)
        case .report(let v):
            expectNumbers(f, Set(1...12), "ReportResponse", l)
            #expect(f.string(1) == v.campaignId, sourceLocation: l)
            #expect(f.uint64(2) == v.codesIssued, sourceLocation: l)
            #expect(f.uint64(3) == v.codesRedeemed, sourceLocation: l)
            #expect(f.uint64(4) == v.redemptions, sourceLocation: l)
            #expect(f.uint64(5) == v.voided, sourceLocation: l)
            #expect(f.uint64(6) == v.uniqueUsers, sourceLocation: l)
            #expect(f.double(7) == v.redemptionRate, sourceLocation: l)
            #expect(f.int64(8) == v.rewardTotalMinor, sourceLocation: l)
            try verifyAll(v.failuresByVerdict, try f.messages(9), l, verify)
            try verifyAll(v.bySource, try f.messages(10), l, verify)
            try verifyAll(v.byOwner, try f.messages(11), l, verify)
            try verifyAll(v.timeline, try f.messages(12), l, verify)
        case .createCampaign(let v):
            expectNumbers(f, [1], "CreateCampaignResponse", l)
            try verifyOptional(v.campaign, try f.message(1), l, verify)
        case .updateCampaign(let v):
            expectNumbers(f, [1], "UpdateCampaignResponse", l)
            try verifyOptional(v.campaign, try f.message(1), l, verify)
        case .getCampaign(let v):
            expectNumbers(f, [1], "GetCampaignResponse", l)
            try verifyOptional(v.campaign, try f.message(1), l, verify)
        case .listCampaigns(let v):
            expectNumbers(f, [1, 2], "ListCampaignsResponse", l)
            try verifyAll(v.campaigns, try f.messages(1), l, verify)
            #expect(f.string(2) == v.nextPageToken, sourceLocation: l)
        case .importCodes(let v):
            expectNumbers(f, [1, 2, 3], "ImportCodesResponse", l)
            #expect(f.string(1) == v.batchId, sourceLocation: l)
            #expect(f.uint32(2) == v.imported, sourceLocation: l)
            try verifyAll(v.rejected, try f.messages(3), l, verify)
        case .exportCodes(let v):
            expectNumbers(f, [1, 2], "ExportCodesResponse", l)
            try verifyAll(v.codes, try f.messages(1), l, verify)
            #expect(f.string(2) == v.nextPageToken, sourceLocation: l)
        case .setCodeStatus(let v):
            expectNumbers(f, [1, 2], "SetCodeStatusResponse", l)
            #expect(f.uint64(2) == v.changed, sourceLocation: l)
            try verifyOptional(v.code, try f.message(1), l, verify)
        case .voidRedemption(let v):
            expectNumbers(f, [1], "VoidRedemptionResponse", l)
            try verifyOptional(v.redemption, try f.message(1), l, verify)
        case .rewardHistory(let v):
            expectNumbers(f, [1, 2], "RewardHistoryResponse", l)
            try verifyAll(v.redemptions, try f.messages(1), l, verify)
            #expect(f.string(2) == v.nextPageToken, sourceLocation: l)
        case .createApiKey(let v):
            expectNumbers(f, [1, 2], "CreateApiKeyResponse", l)
            #expect(f.string(1) == v.keyId, sourceLocation: l)
            #expect(f.string(2) == v.apiKey, sourceLocation: l)
        case .revokeApiKey:
            expectNumbers(f, [], "RevokeApiKeyResponse", l)
        case .listApiKeys(let v):
            expectNumbers(f, [1], "ListApiKeysResponse", l)
            try verifyAll(v.keys, try f.messages(1), l, verify)
        case .check(let v):
            expectNumbers(f, [2, 3], "CheckResponse", l)
            #expect(f.bool(1) == v.ok, sourceLocation: l)
            #expect(f.strings(2) == v.problems, sourceLocation: l)
            #expect(f.int64(3) == v.checkedAtMs, sourceLocation: l)
        case .backup(let v):
            expectNumbers(f, Set(1...7), "BackupResponse", l)
            #expect(f.string(1) == v.name, sourceLocation: l)
            #expect(f.string(2) == v.path, sourceLocation: l)
            #expect(f.uint64(3) == v.sizeBytes, sourceLocation: l)
            #expect(f.uint64(4) == v.pages, sourceLocation: l)
            #expect(f.string(5) == v.sha256, sourceLocation: l)
            #expect(f.int64(6) == v.durationMs, sourceLocation: l)
            #expect(f.int64(7) == v.createdAtMs, sourceLocation: l)
        case .fetchBackup(let v):
            expectNumbers(f, [1, 2], "FetchBackupResponse", l)
            #expect(f.data(1) == v.data, sourceLocation: l)
            #expect(f.uint64(2) == v.sizeBytes, sourceLocation: l)
        case .auditLog(let v):
            expectNumbers(f, [1, 2], "AuditLogResponse", l)
            try verifyAll(v.entries, try f.messages(1), l, verify)
            #expect(f.string(2) == v.nextPageToken, sourceLocation: l)
        case .getCode(let v):
            expectNumbers(f, [1, 2], "GetCodeResponse", l)
            try verifyOptional(v.code, try f.message(1), l, verify)
            try verifyOptional(v.campaign, try f.message(2), l, verify)
        case .createGroup(let v):
            expectNumbers(f, [1], "CreateGroupResponse", l)
            try verifyOptional(v.group, try f.message(1), l, verify)
        case .getGroup(let v):
            expectNumbers(f, [1], "GetGroupResponse", l)
            try verifyOptional(v.group, try f.message(1), l, verify)
        case .listGroups(let v):
            expectNumbers(f, [1, 2], "ListGroupsResponse", l)
            try verifyAll(v.groups, try f.messages(1), l, verify)
            #expect(f.string(2) == v.nextPageToken, sourceLocation: l)
        case .updateGroup(let v):
            expectNumbers(f, [1], "UpdateGroupResponse", l)
            try verifyOptional(v.group, try f.message(1), l, verify)
        case .grantReward(let v):
            expectNumbers(f, [1, 2, 3], "GrantRewardResponse", l)
            #expect(f.string(1) == v.redemptionId, sourceLocation: l)
            try verifyOptional(v.reward, try f.message(2), l, verify)
            #expect(f.bool(3) == v.replayed, sourceLocation: l)
        case .offers(let v):
            expectNumbers(f, [1], "OffersResponse", l)
            try verifyAll(v.offers, try f.messages(1), l, verify)
        case .blockUser(let v):
            expectNumbers(f, [1], "BlockUserResponse", l)
            #expect(f.string(1) == v.blockId, sourceLocation: l)
        case .unblockUser(let v):
            expectNumbers(f, [1], "UnblockUserResponse", l)
            #expect(f.uint64(1) == v.removed, sourceLocation: l)
        case .listBlocks(let v):
            expectNumbers(f, [1, 2], "ListBlocksResponse", l)
            try verifyAll(v.blocks, try f.messages(1), l, verify)
            #expect(f.string(2) == v.nextPageToken, sourceLocation: l)
        case .compareCampaigns(let v):
            expectNumbers(f, [1], "CompareCampaignsResponse", l)
            try verifyAll(v.rows, try f.messages(1), l, verify)
        }
    }
}
