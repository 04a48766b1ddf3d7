import PostgresNIO
import PromoDomain
import Testing

@testable import PromoPostgres

@Suite("PostgreSQL store: campaigns and codes", postgresInstalled)
struct CampaignStoreTests {
    @Test("a campaign is stored with every field and its shared code, and read back in creation order")
    func createAndRead() async throws {
        try await withStore { store in
            let first = makeCampaign("c1", createdAtMs: 2_000, budgetMinor: 10_000, autoApply: true)
            try await store.createCampaign(first, sharedCode: try code("WELCOME-1", campaignId: "c1"), audit: audit("create"))
            try await store.createCampaign(makeCampaign("c0", createdAtMs: 1_000), sharedCode: nil, audit: audit("create"))
            let (read, counters) = try #require(try await store.campaign(id: "c1"))
            #expect(read == first)
            #expect(counters.codesIssued == 1)
            #expect(try await store.campaign(id: "nope") == nil)
            let listed = try await store.campaigns(after: nil, limit: 10, activeOnly: false).map(\.0.id)
            #expect(listed == ["c0", "c1"])
            let page = try await store.campaigns(after: CampaignCursor(createdAtMs: 1_000, id: "c0"), limit: 10, activeOnly: false)
            #expect(page.map(\.0.id) == ["c1"])
            var query = AuditQuery(limit: 10)
            query.action = "create"
            #expect(try await store.auditLog(query).count == 2)
        }
    }

