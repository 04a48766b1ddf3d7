import PromoClient
import PromoWire

/// One authenticated connection to promo-server (to the first of `--server`'s addresses that answers, moved to
/// the next when it fails), with every failure turned into a `CLIFailure`.
struct Session {
    let client: FailoverClient
    let server: String

    /// Long enough for a million-code `generate`; a stuck server is still noticed eventually.
    static let callTimeoutMs = 600_000

    /// Connects to `--server` and says hello with the API key.
    static func open(_ options: GlobalOptions) async throws -> Session {
        let apiKey = try options.apiKey()
        let addresses = try options.addresses()
        let server = addresses.listDescription
        var configuration = ClientConfiguration()
        configuration.callTimeoutMs = callTimeoutMs
        configuration.tls = try options.clientTLS()
        do {
            let client = try await FailoverClient.connect(
                to: addresses, apiKey: apiKey, clientName: "promoctl", configuration: configuration)
            return Session(client: client, server: server)
        } catch let error as PromoClientError {
            throw CLIFailure(error, server: server)
        } catch {
            throw CLIFailure(.cannotConnect, "cannot connect to \(server): \(FailoverClient.describeConnectFailure(error))")
        }
    }

    /// Sends one call; a non-OK answer or a lost connection becomes a `CLIFailure`.
    func call(_ call: Request.Call) async throws -> Response.Result {
        do {
            return try await client.call(call)
        } catch let error as PromoClientError {
            throw CLIFailure(error, server: server)
        } catch {
            throw CLIFailure(.serverError, "\(error)")
        }
    }

    func close() async { await client.close() }
}

/// Typed wrappers: each returns the call's own result or throws when the server answered another arm.
extension Session {
    private func unexpected(_ name: String, _ result: Response.Result) -> CLIFailure {
        CLIFailure(.serverError, "unexpected answer to \(name) from \(server): \(result)")
    }

    func createCampaign(_ request: CreateCampaignRequest) async throws -> Campaign {
        let result = try await call(.createCampaign(request))
        guard case .createCampaign(let answer) = result, let campaign = answer.campaign else {
            throw unexpected("create_campaign", result)
        }
        return campaign
    }

    func updateCampaign(_ request: UpdateCampaignRequest) async throws -> Campaign {
        let result = try await call(.updateCampaign(request))
        guard case .updateCampaign(let answer) = result, let campaign = answer.campaign else {
            throw unexpected("update_campaign", result)
        }
        return campaign
    }

    func getCampaign(_ id: String) async throws -> Campaign {
        let result = try await call(.getCampaign(.with { $0.campaignId = id }))
        guard case .getCampaign(let answer) = result, let campaign = answer.campaign else {
            throw unexpected("get_campaign", result)
        }
        return campaign
    }

    func listCampaigns(_ request: ListCampaignsRequest) async throws -> ListCampaignsResponse {
        let result = try await call(.listCampaigns(request))
        guard case .listCampaigns(let answer) = result else { throw unexpected("list_campaigns", result) }
        return answer
    }

    func generate(_ request: GenerateRequest) async throws -> GenerateResponse {
        let result = try await call(.generate(request))
        guard case .generate(let answer) = result else { throw unexpected("generate", result) }
        return answer
    }

    func importCodes(_ request: ImportCodesRequest) async throws -> ImportCodesResponse {
        let result = try await call(.importCodes(request))
        guard case .importCodes(let answer) = result else { throw unexpected("import_codes", result) }
        return answer
    }

    func exportCodes(_ request: ExportCodesRequest) async throws -> ExportCodesResponse {
        let result = try await call(.exportCodes(request))
        guard case .exportCodes(let answer) = result else { throw unexpected("export_codes", result) }
        return answer
    }

    func setCodeStatus(_ code: String, active: Bool) async throws -> CodeInfo {
        let result = try await call(.setCodeStatus(.with {
            $0.code = code
            $0.active = active
        }))
        guard case .setCodeStatus(let answer) = result, let info = answer.code else {
            throw unexpected("set_code_status", result)
        }
        return info
    }

