@testable import PromoWire

/// Values with every field set to a non-default value, and same-typed fields within one message set to
/// different values, so a field mapped to the wrong C member (or the wrong field number) cannot go unseen.
enum Samples {
    static let user = UserContext.with {
        $0.userId = "user-1"
        $0.segments = ["vip", "new", "grün ✓"]
        $0.registeredAtMs = -1_700_000_000_001
        $0.country = "DE"
        $0.vipLevel = 7
        $0.ip = "203.0.113.9"
        $0.deviceId = "device-42"
    }

    static let user2 = UserContext.with {
        $0.userId = "user-2"
        $0.segments = ["whale"]
        $0.registeredAtMs = Int64.max
        $0.country = "AT"
        $0.vipLevel = UInt32.max
        $0.ip = "2001:db8::1"
        $0.deviceId = "device-43"
    }

    static let reward = Reward.with {
        $0.kind = .depositMatch
        $0.amountMinor = -12_345
        $0.currency = "EUR"
        $0.percent = 150
        $0.capMinor = Int64.max
        $0.freeSpins = 25
        $0.gameId = "book-of-ra"
    }

    static let reward2 = Reward.with {
        $0.kind = RewardKind(rawValue: 77)  // unknown to this build
        $0.amountMinor = Int64.min
        $0.currency = "JPY"
        $0.percent = UInt32.max
        $0.capMinor = -1
        $0.freeSpins = 1
        $0.gameId = "starburst"
    }

    static let eligibility = Eligibility.with {
        $0.segments = ["vip", "churned"]
        $0.newUsersOnly = true
        $0.newUserWindowMs = 86_400_000
        $0.minDepositMinor = -2
        $0.countries = ["DE", "AT", "CH"]
        $0.minVipLevel = 4
    }

    static let stats = CampaignStats.with {
        $0.redemptions = 11
        $0.uniqueUsers = 12
        $0.remaining = UInt64.max
        $0.unlimited = true
        $0.budgetSpentMinor = -5
        $0.budgetRemainingMinor = Int64.max
    }

    static let campaign = Campaign.with {
        $0.id = "cmp-1"
        $0.name = "Summer ☀️"
        $0.kind = .affiliate
        $0.reward = reward
        $0.startsAtMs = Int64.min
        $0.expiresAtMs = 1_800_000_000_000
        $0.active = true
        $0.maxRedemptions = UInt64.max - 1
        $0.maxPerUser = 3
        $0.eligibility = eligibility
        $0.source = "partner-x"
        $0.createdAtMs = -7
        $0.stats = stats
        $0.groupId = "grp-1"
        $0.autoApply = true
        $0.budgetMinor = 5_000_000
    }

    static let group = Group.with {
        $0.id = "grp-1"
        $0.name = "Welcome offers ✨"
        $0.maxPerUser = UInt32.max
        $0.createdAtMs = Int64.min
    }

    static let group2 = Group.with {
        $0.id = "grp-2"
        $0.name = "Black Friday"
        $0.maxPerUser = 1
        $0.createdAtMs = 1_800_000_000_000
    }

    static let campaign2 = Campaign.with {
        $0.id = "cmp-2"
        $0.name = "Winter"
        $0.kind = .seasonal
        $0.reward = reward2
        $0.startsAtMs = 1
        $0.expiresAtMs = -1
        $0.active = true
        $0.maxRedemptions = 5
        $0.maxPerUser = UInt32.max
        $0.groupId = "grp-2"
        $0.autoApply = true
        $0.budgetMinor = Int64.min
        $0.eligibility = Eligibility.with {
            $0.segments = ["a"]
            $0.newUsersOnly = true
            $0.newUserWindowMs = -3
            $0.minDepositMinor = 99
            $0.countries = ["FR"]
            $0.minVipLevel = UInt32.max
        }
        $0.source = "web"
        $0.createdAtMs = Int64.max
        $0.stats = CampaignStats.with {
            $0.redemptions = UInt64.max
            $0.uniqueUsers = 1
            $0.remaining = 2
            $0.unlimited = true
            $0.budgetSpentMinor = 1
            $0.budgetRemainingMinor = 2
        }
    }

    static let codeInfo = CodeInfo.with {
        $0.code = "ABC-123"
        $0.campaignId = "cmp-3"
        $0.active = true
        $0.maxUses = 10
        $0.uses = 9
        $0.ownerId = "owner-7"
        $0.batchId = "batch-3"
        $0.createdAtMs = -1
    }

