import PromoDomain
@testable import PromoStore
import Testing

private let now: Int64 = 1_800_000_000_000

private func freshStore() throws -> PromoStore {
    let directory = makeStoreTestDirectory("block")
    return try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
}

private func block(_ user: String, campaign: String? = nil, untilMs: Int64 = 0, id: String) -> UserBlock {
    UserBlock(id: id, userId: user, reason: "abuse", untilMs: untilMs, campaignId: campaign, createdAtMs: now, createdBy: "key_1")
}

@Suite("Blocks and auto-apply entries in the store")
struct BlockLedgerTests {
    /// `isBlocked` is what grants (another branch) call: global blocks cover every campaign, campaign blocks
    /// only theirs, ended blocks nothing.
    @Test func isBlockedHonoursScopeAndEnd() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            _ = try connection.putBlock(block("u1", id: "b1"), nowMs: now)
            _ = try connection.putBlock(block("u2", campaign: "cmp_1", id: "b2"), nowMs: now)
            _ = try connection.putBlock(block("u3", untilMs: now + 10, id: "b3"), nowMs: now)
            #expect(try connection.isBlocked(userId: "u1", campaignId: "cmp_9", nowMs: now))
            #expect(try connection.isBlocked(userId: "u1", campaignId: nil, nowMs: now))
            #expect(try connection.isBlocked(userId: "u2", campaignId: "cmp_1", nowMs: now))
            #expect(try !connection.isBlocked(userId: "u2", campaignId: "cmp_2", nowMs: now))
            #expect(try !connection.isBlocked(userId: "u2", campaignId: nil, nowMs: now))
            #expect(try connection.isBlocked(userId: "u3", campaignId: nil, nowMs: now + 9))
            #expect(try !connection.isBlocked(userId: "u3", campaignId: nil, nowMs: now + 10))
            #expect(try !connection.isBlocked(userId: "u4", campaignId: nil, nowMs: now))
            // Replacing keeps one row per pair; an ended block is purged by the next block_user.
            let (_, replaced) = try connection.putBlock(block("u1", id: "b4"), nowMs: now)
            #expect(replaced)
            #expect(try connection.blockInForce(userId: "u1", campaignId: nil, nowMs: now)?.id == "b4")
            _ = try connection.putBlock(block("u5", id: "b5"), nowMs: now + 20)
            #expect(try connection.blockCount() == 3, "b3 ended and was purged; b1 was replaced")
            #expect(try connection.blocks(after: nil, limit: 10, nowMs: now + 20).map(\.id).sorted() == ["b2", "b4", "b5"])
            #expect(try connection.deleteBlock(userId: "u2", campaignId: "cmp_1") == 1)
            #expect(try connection.deleteBlock(userId: "u2", campaignId: "cmp_1") == 0)
        }
    }

    /// An auto-apply campaign's entry row is not a code: not issued, not redeemed, never switched in bulk; the
    /// check agrees.
    @Test func theAutoEntryIsNotCountedAsACode() throws {
        let store = try freshStore()
        defer { store.close() }
        try store.writer.synchronously { connection in
            try connection.insertCampaign(
                Campaign(
                    id: "cmp_1", name: "Auto", kind: .deposit, reward: .bonus(amountMinor: 500, currency: "EUR"),
                    startsAtMs: 0, createdAtMs: now, autoApply: true))
            try connection.insertCode(PromoCode(code: try CodeText("AUTO1"), campaignId: "cmp_1", createdAtMs: now))
            let result = try connection.redeem(
                RedeemCommand(
                    request: RedemptionRequest(code: "", user: UserContext(userId: "u1"), campaignId: "cmp_1"),
                    source: "auto", idempotencyKey: nil, apiKeyId: "key_1", newRedemptionId: "r1", nowMs: now))
            #expect(result.verdict == .ok && result.redemption?.codeDisplay == "")
            let counters = try #require(try connection.campaign(id: "cmp_1")).1
            #expect(counters.codesIssued == 1 && counters.codesRedeemed == 0 && counters.redemptions == 1)
            let chunk = try connection.setCodesActive(batchId: nil, campaignId: "cmp_1", active: false, afterId: 0, limit: 100)
            #expect(chunk.changed == 1 && chunk.nextAfterId == nil)
            #expect(try connection.check(
                RedemptionRequest(code: "", user: UserContext(userId: "u2"), campaignId: "cmp_1"), nowMs: now
            ).outcome.verdict == .ok)
            #expect(try connection.consistencyProblems() == [])
            _ = try connection.voidRedemption(id: "r1", reason: "test", nowMs: now + 1)
            #expect(try connection.consistencyProblems() == [])
            #expect(try connection.autoApplyCampaigns(nowMs: now, limit: 10).map(\.0.id) == ["cmp_1"])
        }
    }
}