    func grantReward(_ request: GrantRewardRequest) async throws -> GrantRewardResponse {
        let result = try await call(.grantReward(request))
        guard case .grantReward(let answer) = result else { throw unexpected("grant_reward", result) }
        return answer
    }

    func voidRedemption(_ id: String, reason: String) async throws -> RedemptionInfo {
        let result = try await call(.voidRedemption(.with {
            $0.redemptionId = id
            $0.reason = reason
        }))
        guard case .voidRedemption(let answer) = result, let info = answer.redemption else {
            throw unexpected("void_redemption", result)
        }
        return info
    }

    func rewardHistory(_ request: RewardHistoryRequest) async throws -> RewardHistoryResponse {
        let result = try await call(.rewardHistory(request))
        guard case .rewardHistory(let answer) = result else { throw unexpected("reward_history", result) }
        return answer
    }

    func report(_ request: ReportRequest) async throws -> ReportResponse {
        let result = try await call(.report(request))
        guard case .report(let answer) = result else { throw unexpected("report", result) }
        return answer
    }

    func compareCampaigns(_ request: CompareCampaignsRequest) async throws -> CompareCampaignsResponse {
        let result = try await call(.compareCampaigns(request))
        guard case .compareCampaigns(let answer) = result else { throw unexpected("compare_campaigns", result) }
        return answer
    }

    func createApiKey(_ request: CreateApiKeyRequest) async throws -> CreateApiKeyResponse {
        let result = try await call(.createApiKey(request))
        guard case .createApiKey(let answer) = result else { throw unexpected("create_api_key", result) }
        return answer
    }

    func revokeApiKey(_ keyId: String) async throws {
        let result = try await call(.revokeApiKey(.with { $0.keyId = keyId }))
        guard case .revokeApiKey = result else { throw unexpected("revoke_api_key", result) }
    }

    func check() async throws -> CheckResponse {
        let result = try await call(.check(CheckRequest()))
        guard case .check(let answer) = result else { throw unexpected("check", result) }
        return answer
    }

    func backup(name: String) async throws -> BackupResponse {
        let result = try await call(.backup(.with { $0.name = name }))
        guard case .backup(let answer) = result else { throw unexpected("backup", result) }
        return answer
    }

    func fetchBackup(name: String, offset: UInt64) async throws -> FetchBackupResponse {
        let result = try await call(.fetchBackup(.with {
            $0.name = name
            $0.offset = offset
        }))
        guard case .fetchBackup(let answer) = result else { throw unexpected("fetch_backup", result) }
        return answer
    }

    func auditLog(_ request: AuditLogRequest) async throws -> AuditLogResponse {
        let result = try await call(.auditLog(request))
        guard case .auditLog(let answer) = result else { throw unexpected("audit_log", result) }
        return answer
    }

    func createGroup(_ request: CreateGroupRequest) async throws -> Group {
        let result = try await call(.createGroup(request))
        guard case .createGroup(let answer) = result, let group = answer.group else {
            throw unexpected("create_group", result)
        }
        return group
    }

    func getGroup(_ id: String) async throws -> Group {
        let result = try await call(.getGroup(.with { $0.groupId = id }))
        guard case .getGroup(let answer) = result, let group = answer.group else { throw unexpected("get_group", result) }
        return group
    }

    func listGroups(_ request: ListGroupsRequest) async throws -> ListGroupsResponse {
        let result = try await call(.listGroups(request))
        guard case .listGroups(let answer) = result else { throw unexpected("list_groups", result) }
        return answer
    }

    func updateGroup(_ request: UpdateGroupRequest) async throws -> Group {
        let result = try await call(.updateGroup(request))
        guard case .updateGroup(let answer) = result, let group = answer.group else {
            throw unexpected("update_group", result)
        }
        return group
    }

    func listApiKeys() async throws -> [ApiKeyInfo] {
        let result = try await call(.listApiKeys(ListApiKeysRequest()))
        guard case .listApiKeys(let answer) = result else { throw unexpected("list_api_keys", result) }
        return answer.keys
    }
}

extension GlobalOptions {
    /// Opens a session, runs `body` with it and closes it, whatever happens.
    func withSession<T>(_ body: (Session) async throws -> T) async throws -> T {
        let session = try await Session.open(self)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }
}
