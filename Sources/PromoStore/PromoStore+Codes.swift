import PromoDomain

// `CodeStorage` on SQLite. Single-transaction calls are writer jobs (reads: one read transaction on the reader
// pool); `fillBatch` and `importCodes` are bulk slices of the writer, so redeems commit between them.

extension PromoStore: CodeStorage {
    public func openBatch(
        _ batch: CodeBatch, audit: AuditEntry, firstCodesMax: Int,
        checkRoom: @escaping @Sendable (_ issuedUnderTemplate: UInt64) throws -> Void
    ) async throws -> BatchOpening {
        try await writer.submit { connection in
            try Self.requireCampaign(batch.campaignId, on: connection)
            if let idempotencyKey = batch.idempotencyKey,
                let earlier = try connection.batch(apiKeyId: batch.apiKeyId, idempotencyKey: idempotencyKey)
            {
                let first = try connection.codes(
                    CodeFilter(campaignId: earlier.campaignId, batchId: earlier.id), afterId: nil, limit: firstCodesMax)
                return .existing(earlier, firstCodes: first.map(\.code))
            }
            try checkRoom(try connection.codesIssued(template: batch.template))
            try connection.insertBatch(batch)
            try connection.appendAudit(audit)
            return .opened(batch)
        }
    }

    public func fillBatch(_ codes: [PromoCode], batchId: String, sliceRows: Int, firstInsertedMax: Int) async throws
        -> BatchFill
    {
        let sliceRows = max(1, sliceRows)
        let first = FirstInserted(room: firstInsertedMax)
        let slices: [@Sendable (Connection) throws -> Int] = stride(from: 0, to: codes.count, by: sliceRows).map { start in
            let range = start..<min(codes.count, start + sliceRows)
            return { connection in
                var fresh: [CodeText] = []
                let inserted = try connection.insertCodesSkippingConflicts(Array(codes[range])) { code in
                    if first.wants(fresh.count) { fresh.append(code.code) }
                }
                try connection.addCreated(inserted, toBatch: batchId)
                // Kept only once the slice's body succeeded: a rolled-back slice shows no code.
                first.add(fresh)
                return inserted
            }
        }
        let inserted = try await writer.submitSlices(slices)
        return BatchFill(inserted: inserted.reduce(0, +), firstInserted: first.codes)
    }

    public func discardBatch(id: String) async throws {
        try await writer.submit { connection in try connection.discardBatch(id: id) }
    }

    public func issuePersonalCode(
        _ batch: CodeBatch, candidates: [PromoCode], audit: AuditEntry,
        checkRoom: @escaping @Sendable (_ issuedUnderTemplate: UInt64) throws -> Void
    ) async throws -> PersonalCodeIssue {
        guard let ownerId = batch.ownerId else {
            throw StoreError(.failedPrecondition, "a personal code needs an owner")
        }
        do {
            return try await writer.submit { connection -> PersonalCodeIssue in
                try Self.requireCampaign(batch.campaignId, on: connection)
                if let existing = try connection.code(campaignId: batch.campaignId, ownerId: ownerId) {
                    return .existing(existing)
                }
                try checkRoom(try connection.codesIssued(template: batch.template))
                try connection.insertBatch(batch)
                for code in candidates {
                    guard try connection.insertCodesSkippingConflicts([code]) == 1 else { continue }
                    try connection.addCreated(1, toBatch: batch.id)
                    try connection.appendAudit(audit)
                    return .issued(code)
                }
                // Thrown to roll the batch row back with the job's savepoint.
                throw NoFreeCandidate()
            }
        } catch is NoFreeCandidate {
            return .noFreeCandidate
        }
    }

