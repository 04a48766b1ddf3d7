import PromoClient
import PromoStore
import PromoWire
import Testing

// Manual credits (grant_reward), their write-off (void_redemption on a grant's id), campaign budgets
// (BUDGET_EXHAUSTED, validate's budget_remaining_minor, the spend in CampaignStats) and '_' as a code
// separator, over TCP against a real SQLite file.

extension PromoClient {
    func grantReward(_ request: GrantRewardRequest) async throws -> GrantRewardResponse {
        let result = try await call(.grantReward(request))
        guard case .grantReward(let answer) = result else { throw UnexpectedAnswer("grant_reward answered \(result)") }
        return answer
    }

    func grant(
        _ player: String, _ reward: Reward, reason: String = "tournament win", campaignId: String = "",
        idempotencyKey: String = ""
    ) async throws -> GrantRewardResponse {
        try await grantReward(grantRequest(player, reward, reason: reason, campaignId: campaignId, idempotencyKey: idempotencyKey))
    }

    func auditEntries(action: String, target: String = "") async throws -> [AuditLogEntry] {
        let result = try await call(.auditLog(.with {
            $0.action = action
            $0.target = target
        }))
        guard case .auditLog(let answer) = result else { throw UnexpectedAnswer("audit_log answered \(result)") }
        return answer.entries
    }
}

func grantRequest(
    _ player: String, _ reward: Reward, reason: String = "tournament win", campaignId: String = "",
    idempotencyKey: String = ""
) -> GrantRewardRequest {
    GrantRewardRequest.with {
        $0.user = user(player)
        $0.reward = reward
        $0.reason = reason
        $0.campaignId = campaignId
        $0.idempotencyKey = idempotencyKey
    }
}

func bonusReward(_ amountMinor: Int64, _ currency: String = "EUR") -> Reward {
    Reward.with {
        $0.kind = .bonus
        $0.amountMinor = amountMinor
        $0.currency = currency
    }
}

func spinsReward(_ count: UInt32, game: String = "book-of-ra") -> Reward {
    Reward.with {
        $0.kind = .freeSpins
        $0.freeSpins = count
        $0.gameId = game
    }
}