    static let codeInfo2 = CodeInfo.with {
        $0.code = "XYZ-999"
        $0.campaignId = "cmp-4"
        $0.active = true
        $0.maxUses = UInt64.max
        $0.uses = UInt64.max - 1
        $0.ownerId = "owner-8"
        $0.batchId = "batch-4"
        $0.createdAtMs = Int64.min
    }

    static let ruleCheck = RuleCheck.with {
        $0.rule = "campaign_limit"
        $0.passed = true
        $0.detail = "campaign limit: 999 of 1,000 used ✓"
    }

    static let ruleCheck2 = RuleCheck.with {
        $0.rule = "segment"
        $0.passed = true
        $0.detail = "segment: player is in [regular], campaign wants any of [vip]"
    }

    static let redemption = RedemptionInfo.with {
        $0.redemptionId = "red-1"
        $0.code = "CODE-1"
        $0.campaignId = "cmp-5"
        $0.userId = "user-9"
        $0.reward = reward
        $0.redeemedAtMs = 1_700_000_000_123
        $0.voided = true
        $0.source = "app"
        $0.voidedAtMs = -1_700_000_000_456
        $0.voidReason = "fraud"
        $0.grant = true
        $0.reason = "won the tournament 🏆"
        $0.grantedBy = "key-1"
    }

    static let redemption2 = RedemptionInfo.with {
        $0.redemptionId = "red-2"
        $0.code = "CODE-2"
        $0.campaignId = "cmp-6"
        $0.userId = "user-10"
        $0.reward = reward2
        $0.redeemedAtMs = Int64.min
        $0.voided = true
        $0.source = "kiosk"
        $0.voidedAtMs = Int64.max
        $0.voidReason = "duplicate"
        $0.grant = true
        $0.reason = "compensation"
        $0.grantedBy = "key-2"
    }

    static let apiKey = ApiKeyInfo.with {
        $0.keyId = "key-1"
        $0.name = "shop"
        $0.role = "issuer"
        $0.campaignIds = ["cmp-1", "cmp-2"]
        $0.createdAtMs = -9
        $0.revoked = true
    }

    static let apiKey2 = ApiKeyInfo.with {
        $0.keyId = "key-2"
        $0.name = "ops"
        $0.role = "admin"
        $0.campaignIds = ["cmp-3"]
        $0.createdAtMs = Int64.max
        $0.revoked = true
    }

    static let auditEntry = AuditLogEntry.with {
        $0.id = 41
        $0.atMs = 1_700_000_000_999
        $0.actorKeyId = "key-4"
        $0.action = "update_campaign"
        $0.target = "cmp-30"
        $0.detail = "active,name"
    }

    static let auditEntry2 = AuditLogEntry.with {
        $0.id = UInt64.max
        $0.atMs = Int64.min
        $0.actorKeyId = "bootstrap"
        $0.action = "create_api_key"
        $0.target = "key-5"
        $0.detail = "role=admin ✓"
    }

    // MARK: - Every Request.Call arm