    public func importCodes(_ codes: [PromoCode], batch: CodeBatch, audit: AuditEntry, sliceRows: Int) async throws
        -> CodeImport
    {
        // The first slice opens the batch (and writes the audit entry); each slice adds what it imported to the
        // batch's `created` in its own savepoint; the last one drops the batch when nothing went in. Slices run
        // in order on the writer's queue, which is what `progress` relies on.
        let progress = ImportProgress()
        let sliceRows = max(1, sliceRows)
        let starts = Array(stride(from: 0, to: codes.count, by: sliceRows))
        var slices: [@Sendable (Connection) throws -> Void] = []
        for (number, start) in (starts.isEmpty ? [0] : starts).enumerated() {
            let range = start..<min(codes.count, start + sliceRows)
            let (isFirst, isLast) = (number == 0, number == max(0, starts.count - 1))
            slices.append { connection in
                try progress.run { state in
                    if isFirst {
                        try Self.requireCampaign(batch.campaignId, on: connection)
                        try connection.insertBatch(batch)
                        try connection.appendAudit(audit)
                    }
                    // In the order given, so that a code refused for any reason never blocks a later one.
                    var imported = 0
                    for index in range {
                        let code = codes[index]
                        if state.importedKeys.contains(code.code.key) {
                            state.refused.append(RefusedImport(index: index, reason: .repeatedInImport))
                        } else if let owner = code.ownerId, state.importedOwners.contains(owner) {
                            state.refused.append(RefusedImport(index: index, reason: .ownerRepeatedInImport))
                        } else if try connection.insertCodesSkippingConflicts([code]) == 1 {
                            imported += 1
                            state.importedKeys.insert(code.code.key)
                            if let owner = code.ownerId { state.importedOwners.insert(owner) }
                        } else {
                            let reason: ImportRefusal = try connection.code(key: code.code.key) != nil ? .codeExists : .ownerHasCode
                            state.refused.append(RefusedImport(index: index, reason: reason))
                        }
                    }
                    try connection.addCreated(imported, toBatch: batch.id)
                    state.imported += imported
                    // A batch that holds nothing is no batch: no row, no id.
                    if isLast && state.imported == 0 { try connection.discardBatch(id: batch.id) }
                }
            }
        }
        _ = try await writer.submitSlices(slices)
        let state = progress.result
        return CodeImport(imported: state.imported, refused: state.refused)
    }

    public func codes(_ filter: CodeFilter, after position: Int64?, limit: Int) async throws -> [ListedCode] {
        try await readers.read { connection in
            try connection.readTransaction {
                try Self.requireCampaign(filter.campaignId, on: connection)
                return try connection.codes(filter, afterId: position, limit: limit).map {
                    ListedCode(position: $0.id, code: $0.code)
                }
            }
        }
    }

    public func codeWithCampaign(key: String) async throws -> (PromoCode, Campaign, CampaignCounters)? {
        try await readers.read { connection in
            try connection.readTransaction {
                guard let code = try connection.code(key: key),
                    let (campaign, counters) = try connection.campaign(id: code.campaignId)
                else { return nil }
                return (code, campaign, counters)
            }
        }
    }

    private static func requireCampaign(_ id: String, on connection: Connection) throws(StoreError) {
        guard try connection.campaign(id: id) != nil else { throw StoreError(.notFound, "campaign \(id) does not exist") }
    }
}

private struct NoFreeCandidate: Error {}

/// The first `room` codes a fill's slices inserted, gathered on the writer's queue, slice after slice.
private final class FirstInserted: Sendable {
    private let room: Int
    private let gathered = LockedValue<[CodeText]>([])

    init(room: Int) { self.room = room }

    /// Whether a slice that already kept `pending` codes of its own should keep one more.
    func wants(_ pending: Int) -> Bool { gathered.withLock { $0.count } + pending < room }
    func add(_ codes: [CodeText]) { gathered.withLock { $0 += codes } }
    var codes: [CodeText] { gathered.withLock { $0 } }
}

/// What the slices of one import did so far. Slices run one after another on the writer's queue; a slice
/// works on a copy and keeps it only when its body succeeded, and after a failed slice the later ones fail
/// too, so the answer never counts codes that were rolled back.
private final class ImportProgress: Sendable {
    struct State: Sendable {
        var refused: [RefusedImport] = []
        var imported = 0
        var importedKeys = Set<String>()
        var importedOwners = Set<String>()
    }
    private let state = LockedValue<(state: State, failed: Bool)>((State(), false))

    func run(_ body: (inout State) throws -> Void) throws {
        var copy = try state.withLock { current -> State in
            guard !current.failed else { throw StoreError(.busy, "an earlier part of this import failed") }
            return current.state
        }
        do {
            try body(&copy)
        } catch {
            state.withLock { $0.failed = true }
            throw error
        }
        state.withLock { $0.state = copy }
    }

    var result: State { state.withLock { $0.state } }
}
