import CPromoProto

extension Request: CBridged {
    init(c: UnsafePointer<Promo__V1__Request>) throws(WireError) {
        let m = c.pointee
        requestId = m.request_id
        switch m.call_case {
        case PROMO__V1__REQUEST__CALL_HELLO: call = .hello(try HelloRequest(c: m.hello))
        case PROMO__V1__REQUEST__CALL_VALIDATE: call = .validate(try ValidateRequest(c: m.validate))
        case PROMO__V1__REQUEST__CALL_REDEEM: call = .redeem(try RedeemRequest(c: m.redeem))
        case PROMO__V1__REQUEST__CALL_GENERATE: call = .generate(try GenerateRequest(c: m.generate))
        case PROMO__V1__REQUEST__CALL_REPORT: call = .report(try ReportRequest(c: m.report))
        case PROMO__V1__REQUEST__CALL_CREATE_CAMPAIGN:
            call = .createCampaign(try CreateCampaignRequest(c: m.create_campaign))
        case PROMO__V1__REQUEST__CALL_UPDATE_CAMPAIGN:
            call = .updateCampaign(try UpdateCampaignRequest(c: m.update_campaign))
        case PROMO__V1__REQUEST__CALL_GET_CAMPAIGN: call = .getCampaign(try GetCampaignRequest(c: m.get_campaign))
        case PROMO__V1__REQUEST__CALL_LIST_CAMPAIGNS:
            call = .listCampaigns(try ListCampaignsRequest(c: m.list_campaigns))
        case PROMO__V1__REQUEST__CALL_IMPORT_CODES: call = .importCodes(try ImportCodesRequest(c: m.import_codes))
        case PROMO__V1__REQUEST__CALL_EXPORT_CODES: call = .exportCodes(try ExportCodesRequest(c: m.export_codes))
        case PROMO__V1__REQUEST__CALL_SET_CODE_STATUS:
            call = .setCodeStatus(try SetCodeStatusRequest(c: m.set_code_status))
        case PROMO__V1__REQUEST__CALL_VOID_REDEMPTION:
            call = .voidRedemption(try VoidRedemptionRequest(c: m.void_redemption))
        case PROMO__V1__REQUEST__CALL_REWARD_HISTORY:
            call = .rewardHistory(try RewardHistoryRequest(c: m.reward_history))
        case PROMO__V1__REQUEST__CALL_CREATE_API_KEY:
            call = .createApiKey(try CreateApiKeyRequest(c: m.create_api_key))
        case PROMO__V1__REQUEST__CALL_REVOKE_API_KEY:
            call = .revokeApiKey(try RevokeApiKeyRequest(c: m.revoke_api_key))
        case PROMO__V1__REQUEST__CALL_LIST_API_KEYS: call = .listApiKeys(try ListApiKeysRequest(c: m.list_api_keys))
        case PROMO__V1__REQUEST__CALL_CHECK: call = .check(try CheckRequest(c: m.check))
        case PROMO__V1__REQUEST__CALL_BACKUP: call = .backup(try BackupRequest(c: m.backup))
        case PROMO__V1__REQUEST__CALL_FETCH_BACKUP: call = .fetchBackup(try FetchBackupRequest(c: m.fetch_backup))
        case PROMO__V1__REQUEST__CALL_AUDIT_LOG: call = .auditLog(try AuditLogRequest(c: m.audit_log))
        case PROMO__V1__REQUEST__CALL_CREATE_GROUP: call = .createGroup(try CreateGroupRequest(c: m.create_group))
        case PROMO__V1__REQUEST__CALL_GET_GROUP: call = .getGroup(try GetGroupRequest(c: m.get_group))
        case PROMO__V1__REQUEST__CALL_LIST_GROUPS: call = .listGroups(try ListGroupsRequest(c: m.list_groups))
        case PROMO__V1__REQUEST__CALL_UPDATE_GROUP: call = .updateGroup(try UpdateGroupRequest(c: m.update_group))
        default: call = nil
        }
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Request> {
        let c = arena.make(Promo__V1__Request.self) { promo__v1__request__init($0) }
        c.pointee.request_id = requestId
        switch call {
        case nil: break
        case .hello(let m): (c.pointee.call_case, c.pointee.hello) = (PROMO__V1__REQUEST__CALL_HELLO, m.cMessage(in: arena))
        case .validate(let m):
            (c.pointee.call_case, c.pointee.validate) = (PROMO__V1__REQUEST__CALL_VALIDATE, m.cMessage(in: arena))
        case .redeem(let m):
            (c.pointee.call_case, c.pointee.redeem) = (PROMO__V1__REQUEST__CALL_REDEEM, m.cMessage(in: arena))
        case .generate(let m):
            (c.pointee.call_case, c.pointee.generate) = (PROMO__V1__REQUEST__CALL_GENERATE, m.cMessage(in: arena))
        case .report(let m):
            (c.pointee.call_case, c.pointee.report) = (PROMO__V1__REQUEST__CALL_REPORT, m.cMessage(in: arena))
        case .createCampaign(let m):
            (c.pointee.call_case, c.pointee.create_campaign) =
                (PROMO__V1__REQUEST__CALL_CREATE_CAMPAIGN, m.cMessage(in: arena))
        case .updateCampaign(let m):
            (c.pointee.call_case, c.pointee.update_campaign) =
                (PROMO__V1__REQUEST__CALL_UPDATE_CAMPAIGN, m.cMessage(in: arena))
        case .getCampaign(let m):
            (c.pointee.call_case, c.pointee.get_campaign) = (PROMO__V1__REQUEST__CALL_GET_CAMPAIGN, m.cMessage(in: arena))
        case .listCampaigns(let m):
            (c.pointee.call_case, c.pointee.list_campaigns) =
                (PROMO__V1__REQUEST__CALL_LIST_CAMPAIGNS, m.cMessage(in: arena))
        case .importCodes(let m):
            (c.pointee.call_case, c.pointee.import_codes) = (PROMO__V1__REQUEST__CALL_IMPORT_CODES, m.cMessage(in: arena))
        case .exportCodes(let m):
            (c.pointee.call_case, c.pointee.export_codes) = (PROMO__V1__REQUEST__CALL_EXPORT_CODES, m.cMessage(in: arena))
        case .setCodeStatus(let m):
            (c.pointee.call_case, c.pointee.set_code_status) =
                (PROMO__V1__REQUEST__CALL_SET_CODE_STATUS, m.cMessage(in: arena))
        case .voidRedemption(let m):
            (c.pointee.call_case, c.pointee.void_redemption) =
                (PROMO__V1__REQUEST__CALL_VOID_REDEMPTION, m.cMessage(in: arena))
        case .rewardHistory(let m):
            (c.pointee.call_case, c.pointee.reward_history) =
                (PROMO__V1__REQUEST__CALL_REWARD_HISTORY, m.cMessage(in: arena))
        case .createApiKey(let m):
            (c.pointee.call_case, c.pointee.create_api_key) =
                (PROMO__V1__REQUEST__CALL_CREATE_API_KEY, m.cMessage(in: arena))
        case .revokeApiKey(let m):
            (c.pointee.call_case, c.pointee.revoke_api_key) =
                (PROMO__V1__REQUEST__CALL_REVOKE_API_KEY, m.cMessage(in: arena))
        case .listApiKeys(let m):
            (c.pointee.call_case, c.pointee.list_api_keys) = (PROMO__V1__REQUEST__CALL_LIST_API_KEYS, m.cMessage(in: arena))
        case .check(let m):
            (c.pointee.call_case, c.pointee.check) = (PROMO__V1__REQUEST__CALL_CHECK, m.cMessage(in: arena))
        case .backup(let m):
            (c.pointee.call_case, c.pointee.backup) = (PROMO__V1__REQUEST__CALL_BACKUP, m.cMessage(in: arena))
        case .fetchBackup(let m):
            (c.pointee.call_case, c.pointee.fetch_backup) = (PROMO__V1__REQUEST__CALL_FETCH_BACKUP, m.cMessage(in: arena))
        case .auditLog(let m):
            (c.pointee.call_case, c.pointee.audit_log) = (PROMO__V1__REQUEST__CALL_AUDIT_LOG, m.cMessage(in: arena))
        case .createGroup(let m):
            (c.pointee.call_case, c.pointee.create_group) = (PROMO__V1__REQUEST__CALL_CREATE_GROUP, m.cMessage(in: arena))
        case .getGroup(let m):
            (c.pointee.call_case, c.pointee.get_group) = (PROMO__V1__REQUEST__CALL_GET_GROUP, m.cMessage(in: arena))
        case .listGroups(let m):
            (c.pointee.call_case, c.pointee.list_groups) = (PROMO__V1__REQUEST__CALL_LIST_GROUPS, m.cMessage(in: arena))
        case .updateGroup(let m):
            (c.pointee.call_case, c.pointee.update_group) = (PROMO__V1__REQUEST__CALL_UPDATE_GROUP, m.cMessage(in: arena))
        }
        return c
    }
}

extension Response: CBridged {
    init(c: UnsafePointer<Promo__V1__Response>) throws(WireError) {
        let m = c.pointee
        requestId = m.request_id
        status = try CDecode.message(m.status) ?? .ok
        switch m.result_case {
        case PROMO__V1__RESPONSE__RESULT_HELLO: result = .hello(try HelloResponse(c: m.hello))
        case PROMO__V1__RESPONSE__RESULT_VALIDATE: result = .validate(try ValidateResponse(c: m.validate))
        case PROMO__V1__RESPONSE__RESULT_REDEEM: result = .redeem(try RedeemResponse(c: m.redeem))
        case PROMO__V1__RESPONSE__RESULT_GENERATE: result = .generate(try GenerateResponse(c: m.generate))
        case PROMO__V1__RESPONSE__RESULT_REPORT: result = .report(try ReportResponse(c: m.report))
        case PROMO__V1__RESPONSE__RESULT_CREATE_CAMPAIGN:
            result = .createCampaign(try CreateCampaignResponse(c: m.create_campaign))
        case PROMO__V1__RESPONSE__RESULT_UPDATE_CAMPAIGN:
            result = .updateCampaign(try UpdateCampaignResponse(c: m.update_campaign))
        case PROMO__V1__RESPONSE__RESULT_GET_CAMPAIGN: result = .getCampaign(try GetCampaignResponse(c: m.get_campaign))
        case PROMO__V1__RESPONSE__RESULT_LIST_CAMPAIGNS:
            result = .listCampaigns(try ListCampaignsResponse(c: m.list_campaigns))
        case PROMO__V1__RESPONSE__RESULT_IMPORT_CODES:
            result = .importCodes(try ImportCodesResponse(c: m.import_codes))
        case PROMO__V1__RESPONSE__RESULT_EXPORT_CODES:
            result = .exportCodes(try ExportCodesResponse(c: m.export_codes))
        case PROMO__V1__RESPONSE__RESULT_SET_CODE_STATUS:
            result = .setCodeStatus(try SetCodeStatusResponse(c: m.set_code_status))
        case PROMO__V1__RESPONSE__RESULT_VOID_REDEMPTION:
            result = .voidRedemption(try VoidRedemptionResponse(c: m.void_redemption))
        case PROMO__V1__RESPONSE__RESULT_REWARD_HISTORY:
            result = .rewardHistory(try RewardHistoryResponse(c: m.reward_history))
        case PROMO__V1__RESPONSE__RESULT_CREATE_API_KEY:
            result = .createApiKey(try CreateApiKeyResponse(c: m.create_api_key))
        case PROMO__V1__RESPONSE__RESULT_REVOKE_API_KEY:
            result = .revokeApiKey(try RevokeApiKeyResponse(c: m.revoke_api_key))
        case PROMO__V1__RESPONSE__RESULT_LIST_API_KEYS:
            result = .listApiKeys(try ListApiKeysResponse(c: m.list_api_keys))
        case PROMO__V1__RESPONSE__RESULT_CHECK: result = .check(try CheckResponse(c: m.check))
        case PROMO__V1__RESPONSE__RESULT_BACKUP: result = .backup(try BackupResponse(c: m.backup))
        case PROMO__V1__RESPONSE__RESULT_FETCH_BACKUP:
            result = .fetchBackup(try FetchBackupResponse(c: m.fetch_backup))
        case PROMO__V1__RESPONSE__RESULT_AUDIT_LOG: result = .auditLog(try AuditLogResponse(c: m.audit_log))
        case PROMO__V1__RESPONSE__RESULT_CREATE_GROUP:
            result = .createGroup(try CreateGroupResponse(c: m.create_group))
        case PROMO__V1__RESPONSE__RESULT_GET_GROUP: result = .getGroup(try GetGroupResponse(c: m.get_group))
        case PROMO__V1__RESPONSE__RESULT_LIST_GROUPS: result = .listGroups(try ListGroupsResponse(c: m.list_groups))
        case PROMO__V1__RESPONSE__RESULT_UPDATE_GROUP:
            result = .updateGroup(try UpdateGroupResponse(c: m.update_group))
        default: result = nil
        }
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Response> {
        let c = arena.make(Promo__V1__Response.self) { promo__v1__response__init($0) }
        c.pointee.request_id = requestId
        c.pointee.status = status.cMessage(in: arena)
        switch result {
        case nil: break
        case .hello(let m):
            (c.pointee.result_case, c.pointee.hello) = (PROMO__V1__RESPONSE__RESULT_HELLO, m.cMessage(in: arena))
        case .validate(let m):
            (c.pointee.result_case, c.pointee.validate) = (PROMO__V1__RESPONSE__RESULT_VALIDATE, m.cMessage(in: arena))
        case .redeem(let m):
            (c.pointee.result_case, c.pointee.redeem) = (PROMO__V1__RESPONSE__RESULT_REDEEM, m.cMessage(in: arena))
        case .generate(let m):
            (c.pointee.result_case, c.pointee.generate) = (PROMO__V1__RESPONSE__RESULT_GENERATE, m.cMessage(in: arena))
        case .report(let m):
            (c.pointee.result_case, c.pointee.report) = (PROMO__V1__RESPONSE__RESULT_REPORT, m.cMessage(in: arena))
        case .createCampaign(let m):
            (c.pointee.result_case, c.pointee.create_campaign) =
                (PROMO__V1__RESPONSE__RESULT_CREATE_CAMPAIGN, m.cMessage(in: arena))
        case .updateCampaign(let m):
            (c.pointee.result_case, c.pointee.update_campaign) =
                (PROMO__V1__RESPONSE__RESULT_UPDATE_CAMPAIGN, m.cMessage(in: arena))
        case .getCampaign(let m):
            (c.pointee.result_case, c.pointee.get_campaign) =
                (PROMO__V1__RESPONSE__RESULT_GET_CAMPAIGN, m.cMessage(in: arena))
        case .listCampaigns(let m):
            (c.pointee.result_case, c.pointee.list_campaigns) =
                (PROMO__V1__RESPONSE__RESULT_LIST_CAMPAIGNS, m.cMessage(in: arena))
        case .importCodes(let m):
            (c.pointee.result_case, c.pointee.import_codes) =
                (PROMO__V1__RESPONSE__RESULT_IMPORT_CODES, m.cMessage(in: arena))
        case .exportCodes(let m):
            (c.pointee.result_case, c.pointee.export_codes) =
                (PROMO__V1__RESPONSE__RESULT_EXPORT_CODES, m.cMessage(in: arena))
        case .setCodeStatus(let m):
            (c.pointee.result_case, c.pointee.set_code_status) =
                (PROMO__V1__RESPONSE__RESULT_SET_CODE_STATUS, m.cMessage(in: arena))
        case .voidRedemption(let m):
            (c.pointee.result_case, c.pointee.void_redemption) =
                (PROMO__V1__RESPONSE__RESULT_VOID_REDEMPTION, m.cMessage(in: arena))
        case .rewardHistory(let m):
            (c.pointee.result_case, c.pointee.reward_history) =
                (PROMO__V1__RESPONSE__RESULT_REWARD_HISTORY, m.cMessage(in: arena))
        case .createApiKey(let m):
            (c.pointee.result_case, c.pointee.create_api_key) =
                (PROMO__V1__RESPONSE__RESULT_CREATE_API_KEY, m.cMessage(in: arena))
        case .revokeApiKey(let m):
            (c.pointee.result_case, c.pointee.revoke_api_key) =
                (PROMO__V1__RESPONSE__RESULT_REVOKE_API_KEY, m.cMessage(in: arena))
        case .listApiKeys(let m):
            (c.pointee.result_case, c.pointee.list_api_keys) =
                (PROMO__V1__RESPONSE__RESULT_LIST_API_KEYS, m.cMessage(in: arena))
        case .check(let m):
            (c.pointee.result_case, c.pointee.check) = (PROMO__V1__RESPONSE__RESULT_CHECK, m.cMessage(in: arena))
        case .backup(let m):
            (c.pointee.result_case, c.pointee.backup) = (PROMO__V1__RESPONSE__RESULT_BACKUP, m.cMessage(in: arena))
        case .fetchBackup(let m):
            (c.pointee.result_case, c.pointee.fetch_backup) =
                (PROMO__V1__RESPONSE__RESULT_FETCH_BACKUP, m.cMessage(in: arena))
        case .auditLog(let m):
            (c.pointee.result_case, c.pointee.audit_log) = (PROMO__V1__RESPONSE__RESULT_AUDIT_LOG, m.cMessage(in: arena))
        case .createGroup(let m):
            (c.pointee.result_case, c.pointee.create_group) =
                (PROMO__V1__RESPONSE__RESULT_CREATE_GROUP, m.cMessage(in: arena))
        case .getGroup(let m):
            (c.pointee.result_case, c.pointee.get_group) = (PROMO__V1__RESPONSE__RESULT_GET_GROUP, m.cMessage(in: arena))
        case .listGroups(let m):
            (c.pointee.result_case, c.pointee.list_groups) =
                (PROMO__V1__RESPONSE__RESULT_LIST_GROUPS, m.cMessage(in: arena))
        case .updateGroup(let m):
            (c.pointee.result_case, c.pointee.update_group) =
                (PROMO__V1__RESPONSE__RESULT_UPDATE_GROUP, m.cMessage(in: arena))
        }
        return c
    }
}
