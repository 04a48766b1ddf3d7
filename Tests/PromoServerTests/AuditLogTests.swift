import PromoClient
import PromoServer
import PromoWire
import Testing

// The audit_log RPC over TCP: back-office changes by two keys, read back with filters and pages.

@Suite("Audit log over TCP", .serverCleanup)
struct AuditLogTests {
    /// Two keys make changes in three phases, each phase in its own milliseconds.
    private struct History {
        let adminId: String
        let managerId: String
        let managerSecret: String
        let first: String      // campaign made by the admin
        let second: String     // campaign made and changed by the manager
        let code: String
        let redemptionId: String
        let phaseTwoFromMs: Int64
        let phaseTwoToMs: Int64
    }

    private func makeHistory(_ server: TestServer, _ admin: PromoClient) async throws -> History {
        let adminId = try await admin.bootstrapKeyId()
        let managerSecret = try await admin.createKey(role: "manager", name: "ops")
        let managerId = keyId(ofSecret: managerSecret)
        let code = Unique.code("AUDIT")
        let first = try await admin.createCampaign(bonusCampaign("First"), code: code)
        let redemption = try await admin.redeem(code: code, user: user(Unique.user()))
        try await Task.sleep(for: .milliseconds(5))

        let phaseTwoFromMs = nowMs()
        let manager = try await server.session(key: managerSecret)
        let second = try await manager.createCampaign(bonusCampaign("Second"))
        _ = try await manager.updateCampaign(second.id, mask: ["name"]) { $0.name = "Second, renamed" }
        _ = try await manager.setCodeStatus(code, active: false)
        await manager.close()
        try await Task.sleep(for: .milliseconds(5))
        let phaseTwoToMs = nowMs()
        try await Task.sleep(for: .milliseconds(5))

        _ = try await admin.voidRedemption(redemption.redemptionId, reason: "test")
        _ = try await admin.call(.revokeApiKey(.with { $0.keyId = managerId }))
        return History(
            adminId: adminId, managerId: managerId, managerSecret: managerSecret, first: first.id, second: second.id,
            code: code, redemptionId: redemption.redemptionId, phaseTwoFromMs: phaseTwoFromMs,
            phaseTwoToMs: phaseTwoToMs)
    }

    private func summary(_ entries: [AuditLogEntry]) -> [String] {
        entries.map { "\($0.actorKeyId) \($0.action) \($0.target)" }
    }

    @Test func changesByTwoKeysAreListedNewestFirstWithActorActionAndTarget() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let h = try await makeHistory(server, admin)

        let all = try await admin.auditPage { $0.pageSize = 100 }
        #expect(all.nextPageToken.isEmpty)
        let expected = [
            "\(h.adminId) revoke_api_key \(h.managerId)",
            "\(h.adminId) void_redemption \(h.redemptionId)",
            "\(h.managerId) set_code_status \(h.code)",
            "\(h.managerId) update_campaign \(h.second)",
            "\(h.managerId) create_campaign \(h.second)",
            "\(h.adminId) create_campaign \(h.first)",
            "\(h.adminId) create_api_key \(h.managerId)",
            "bootstrap create_api_key \(h.adminId)",
        ]
        #expect(summary(all.entries) == expected)
        #expect(zip(all.entries, all.entries.dropFirst()).allSatisfy { ($0.atMs, $0.id) > ($1.atMs, $1.id) })
        #expect(all.entries.first { $0.action == "void_redemption" }?.detail == "test")
        #expect(all.entries.first { $0.action == "update_campaign" }?.detail == "name")

