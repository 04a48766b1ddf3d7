import PostgresNIO
import PromoDomain
import Testing

@testable import PromoPostgres

@Suite("PostgreSQL store: groups, blocks, keys, audit, purge, backup", postgresInstalled)
struct BackOfficeStoreTests {
    @Test("groups: create, refuse a duplicate, update in the transaction, page in creation order")
    func groups() async throws {
        try await withStore { store in
            for index in 1...3 {
                try await store.createGroup(
                    Group(id: "g\(index)", name: "Group \(index)", maxPerUser: 1, createdAtMs: Int64(index)), audit: audit("group"))
            }
            let duplicate = await #expect(throws: StoreError.self) {
                try await store.createGroup(Group(id: "g1", name: "Again", maxPerUser: 1, createdAtMs: 9), audit: audit("group"))
            }
            #expect(duplicate?.code == .alreadyExists)
            let updated = try await store.updateGroup(id: "g2") { group in
                var changed = group
                changed.maxPerUser = 7
                return (changed, audit("group changed"))
            }
            #expect(updated.maxPerUser == 7)
            #expect(try await store.group(id: "g2")?.maxPerUser == 7)
            #expect(try await store.group(id: "g9") == nil)
            let missing = await #expect(throws: StoreError.self) {
                try await store.updateGroup(id: "g9") { ($0, audit("never")) }
            }
            #expect(missing?.code == .notFound)
            #expect(try await store.groups(after: nil, limit: 2).map(\.id) == ["g1", "g2"])
            #expect(try await store.groups(after: GroupCursor(createdAtMs: 2, id: "g2"), limit: 2).map(\.id) == ["g3"])
        }
    }

    @Test("blocks: replace per scope, list those in force newest first, lift, and a bound no race can pass")
    func blocks() async throws {
        try await withStore { store in
            try await store.createCampaign(makeCampaign("c1"), sharedCode: nil, audit: audit("create"))
            func block(_ id: String, user: String, campaign: String? = nil, until: Int64 = 0, at: Int64) -> UserBlock {
                UserBlock(id: id, userId: user, reason: "abuse", untilMs: until, campaignId: campaign, createdAtMs: at, createdBy: "admin")
            }
            _ = try await store.putBlock(block("b1", user: "u1", at: 10), nowMs: 10, blocksMax: 10) { _ in audit("block") }
            _ = try await store.putBlock(block("b2", user: "u1", campaign: "c1", at: 20), nowMs: 20, blocksMax: 10) { _ in audit("block") }
            _ = try await store.putBlock(block("b3", user: "u2", until: 25, at: 21), nowMs: 21, blocksMax: 10) { _ in audit("block") }
            // The same (user, scope) replaces the earlier block, whatever the bound.
            _ = try await store.putBlock(block("b4", user: "u1", at: 30), nowMs: 30, blocksMax: 3) { _ in audit("block") }
            let inForce = try await store.blocks(after: nil, limit: 10, nowMs: 30)
            #expect(inForce.map(\.id) == ["b4", "b2"])
            #expect(try await store.blocks(after: BlockCursor(createdAtMs: 30, id: "b4"), limit: 10, nowMs: 30).map(\.id) == ["b2"])
            let noCampaign = await #expect(throws: StoreError.self) {
                try await store.putBlock(block("b5", user: "u3", campaign: "c9", at: 40), nowMs: 40, blocksMax: 10) { _ in audit("block") }
            }
            #expect(noCampaign?.code == .notFound)
            #expect(try await store.deleteBlock(userId: "u1", campaignId: "c1") { _ in audit("unblock") } == 1)
            #expect(try await store.deleteBlock(userId: "u1", campaignId: "c1") { _ in audit("unblock") } == 0)

            // 20 new blocks at once against a bound of 10 rows (b4 and the ended b3, purged by the first put,
            // count too): exactly the room left is taken, never more.
            let results = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        (try? await store.putBlock(
                            block("n\(index)", user: "new\(index)", at: 50), nowMs: 50, blocksMax: 10
                        ) { _ in audit("block") }) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            let count = try await store.transaction { connection in
                try await connection.firstRow("SELECT count(*) FROM user_blocks", logger: store.logger) { try $0.int64(0) }
            }
            #expect(count == 10)
            #expect(results.filter { $0 }.count == 9)
        }
    }

    @Test("API keys: stored hashed with their campaigns, a taken digest refused, revoked once")
    func apiKeys() async throws {
        try await withStore { store in
            let digest = [UInt8](repeating: 7, count: 32)
            let key = ApiKeyRecord(
                id: "k1", name: "issuer", role: "issuer", secretSHA256: digest, campaignIds: ["c2", "c1"], createdAtMs: 5)
            try await store.insertApiKey(key, audit: audit("key"))
            let stored = try await store.apiKeys()
            #expect(stored.count == 1)
            #expect(stored.first?.secretSHA256 == digest)
            #expect(stored.first?.campaignIds == ["c1", "c2"])
            let sameDigest = await #expect(throws: StoreError.self) {
                try await store.insertApiKey(
                    ApiKeyRecord(id: "k2", name: "other", role: "admin", secretSHA256: digest, createdAtMs: 6), audit: audit("key"))
            }
            #expect(sameDigest?.code == .constraint)
            try await store.revokeApiKey(id: "k1", atMs: 9, audit: audit("revoke"))
            #expect(try await store.apiKeys().first?.revokedAtMs == 9)
            let again = await #expect(throws: StoreError.self) { try await store.revokeApiKey(id: "k1", atMs: 10, audit: audit("revoke")) }
            #expect(again?.code == .notFound)
            var query = AuditQuery(limit: 10)
            query.action = "key"
            #expect(try await store.auditLog(query).count == 1)
        }
    }

    @Test("audit log: filters by actor, action, target and time, pages newest first")
    func auditLog() async throws {
        try await withStore { store in
            for index in 0..<6 {
                try await store.appendAudit(
                    AuditEntry(
                        atMs: Int64(100 + index / 2), actorKeyId: index % 2 == 0 ? "alice" : "bob",
                        action: index < 3 ? "create" : "delete", target: "t\(index % 3)", detail: "d\(index)"))
            }
            let all = try await store.auditLog(AuditQuery(limit: 10))
            #expect(all.map(\.entry.detail) == ["d5", "d4", "d3", "d2", "d1", "d0"])
            var page = AuditQuery(limit: 2)
            page.before = all.dropFirst().first.map { AuditCursor(atMs: $0.entry.atMs, id: $0.id) }
            #expect(try await store.auditLog(page).map(\.entry.detail) == ["d3", "d2"])
            var filtered = AuditQuery(limit: 10)
            filtered.actorKeyId = "alice"
            filtered.action = "create"
            #expect(try await store.auditLog(filtered).map(\.entry.detail) == ["d2", "d0"])
            var target = AuditQuery(limit: 10)
            target.target = "t1"
            target.fromMs = 101
            target.toMs = 103
            #expect(try await store.auditLog(target).map(\.entry.detail) == ["d4"])
        }
    }

    @Test("purge deletes at most the limit of old idempotency records and unused expired reservations")
    func purge() async throws {
        try await withStore { store in
            try await store.createCampaign(makeCampaign("c1"), sharedCode: try code("CODE", campaignId: "c1"), audit: audit("create"))
            try await execute(
                store,
                """
                INSERT INTO idempotency (api_key_id, key, fingerprint, verdict, campaign_id, created_at_ms)
                SELECT 'k', 'i' || n, 'f', 'ok', 'c1', n FROM generate_series(1, 5) AS n
                """)
            try await execute(
                store,
                """
                INSERT INTO reservations (id, campaign_id, code_key, user_id, expires_at_ms)
                SELECT 'r' || n, 'c1', 'CODE', 'u', n * 10 FROM generate_series(1, 5) AS n
                """)
            let first = try await store.purgeExpired(idempotencyBeforeMs: 4, reservationsBeforeMs: 45, limit: 2)
            #expect(first == PurgeResult(idempotencyRecords: 2, reservations: 2))
            let second = try await store.purgeExpired(idempotencyBeforeMs: 4, reservationsBeforeMs: 45, limit: 2)
            #expect(second == PurgeResult(idempotencyRecords: 1, reservations: 2))
            let third = try await store.purgeExpired(idempotencyBeforeMs: 4, reservationsBeforeMs: 45, limit: 2)
            #expect(third == PurgeResult())
        }
    }

    @Test("backup is refused with a pointer to pg_dump and PITR")
    func backup() async throws {
        try await withStore { store in
            let error = #expect(throws: StoreError.self) { try store.backup(to: "/tmp/x", pacing: BackupPacing(stepPages: 10)) }
            #expect(error?.code == .failedPrecondition)
            #expect(error?.message.contains("pg_dump") == true)
            #expect(error?.message.contains("PITR") == true)
        }
    }
}