@Suite("Grants, write-offs and budgets", .serverCleanup)
struct GrantBudgetTests {
    /// A disqualified player is credited nothing by hand either: FAILED_PRECONDITION naming the block, for a
    /// block of every campaign and for a block of the grant's campaign; a block of another campaign does not
    /// stand in the way, and a grant made before the block still replays.
    @Test func grantsToABlockedPlayerAreRefused() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign(), code: Unique.code("BLOCKED"))
        let other = try await admin.createCampaign(bonusCampaign(), code: Unique.code("OTHER"))
        let player = Unique.user("cheat")
        let before = try await admin.grant(player, bonusReward(100), idempotencyKey: "before-block")

        _ = try await admin.blockUser(player, reason: "multi-accounting", campaignId: campaign.id)
        let scoped = try await admin.send(.grantReward(grantRequest(player, bonusReward(100), campaignId: campaign.id)))
        #expect(scoped.status.code == .failedPrecondition, "\(scoped.status)")
        #expect(scoped.status.message.contains("blocked") && scoped.status.message.contains("multi-accounting"))
        #expect(try await admin.grant(player, bonusReward(100), campaignId: other.id).redemptionId.hasPrefix("grt"))

        _ = try await admin.blockUser(player, reason: "chargebacks")
        let everywhere = try await admin.send(.grantReward(grantRequest(player, bonusReward(100))))
        #expect(everywhere.status.code == .failedPrecondition && everywhere.status.message.contains("every campaign"))
        let replay = try await admin.grant(player, bonusReward(100), idempotencyKey: "before-block")
        #expect(replay.replayed && replay.redemptionId == before.redemptionId)
    }

    @Test func aRedeemThatWouldPassTheBudgetIsRefusedAndAVoidGivesItBack() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("BUDGET")
        let campaign = try await admin.createCampaign(bonusCampaign { $0.budgetMinor = 1_200 }, code: code)
        #expect(campaign.budgetMinor == 1_200)
        #expect(campaign.stats?.budgetRemainingMinor == 1_200 && campaign.stats?.budgetSpentMinor == 0)

        let first = try await admin.validate(code: code, user: user(Unique.user()))
        #expect(first.verdict == .ok && first.budgetRemainingMinor == 1_200)
        let a = try await admin.redeem(code: code, user: user(Unique.user()))
        let b = try await admin.redeem(code: code, user: user(Unique.user()))
        #expect(a.verdict == .ok && b.verdict == .ok)
        // 200 left, a reward of 500 does not fit: refused, on validate and on redeem.
        let late = user(Unique.user())
        let validated = try await admin.validate(code: code, user: late)
        #expect(validated.verdict == .budgetExhausted && validated.budgetRemainingMinor == 200)
        let refused = try await admin.redeem(code: code, user: late)
        #expect(refused.verdict == .budgetExhausted && refused.redemptionId.isEmpty)
        let stats = try #require(try await admin.getCampaign(campaign.id).stats)
        #expect(stats.budgetSpentMinor == 1_000 && stats.budgetRemainingMinor == 200 && stats.redemptions == 2)

        // Staff see the rule and its numbers.
        let explained = try await admin.validate(.with {
            $0.code = code
            $0.user = late
            $0.explain = true
        })
        let rule = try #require(explained.checks.first { $0.rule == "budget" })
        #expect(!rule.passed && rule.detail == "budget: 2.00 of 12.00 EUR left, reward 5.00 EUR", "\(rule.detail)")

        // A void gives the amount back.
        _ = try await admin.voidRedemption(a.redemptionId, reason: "chargeback")
        let again = try await admin.validate(code: code, user: late)
        #expect(again.verdict == .ok && again.budgetRemainingMinor == 700)
        #expect(try await admin.redeem(code: code, user: late).verdict == .ok)

        // The budget cannot go below what is spent; 0 lifts it.
        let below = try await admin.send(.updateCampaign(.with {
            $0.campaignId = campaign.id
            $0.campaign = Campaign.with { $0.budgetMinor = 900 }
            $0.updateMask = ["budget_minor"]
        }))
        #expect(below.status.code == .failedPrecondition, "\(below.status)")
        let lifted = try await admin.updateCampaign(campaign.id, mask: ["budget_minor"]) { $0.budgetMinor = 0 }
        #expect(lifted.budgetMinor == 0 && lifted.stats?.budgetSpentMinor == 1_000 && lifted.stats?.budgetRemainingMinor == 0)
        let unlimited = try await admin.validate(code: code, user: user(Unique.user()))
        #expect(unlimited.verdict == .ok && unlimited.budgetRemainingMinor == 0)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        #expect(try await admin.getCampaign(campaign.id).stats?.budgetSpentMinor == 1_500)

        // The refusals are in the report's failures, and the maintained spend agrees with the raw rows.
        guard case .report(let report) = try await admin.call(.report(.with { $0.campaignId = campaign.id })) else {
            Issue.record("report")
            return
        }
        #expect(report.failuresByVerdict.contains { $0.key == "VERDICT_BUDGET_EXHAUSTED" && $0.count >= 1 }, "\(report.failuresByVerdict)")
        guard case .check(let check) = try await admin.call(.check(CheckRequest())) else { Issue.record("check"); return }
        #expect(check.ok && check.problems.isEmpty, "\(check.problems)")
        await admin.close()
    }

    @Test func aDepositMatchIsPricedAtWhatItWouldCredit() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("MATCH")
        let campaign = try await admin.createCampaign(
            bonusCampaign {
                $0.reward = Reward.with { reward in
                    reward.kind = .depositMatch
                    reward.percent = 100
                    reward.capMinor = 20_000
                    reward.currency = "EUR"
                }
                $0.budgetMinor = 50_000
            }, code: code)
        let big = try await admin.redeem(code: code, user: user(Unique.user()), depositMinor: 38_000, currency: "EUR")
        #expect(big.verdict == .ok && big.reward?.amountMinor == 20_000)  // capped: costs 200.00, not 380.00
        #expect(try await admin.redeem(code: code, user: user(Unique.user()), depositMinor: 18_000, currency: "EUR").verdict == .ok)
        // 120.00 left: a 150.00 deposit would credit 150.00 and is refused; 120.00 fits exactly.
        let player = user(Unique.user())
        let refused = try await admin.validate(code: code, user: player, depositMinor: 15_000, currency: "EUR")
        #expect(refused.verdict == .budgetExhausted && refused.budgetRemainingMinor == 12_000)
        let explained = try await admin.validate(.with {
            $0.code = code
            $0.user = player
            $0.depositMinor = 15_000
            $0.currency = "EUR"
            $0.explain = true
        })
        #expect(explained.checks.first { $0.rule == "budget" }?.detail == "budget: 120.00 of 500.00 EUR left, reward 150.00 EUR")
        #expect(try await admin.redeem(code: code, user: player, depositMinor: 12_000, currency: "EUR").verdict == .ok)
        let stats = try #require(try await admin.getCampaign(campaign.id).stats)
        #expect(stats.budgetSpentMinor == 50_000 && stats.budgetRemainingMinor == 0)
        #expect(try await admin.redeem(code: code, user: user(Unique.user()), depositMinor: 1, currency: "EUR").verdict == .budgetExhausted)
        await admin.close()
    }

    @Test func grantsAreCreditedOutsideTheLimitsAndWrittenOff() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("GRANT")
        let campaign = try await admin.createCampaign(
            bonusCampaign {
                $0.maxRedemptions = 1
                $0.budgetMinor = 2_000
            }, code: code)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .limitReached)

        // The campaign's redemption limit does not apply to a grant; its budget does.
        let player = Unique.user("winner")
        let granted = try await admin.grant(player, bonusReward(1_000), reason: "won the Friday tournament", campaignId: campaign.id)
        #expect(!granted.replayed && granted.redemptionId.hasPrefix("grt") && granted.reward?.amountMinor == 1_000)
        #expect(try await admin.getCampaign(campaign.id).stats?.budgetSpentMinor == 1_500)
        let tooMuch = try await admin.send(.grantReward(grantRequest(player, bonusReward(600), campaignId: campaign.id)))
        #expect(tooMuch.status.code == .failedPrecondition && tooMuch.status.message.contains("budget"), "\(tooMuch.status)")
        // A budget counts in one unit: spins cannot spend a EUR budget.
        let spins = try await admin.send(.grantReward(grantRequest(player, spinsReward(10), campaignId: campaign.id)))
        #expect(spins.status.code == .invalidArgument, "\(spins.status)")

        // In the player's history, marked as a grant with its reason and the key that made it.
        let keys = try await admin.call(.listApiKeys(ListApiKeysRequest()))
        guard case .listApiKeys(let list) = keys else { Issue.record("list_api_keys"); return }
        let history = try await admin.rewardHistory(userId: player).redemptions
        #expect(history.count == 1)
        let entry = try #require(history.first)
        #expect(entry.grant && entry.reason == "won the Friday tournament" && entry.redemptionId == granted.redemptionId)
        #expect(entry.code.isEmpty && entry.campaignId == campaign.id && !entry.voided && entry.reward?.amountMinor == 1_000)
        #expect(list.keys.contains { $0.keyId == entry.grantedBy && $0.role == "admin" }, "\(entry.grantedBy)")

        // The report counts it under source "grant".
        guard case .report(let report) = try await admin.call(.report(.with { $0.campaignId = campaign.id })) else {
            Issue.record("report")
            return
        }
        #expect(report.bySource.contains { $0.key == "grant" && $0.count == 1 }, "\(report.bySource)")

        // Written off: it stays in the history, voided, and the budget gets the amount back.
        let written = try await admin.voidRedemption(granted.redemptionId, reason: "credited by mistake")
        #expect(written.grant && written.voided && written.voidReason == "credited by mistake")
        #expect(try await admin.getCampaign(campaign.id).stats?.budgetSpentMinor == 500)
        let twice = try await admin.send(.voidRedemption(.with { $0.redemptionId = granted.redemptionId; $0.reason = "again" }))
        #expect(twice.status.code == .failedPrecondition)
        #expect(try await admin.rewardHistory(userId: player).redemptions.first?.voided == true)
        #expect(try await admin.grant(player, bonusReward(1_500), campaignId: campaign.id).redemptionId.hasPrefix("grt"))

        // Grants without a campaign, in every kind but a deposit match.
        let other = Unique.user("compensated")
        _ = try await admin.grant(other, spinsReward(25), reason: "compensation for the outage")
        _ = try await admin.grant(other, Reward.with { $0.kind = .loyaltyPoints; $0.amountMinor = 300 }, reason: "missing points")
        let both = try await admin.rewardHistory(userId: other).redemptions
        #expect(both.count == 2 && both.allSatisfy { $0.grant && $0.campaignId.isEmpty })

        // Refusals.
        let match = Reward.with { $0.kind = .depositMatch; $0.percent = 100; $0.capMinor = 100; $0.currency = "EUR" }
        for (request, expected) in [
            (grantRequest(other, bonusReward(100), reason: ""), StatusCode.invalidArgument),
            (grantRequest(other, bonusReward(100), reason: "   "), .invalidArgument),
            (grantRequest(other, bonusReward(100), reason: String(repeating: "x", count: 501)), .invalidArgument),
            (grantRequest(other, match), .invalidArgument),
            (grantRequest(other, bonusReward(0)), .invalidArgument),
            (grantRequest("", bonusReward(100)), .invalidArgument),
            (grantRequest(other, bonusReward(100), campaignId: "cmp_nope"), .notFound),
        ] {
            let answer = try await admin.send(.grantReward(request))
            #expect(answer.status.code == expected, "\(request): \(answer.status)")
        }

        // A manager may grant; the audit log names both calls.
        let manager = try await server.session(key: try await admin.createKey(role: "manager"))
        #expect(try await manager.grant(other, bonusReward(100)).redemptionId.hasPrefix("grt"))
        let redeemer = try await server.session(key: try await admin.createKey(role: "redeemer"))
        #expect(try await redeemer.send(.grantReward(grantRequest(other, bonusReward(100)))).status.code == .permissionDenied)
        let grantsLogged = try await admin.auditEntries(action: "grant_reward", target: granted.redemptionId)
        #expect(grantsLogged.count == 1 && grantsLogged[0].detail.contains("won the Friday tournament"))
        let writeOffs = try await admin.auditEntries(action: "write_off", target: granted.redemptionId)
        #expect(writeOffs.count == 1 && writeOffs[0].detail == "credited by mistake")

        guard case .check(let check) = try await admin.call(.check(CheckRequest())) else { Issue.record("check"); return }
        #expect(check.ok && check.problems.isEmpty, "\(check.problems)")
        await manager.close()
        await redeemer.close()
        await admin.close()
    }

    @Test func aGrantIsIdempotentPerApiKey() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign { $0.budgetMinor = 10_000 })
        let player = Unique.user("idem")
        let key = Unique.key("grant")
        let first = try await admin.grant(player, bonusReward(700), campaignId: campaign.id, idempotencyKey: key)
        let again = try await admin.grant(player, bonusReward(700), campaignId: campaign.id, idempotencyKey: key)
        #expect(!first.replayed && again.replayed && again.redemptionId == first.redemptionId)
        #expect(again.reward?.amountMinor == 700)
        // Concurrent retries of one key: one grant.
        let key2 = Unique.key("grant")
        async let x = admin.grant(player, bonusReward(300), campaignId: campaign.id, idempotencyKey: key2)
        async let y = admin.grant(player, bonusReward(300), campaignId: campaign.id, idempotencyKey: key2)
        let (gx, gy) = try await (x, y)
        #expect(gx.redemptionId == gy.redemptionId && gx.replayed != gy.replayed)
        // The same key with other parameters is refused.
        let mismatch = try await admin.send(.grantReward(grantRequest(player, bonusReward(701), campaignId: campaign.id, idempotencyKey: key)))
        #expect(mismatch.status.code == .failedPrecondition)
        // Keys are per API key: another key's same text is a new grant.
        let manager = try await server.session(key: try await admin.createKey(role: "manager"))
        let theirs = try await manager.grant(player, bonusReward(700), campaignId: campaign.id, idempotencyKey: key)
        #expect(!theirs.replayed && theirs.redemptionId != first.redemptionId)
        #expect(try await admin.rewardHistory(userId: player).redemptions.count == 3)
        #expect(try await admin.getCampaign(campaign.id).stats?.budgetSpentMinor == 1_700)
        #expect(try await admin.auditEntries(action: "grant_reward", target: first.redemptionId).count == 1)
        await manager.close()
        await admin.close()
    }

    /// The field's own examples, verbatim (issue 13, item 2).
    @Test func underscoreIsASeparatorLikeTheHyphen() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let generated = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 100
            $0.pattern = "MY_LITTLE_PROMO????##"
            $0.maxUsesPerCode = 1
        }
        #expect(generated.generated == 100 && generated.codes.count == 100)
        #expect(generated.codes.allSatisfy { $0.hasPrefix("MY_LITTLE_PROMO") && $0.utf8.count == 21 }, "\(generated.codes.prefix(3))")
        let typed = generated.codes[42].lowercased()
        let redeemed = try await admin.redeem(code: typed, user: user(Unique.user()))
        #expect(redeemed.verdict == .ok && redeemed.campaignId == campaign.id, "\(typed): \(redeemed.verdict)")
        #expect(try await admin.redeem(code: generated.codes[42], user: user(Unique.user())).verdict == .codeLimitReached)

        let shared = try await admin.createCampaign(bonusCampaign("Summer"), code: "SUMMER22_FREESHIP")
        let summer = try await admin.redeem(code: "summer22-freeship", user: user(Unique.user()))
        #expect(summer.verdict == .ok && summer.campaignId == shared.id)
        for spelling in ["summer22_freeship", "SUMMER22-FREESHIP", "SUMMER22FREESHIP", " Summer22 FreeShip "] {
            #expect(try await admin.validate(code: spelling, user: user(Unique.user())).verdict == .ok, "\(spelling)")
        }
        // One code however it is written: a second campaign cannot take another spelling of it.
        let clash = try await admin.send(.createCampaign(.with {
            $0.campaign = bonusCampaign()
            $0.code = "SUMMER22-FREESHIP"
        }))
        #expect(clash.status.code == .alreadyExists, "\(clash.status)")
        // The printed form keeps the underscore.
        let history = try await admin.call(.getCode(.with { $0.code = "summer22freeship" }))
        guard case .getCode(let info) = history else { Issue.record("get_code"); return }
        #expect(info.code?.code == "SUMMER22_FREESHIP")
        await admin.close()
    }
}
