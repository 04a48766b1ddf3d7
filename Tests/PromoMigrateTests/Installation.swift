import PromoDomain
import PromoStore

#if canImport(Glibc)
import Glibc
#endif

/// A SQLite installation built through the SQLite store's own write paths (the writer's connection, in a few
/// large transactions, so that 100,000 codes and 20,000 redemptions take seconds): every table the migration
/// copies holds rows, voided redemptions and grants, held and consumed reservations, idempotency records and
/// failed attempts included.
struct Installation {
    static let codesPerCampaign = [60_000, 30_000, 10_000]
    static let redemptions = 20_000
    static let campaignIds = ["cmp_bonus", "cmp_spins", "cmp_points"]
    static let users = 4_000
    /// 2027-01-15 00:00 UTC; redemptions follow a minute apart, so they spread over two weeks of hours.
    static let startMs: Int64 = 1_799_971_200_000

    let directory: String
    var path: String { directory + "/promo.sqlite" }

    /// Builds the installation and closes the store (the migration reads the file on its own).
    static func build() async throws -> Installation {
        var template = Array("/tmp/promo-migrate-XXXXXX".utf8CString)
        let directory = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
        let installation = Installation(directory: directory)
        var configuration = StoreConfiguration(path: installation.path)
        configuration.validateViewCodesMax = 0
        let store = try PromoStore(configuration: configuration)
        defer { store.close() }
        try await installation.backOffice(store)
        try store.writer.synchronously { connection in
            try Self.inTransaction(connection) { try Self.issueCodes(connection) }
            try Self.inTransaction(connection) { try Self.redeemAndVoid(connection) }
        }
        return installation
    }

