import PromoClient
import PromoDomain
import PromoServer
import PromoStore
import PromoWire
import Testing

@Suite("API keys: roles, revocation, persistence", .serverCleanup)
struct AccessTests {
    @Test func aRoleOnlyReachesItsOwnCalls() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        guard case .createApiKey(let key) = try await admin.call(.createApiKey(.with { $0.name = "game"; $0.role = "redeemer" }))
        else { Issue.record("no key"); return }
        #expect(key.apiKey.hasPrefix("pk_\(key.keyId)_"))

        let game = try await server.session(key: key.apiKey)
        let denied = try await game.send(.listApiKeys(ListApiKeysRequest()))
        #expect(denied.status.code == .permissionDenied)
        await game.close()
        await admin.close()
    }

    @Test func aRevokedKeyStopsWorkingOnOpenConnections() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        guard case .createApiKey(let key) = try await admin.call(.createApiKey(.with { $0.name = "ops"; $0.role = "manager" }))
        else { Issue.record("no key"); return }
        let ops = try await server.session(key: key.apiKey)
        #expect(try await ops.send(.getCampaign(.with { $0.campaignId = "x" })).status.code != .unauthenticated)

        _ = try await admin.call(.revokeApiKey(.with { $0.keyId = key.keyId }))
        #expect(try await ops.send(.getCampaign(.with { $0.campaignId = "x" })).status.code == .unauthenticated)
        #expect(try await ops.send(.hello(HelloRequest(apiKey: key.apiKey))).status.code == .unauthenticated)
        guard case .listApiKeys(let list) = try await admin.call(.listApiKeys(ListApiKeysRequest())) else { return }
        #expect(list.keys.first { $0.keyId == key.keyId }?.revoked == true)
        await ops.close()
        await admin.close()
    }

    @Test func theLastAdminKeyCannotBeRevoked() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        guard case .listApiKeys(let list) = try await admin.call(.listApiKeys(ListApiKeysRequest())) else { return }
        let response = try await admin.send(.revokeApiKey(.with { $0.keyId = list.keys[0].keyId }))
        #expect(response.status.code == .failedPrecondition)
        await admin.close()
    }

    @Test func badKeyRequestsAreInvalidArgument() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let badRole = try await admin.send(.createApiKey(.with { $0.name = "x"; $0.role = "root" }))
        #expect(badRole.status.code == .invalidArgument)
        let noName = try await admin.send(.createApiKey(.with { $0.role = "admin" }))
        #expect(noName.status.code == .invalidArgument)
        let boundManager = try await admin.send(.createApiKey(.with { $0.name = "m"; $0.role = "manager"; $0.campaignIds = ["c1"] }))
        #expect(boundManager.status.code == .invalidArgument)
        let unknown = try await admin.send(.revokeApiKey(.with { $0.keyId = "nope" }))
        #expect(unknown.status.code == .notFound)
        await admin.close()
    }

    @Test func keysAndTheAuditTrailSurviveARestart() async throws {
        let directory = makeTemporaryDirectory()
        let first = try await TestServer.start(dataDirectory: directory)
        let admin = try await first.session()
        guard case .createApiKey(let key) = try await admin.call(.createApiKey(.with { $0.name = "affiliates"; $0.role = "issuer"; $0.campaignIds = ["c2", "c1"] }))
        else { Issue.record("no key"); return }
        await admin.close()
        await first.stop()

        let second = try await TestServer.start(dataDirectory: directory)
        let issuer = try await second.client()
        #expect(try await issuer.hello(apiKey: key.apiKey).role == "issuer")
        await issuer.close()

        let store = try await TestStore.fromEnvironment.openStorage(directory: directory)
        let keys = try await store.apiKeys()
        #expect(keys.first { $0.id == key.keyId }?.campaignIds == ["c1", "c2"])
        #expect(!keys.contains { $0.secretSHA256.count != 32 })
        let audit = try await store.auditLog(AuditQuery(limit: 10)).map(\.entry)
        #expect(audit.contains { $0.action == "create_api_key" && $0.target == key.keyId })
        await store.close()
    }
}