    static let calls: [Request.Call] = [
        .hello(.with { $0.apiKey = "pk_live_123"; $0.clientName = "slots-eu-1" }),
        .validate(
            .with {
                $0.code = "SUMMER-24"
                $0.user = user
                $0.depositMinor = -5_000
                $0.currency = "USD"
                $0.reserveMs = 30_000
                $0.explain = true
                $0.campaignId = "cmp-auto-1"
            }),
        .redeem(
            .with {
                $0.code = "SUMMER-25"
                $0.user = user2
                $0.idempotencyKey = "idem-1"
                $0.depositMinor = Int64.min
                $0.currency = "GBP"
                $0.source = "mobile"
                $0.reservationId = "res-1"
                $0.campaignId = "cmp-auto-2"
            }),
        .generate(
            .with {
                $0.campaignId = "cmp-7"
                $0.count = 10_000
                $0.pattern = "??-####"
                $0.prefix = "PRE"
                $0.suffix = "SUF"
                $0.maxUsesPerCode = UInt64.max
                $0.ownerId = "aff-3"
                $0.idempotencyKey = "idem-2"
            }),
        .report(.with { $0.campaignId = "cmp-8"; $0.fromMs = Int64.min; $0.toMs = -1 }),
        .createCampaign(.with { $0.campaign = campaign; $0.code = "SHARED"; $0.codeMaxUses = UInt64.max }),
        .updateCampaign(
            .with {
                $0.campaignId = "cmp-9"
                $0.campaign = campaign2
                $0.updateMask = ["name", "active", "reward"]
            }),
        .getCampaign(.with { $0.campaignId = "cmp-10" }),
        .listCampaigns(.with { $0.pageToken = "page-2"; $0.pageSize = UInt32.max; $0.activeOnly = true }),
        .importCodes(
            .with {
                $0.campaignId = "cmp-11"
                $0.codes = [
                    .with { $0.code = "IMP-1"; $0.maxUses = 1; $0.ownerId = "o-1" },
                    .with { $0.code = "IMP-2"; $0.maxUses = UInt64.max; $0.ownerId = "o-2" },
                ]
            }),
        .exportCodes(
            .with {
                $0.campaignId = "cmp-12"
                $0.batchId = "batch-9"
                $0.pageToken = "tok"
                $0.pageSize = 500
                $0.ownerId = "o-3"
                $0.usage = .used
            }),
        .setCodeStatus(.with { $0.code = "OFF-1"; $0.active = true; $0.batchId = "batch-3"; $0.campaignId = "cmp-4" }),
        .voidRedemption(.with { $0.redemptionId = "red-3"; $0.reason = "chargeback" }),
        .rewardHistory(.with { $0.userId = "user-11"; $0.pageToken = "p-3"; $0.pageSize = 50 }),
        .createApiKey(.with { $0.name = "partner"; $0.role = "issuer"; $0.campaignIds = ["cmp-1", "cmp-2", ""] }),
        .revokeApiKey(.with { $0.keyId = "key-9" }),
        .listApiKeys(ListApiKeysRequest()),
        .check(CheckRequest()),
        .backup(.with { $0.name = "nightly-2026-12-02.sqlite" }),
        .fetchBackup(.with { $0.name = "nightly.sqlite"; $0.offset = UInt64.max - 3; $0.length = 262_144 }),
        .auditLog(
            .with {
                $0.actorKeyId = "key-3"
                $0.action = "void_redemption"
                $0.target = "red-9"
                $0.fromMs = -5
                $0.toMs = Int64.max
                $0.pageToken = "p-4"
                $0.pageSize = UInt32.max
            }),
        .getCode(.with { $0.code = "summer 50-ä" }),
        .createGroup(.with { $0.name = "Welcome offers"; $0.maxPerUser = UInt32.max }),
        .getGroup(.with { $0.groupId = "grp-1" }),
        .listGroups(.with { $0.pageToken = "p-5"; $0.pageSize = 7 }),
        .updateGroup(.with { $0.groupId = "grp-2"; $0.group = group2; $0.updateMask = ["name", "max_per_user"] }),
        .grantReward(
            .with {
                $0.user = user
                $0.reward = reward2
                $0.reason = "compensation for the outage"
                $0.campaignId = "cmp-30"
                $0.idempotencyKey = "grant-1"
            }),
        .offers(.with { $0.user = user; $0.depositMinor = -7; $0.currency = "EUR" }),
        .blockUser(.with { $0.userId = "user-13"; $0.reason = "bonus abuse"; $0.untilMs = Int64.max; $0.campaignId = "cmp-5" }),
        .unblockUser(.with { $0.userId = "user-14"; $0.campaignId = "cmp-6" }),
        .listBlocks(.with { $0.pageToken = "p-6"; $0.pageSize = 9 }),
        .compareCampaigns(.with { $0.campaignIds = ["cmp-30", "", "cmp-31"]; $0.fromMs = -7; $0.toMs = Int64.max }),
    ]

    // MARK: - Every Response.Result arm

