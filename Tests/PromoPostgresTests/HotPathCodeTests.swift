import PromoDomain
import Testing

@testable import PromoPostgres

/// `CodeStorage` on PostgreSQL: batches opened once per idempotency key, filled in slices that count exactly the
/// codes they hold, imports with a reason for every code left out, export pages, personal codes, discards.
@Suite("PostgreSQL codes", postgresInstalled)
struct HotPathCodeTests {
    static func generated(_ id: String, key: String?, requested: UInt64) -> CodeBatch {
        CodeBatch(
            id: id, campaignId: "c", kind: .generated, template: "GEN-######", requested: requested, maxUses: 1,
            ownerId: nil, apiKeyId: "issuer", idempotencyKey: key, createdAtMs: 2_000)
    }

    static func codes(_ texts: [String], batchId: String, owners: [String?]? = nil) throws -> [PromoCode] {
        try texts.enumerated().map { index, text in
            PromoCode(
                code: try CodeText(text), campaignId: "c", maxUses: 1, ownerId: owners?[index], batchId: batchId,
                createdAtMs: 2_000)
        }
    }

    @Test("a batch opens once per key; a fill skips taken codes and counts exactly what it inserted")
    func generateAndResume() async throws {
        try await withServers(2) { servers in
            let store = servers.first
            try await store.createCampaign(openCampaign("c"), sharedCode: try code("GEN-000001", campaignId: "c"), audit: audit("create"))
            let opened = try await store.openBatch(
                Self.generated("b1", key: "gen-1", requested: 5), audit: audit("generate"), firstCodesMax: 10, checkRoom: { _ in })
            guard case .opened = opened else { Issue.record("expected a new batch, got \(opened)"); return }
            let fill = try await store.fillBatch(
                try Self.codes(["GEN-000001", "GEN-000002", "GEN-000003", "GEN-000003", "GEN-000004"], batchId: "b1"),
                batchId: "b1", sliceRows: 2, firstInsertedMax: 2)
            #expect(fill.inserted == 3)
            #expect(fill.firstInserted.map(\.display) == ["GEN-000002", "GEN-000003"])
            // The same key on the other server: the batch as it stands, nothing written.
            let again = try await servers.hotPath(1).openBatch(
                Self.generated("b2", key: "gen-1", requested: 5), audit: audit("generate"), firstCodesMax: 2, checkRoom: { _ in })
            guard case .existing(let batch, let first) = again else { Issue.record("expected the existing batch"); return }
            #expect(batch.id == "b1" && batch.created == 3)
            #expect(first.map(\.code.display) == ["GEN-000002", "GEN-000003"])
            // The guessability guard sees what was requested under the template, across batches.
            let refused = await #expect(throws: DomainError.self) {
                _ = try await store.openBatch(
                    Self.generated("b3", key: nil, requested: 5), audit: audit("generate"), firstCodesMax: 0,
                    checkRoom: { issued in
                        if issued >= 5 { throw DomainError(.failedPrecondition, "pattern too small: \(issued) issued") }
                    })
            }
            #expect(refused?.code == .failedPrecondition)
            let (_, counters) = try #require(try await store.campaign(id: "c"))
            #expect(counters.codesIssued == 4)
            try await store.discardBatch(id: "b1")
            let (_, after) = try #require(try await store.campaign(id: "c"))
            #expect(after.codesIssued == 1)
            #expect(try await store.codeWithCampaign(key: "GEN000002") == nil)
            #expect(try await store.consistencyProblems() == [])
        }
    }

    @Test("an import says why each code was left out; nothing imported leaves no batch")
    func importCodes() async throws {
        try await withServers(1) { servers in
            let store = servers.first
            try await store.createCampaign(openCampaign("c"), sharedCode: try code("TAKEN", campaignId: "c"), audit: audit("create"))
            let batch = CodeBatch(
                id: "imp", campaignId: "c", kind: .imported, template: "", requested: 6, maxUses: 1, ownerId: nil,
                apiKeyId: "manager", idempotencyKey: nil, createdAtMs: 2_000)
            let result = try await store.importCodes(
                try Self.codes(
                    ["A1", "A2", "A1", "TAKEN", "A3", "A4"], batchId: "imp", owners: ["o1", nil, nil, nil, "o1", "o2"]),
                batch: batch, audit: audit("import"), sliceRows: 2)
            #expect(result.imported == 3)
            #expect(
                result.refused == [
                    RefusedImport(index: 2, reason: .repeatedInImport), RefusedImport(index: 3, reason: .codeExists),
                    RefusedImport(index: 4, reason: .ownerRepeatedInImport),
                ])
            let page1 = try await store.codes(CodeFilter(campaignId: "c", batchId: "imp"), after: nil, limit: 2)
            #expect(page1.map(\.code.code.key) == ["A1", "A2"])
            let page2 = try await store.codes(CodeFilter(campaignId: "c", batchId: "imp"), after: page1.last?.position, limit: 2)
            #expect(page2.map(\.code.code.key) == ["A4"])
            let owned = try await store.codes(CodeFilter(campaignId: "c", ownerId: "o2"), after: nil, limit: 10)
            #expect(owned.map(\.code.code.key) == ["A4"])

            let empty = CodeBatch(
                id: "imp2", campaignId: "c", kind: .imported, template: "", requested: 1, maxUses: 1, ownerId: nil,
                apiKeyId: "manager", idempotencyKey: nil, createdAtMs: 2_000)
            let none = try await store.importCodes(try Self.codes(["TAKEN"], batchId: "imp2"), batch: empty, audit: audit("import"), sliceRows: 10)
            #expect(none.imported == 0 && none.refused == [RefusedImport(index: 0, reason: .codeExists)])
            let missing = await #expect(throws: StoreError.self) {
                _ = try await store.codes(CodeFilter(campaignId: "nope"), after: nil, limit: 1)
            }
            #expect(missing?.code == .notFound)
            let (_, counters) = try #require(try await store.campaign(id: "c"))
            #expect(counters.codesIssued == 4)
            #expect(try await store.consistencyProblems() == [])
        }
    }

    @Test("a personal code is issued once per owner, even asked on two servers at once")
    func personalCodes() async throws {
        try await withServers(2) { servers in
            try await servers.first.createCampaign(openCampaign("c"), sharedCode: nil, audit: audit("create"))
            let answers = try await concurrently(6) { index in
                let batch = CodeBatch(
                    id: "p-\(index)", campaignId: "c", kind: .personal, template: "P-####", requested: 1, maxUses: 1,
                    ownerId: "affiliate-1", apiKeyId: "issuer", idempotencyKey: nil, createdAtMs: 2_000)
                let candidates = try Self.codes(["P-\(1000 + index)", "P-\(2000 + index)"], batchId: "p-\(index)", owners: ["affiliate-1", "affiliate-1"])
                return try await servers.hotPath(index).issuePersonalCode(
                    batch, candidates: candidates, audit: audit("personal"), checkRoom: { _ in })
            }
            let issued = answers.compactMap { answer -> PromoCode? in if case .issued(let code) = answer { code } else { nil } }
            let existing = answers.compactMap { answer -> PromoCode? in if case .existing(let code) = answer { code } else { nil } }
            #expect(issued.count == 1 && existing.count == 5)
            #expect(Set(existing.map(\.code.key)) == Set(issued.map(\.code.key)))
            let (_, counters) = try #require(try await servers.first.campaign(id: "c"))
            #expect(counters.codesIssued == 1)
            #expect(try await servers.first.consistencyProblems() == [])
        }
    }
}
