import Logging
import NIOCore
import PromoDomain
import PromoWire

/// Creating, revoking and listing API keys. Changes are committed (with an audit entry) before the
/// in-memory registry learns of them, so the registry never runs ahead of the database.
final class ApiKeyService: Sendable {
    let configuration: ServerConfiguration
    let registry: ApiKeyRegistry
    let store: any ApiKeyStorage
    let logger: Logger

    init(configuration: ServerConfiguration, registry: ApiKeyRegistry, store: any ApiKeyStorage, logger: Logger) {
        self.configuration = configuration
        self.registry = registry
        self.store = store
        self.logger = logger
    }

    func create(
        _ request: CreateApiKeyRequest, by caller: Caller, on eventLoop: any EventLoop
    ) throws(ServerError) -> EventLoopFuture<CreateApiKeyResponse> {
        let nameBytes = request.name.utf8.count
        guard nameBytes >= 1, nameBytes <= configuration.apiKeyNameBytesMax else {
            throw ServerError(.invalidArgument, "name must be 1...\(configuration.apiKeyNameBytesMax) bytes")
        }
        guard let role = Role(rawValue: request.role) else {
            let roles = Role.allCases.map(\.rawValue).joined(separator: ", ")
            throw ServerError(.invalidArgument, "role must be one of \(roles)")
        }
        guard request.campaignIds.isEmpty || role == .issuer else {
            throw ServerError(.invalidArgument, "campaign_ids bind issuer keys only")
        }
        guard role != .issuer || !request.campaignIds.isEmpty else {
            throw ServerError(.invalidArgument, "an issuer key needs the campaign_ids it may work on")
        }
        guard request.campaignIds.count <= configuration.apiKeyCampaignsMax else {
            throw ServerError(.invalidArgument, "at most \(configuration.apiKeyCampaignsMax) campaign_ids")
        }
        for campaignId in request.campaignIds { try Validate.identifier(campaignId, "campaign_ids") }
        let key = NewApiKey.generate()
        let nowMs = WallClock.nowMs()
        let record = ApiKeyRecord(
            id: key.id, name: request.name, role: role.rawValue, secretSHA256: ApiKeyRegistry.digest(of: key.secret),
            campaignIds: Array(Set(request.campaignIds)).sorted(), createdAtMs: nowMs)
        let audit = AuditEntry(
            atMs: nowMs, actorKeyId: caller.keyId, action: "create_api_key", target: record.id,
            detail: "role=\(role.rawValue) name=\(request.name)")
        let store = store
        return eventLoop.makeFutureWithTask {
            try await store.insertApiKey(record, audit: audit)
        }.map { [registry] in
            registry.apply(record)
            return CreateApiKeyResponse.with {
                $0.keyId = record.id
                $0.apiKey = key.secret
            }
        }
    }

    func revoke(
        _ request: RevokeApiKeyRequest, by caller: Caller, on eventLoop: any EventLoop
    ) throws(ServerError) -> EventLoopFuture<RevokeApiKeyResponse> {
        guard var revoked = registry.all.first(where: { $0.id == request.keyId }), revoked.revokedAtMs == nil else {
            throw ServerError(.notFound, "no active API key \(request.keyId)")
        }
        let activeAdmins = registry.all.filter { $0.role == Role.admin.rawValue && $0.revokedAtMs == nil }
        if revoked.role == Role.admin.rawValue && activeAdmins.count == 1 {
            throw ServerError(.failedPrecondition, "cannot revoke the last admin key")
        }
        let nowMs = WallClock.nowMs()
        revoked.revokedAtMs = nowMs
        let record = revoked
        let audit = AuditEntry(atMs: nowMs, actorKeyId: caller.keyId, action: "revoke_api_key", target: record.id)
        let store = store
        return eventLoop.makeFutureWithTask {
            try await store.revokeApiKey(id: record.id, atMs: nowMs, audit: audit)
        }.map { [registry] in
            registry.apply(record)
            return RevokeApiKeyResponse()
        }
    }

    func list() -> ListApiKeysResponse {
        ListApiKeysResponse.with {
            $0.keys = registry.all.map { record in
                ApiKeyInfo.with {
                    $0.keyId = record.id
                    $0.name = record.name
                    $0.role = record.role
                    $0.campaignIds = record.campaignIds
                    $0.createdAtMs = record.createdAtMs
                    $0.revoked = record.revokedAtMs != nil
                }
            }
        }
    }
}
