import Logging
import NIOCore
import PromoDomain
import PromoWire

/// What one connection knows about its caller between requests.
struct Session {
    var caller: Caller?
    var failedHellos = 0
    /// The peer's IP address, the key of the per-IP failed-authentication limit ("" when unknown).
    var peerIP = ""
}

/// The router's answer: ready now (answered on the event loop, no hop), or later (after a store commit).
enum Reply {
    case now(Response.Result)
    case later(EventLoopFuture<Response.Result>)

    init(_ pending: Pending<Response.Result>) {
        switch pending {
        case .now(let result): self = .now(result)
        case .later(let future): self = .later(future)
        }
    }
}

/// Authenticates, authorises and dispatches one request to the service that owns it.
final class RequestRouter: Sendable {
    static let serverVersion = "promo-service/0.1"

    let configuration: ServerConfiguration
    let registry: ApiKeyRegistry
    let apiKeys: ApiKeyService
    let campaigns: CampaignService
    let redemptions: RedemptionService
    let codes: CodeService
    let reports: ReportService
    let backups: BackupService
    let audit: AuditLogService
    let groups: GroupService
    let blocks: BlockService
    let authFailures: AuthFailureLimiter

    init(
        configuration: ServerConfiguration, registry: ApiKeyRegistry, store: any PromoStorage, failures: FailureRecorder,
        local: (validation: any InProcessValidation, loopReaders: EventLoopReaders)?, logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.apiKeys = ApiKeyService(configuration: configuration, registry: registry, store: store, logger: logger)
        self.campaigns = CampaignService(configuration: configuration, store: store)
        self.redemptions = RedemptionService(
            configuration: configuration, store: store, failures: failures, local: local)
        self.reports = ReportService(configuration: configuration, store: store)
        self.codes = CodeService(configuration: configuration, store: store)
        self.backups = BackupService(configuration: configuration, store: store, logger: logger)
        self.audit = AuditLogService(configuration: configuration, store: store)
        self.groups = GroupService(configuration: configuration, store: store)
        self.blocks = BlockService(configuration: configuration, store: store)
        self.authFailures = AuthFailureLimiter(configuration: configuration)
    }

    func route(_ call: Request.Call?, session: inout Session, on eventLoop: any EventLoop) throws(ServerError) -> Reply {
        guard let call else { throw ServerError(.invalidArgument, "request has no call") }
        if case .hello(let hello) = call { return .now(.hello(try self.hello(hello, session: &session))) }

        guard let keyId = session.caller?.keyId else {
            throw ServerError(.unauthenticated, "send hello with an API key first")
        }
        // Looked up on every request so that a revoked key stops working on open connections at once.
        guard let caller = registry.current(keyId: keyId) else {
            session.caller = nil
            throw ServerError(.unauthenticated, "API key has been revoked")
        }
        session.caller = caller
        let operation = Operation(call)
        guard caller.role.allows(operation) else {
            throw ServerError(.permissionDenied, "role \(caller.role.rawValue) may not call \(operation.rawValue)")
        }

        switch call {
        case .validate(let request) where request.explain:
            return .later(try redemptions.explain(request, on: eventLoop).map { .validate($0) })
        case .validate(let request):
            return Reply(try redemptions.validate(request, on: eventLoop).map { .validate($0) })
        case .redeem(let request):
            return Reply(try redemptions.redeem(request, by: caller, on: eventLoop).map { .redeem($0) })
        case .voidRedemption(let request):
            return .later(try redemptions.void(request, by: caller, on: eventLoop).map { .voidRedemption($0) })
        case .grantReward(let request):
            return .later(try redemptions.grant(request, by: caller, on: eventLoop).map { .grantReward($0) })
        case .rewardHistory(let request):
            return .later(try redemptions.history(request, on: eventLoop).map { .rewardHistory($0) })
        case .createCampaign(let request):
            return .later(try campaigns.create(request, by: caller, on: eventLoop).map { .createCampaign($0) })
        case .updateCampaign(let request):
            return .later(try campaigns.update(request, by: caller, on: eventLoop).map { .updateCampaign($0) })
        case .getCampaign(let request):
            return .later(campaigns.get(request, on: eventLoop).map { .getCampaign($0) })
        case .listCampaigns(let request):
            return .later(try campaigns.list(request, on: eventLoop).map { .listCampaigns($0) })
        case .setCodeStatus(let request):
            return .later(try campaigns.setCodeStatus(request, by: caller, on: eventLoop).map { .setCodeStatus($0) })
        case .createApiKey(let request):
            return .later(try apiKeys.create(request, by: caller, on: eventLoop).map { .createApiKey($0) })
        case .revokeApiKey(let request):
            return .later(try apiKeys.revoke(request, by: caller, on: eventLoop).map { .revokeApiKey($0) })
        case .listApiKeys:
            return .now(.listApiKeys(apiKeys.list()))
        case .check:
            return .later(reports.check(on: eventLoop).map { .check($0) })
        case .backup(let request):
            return .later(try backups.backup(request, by: caller, on: eventLoop).map { .backup($0) })
        case .fetchBackup(let request):
            return .later(try backups.fetch(request, by: caller, on: eventLoop).map { .fetchBackup($0) })
        case .auditLog(let request):
            return .later(try audit.read(request, on: eventLoop).map { .auditLog($0) })
        case .generate(let request):
            return .later(try codes.generate(request, by: caller, on: eventLoop).map { .generate($0) })
        case .importCodes(let request):
            return .later(try codes.importCodes(request, by: caller, on: eventLoop).map { .importCodes($0) })
        case .exportCodes(let request):
            return .later(try codes.export(request, by: caller, on: eventLoop).map { .exportCodes($0) })
        case .getCode(let request):
            return .later(try codes.get(request, on: eventLoop).map { .getCode($0) })
        case .report(let request):
            return .later(try reports.report(request, on: eventLoop).map { .report($0) })
        case .compareCampaigns(let request):
            return .later(try reports.compare(request, on: eventLoop).map { .compareCampaigns($0) })
        case .createGroup(let request):
            return .later(try groups.create(request, by: caller, on: eventLoop).map { .createGroup($0) })
        case .getGroup(let request):
            return .later(groups.get(request, on: eventLoop).map { .getGroup($0) })
        case .listGroups(let request):
            return .later(try groups.list(request, on: eventLoop).map { .listGroups($0) })
        case .updateGroup(let request):
            return .later(try groups.update(request, by: caller, on: eventLoop).map { .updateGroup($0) })
        case .offers(let request):
            return .later(try redemptions.offers(request, on: eventLoop).map { .offers($0) })
        case .blockUser(let request):
            return .later(try blocks.block(request, by: caller, on: eventLoop).map { .blockUser($0) })
        case .unblockUser(let request):
            return .later(try blocks.unblock(request, by: caller, on: eventLoop).map { .unblockUser($0) })
        case .listBlocks(let request):
            return .later(try blocks.list(request, on: eventLoop).map { .listBlocks($0) })
        case .hello:
            preconditionFailure("hello is answered before authorisation")
        }
    }