    @Test("refusals: a taken shared code, a missing group; nothing of the refused call is stored")
    func refusals() async throws {
        try await withStore { store in
            try await store.createCampaign(makeCampaign("c1"), sharedCode: try code("SHARED", campaignId: "c1"), audit: audit("create"))
            let taken = await #expect(throws: StoreError.self) {
                try await store.createCampaign(
                    makeCampaign("c2"), sharedCode: try code("shared", campaignId: "c2"), audit: audit("create"))
            }
            #expect(taken?.code == .alreadyExists)
            #expect(try await store.campaign(id: "c2") == nil)
            let noGroup = await #expect(throws: StoreError.self) {
                try await store.createCampaign(makeCampaign("c3", groupId: "g?"), sharedCode: nil, audit: audit("create"))
            }
            #expect(noGroup?.code == .notFound)
            let twice = await #expect(throws: StoreError.self) {
                try await store.createCampaign(makeCampaign("c1"), sharedCode: nil, audit: audit("create"))
            }
            #expect(twice?.code == .alreadyExists)
            var query = AuditQuery(limit: 10)
            query.action = "create"
            #expect(try await store.auditLog(query).count == 1)
        }
    }

    @Test("update runs the change in its transaction and refuses what history forbids")
    func update() async throws {
        try await withStore { store in
            try await store.createCampaign(makeCampaign("c1", maxRedemptions: 10), sharedCode: nil, audit: audit("create"))
            let (updated, _) = try await store.updateCampaign(id: "c1", audit: audit("update")) { campaign in
                var changed = campaign
                changed.name = "Renamed"
                changed.isActive = false
                return changed
            }
            #expect(updated.name == "Renamed")
            #expect(try await store.campaign(id: "c1")?.0.isActive == false)
            #expect(try await store.campaigns(after: nil, limit: 10, activeOnly: true).isEmpty)

            // Three standing redemptions made elsewhere (the hot path): the limit may not go below them.
            try await execute(store, "UPDATE campaigns SET redemptions = 3, budget_spent_minor = 1500 WHERE id = 'c1'")
            let below = await #expect(throws: StoreError.self) {
                try await store.updateCampaign(id: "c1", audit: audit("update")) { campaign in
                    var changed = campaign
                    changed.maxRedemptions = 2
                    return changed
                }
            }
            #expect(below?.code == .failedPrecondition)
            let budget = await #expect(throws: StoreError.self) {
                try await store.updateCampaign(id: "c1", audit: audit("update")) { campaign in
                    var changed = campaign
                    changed.budgetMinor = 1_000
                    return changed
                }
            }
            #expect(budget?.code == .failedPrecondition)
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await store.updateCampaign(id: "c1", audit: audit("update")) { _ in throw Refused() }
            }
            let missing = await #expect(throws: StoreError.self) {
                try await store.updateCampaign(id: "c9", audit: audit("update")) { $0 }
            }
            #expect(missing?.code == .notFound)
            var query = AuditQuery(limit: 10)
            query.action = "update"
            #expect(try await store.auditLog(query).count == 1)
        }
    }

    @Test("moving a campaign between groups moves its players' counts")
    func groupMove() async throws {
        try await withStore { store in
            try await store.createGroup(Group(id: "g1", name: "One", maxPerUser: 1, createdAtMs: 1), audit: audit("group"))
            try await store.createGroup(Group(id: "g2", name: "Two", maxPerUser: 5, createdAtMs: 2), audit: audit("group"))
            try await store.createCampaign(makeCampaign("c1", groupId: "g1"), sharedCode: nil, audit: audit("create"))
            try await execute(
                store,
                """
                INSERT INTO user_redemptions (campaign_id, user_id, redemptions, max_per_user) VALUES ('c1', 'u1', 2, 0);
                """)
            try await execute(
                store, "INSERT INTO group_user_redemptions (group_id, user_id, redemptions, max_per_user) VALUES ('g1', 'u1', 2, 0)")
            _ = try await store.updateCampaign(id: "c1", audit: audit("update")) { campaign in
                var changed = campaign
                changed.groupId = "g2"
                return changed
            }
            let counts = try await store.transaction { connection in
                try await connection.rows(
                    "SELECT group_id, redemptions, max_per_user FROM group_user_redemptions ORDER BY group_id",
                    logger: store.logger
                ) { (try $0.string(0), try $0.int64(1), try $0.int64(2)) }
            }
            #expect(counts.map(\.0) == ["g1", "g2"])
            #expect(counts.map(\.1) == [0, 2])
            #expect(counts[1].2 == 5)
        }
    }

    @Test("codes switch one by one and in chunks of a batch or a campaign, the auto-apply entry never")
    func switchCodes() async throws {
        try await withStore { store in
            try await store.createCampaign(
                makeCampaign("c1", autoApply: true), sharedCode: try code("ONE", campaignId: "c1"), audit: audit("create"))
            let off = try await store.setCodeActive(try CodeText("one"), active: false, audit: audit("code"))
            #expect(off.isActive == false)
            let missing = await #expect(throws: StoreError.self) {
                try await store.setCodeActive(try CodeText("two"), active: false, audit: audit("code"))
            }
            #expect(missing?.code == .notFound)

            try await execute(
                store,
                """
                INSERT INTO code_batches (id, campaign_id, kind, template, requested, created, max_uses, api_key_id, created_at_ms)
                VALUES ('b1', 'c1', 'generated', '####', 25, 25, 1, 'k', 1)
                """)
            try await execute(
                store,
                """
                INSERT INTO codes (key, display, campaign_id, max_uses, active, batch_id, created_at_ms)
                SELECT 'B' || n, 'B' || n, 'c1', 1, true, 'b1', 1 FROM generate_series(1, 25) AS n
                """)
            var afterId: Int64 = 0
            var chunks = 0
            var changed = 0
            while true {
                let chunk = try await store.setCodesActive(
                    batchId: "b1", campaignId: nil, active: false, afterId: afterId, limit: 10
                ) { changed in audit("batch off \(changed)") }
                chunks += 1
                changed += chunk.changed
                guard let next = chunk.nextAfterId else { break }
                afterId = next
            }
            #expect(chunks == 3)
            #expect(changed == 25)
            // The whole campaign: only ONE was still off, the 25 are off now, the entry is left alone.
            let campaignWide = try await store.setCodesActive(
                batchId: nil, campaignId: "c1", active: true, afterId: 0, limit: 100
            ) { changed in audit("campaign on \(changed)") }
            #expect(campaignWide.changed == 26)
            #expect(campaignWide.nextAfterId == nil)
            // The last chunk appends the audit entry, with that chunk's count (the service adds up the rest).
            var query = AuditQuery(limit: 10)
            query.action = "batch off 5"
            #expect(try await store.auditLog(query).count == 1)
            let unknown = await #expect(throws: StoreError.self) {
                try await store.setCodesActive(batchId: "b9", campaignId: nil, active: true, afterId: 0, limit: 10) { _ in
                    audit("x")
                }
            }
            #expect(unknown?.code == .notFound)
        }
    }
}
