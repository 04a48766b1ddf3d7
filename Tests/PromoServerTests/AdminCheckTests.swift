import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

@Suite("Admin check: maintained totals against the raw rows, on a live server", .serverCleanup)
struct AdminCheckTests {
    @Test func aHealthyDatabaseChecksOk() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("CHECK")
        _ = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 5 }, code: code)
        for _ in 0..<7 { _ = try await admin.redeem(code: code, user: user(Unique.user())) }

        guard case .check(let answer) = try await admin.call(.check(CheckRequest())) else {
            Issue.record("check answered with another result")
            return
        }
        #expect(answer.ok)
        #expect(answer.problems.isEmpty)
        #expect(answer.checkedAtMs > 0)
        await admin.close()
    }

    @Test func onlyAdminsMayCheck() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let manager = try await server.session(key: try await admin.createKey(role: "manager"))
        #expect(try await manager.send(.check(CheckRequest())).status.code == .permissionDenied)
        await manager.close()
        await admin.close()
    }

    @Test func aCorruptedTotalIsReported() async throws {
        let directory = makeTemporaryDirectory()
        let first = try await TestServer.start(dataDirectory: directory)
        let admin = try await first.session()
        let code = Unique.code("BROKEN")
        _ = try await admin.createCampaign(bonusCampaign(), code: code)
        _ = try await admin.redeem(code: code, user: user(Unique.user()))
        await admin.close()
        await first.stop()

        // A counter drifts behind the server's back, as a bug or a bad manual fix would make it.
        try await TestStore.fromEnvironment.execute("UPDATE campaigns SET redemptions = redemptions + 1", directory: directory)

        let second = try await TestServer.start(dataDirectory: directory)
        let checker = try await second.session()
        guard case .check(let answer) = try await checker.call(.check(CheckRequest())) else {
            Issue.record("check answered with another result")
            return
        }
        #expect(!answer.ok)
        #expect(answer.problems.contains { $0.hasPrefix("campaigns.redemptions") })
        await checker.close()
    }
}