    private func hello(_ hello: HelloRequest, session: inout Session) throws(ServerError) -> HelloResponse {
        let caller: Caller
        do {
            caller = try authenticate(secret: hello.apiKey, peerIP: session.peerIP)
        } catch {
            session.caller = nil
            session.failedHellos += 1
            throw error
        }
        session.caller = caller
        return HelloResponse.with {
            $0.serverVersion = Self.serverVersion
            $0.role = caller.role.rawValue
        }
    }
}

extension RequestRouter {
    /// Checks an API key presented by `peerIP` (a `hello`, or the console's `Authorization: Bearer`): the live
    /// key's caller, UNAUTHENTICATED for an unknown, revoked or oversized key, RESOURCE_EXHAUSTED while the
    /// address is past `authFailuresPerIpMax`. Both doors count their failures against the same limit.
    func authenticate(secret: String, peerIP: String) throws(ServerError) -> Caller {
        try authFailures.authenticate(peerIP: peerIP, nowMs: WallClock.nowMs()) {
            secret.utf8.count <= configuration.apiKeyBytesMax ? registry.authenticate(secret: secret) : nil
        }
    }
}

extension Operation {
    init(_ call: Request.Call) {
        switch call {
        case .hello: self = .hello
        case .validate(let request): self = request.explain ? .validateExplain : .validate
        case .redeem: self = .redeem
        case .generate: self = .generate
        case .report: self = .report
        case .check: self = .check
        case .backup: self = .backup
        case .fetchBackup: self = .fetchBackup
        case .auditLog: self = .auditLog
        case .getCode: self = .getCode
        case .createCampaign: self = .createCampaign
        case .updateCampaign: self = .updateCampaign
        case .getCampaign: self = .getCampaign
        case .listCampaigns: self = .listCampaigns
        case .importCodes: self = .importCodes
        case .exportCodes: self = .exportCodes
        case .setCodeStatus: self = .setCodeStatus
        case .voidRedemption: self = .voidRedemption
        case .rewardHistory: self = .rewardHistory
        case .createApiKey: self = .createApiKey
        case .revokeApiKey: self = .revokeApiKey
        case .listApiKeys: self = .listApiKeys
        case .createGroup: self = .createGroup
        case .getGroup: self = .getGroup
        case .listGroups: self = .listGroups
        case .updateGroup: self = .updateGroup
        case .offers: self = .offers
        case .blockUser: self = .blockUser
        case .unblockUser: self = .unblockUser
        case .listBlocks: self = .listBlocks
        case .compareCampaigns: self = .compareCampaigns
        case .grantReward: self = .grantReward
        }
    }
}
