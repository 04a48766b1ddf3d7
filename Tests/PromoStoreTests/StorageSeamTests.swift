import PromoDomain
@testable import PromoStore
import Testing

private let now: Int64 = 1_800_000_000_000

private func freshStorage() throws -> PromoStore {
    try PromoStore(configuration: StoreConfiguration(path: makeStoreTestDirectory("seam") + "/promo.sqlite"))
}

private func campaign(_ id: String, groupId: String? = nil) -> Campaign {
    Campaign(
        id: id, name: "Offer \(id)", kind: .welcome, reward: .bonus(amountMinor: 500, currency: "EUR"), startsAtMs: 0,
        createdAtMs: now, groupId: groupId)
}

private func audit(_ action: String, _ target: String) -> AuditEntry {
    AuditEntry(atMs: now, actorKeyId: "key_1", action: action, target: target)
}

private struct Refusal: Error, Equatable { let reason: String }

/// The SQLite store through the storage protocol, as the server sees it (`any PromoStorage`): one method is
/// one transaction, refusals found in the stored state are `StoreError`s with a message for the caller, and
/// an error from the caller's closure aborts the transaction and comes back unchanged.
@Suite("The storage protocol on SQLite")
struct StorageSeamTests {
    @Test func aRefusedCreateLeavesNothingBehind() async throws {
        let sqlite = try freshStorage()
        defer { sqlite.close() }
        let storage: any PromoStorage = sqlite
        try await storage.createCampaign(
            campaign("cmp_1"), sharedCode: PromoCode(code: try CodeText("WELCOME"), campaignId: "cmp_1", createdAtMs: now),
            audit: audit("create_campaign", "cmp_1"))

        // The shared code is taken: the campaign inserted before it in the same call is rolled back too.
        let taken = PromoCode(code: try CodeText("welcome"), campaignId: "cmp_2", createdAtMs: now)
        await #expect { try await storage.createCampaign(campaign("cmp_2"), sharedCode: taken, audit: audit("create_campaign", "cmp_2")) }
            throws: { error in
                let error = error as? StoreError
                return error?.code == .alreadyExists && error?.message == "code WELCOME already exists"
            }
        #expect(try await storage.campaign(id: "cmp_2") == nil)

        await #expect {
            try await storage.createCampaign(campaign("cmp_3", groupId: "grp_x"), sharedCode: nil, audit: audit("create_campaign", "cmp_3"))
        } throws: { error in
            let error = error as? StoreError
            return error?.code == .notFound && error?.message == "campaign.group_id: group grp_x does not exist"
        }
        var query = AuditQuery(limit: 10)
        query.action = "create_campaign"
        #expect(try await storage.auditLog(query).map(\.entry.target) == ["cmp_1"])
    }

    @Test func anErrorOfTheCallersChangeAbortsTheUpdateAndComesBackUnchanged() async throws {
        let sqlite = try freshStorage()
        defer { sqlite.close() }
        let storage: any PromoStorage = sqlite
        try await storage.createCampaign(campaign("cmp_1"), sharedCode: nil, audit: audit("create_campaign", "cmp_1"))

        await #expect(throws: Refusal(reason: "no")) {
            _ = try await storage.updateCampaign(id: "cmp_1", audit: audit("update_campaign", "cmp_1")) { _ in
                throw Refusal(reason: "no")
            }
        }
        let (updated, _) = try await storage.updateCampaign(id: "cmp_1", audit: audit("update_campaign", "cmp_1")) {
            var changed = $0
            changed.name = "Renamed"
            return changed
        }
        #expect(updated.name == "Renamed")
        #expect(try await storage.campaign(id: "cmp_1")?.0.name == "Renamed")
        var query = AuditQuery(limit: 10)
        query.action = "update_campaign"
        #expect(try await storage.auditLog(query).count == 1)

        await #expect {
            _ = try await storage.updateCampaign(id: "cmp_9", audit: audit("update_campaign", "cmp_9")) { $0 }
        } throws: { ($0 as? StoreError)?.code == .notFound }
    }

    @Test func reportsStopAtTheFirstCampaignThatDoesNotExist() async throws {
        let sqlite = try freshStorage()
        defer { sqlite.close() }
        let storage: any PromoStorage = sqlite
        for id in ["cmp_1", "cmp_2"] {
            try await storage.createCampaign(campaign(id), sharedCode: nil, audit: audit("create_campaign", id))
        }
        func query(_ id: String) -> ReportQuery {
            ReportQuery(campaignId: id, fromMs: 0, toMs: 0, bucketMs: 0, top: 0, breakdownMax: 0, nowMs: now)
        }
        let found = try await storage.reports([query("cmp_1"), query("cmp_2")])
        #expect(found.map { $0?.campaign.id } == ["cmp_1", "cmp_2"])
        let missing = try await storage.reports([query("cmp_1"), query("cmp_9"), query("cmp_2")])
        #expect(missing.map { $0?.campaign.id } == ["cmp_1", nil])
    }

    @Test func aBlockBeyondTheLimitIsRefusedWithNothingWritten() async throws {
        let sqlite = try freshStorage()
        defer { sqlite.close() }
        let storage: any PromoStorage = sqlite
        func block(_ user: String) -> UserBlock {
            UserBlock(id: "blk_\(user)", userId: user, reason: "abuse", untilMs: 0, campaignId: nil, createdAtMs: now, createdBy: "key_1")
        }
        _ = try await storage.putBlock(block("u1"), nowMs: now, blocksMax: 1) { audit("block_user", $0.userId) }
        // Replacing the player's own block is not a new one.
        _ = try await storage.putBlock(block("u1"), nowMs: now, blocksMax: 1) { audit("block_user", $0.userId) }
        await #expect {
            _ = try await storage.putBlock(block("u2"), nowMs: now, blocksMax: 1) { audit("block_user", $0.userId) }
        } throws: { ($0 as? StoreError)?.code == .resourceExhausted }
        #expect(try await storage.blocks(after: nil, limit: 10, nowMs: now).map(\.userId) == ["u1"])
        #expect(try await storage.consistencyProblems() == [])
    }
}