    static let comparison = CampaignComparison.with {
        $0.campaignId = "cmp-32"
        $0.name = "Welcome ✓"
        $0.currency = "EUR"
        $0.redemptions = UInt64.max
        $0.voided = 3
        $0.uniqueUsers = 40
        $0.redemptionRate = 0.125
        $0.rewardTotalMinor = -5
        $0.depositTotalMinor = Int64.max
        $0.averageDepositMinor = 2_500
        $0.rewardCostRatio = 0.2
        $0.failures = 9
        $0.repeatUsers = 7
        $0.codesIssued = 100
        $0.codesRedeemed = 12
        $0.freeSpinsGranted = 11
        $0.loyaltyPointsGranted = -13
        $0.fromMs = -3_600_000
        $0.toMs = 7_200_000
    }
    static let comparison2 = CampaignComparison.with {
        $0.campaignId = "cmp-33"
        $0.name = "n"
        $0.currency = "USD"
        $0.redemptions = 1
        $0.voided = 1
        $0.uniqueUsers = 1
        $0.redemptionRate = 1
        $0.rewardTotalMinor = 1
        $0.depositTotalMinor = 1
        $0.averageDepositMinor = 1
        $0.rewardCostRatio = 1
        $0.failures = 1
        $0.repeatUsers = 1
        $0.codesIssued = 1
        $0.codesRedeemed = 1
        $0.freeSpinsGranted = 1
        $0.loyaltyPointsGranted = 1
        $0.fromMs = 1
        $0.toMs = 1
    }

    static let results: [Response.Result] = [
        .hello(.with { $0.serverVersion = "1.2.3"; $0.role = "manager" }),
        .validate(
            .with {
                $0.verdict = .minDepositNotMet
                $0.campaignId = "cmp-20"
                $0.reward = reward
                $0.remaining = UInt64.max
                $0.reservationId = "res-2"
                $0.reservedUntilMs = -42
                $0.unlimited = true
                $0.checks = [ruleCheck, ruleCheck2]
                $0.budgetRemainingMinor = -9
            }),
        .redeem(
            .with {
                $0.verdict = .ok
                $0.redemptionId = "red-4"
                $0.reward = reward2
                $0.campaignId = "cmp-21"
                $0.replayed = true
            }),
        .generate(
            .with { $0.batchId = "batch-10"; $0.generated = 3; $0.codes = ["AAA-111", "BBB-222", "CCC-333"] }),
        .report(
            .with {
                $0.campaignId = "cmp-22"
                $0.codesIssued = 1_000
                $0.codesRedeemed = 250
                $0.redemptions = 260
                $0.voided = 10
                $0.uniqueUsers = 240
                $0.redemptionRate = 0.25
                $0.rewardTotalMinor = -9_999_999_999
                $0.failuresByVerdict = [Count("EXPIRED", 4), Count("LIMIT_REACHED", UInt64.max)]
                $0.bySource = [Count("web", 100)]
                $0.byOwner = [Count("aff-1", 7), Count("aff-2", 8), Count("aff-3", 9)]
                $0.timeline = [
                    .with { $0.startMs = -86_400_000; $0.redemptions = 7; $0.uniqueUsers = 6 },
                    .with { $0.startMs = Int64.max; $0.redemptions = UInt64.max; $0.uniqueUsers = 1 },
                ]
            }),
        .createCampaign(.with { $0.campaign = campaign }),
        .updateCampaign(.with { $0.campaign = campaign2 }),
        .getCampaign(.with { $0.campaign = campaign }),
        .listCampaigns(.with { $0.campaigns = [campaign, campaign2]; $0.nextPageToken = "next-1" }),
        .importCodes(
            .with {
                $0.batchId = "batch-11"
                $0.imported = 98
                $0.rejected = [
                    .with { $0.index = 3; $0.code = "DUP-1"; $0.reason = "duplicate" },
                    .with { $0.index = UInt32.max; $0.code = "BAD 2"; $0.reason = "invalid characters" },
                ]
            }),
        .exportCodes(.with { $0.codes = [codeInfo, codeInfo2]; $0.nextPageToken = "next-2" }),
        .setCodeStatus(.with { $0.code = codeInfo; $0.changed = UInt64.max }),
        .voidRedemption(.with { $0.redemption = redemption }),
        .rewardHistory(.with { $0.redemptions = [redemption, redemption2]; $0.nextPageToken = "next-3" }),
        .createApiKey(.with { $0.keyId = "key-10"; $0.apiKey = "pk_secret_shown_once" }),
        .revokeApiKey(RevokeApiKeyResponse()),
        .listApiKeys(.with { $0.keys = [apiKey, apiKey2] }),
        .check(.with { $0.ok = false; $0.problems = ["codes.uses: 1 row(s) disagree", "integrity_check: page 7"]; $0.checkedAtMs = -11 }),
        .backup(
            .with {
                $0.name = "promo-20261202T040000000Z.sqlite"
                $0.path = "/var/lib/promo/backups/promo-20261202T040000000Z.sqlite"
                $0.sizeBytes = UInt64.max
                $0.pages = 1_234
                $0.sha256 = String(repeating: "ab", count: 32)
                $0.durationMs = -17
                $0.createdAtMs = Int64.max
            }),
        // Every byte value, NUL included: bytes fields are not C strings.
        .fetchBackup(.with { $0.data = (0...255).map(UInt8.init) + [0, 0, 7]; $0.sizeBytes = 9_999 }),
        .auditLog(
            .with {
                $0.entries = [auditEntry, auditEntry2]
                $0.nextPageToken = "next-4"
            }),
        .getCode(.with { $0.code = codeInfo; $0.campaign = campaign2 }),
        .createGroup(.with { $0.group = group }),
        .getGroup(.with { $0.group = group2 }),
        .listGroups(.with { $0.groups = [group, group2]; $0.nextPageToken = "next-5" }),
        .updateGroup(.with { $0.group = group }),
        .grantReward(.with { $0.redemptionId = "grt-1"; $0.reward = reward; $0.replayed = true }),
        .offers(
            .with {
                $0.offers = [
                    .with {
                        $0.campaign = campaign
                        $0.verdict = .userBlocked
                        $0.reward = reward
                        $0.remaining = 3
                        $0.unlimited = true
                    },
                    .with {
                        $0.campaign = campaign2
                        $0.verdict = .ok
                        $0.reward = reward2
                        $0.remaining = UInt64.max
                        $0.unlimited = true
                    },
                ]
            }),
        .blockUser(.with { $0.blockId = "blk-1" }),
        .unblockUser(.with { $0.removed = 1 }),
        .listBlocks(
            .with {
                $0.blocks = [
                    .with {
                        $0.id = "blk-2"
                        $0.userId = "user-15"
                        $0.reason = "multi-accounting"
                        $0.untilMs = -1
                        $0.campaignId = "cmp-7"
                        $0.createdAtMs = 99
                        $0.createdBy = "key-4"
                    }
                ]
                $0.nextPageToken = "next-6"
            }),
        .compareCampaigns(.with { $0.rows = [comparison, comparison2] }),
    ]
}