    private static func inTransaction(_ connection: Connection, _ body: () throws -> Void) throws {
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try body()
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    func remove() {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        rmdir(directory)
    }

    static func user(_ index: Int) -> String { "u\(index % users)" }

    static func code(campaign: Int, _ index: Int) -> String { "M\(campaign)X\(index)" }

    /// Keys, a group, campaigns (one in the group), blocks and audit entries, through the store's API.
    private func backOffice(_ store: PromoStore) async throws {
        let t = Self.startMs
        try await store.insertApiKey(
            ApiKeyRecord(id: "key_game", name: "game servers", role: "redeemer", secretSHA256: Array(repeating: 7, count: 32), createdAtMs: t),
            audit: AuditEntry(atMs: t, actorKeyId: "admin", action: "create_api_key", target: "key_game"))
        try await store.insertApiKey(
            ApiKeyRecord(
                id: "key_affiliate", name: "affiliate\ttab \"quoted\" \\ back", role: "issuer",
                secretSHA256: (0..<32).map { UInt8($0 * 8) }, campaignIds: ["cmp_bonus"], createdAtMs: t, revokedAtMs: t + 5),
            audit: AuditEntry(atMs: t, actorKeyId: "admin", action: "create_api_key", target: "key_affiliate", detail: "line one\nline two"))
        try await store.createGroup(
            Group(id: "grp_welcome", name: "Welcome", maxPerUser: 0, createdAtMs: t),
            audit: AuditEntry(atMs: t, actorKeyId: "admin", action: "create_group", target: "grp_welcome"))
        let campaigns = [
            Campaign(
                id: "cmp_bonus", name: "Bonus", kind: .seasonal, reward: .bonus(amountMinor: 500, currency: "EUR"), startsAtMs: 0,
                eligibility: Eligibility(segments: ["vip", "a \"b\" c", "back\\slash"], countries: ["DE", "AT"]), source: "web",
                createdAtMs: t),
            Campaign(
                id: "cmp_spins", name: "Spins", kind: .freeSpins, reward: .freeSpins(count: 20, gameId: "book"), startsAtMs: 0,
                createdAtMs: t + 1, groupId: "grp_welcome"),
            Campaign(
                id: "cmp_points", name: "Points", kind: .vip, reward: .loyaltyPoints(amount: 250), startsAtMs: 0,
                createdAtMs: t + 2),
        ]
        for campaign in campaigns {
            try await store.createCampaign(
                campaign, sharedCode: nil, audit: AuditEntry(atMs: t, actorKeyId: "admin", action: "create_campaign", target: campaign.id))
        }
        for (index, user) in ["cheater1", "cheater2", "cheater3"].enumerated() {
            _ = try await store.putBlock(
                UserBlock(
                    id: "blk_\(index)", userId: user, reason: "chargebacks", untilMs: index == 0 ? 0 : t + 86_400_000,
                    campaignId: index == 2 ? "cmp_bonus" : nil, createdAtMs: t + Int64(index), createdBy: "admin"),
                nowMs: t + Int64(index), blocksMax: 100
            ) { block in AuditEntry(atMs: t, actorKeyId: "admin", action: "block_user", target: block.userId) }
        }
        for index in 0..<100 {
            try await store.appendAudit(
                AuditEntry(atMs: t + Int64(index), actorKeyId: "key_game", action: "export_codes", target: "cmp_bonus", detail: "page \(index)"))
        }
    }

    /// 100,000 single-use codes in one generated batch per campaign.
    private static func issueCodes(_ connection: Connection) throws {
        for (campaign, count) in codesPerCampaign.enumerated() {
            let batchId = "bat_\(campaign)"
            try connection.insertBatch(
                CodeBatch(
                    id: batchId, campaignId: campaignIds[campaign], kind: .generated, template: "M\(campaign)X#####",
                    requested: UInt64(count), maxUses: 1, ownerId: nil, apiKeyId: "key_affiliate", idempotencyKey: "gen-\(campaign)",
                    createdAtMs: startMs))
            var codes: [PromoCode] = []
            codes.reserveCapacity(count)
            for index in 0..<count {
                codes.append(
                    PromoCode(
                        code: try CodeText(code(campaign: campaign, index)), campaignId: campaignIds[campaign], maxUses: 1, batchId: batchId, createdAtMs: startMs))
            }
            _ = try connection.insertCodesSkippingConflicts(codes)
            try connection.addCreated(count, toBatch: batchId)
        }
    }

    /// 20,000 redemptions spread over the campaigns' codes, users, ips, devices and sources; every tenth with
    /// an idempotency key; every fiftieth voided; failed attempts (used codes again); reservations held and
    /// consumed; grants, some written off.
    private static func redeemAndVoid(_ connection: Connection) throws {
        let sources = ["web", "app", "affiliate"]
        var next = [0, 0, 0]
        for index in 0..<redemptions {
            let campaign = index % 5 < 3 ? 0 : (index % 5 == 3 ? 1 : 2)
            let text = code(campaign: campaign, next[campaign])
            next[campaign] += 1
            let context = UserContext(userId: user(index), segments: ["vip"], country: "DE", ip: "10.0.0.\(index % 16)", deviceId: "dev\(index % 12)")
            let deposit = index % 7 == 0 ? Deposit(amountMinor: Int64(1_000 + index), currency: index % 2 == 0 ? "EUR" : "USD") : .none
            let result = try connection.redeem(
                RedeemCommand(
                    request: RedemptionRequest(code: text, user: context, deposit: deposit), source: sources[index % 3],
                    idempotencyKey: index % 10 == 0 ? "idem-\(index)" : nil, apiKeyId: "key_game", newRedemptionId: "red_\(index)",
                    nowMs: startMs + Int64(index) * 60_000))
            guard result.verdict == .ok else { throw StoreError(.engine, "redeem \(text): \(result.verdict)") }
        }
        for index in stride(from: 0, to: redemptions, by: 50) {
            _ = try connection.voidRedemption(id: "red_\(index)", reason: "fraud review \(index)", nowMs: startMs + Int64(index) * 60_000 + 1)
        }
        let end = startMs + Int64(redemptions) * 60_000
        // Failed attempts: single-use codes tried again (CODE_LIMIT_REACHED), one with an idempotency key.
        for index in 0..<300 {
            let result = try connection.redeem(
                RedeemCommand(
                    request: RedemptionRequest(
                        code: code(campaign: 0, index), user: UserContext(userId: "guesser\(index % 5)", country: "DE", ip: "192.0.2.1", deviceId: "bot")),
                    source: "web", idempotencyKey: index == 0 ? "idem-failed" : nil, apiKeyId: "key_game", newRedemptionId: "fail_\(index)",
                    nowMs: end + Int64(index)))
            guard result.verdict != .ok else { throw StoreError(.engine, "a used code redeemed again") }
        }
        // Reservations: thirty held on unused codes, the first ten consumed by their redeem.
        for index in 0..<30 {
            let text = code(campaign: 2, next[2] + index)
            let request = RedemptionRequest(code: text, user: UserContext(userId: "holder\(index)", country: "DE", ip: "", deviceId: ""))
            let held = try connection.reserve(request, reservationId: "rsv_\(index)", untilMs: end + 600_000, nowMs: end + 1_000)
            guard held.outcome.verdict == .ok else { throw StoreError(.engine, "reserve \(text): \(held.outcome.verdict)") }
            guard index < 10 else { continue }
            var redeem = request
            redeem.reservationId = "rsv_\(index)"
            let result = try connection.redeem(
                RedeemCommand(
                    request: redeem, source: "app", idempotencyKey: nil, apiKeyId: "key_game", newRedemptionId: "red_rsv_\(index)",
                    nowMs: end + 2_000))
            guard result.verdict == .ok else { throw StoreError(.engine, "redeem reserved \(text): \(result.verdict)") }
        }
        for index in 0..<50 {
            let command = GrantCommand(
                user: UserContext(userId: user(index), country: "DE", ip: "", deviceId: ""),
                reward: index % 2 == 0 ? .bonus(amountMinor: 200, currency: "EUR") : .loyaltyPoints(amount: 40),
                reason: "goodwill \(index)", campaignId: index % 2 == 0 ? "cmp_bonus" : nil,
                idempotencyKey: index % 3 == 0 ? "grant-\(index)" : nil, apiKeyId: "key_support", newGrantId: "grt_\(index)",
                nowMs: end + 3_000 + Int64(index))
            _ = try connection.grant(command)
            if index % 10 == 0 { _ = try connection.voidRedemption(id: "grt_\(index)", reason: "granted twice", nowMs: end + 4_000) }
        }
    }
}
