import NIOCore
import PromoDomain
import PromoSync
import PromoWire

/// Codes in bulk: generate from a pattern, import a list, export pages.
///
/// A large `generate` runs as a sequence of writer jobs of `generateChunkCodes` each: memory stays bounded,
/// redeems keep flowing between chunks, and the batch row records progress so that a retry with the same
/// idempotency key resumes an interrupted batch instead of starting a second one.
final class CodeService: Sendable {
    let configuration: ServerConfiguration
    let store: any CodeStorage
    private let limits = DomainLimits.default
    /// Batches being filled right now, so that a retry arriving meanwhile waits for the same work instead of
    /// filling the batch a second time.
    private let filling = LockedValue<[String: Task<GenerateResponse, any Error>]>([:])

    init(configuration: ServerConfiguration, store: any CodeStorage) {
        self.configuration = configuration
        self.store = store
    }

    // MARK: Generate

    func generate(_ request: GenerateRequest, by caller: Caller, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<GenerateResponse>
    {
        try requireAccess(caller, to: request.campaignId)
        try requireText(request.idempotencyKey, "idempotency_key", max: configuration.idempotencyKeyBytesMax)
        try requireText(request.ownerId, "owner_id", max: limits.idBytesMax)
        try Validate.limit(request.maxUsesPerCode, "max_uses_per_code")
        let pattern: CodePattern
        do {
            pattern = try CodePattern(
                request.pattern.isEmpty ? configuration.defaultCodePattern : request.pattern, prefix: request.prefix,
                suffix: request.suffix)
        } catch {
            throw ServerError(wrapping: error)
        }
        if !request.ownerId.isEmpty {
            guard request.count <= 1 else {
                throw ServerError(.invalidArgument, "count: a personal code (owner_id) is one per owner, not \(request.count)")
            }
        } else {
            guard request.count >= 1, request.count <= configuration.generateCountMax else {
                throw ServerError(.invalidArgument, "count must be 1...\(configuration.generateCountMax)")
            }
        }
        // Made only once every check passed: a promise that is never completed is a leak NIO traps on.
        let promise = eventLoop.makePromise(of: GenerateResponse.self)
        if request.ownerId.isEmpty {
            promise.completeWithTask { try await self.generateBatch(request, pattern: pattern, by: caller) }
        } else {
            promise.completeWithTask { try await self.generatePersonal(request, pattern: pattern, by: caller) }
        }
        return promise.futureResult
    }

    private func generateBatch(_ request: GenerateRequest, pattern: CodePattern, by caller: Caller) async throws
        -> GenerateResponse
    {
        let count = UInt64(request.count)
        let inlineMax = configuration.generateInlineCodesMax
        let idempotencyKey = request.idempotencyKey.isEmpty ? nil : request.idempotencyKey
        let batch = CodeBatch(
            id: Identifier.make("bat"), campaignId: request.campaignId, kind: .generated, template: Self.space(pattern),
            requested: count, maxUses: request.maxUsesPerCode, ownerId: nil, apiKeyId: caller.keyId,
            idempotencyKey: idempotencyKey, createdAtMs: WallClock.nowMs())
        let guessMax = configuration.guessProbabilityMax

        // Open the batch, or find the one this idempotency key opened before.
        let opening = try await store.openBatch(
            batch,
            audit: AuditEntry(
                atMs: batch.createdAtMs, actorKeyId: batch.apiKeyId, action: "generate", target: batch.id,
                detail: "campaign=\(batch.campaignId) count=\(count) pattern=\(pattern.template)"),
            firstCodesMax: inlineMax
        ) { issued in try Self.requireRoom(pattern, issued: issued, requested: count, hitProbabilityMax: guessMax) }
        let opened: CodeBatch
        let earlierCodes: [String]
        switch opening {
        case .opened(let batch):
            (opened, earlierCodes) = (batch, [])
        case .existing(let earlier, let firstCodes):
            guard earlier.campaignId == batch.campaignId, earlier.template == batch.template,
                earlier.requested == batch.requested, earlier.maxUses == batch.maxUses
            else {
                throw ServerError(.failedPrecondition, "idempotency_key was used before with different parameters")
            }
            (opened, earlierCodes) = (earlier, firstCodes.map(\.code.display))
        }

        let task: Task<GenerateResponse, any Error>? = filling.withLock { filling in
            if let running = filling[opened.id] { return running }
            guard opened.created < count else { return nil }
            let task = Task { try await self.fill(opened, pattern: pattern, inline: earlierCodes) }
            filling[opened.id] = task
            return task
        }
        guard let task else {
            return GenerateResponse.with {
                $0.batchId = opened.id
                $0.generated = UInt32(count)
                $0.codes = earlierCodes
            }
        }
        defer { _ = filling.withLock { $0.removeValue(forKey: opened.id) } }
        return try await task.value
    }

    /// Adds codes to `batch` until it holds exactly `batch.requested`.
    private func fill(_ opened: CodeBatch, pattern: CodePattern, inline earlierCodes: [String]) async throws
        -> GenerateResponse
    {
        let count = opened.requested
        let inlineMax = configuration.generateInlineCodesMax
        // The next chunk is generated here while the writer inserts the current one, using both cores.
        let chunkMax = UInt64(configuration.generateChunkCodes)
        var created = opened.created
        var inline = earlierCodes
        var fruitlessChunks = 0
        var next: [PromoCode]? = created < count ? Self.makeCodes(Int(min(chunkMax, count - created)), pattern, opened) : nil
        while let chunk = next {
            let inlineRoom = max(0, inlineMax - inline.count)
            async let insertion = insert(chunk, into: opened.id, inlineRoom: inlineRoom)
            // Sized as if every code of this chunk goes in, so the batch can never overshoot `count`.
            let remainingAfter = count - created - UInt64(chunk.count)
            next = remainingAfter > 0 ? Self.makeCodes(Int(min(chunkMax, remainingAfter)), pattern, opened) : nil
            let (inserted, fresh) = try await insertion
            created += UInt64(inserted)
            inline += fresh
            fruitlessChunks = inserted == 0 ? fruitlessChunks + 1 : 0
            // The guessability bound keeps collisions rare; chunks with no new code mean the space is spent
            // (codes imported by hand can crowd a pattern). Then nothing of this batch is left behind.
            guard fruitlessChunks < 3 else {
                try await store.discardBatch(id: opened.id)
                throw ServerError(
                    .failedPrecondition,
                    "pattern \(pattern.template) has no room left: only \(created) of \(count) codes could be made; nothing was kept")
            }
            if next == nil && created < count {
                next = Self.makeCodes(Int(min(chunkMax, count - created)), pattern, opened)
            }
        }
        return GenerateResponse.with {
            $0.batchId = opened.id
            $0.generated = UInt32(count)
            $0.codes = inline
        }
    }

    /// Inserts one chunk (the store cuts it into bulk slices of `bulkSliceRows` codes, each adding what it
    /// inserted to the batch's `created` in the same transaction: whatever commits, the batch row counts
    /// exactly the codes it holds; redeems commit between slices). Returns the codes inserted and the first
    /// `inlineRoom` of them (in order).
    private func insert(_ chunk: [PromoCode], into batchId: String, inlineRoom: Int) async throws -> (Int, [String]) {
        let fill = try await store.fillBatch(
            chunk, batchId: batchId, sliceRows: configuration.bulkSliceRows, firstInsertedMax: inlineRoom)
        return (fill.inserted, fill.firstInserted.map(\.display))
    }

    /// Refuses (INVALID_ARGUMENT) `requested` more codes of `pattern` when, with `issued` codes already made
    /// under its template, a random guess would hit a live code with a probability above `hitProbabilityMax`.
    @Sendable private static func requireRoom(
        _ pattern: CodePattern, issued: UInt64, requested: UInt64, hitProbabilityMax: Double, personal: Bool = false
    ) throws {
        let assessment = GuessabilityAssessment(
            spaceSize: pattern.spaceSize, issuedCount: issued, requestedCount: requested,
            hitProbabilityMax: hitProbabilityMax)
        guard assessment.isAcceptable else {
            throw ServerError(
                .invalidArgument,
                personal
                    ? "pattern \(pattern.template) is too small for another code (space \(assessment.spaceSize))"
                    : "pattern \(pattern.template) is too small: \(assessment.liveCountAfter) live codes in a space of "
                        + "\(assessment.spaceSize) make a random guess hit with probability \(assessment.hitProbability), "
                        + "above \(hitProbabilityMax); at most \(assessment.requestableCountMax) more codes fit")
        }
    }

    /// What identifies a pattern's space: its template without separators, since `VIP-####`, `VIP_####` and
    /// `VIP####` make the same keys.
    private static func space(_ pattern: CodePattern) -> String {
        pattern.template.filter { $0 != "-" && $0 != "_" }
    }

    /// `count` distinct codes of `pattern` for `batch`, sorted by key: sorted keys insert into the key
    /// index in order, with fewer page splits than random order.
    private static func makeCodes(_ count: Int, _ pattern: CodePattern, _ batch: CodeBatch) -> [PromoCode] {
        var random = SecureRandom()
        let nowMs = WallClock.nowMs()
        var seen = Set<String>(minimumCapacity: count)
        var codes: [PromoCode] = []
        codes.reserveCapacity(count)
        while codes.count < count {
            let text = pattern.generate(using: &random)
            guard seen.insert(text.key).inserted else { continue }
            codes.append(
                PromoCode(code: text, campaignId: batch.campaignId, maxUses: batch.maxUses, batchId: batch.id, createdAtMs: nowMs))
        }
        codes.sort { $0.code.key < $1.code.key }
        return codes
    }

    private func generatePersonal(_ request: GenerateRequest, pattern: CodePattern, by caller: Caller) async throws
        -> GenerateResponse
    {
        let (campaignId, ownerId) = (request.campaignId, request.ownerId)
        let batch = CodeBatch(
            id: Identifier.make("bat"), campaignId: campaignId, kind: .personal, template: Self.space(pattern), requested: 1,
            maxUses: request.maxUsesPerCode, ownerId: ownerId, apiKeyId: caller.keyId, idempotencyKey: nil,
            createdAtMs: WallClock.nowMs())
        let guessMax = configuration.guessProbabilityMax
        var random = SecureRandom()
        // Asked for in one transaction: the owner's code if they have one (never a second), else the first free
        // of these candidates.
        let candidates = (0..<16).map { _ in
            PromoCode(
                code: pattern.generate(using: &random), campaignId: campaignId, maxUses: batch.maxUses,
                ownerId: ownerId, batchId: batch.id, createdAtMs: batch.createdAtMs)
        }
        let issue = try await store.issuePersonalCode(
            batch, candidates: candidates,
            audit: AuditEntry(
                atMs: batch.createdAtMs, actorKeyId: batch.apiKeyId, action: "generate", target: batch.id,
                detail: "campaign=\(campaignId) owner=\(ownerId)")
        ) { issued in
            try Self.requireRoom(pattern, issued: issued, requested: 1, hitProbabilityMax: guessMax, personal: true)
        }
        switch issue {
        case .existing(let code), .issued(let code):
            return GenerateResponse.with {
                $0.batchId = code.batchId ?? ""
                $0.generated = 1
                $0.codes = [code.code.display]
            }
        case .noFreeCandidate:
            throw ServerError(.internal, "no free code found in pattern \(pattern.template)")
        }
    }

    // MARK: Import

    func importCodes(_ request: ImportCodesRequest, by caller: Caller, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<ImportCodesResponse>
    {
        guard !request.codes.isEmpty, request.codes.count <= configuration.importCodesMax else {
            throw ServerError(.invalidArgument, "codes: 1...\(configuration.importCodesMax) per request")
        }
        let nowMs = WallClock.nowMs()
        let batchId = Identifier.make("bat")
        var rejected: [ImportRejection] = []
        var accepted: [(index: Int, code: PromoCode)] = []
        for (index, entry) in request.codes.enumerated() {
            func reject(_ reason: String) {
                rejected.append(ImportRejection.with {
                    $0.index = UInt32(index)
                    $0.code = entry.code
                    $0.reason = reason
                })
            }
            let text: CodeText
            do { text = try CodeText(entry.code) } catch { reject("malformed: \(error.message)"); continue }
            guard entry.maxUses <= UInt64(Int64.max) else {
                reject("max_uses must be at most \(Int64.max)")
                continue
            }
            guard entry.ownerId.utf8.count <= limits.idBytesMax, !entry.ownerId.utf8.contains(0) else {
                reject("owner_id is longer than \(limits.idBytesMax) bytes")
                continue
            }
            accepted.append((index, PromoCode(
                code: text, campaignId: request.campaignId, maxUses: entry.maxUses,
                ownerId: entry.ownerId.isEmpty ? nil : entry.ownerId, batchId: batchId, createdAtMs: nowMs)))
        }
        let campaignId = request.campaignId
        let batch = CodeBatch(
            id: batchId, campaignId: campaignId, kind: .imported, template: "", requested: UInt64(accepted.count),
            maxUses: 0, ownerId: nil, apiKeyId: caller.keyId, idempotencyKey: nil, createdAtMs: nowMs)
        let audit = AuditEntry(
            atMs: nowMs, actorKeyId: caller.keyId, action: "import_codes", target: batchId,
            detail: "campaign=\(campaignId) codes=\(request.codes.count) valid=\(accepted.count)")
        let (candidates, earlyRejections) = (accepted, rejected)
        let (store, sliceRows) = (store, configuration.bulkSliceRows)
        // The store cuts the import into bulk slices of `bulkSliceRows` codes, so that redeems commit between them.
        return eventLoop.makeFutureWithTask {
            let outcome = try await store.importCodes(candidates.map(\.code), batch: batch, audit: audit, sliceRows: sliceRows)
            var rejected = earlyRejections
            for refusal in outcome.refused {
                let candidate = candidates[refusal.index]
                rejected.append(ImportRejection.with {
                    $0.index = UInt32(candidate.index)
                    $0.code = candidate.code.code.display
                    $0.reason = Self.reason(refusal.reason)
                })
            }
            return ImportCodesResponse.with {
                $0.batchId = outcome.imported > 0 ? batchId : ""
                $0.imported = UInt32(outcome.imported)
                $0.rejected = rejected.sorted { $0.index < $1.index }
            }
        }
    }

    private static func reason(_ refusal: ImportRefusal) -> String {
        switch refusal {
        case .repeatedInImport: "duplicate of an earlier code in this request"
        case .ownerRepeatedInImport: "owner already has a code in this request"
        case .codeExists: "already exists"
        case .ownerHasCode: "owner already has a code in this campaign"
        }
    }

    // MARK: Export

    func export(_ request: ExportCodesRequest, by caller: Caller, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<ExportCodesResponse>
    {
        try requireAccess(caller, to: request.campaignId)
        let usage: CodeFilter.Usage
        switch request.usage {
        case .any: usage = .any
        case .used: usage = .used
        case .unused: usage = .unused
        default: throw ServerError(.invalidArgument, "usage: \(request.usage) is not a code usage")
        }
        let filter = CodeFilter(
            campaignId: request.campaignId, batchId: request.batchId.isEmpty ? nil : request.batchId,
            ownerId: request.ownerId.isEmpty ? nil : request.ownerId, usage: usage)
        let afterId = try PageToken.decode(request.pageToken)?.ms
        let pageSize = request.pageSize == 0
            ? configuration.exportPageSizeDefault : min(Int(request.pageSize), configuration.exportPageSizeMax)
        // Leave room for the envelope: a page ends early rather than overflow the frame. The room is a share
        // of small frames (frameBytesMax may be 1 KiB), so the budget is never negative.
        let pageBytesMax = configuration.frameBytesMax - min(4_096, configuration.frameBytesMax / 4)
        let store = store
        return eventLoop.makeFutureWithTask {
            let rows = try await store.codes(filter, after: afterId, limit: pageSize + 1)
            var page: [CodeInfo] = []
            var lastPosition: Int64 = 0
            var bytes = 0
            for row in rows.prefix(pageSize) {
                let info = WireMapping.wire(row.code)
                bytes += 48 + info.code.utf8.count + info.campaignId.utf8.count + info.ownerId.utf8.count + info.batchId.utf8.count
                // Every page carries at least one code, so paging always moves on. One code fits any frame:
                // its fields are bounded (code 256, ids 128 bytes each), well inside 3/4 of the 1 KiB minimum.
                if bytes > pageBytesMax && !page.isEmpty { break }
                page.append(info)
                lastPosition = row.position
            }
            return ExportCodesResponse.with {
                $0.codes = page
                if page.count < rows.count { $0.nextPageToken = PageToken.encode(ms: lastPosition, id: "c") }
            }
        }
    }

    // MARK: Look up one code

    /// One code with its campaign and the campaign's stats, for support staff. The code is normalised like
    /// every code; a malformed one matches nothing, like an unknown one: NOT_FOUND.
    func get(_ request: GetCodeRequest, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<GetCodeResponse>
    {
        guard !request.code.isEmpty, request.code.utf8.count <= limits.codeInputBytesMax else {
            throw ServerError(.invalidArgument, "code must be 1...\(limits.codeInputBytesMax) bytes")
        }
        guard let text = try? CodeText(request.code) else {
            return eventLoop.makeFailedFuture(ServerError(.notFound, "no such code"))
        }
        let store = store
        return eventLoop.makeFutureWithTask {
            guard let (code, campaign, counters) = try await store.codeWithCampaign(key: text.key) else {
                throw ServerError(.notFound, "code \(text.display) does not exist")
            }
            return GetCodeResponse.with {
                $0.code = WireMapping.wire(code)
                $0.campaign = WireMapping.wire(campaign, counters)
            }
        }
    }

    // MARK: -

    /// Issuer keys reach only the campaigns they are bound to.
    private func requireAccess(_ caller: Caller, to campaignId: String) throws(ServerError) {
        guard !campaignId.isEmpty else { throw ServerError(.invalidArgument, "campaign_id is required") }
        if caller.role == .issuer && !caller.campaignIds.contains(campaignId) {
            throw ServerError(.permissionDenied, "this issuer key is not bound to campaign \(campaignId)")
        }
    }

    private func requireText(_ value: String, _ field: String, max: Int) throws(ServerError) {
        guard value.utf8.count <= max else { throw ServerError(.invalidArgument, "\(field) is longer than \(max) bytes") }
    }
}