extension Request.Call {
    /// The `oneof call` field number in promo.proto.
    var fieldNumber: Int {
        switch self {
        case .hello: 10
        case .validate: 11
        case .redeem: 12
        case .generate: 13
        case .report: 14
        case .createCampaign: 15
        case .updateCampaign: 16
        case .getCampaign: 17
        case .listCampaigns: 18
        case .importCodes: 19
        case .exportCodes: 20
        case .setCodeStatus: 21
        case .voidRedemption: 22
        case .rewardHistory: 23
        case .createApiKey: 24
        case .revokeApiKey: 25
        case .listApiKeys: 26
        case .check: 27
        case .backup: 28
        case .fetchBackup: 29
        case .auditLog: 30
        case .getCode: 31
        case .createGroup: 32
        case .getGroup: 33
        case .listGroups: 34
        case .updateGroup: 35
        case .grantReward: 36
        case .offers: 37
        case .blockUser: 38
        case .unblockUser: 39
        case .listBlocks: 40
        case .compareCampaigns: 41
        }
    }
}

extension Response.Result {
    /// The `oneof result` field number in promo.proto.
    var fieldNumber: Int {
        switch self {
        case .hello: 10
        case .validate: 11
        case .redeem: 12
        case .generate: 13
        case .report: 14
        case .createCampaign: 15
        case .updateCampaign: 16
        case .getCampaign: 17
        case .listCampaigns: 18
        case .importCodes: 19
        case .exportCodes: 20
        case .setCodeStatus: 21
        case .voidRedemption: 22
        case .rewardHistory: 23
        case .createApiKey: 24
        case .revokeApiKey: 25
        case .listApiKeys: 26
        case .check: 27
        case .backup: 28
        case .fetchBackup: 29
        case .auditLog: 30
        case .getCode: 31
        case .createGroup: 32
        case .getGroup: 33
        case .listGroups: 34
        case .updateGroup: 35
        case .grantReward: 36
        case .offers: 37
        case .blockUser: 38
        case .unblockUser: 39
        case .listBlocks: 40
        case .compareCampaigns: 41
        }
    }
}
