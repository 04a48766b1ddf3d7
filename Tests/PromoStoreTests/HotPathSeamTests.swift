import PromoDomain
@testable import PromoStore
import Testing

private let now: Int64 = 1_800_000_000_000

/// A store whose guessing limit allows `userFailuresMax` failed attempts per user in a minute.
private func freshStorage(userFailuresMax: Int = 10) throws -> PromoStore {
    var configuration = StoreConfiguration(path: makeStoreTestDirectory("hot-seam") + "/promo.sqlite")
    configuration.guessingLimit = GuessingLimit(
        userPolicy: .init(failuresMax: userFailuresMax, windowMs: 60_000, cooldownMs: 60_000),
        ipPolicy: .init(failuresMax: 1_000, windowMs: 60_000, cooldownMs: 60_000), callersMax: 1_000)
    return try PromoStore(configuration: configuration)
}

private func campaign(_ id: String) -> Campaign {
    Campaign(
        id: id, name: "Offer \(id)", kind: .welcome, reward: .bonus(amountMinor: 500, currency: "EUR"), startsAtMs: 0,
        createdAtMs: now)
}

private func audit(_ action: String, _ target: String) -> AuditEntry {
    AuditEntry(atMs: now, actorKeyId: "key_1", action: action, target: target)
}

private func code(_ text: String, batch: String, owner: String? = nil) throws -> PromoCode {
    PromoCode(code: try CodeText(text), campaignId: "cmp_1", ownerId: owner, batchId: batch, createdAtMs: now)
}

private func batch(_ id: String, kind: CodeBatch.Kind, requested: UInt64, owner: String? = nil) -> CodeBatch {
    CodeBatch(
        id: id, campaignId: "cmp_1", kind: kind, template: kind == .imported ? "" : "P-####", requested: requested,
        maxUses: 0, ownerId: owner, apiKeyId: "key_1", idempotencyKey: nil, createdAtMs: now)
}

/// The hot path and codes through the storage protocol on SQLite (`RedeemStorage`, `CodeStorage`), as the
/// server sees them.
@Suite("The hot path and codes through the storage protocol on SQLite")
struct HotPathSeamTests {
    @Test func theGuessingLimitIsOneLimitAcrossValidatesAndRedeems() async throws {
        let sqlite = try freshStorage(userFailuresMax: 3)
        defer { sqlite.close() }
        let storage: any PromoStorage = sqlite
        let guesser = UserContext(userId: "u_guess")
        let guess = RedemptionRequest(code: "NOSUCHCODE", user: guesser)

        // One failure counted by the in-process path, one by the async validate, one by a redeem's slot.
        let local = try #require(storage.inProcessValidation)
        #expect(local.admit(.codeNotFound, for: guesser, nowMs: now) == .codeNotFound)
        guard case .admitted(let validated) = try await storage.validate(guess, now: { now }) else {
            Issue.record("the second failure is still within the limit")
            return
        }
        #expect(validated.outcome.verdict == .codeNotFound)
        let command = RedeemCommand(
            request: guess, source: "", idempotencyKey: nil, apiKeyId: "key_1", newRedemptionId: "rdm_1", nowMs: 0)
        guard case .admitted(let redeemed) = try await storage.redeem(command, now: { now }) else {
            Issue.record("the third failure is still within the limit")
            return
        }
        #expect(redeemed.verdict == .codeNotFound)

        // The limit is spent, whichever path asks next.
        #expect(storage.isLockedOut(guesser, nowMs: now))
        #expect(try await storage.redeem(command, now: { now }) == .rateLimited)
        #expect(try await storage.validate(guess, now: { now }) == .rateLimited)
        #expect(local.admit(.ok, for: guesser, nowMs: now) == .rateLimited)
        // Someone else is not affected, and the cool-down ends.
        #expect(!storage.isLockedOut(UserContext(userId: "u_other"), nowMs: now))
        #expect(!storage.isLockedOut(guesser, nowMs: now + 120_000))
    }

    @Test func aReservationHoldsTheCampaignsLastUse() async throws {
        let sqlite = try freshStorage()
        defer { sqlite.close() }
        let storage: any PromoStorage = sqlite
        var limited = campaign("cmp_1")
        limited.maxRedemptions = 1
        try await storage.createCampaign(
            limited, sharedCode: PromoCode(code: try CodeText("ONCE"), campaignId: "cmp_1", createdAtMs: now),
            audit: audit("create_campaign", "cmp_1"))

        let first = try await storage.reserve(
            RedemptionRequest(code: "once", user: UserContext(userId: "u_1")), reservationId: "rsv_1", holdMs: 30_000,
            now: { now })
        guard case .admitted(let held) = first else { Issue.record("not rate limited"); return }
        #expect(held.check.outcome.verdict == .ok && held.heldUntilMs == now + 30_000)
        // The one use is held: another player's reservation is refused.
        let second = try await storage.reserve(
            RedemptionRequest(code: "once", user: UserContext(userId: "u_2")), reservationId: "rsv_2", holdMs: 30_000,
            now: { now })
        guard case .admitted(let refused) = second else { Issue.record("not rate limited"); return }
        #expect(refused.check.outcome.verdict == .limitReached)
    }