        let byManager = try await admin.auditPage { $0.actorKeyId = h.managerId }
        #expect(summary(byManager.entries) == Array(expected[2...4]))
        let creations = try await admin.auditPage { $0.action = "create_campaign" }
        #expect(summary(creations.entries) == [expected[4], expected[5]])
        let onSecond = try await admin.auditPage { $0.target = h.second }
        #expect(summary(onSecond.entries) == [expected[3], expected[4]])
        let managerCreations = try await admin.auditPage { $0.actorKeyId = h.managerId; $0.action = "create_campaign" }
        #expect(summary(managerCreations.entries) == [expected[4]])
        let inPhaseTwo = try await admin.auditPage { $0.fromMs = h.phaseTwoFromMs; $0.toMs = h.phaseTwoToMs }
        #expect(summary(inPhaseTwo.entries) == Array(expected[2...4]))
        let sincePhaseTwo = try await admin.auditPage { $0.fromMs = h.phaseTwoFromMs }
        #expect(summary(sincePhaseTwo.entries) == Array(expected[0...4]))
        let beforePhaseTwo = try await admin.auditPage { $0.toMs = h.phaseTwoFromMs }
        #expect(summary(beforePhaseTwo.entries) == Array(expected[5...]))
        #expect(try await admin.auditPage { $0.actorKeyId = "nobody" }.entries.isEmpty)
        await admin.close()
    }

    @Test func pagesCoverEveryEntryOnceInOrder() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let h = try await makeHistory(server, admin)
        let whole = try await admin.auditPage { $0.pageSize = 100 }.entries

        for size in [1, 2, 3] as [UInt32] {
            let paged = try await admin.wholeAuditLog { $0.pageSize = size }
            #expect(paged.entries == whole, "page size \(size)")
            #expect(paged.pages == (whole.count + Int(size) - 1) / Int(size), "page size \(size)")
        }
        // Paging inside a filter stays inside it.
        let managerPaged = try await admin.wholeAuditLog { $0.actorKeyId = h.managerId; $0.pageSize = 2 }
        #expect(managerPaged.entries.map(\.action) == ["set_code_status", "update_campaign", "create_campaign"])
        #expect(managerPaged.pages == 2)
        // The server's page size caps what is asked for; 0 means the default.
        let capped = try await TestServer.start { $0.pageSizeMax = 3; $0.pageSizeDefault = 2 }
        let cappedAdmin = try await capped.session()
        _ = try await makeHistory(capped, cappedAdmin)
        #expect(try await cappedAdmin.auditPage { $0.pageSize = 1_000 }.entries.count == 3)
        #expect(try await cappedAdmin.auditPage().entries.count == 2)
        await cappedAdmin.close()
        await admin.close()
    }

    @Test func badRequestsAreInvalidArgumentAndOtherRolesAreDenied() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        for request in [
            AuditLogRequest.with { $0.pageToken = "garbage" },
            AuditLogRequest.with { $0.pageToken = "5~x" },
            AuditLogRequest.with { $0.fromMs = 10; $0.toMs = 10 },
            AuditLogRequest.with { $0.fromMs = -1 },
            AuditLogRequest.with { $0.toMs = -5 },
            AuditLogRequest.with { $0.action = String(repeating: "a", count: 257) },
        ] {
            #expect(try await admin.send(.auditLog(request)).status.code == .invalidArgument, "\(request)")
        }
        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        #expect(try await analyst.send(.auditLog(AuditLogRequest())).status.code == .permissionDenied)
        await analyst.close()
        await admin.close()
    }

    @Test func backupsAndTheirDownloadsAreAudited() async throws {
        // Backups copy the SQLite file; on PostgreSQL `backup` is refused (pg_dump/PITR instead).
        let server = try await TestServer.start(store: .sqlite)
        let admin = try await server.session()
        let adminId = try await admin.bootstrapKeyId()
        let made = try await admin.backup(name: "audited.sqlite")
        _ = try await admin.download(backup: made.name, to: makeTemporaryDirectory() + "/copy.sqlite", chunkBytes: 4_096)
        let entries = try await admin.auditPage { $0.target = "audited.sqlite" }.entries
        #expect(summary(entries) == ["\(adminId) fetch_backup audited.sqlite", "\(adminId) backup audited.sqlite"],
            "one entry per download, not per chunk")
        #expect(entries.last?.detail == "bytes=\(made.sizeBytes) pages=\(made.pages) sha256=\(made.sha256)")
        await admin.close()
    }
}