    @Test func anImportSaysWhyEachCodeWasLeftOutAndCountsWhatWentIn() async throws {
        let sqlite = try freshStorage()
        defer { sqlite.close() }
        let storage: any PromoStorage = sqlite
        try await storage.createCampaign(
            campaign("cmp_1"), sharedCode: PromoCode(code: try CodeText("TAKEN"), campaignId: "cmp_1", createdAtMs: now),
            audit: audit("create_campaign", "cmp_1"))

        let codes = [
            try code("NEW1", batch: "bat_i", owner: "o_1"), try code("new1", batch: "bat_i"),
            try code("NEW2", batch: "bat_i", owner: "o_1"), try code("TAKEN", batch: "bat_i"),
            try code("NEW3", batch: "bat_i"),
        ]
        // Slices of two codes: the refusals and the batch's count hold across slices.
        let outcome = try await storage.importCodes(
            codes, batch: batch("bat_i", kind: .imported, requested: 5), audit: audit("import_codes", "bat_i"), sliceRows: 2)
        #expect(outcome.imported == 2)
        #expect(outcome.refused == [
            RefusedImport(index: 1, reason: .repeatedInImport), RefusedImport(index: 2, reason: .ownerRepeatedInImport),
            RefusedImport(index: 3, reason: .codeExists),
        ])
        let listed = try await storage.codes(CodeFilter(campaignId: "cmp_1", batchId: "bat_i"), after: nil, limit: 10)
        #expect(listed.map(\.code.code.display) == ["NEW1", "NEW3"])
        let page = try await storage.codes(CodeFilter(campaignId: "cmp_1", batchId: "bat_i"), after: listed[0].position, limit: 10)
        #expect(page.map(\.code.code.display) == ["NEW3"])
        #expect(try sqlite.writer.synchronously { try $0.batch(id: "bat_i")?.created } == 2)

        // Nothing importable: no batch is left behind.
        let none = try await storage.importCodes(
            [try code("TAKEN", batch: "bat_j")], batch: batch("bat_j", kind: .imported, requested: 1),
            audit: audit("import_codes", "bat_j"), sliceRows: 2)
        #expect(none == CodeImport(imported: 0, refused: [RefusedImport(index: 0, reason: .codeExists)]))
        #expect(try sqlite.writer.synchronously { try $0.batch(id: "bat_j") } == nil)
        await #expect { try await storage.codes(CodeFilter(campaignId: "cmp_x"), after: nil, limit: 1) } throws: { error in
            (error as? StoreError)?.code == .notFound
        }
    }

    @Test func aPersonalCodeIsOnePerOwnerAndATakenSpaceWritesNothing() async throws {
        let sqlite = try freshStorage()
        defer { sqlite.close() }
        let storage: any PromoStorage = sqlite
        try await storage.createCampaign(
            campaign("cmp_1"), sharedCode: PromoCode(code: try CodeText("P-0001"), campaignId: "cmp_1", createdAtMs: now),
            audit: audit("create_campaign", "cmp_1"))
        let room: @Sendable (UInt64) throws -> Void = { _ in }

        let first = try await storage.issuePersonalCode(
            batch("bat_p1", kind: .personal, requested: 1, owner: "o_1"),
            candidates: [try code("P-0001", batch: "bat_p1", owner: "o_1"), try code("P-0002", batch: "bat_p1", owner: "o_1")],
            audit: audit("generate", "bat_p1"), checkRoom: room)
        #expect(first == .issued(try code("P-0002", batch: "bat_p1", owner: "o_1")))
        let again = try await storage.issuePersonalCode(
            batch("bat_p2", kind: .personal, requested: 1, owner: "o_1"),
            candidates: [try code("P-0003", batch: "bat_p2", owner: "o_1")], audit: audit("generate", "bat_p2"), checkRoom: room)
        guard case .existing(let existing) = again else { Issue.record("a second code for o_1: \(again)"); return }
        #expect(existing.code.display == "P-0002" && existing.batchId == "bat_p1")

        let full = try await storage.issuePersonalCode(
            batch("bat_p3", kind: .personal, requested: 1, owner: "o_2"),
            candidates: [try code("P-0001", batch: "bat_p3", owner: "o_2")], audit: audit("generate", "bat_p3"), checkRoom: room)
        #expect(full == .noFreeCandidate)
        #expect(try sqlite.writer.synchronously { try $0.batch(id: "bat_p3") } == nil)

        // The caller's guard refuses with its own error, and nothing is written.
        struct TooSmall: Error {}
        await #expect(throws: TooSmall.self) {
            try await storage.issuePersonalCode(
                batch("bat_p4", kind: .personal, requested: 1, owner: "o_3"),
                candidates: [try code("P-0004", batch: "bat_p4", owner: "o_3")], audit: audit("generate", "bat_p4"),
                checkRoom: { _ in throw TooSmall() })
        }
        #expect(try sqlite.writer.synchronously { try $0.batch(id: "bat_p4") } == nil)
    }
}
