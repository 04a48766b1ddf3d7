import PostgresNIO
import PromoDomain

// Codes in bulk and one at a time (`CodeStorage`) on PostgreSQL. Bulk work is cut into slices, each its own
// short transaction, so redeems of the same campaign wait for one slice at most. What two servers could race on
// (an idempotency key, a pattern's room, an owner's personal code) is taken under an advisory key first.

extension PostgresStore: CodeStorage {
    public func openBatch(
        _ batch: CodeBatch, audit: AuditEntry, firstCodesMax: Int,
        checkRoom: @escaping @Sendable (_ issuedUnderTemplate: UInt64) throws -> Void
    ) async throws -> BatchOpening {
        try await transaction { connection in
            let logger = self.logger
            guard try await Self.campaignExists(batch.campaignId, on: connection, logger: logger) else {
                throw StoreError(.notFound, "campaign \(batch.campaignId) does not exist")
            }
            let key = batch.idempotencyKey.flatMap { $0.isEmpty ? nil : $0 }
            var keys = [Self.templateLock(batch.template)]
            if let key { keys.append(HotPathLocks.idempotency(apiKeyId: batch.apiKeyId, key: "batch\u{1F}" + key)) }
            try await connection.execute("SELECT promo_lock_keys(\(keys))", logger: logger)
            if let key, let existing = try await Self.batch(apiKeyId: batch.apiKeyId, key: key, on: connection, logger: logger) {
                let first = try await connection.rows(
                    """
                    SELECT key, display, campaign_id, max_uses, uses, active, owner_id, batch_id, created_at_ms FROM codes
                    WHERE batch_id = \(existing.id) ORDER BY id LIMIT \(Int64(max(0, firstCodesMax)))
                    """, logger: logger, CodeRows.read)
                return .existing(existing, firstCodes: first.compactMap { $0 })
            }
            try checkRoom(try await Self.issued(template: batch.template, on: connection, logger: logger))
            try await Self.insertBatch(batch, on: connection, logger: logger)
            try await self.appendAudit(audit, on: connection)
            return .opened(batch)
        }
    }

    public func fillBatch(_ codes: [PromoCode], batchId: String, sliceRows: Int, firstInsertedMax: Int) async throws
        -> BatchFill
    {
        let sliceRows = max(1, sliceRows)
        var inserted = 0
        var firstInserted: [CodeText] = []
        var firstError: (any Error)?
        for start in stride(from: 0, to: codes.count, by: sliceRows) {
            let slice = Array(codes[start..<min(codes.count, start + sliceRows)])
            do {
                let keys = try await transaction { connection in
                    try await Self.insertSkippingConflicts(slice, batchId: batchId, on: connection, logger: self.logger)
                }
                inserted += keys.count
                if firstInserted.count < firstInsertedMax {
                    for code in slice where keys.contains(code.code.key) && firstInserted.count < firstInsertedMax {
                        firstInserted.append(code.code)
                    }
                }
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return BatchFill(inserted: inserted, firstInserted: firstInserted)
    }

    public func discardBatch(id: String) async throws {
        try await transaction { connection in
            let logger = self.logger
            guard
                let campaignId = try await connection.firstRow(
                    "SELECT campaign_id FROM code_batches WHERE id = \(id)", logger: logger, { try $0.string(0) })
            else { return }
            // The campaign's row lock first, as a redeem takes it: a code is deleted only while no redeem of the
            // campaign can be judging it.
            try await connection.execute("SELECT id FROM campaigns WHERE id = \(campaignId) FOR UPDATE", logger: logger)
            let deleted = try await connection.rows(
                """
                DELETE FROM codes WHERE batch_id = \(id) AND uses = 0
                  AND NOT EXISTS (SELECT 1 FROM redemptions r WHERE r.code_key = codes.key)
                  AND NOT EXISTS (SELECT 1 FROM reservations v WHERE v.code_key = codes.key AND v.redemption_id IS NULL)
                RETURNING key
                """, logger: logger
            ) { try $0.string(0) }
            try await connection.execute(
                "UPDATE campaigns SET codes_issued = codes_issued - \(Int64(deleted.count)) WHERE id = \(campaignId)",
                logger: logger)
            try await connection.execute(
                """
                UPDATE code_batches SET created = created - \(Int64(deleted.count)) WHERE id = \(id)
                """, logger: logger)
            try await connection.execute(
                "DELETE FROM code_batches WHERE id = \(id) AND NOT EXISTS (SELECT 1 FROM codes WHERE batch_id = \(id))",
                logger: logger)
        }
    }

    public func issuePersonalCode(
        _ batch: CodeBatch, candidates: [PromoCode], audit: AuditEntry,
        checkRoom: @escaping @Sendable (_ issuedUnderTemplate: UInt64) throws -> Void
    ) async throws -> PersonalCodeIssue {
        let outcome: PersonalCodeIssue
        do {
            outcome = try await transaction { connection in
                let logger = self.logger
                guard try await Self.campaignExists(batch.campaignId, on: connection, logger: logger) else {
                    throw StoreError(.notFound, "campaign \(batch.campaignId) does not exist")
                }
                let owner = batch.ownerId ?? ""
                // Two servers asked for the same owner's code at once: the second finds the first's.
                try await connection.execute(
                    "SELECT promo_lock_keys(\([Self.templateLock(batch.template), "owner\u{1F}\(batch.campaignId)\u{1F}\(owner)"]))",
                    logger: logger)
                if let existing = try await connection.firstRow(
                    """
                    SELECT key, display, campaign_id, max_uses, uses, active, owner_id, batch_id, created_at_ms FROM codes
                    WHERE campaign_id = \(batch.campaignId) AND owner_id = \(owner)
                    """, logger: logger, CodeRows.read) ?? nil
                {
                    return PersonalCodeIssue.existing(existing)
                }
                try checkRoom(try await Self.issued(template: batch.template, on: connection, logger: logger))
                try await Self.insertBatch(batch, on: connection, logger: logger)
                for candidate in candidates {
                    let keys = try await Self.insertSkippingConflicts([candidate], batchId: batch.id, on: connection, logger: logger)
                    if !keys.isEmpty {
                        try await self.appendAudit(audit, on: connection)
                        return .issued(candidate)
                    }
                }
                // Nothing may stay written: roll the batch row back.
                throw NoFreeCandidate()
            }
        } catch is NoFreeCandidate {
            return .noFreeCandidate
        }
        return outcome
    }

    public func importCodes(_ codes: [PromoCode], batch: CodeBatch, audit: AuditEntry, sliceRows: Int) async throws
        -> CodeImport
    {
        let sliceRows = max(1, sliceRows)
        var imported = 0
        var refused: [RefusedImport] = []
        var firstSlice = true
        for start in stride(from: 0, to: max(codes.count, 1), by: sliceRows) {
            let slice = Array(codes[start..<min(codes.count, start + sliceRows)])
            let opening = firstSlice
            firstSlice = false
            // A failed slice ends the import (the later ones would fail the same way): the answer never counts
            // codes that were rolled back.
            let rows = try await transaction { connection in
                let logger = self.logger
                if opening {
                    guard try await Self.campaignExists(batch.campaignId, on: connection, logger: logger) else {
                        throw StoreError(.notFound, "campaign \(batch.campaignId) does not exist")
                    }
                    try await Self.insertBatch(batch, on: connection, logger: logger)
                    try await self.appendAudit(audit, on: connection)
                }
                return try await connection.rows(
                    """
                    SELECT refused_index, reason FROM promo_import_slice(\(batch.id), \(batch.campaignId),
                        \(slice.map(\.code.key)), \(slice.map(\.code.display)), \(slice.map { $0.ownerId ?? "" }),
                        \(slice.map { Int64(clamping: $0.maxUses) }), \(batch.createdAtMs))
                    """, logger: logger
                ) { (Int(try $0.int64(0)), try $0.string(1)) }
            }
            imported += slice.count - rows.count
            for (index, reason) in rows {
                refused.append(RefusedImport(index: start + index, reason: Self.importRefusal(reason)))
            }
        }
        if imported == 0 {
            try await transaction { connection in
                try await connection.execute(
                    "DELETE FROM code_batches WHERE id = \(batch.id) AND NOT EXISTS (SELECT 1 FROM codes WHERE batch_id = \(batch.id))",
                    logger: self.logger)
            }
        }
        return CodeImport(imported: imported, refused: refused)
    }

    public func codes(_ filter: CodeFilter, after position: Int64?, limit: Int) async throws -> [ListedCode] {
        try await transaction(.repeatableReadOnly) { connection in
            let logger = self.logger
            guard try await Self.campaignExists(filter.campaignId, on: connection, logger: logger) else {
                throw StoreError(.notFound, "campaign \(filter.campaignId) does not exist")
            }
            let usage: Int64 = switch filter.usage {
            case .any: 0
            case .used: 1
            case .unused: 2
            }
            let rows = try await connection.rows(
                """
                SELECT key, display, campaign_id, max_uses, uses, active, owner_id, batch_id, created_at_ms, id FROM codes
                WHERE campaign_id = \(filter.campaignId) AND id > \(position ?? 0)
                  AND (\(filter.batchId)::text IS NULL OR batch_id = \(filter.batchId))
                  AND (\(filter.ownerId)::text IS NULL OR owner_id = \(filter.ownerId))
                  AND (\(usage) = 0 OR (\(usage) = 1 AND uses > 0) OR (\(usage) = 2 AND uses = 0))
                  AND left(key, \(Int32(CodeText.autoEntryPrefix.utf8.count))) <> \(CodeText.autoEntryPrefix)
                ORDER BY id LIMIT \(Int64(max(0, limit)))
                """, logger: logger
            ) { row in (try CodeRows.read(row), try row.int64(9)) }
            return rows.compactMap { code, position in code.map { ListedCode(position: position, code: $0) } }
        }
    }

    public func codeWithCampaign(key: String) async throws -> (PromoCode, Campaign, CampaignCounters)? {
        try await transaction(.repeatableReadOnly) { connection in
            let logger = self.logger
            guard
                let code = try await connection.firstRow(
                    """
                    SELECT key, display, campaign_id, max_uses, uses, active, owner_id, batch_id, created_at_ms FROM codes
                    WHERE key = \(key)
                    """, logger: logger, CodeRows.read) ?? nil,
                let (campaign, counters) = try await connection.firstRow(
                    "SELECT \(unescaped: CampaignRows.columns) FROM campaigns WHERE id = \(code.campaignId)", logger: logger,
                    CampaignRows.read)
            else { return nil }
            return (code, campaign, counters)
        }
    }

    // MARK: - Pieces

    private struct NoFreeCandidate: Error {}

    /// The advisory key of a pattern template: the guessability guard's count and the batch that counts in
    /// it are one step for the cluster.
    static func templateLock(_ template: String) -> String { "template\u{1F}\(template)" }

    static func campaignExists(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await connection.firstRow("SELECT 1::bigint FROM campaigns WHERE id = \(id)", logger: logger) { try $0.int64(0) }
            != nil
    }

    /// Codes requested so far under `template` (generated and personal), across all campaigns, in-progress
    /// batches included.
    static func issued(template: String, on connection: PostgresConnection, logger: Logger) async throws -> UInt64 {
        UInt64(
            clamping: try await connection.firstRow(
                "SELECT coalesce(sum(requested), 0)::bigint FROM code_batches WHERE template = \(template)", logger: logger
            ) { try $0.int64(0) } ?? 0)
    }

    static func insertBatch(_ batch: CodeBatch, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute(
            """
            INSERT INTO code_batches (id, campaign_id, kind, template, requested, created, max_uses, owner_id, api_key_id,
                idempotency_key, created_at_ms)
            VALUES (\(batch.id), \(batch.campaignId), \(batch.kind.rawValue), \(batch.template),
                \(Int64(clamping: batch.requested)), \(Int64(clamping: batch.created)), \(Int64(clamping: batch.maxUses)),
                \(batch.ownerId), \(batch.apiKeyId), \(batch.idempotencyKey.flatMap { $0.isEmpty ? nil : $0 }),
                \(batch.createdAtMs))
            """, logger: logger)
    }

    static func batch(apiKeyId: String, key: String, on connection: PostgresConnection, logger: Logger) async throws
        -> CodeBatch?
    {
        try await connection.firstRow(
            """
            SELECT id, campaign_id, kind, template, requested, created, max_uses, owner_id, api_key_id, idempotency_key,
                created_at_ms
            FROM code_batches WHERE api_key_id = \(apiKeyId) AND idempotency_key = \(key)
            """, logger: logger
        ) { row in
            CodeBatch(
                id: try row.string(0), campaignId: try row.string(1),
                kind: CodeBatch.Kind(rawValue: try row.string(2)) ?? .generated, template: try row.string(3),
                requested: UInt64(clamping: try row.int64(4)), created: UInt64(clamping: try row.int64(5)),
                maxUses: UInt64(clamping: try row.int64(6)), ownerId: try row.optionalString(7),
                apiKeyId: try row.string(8), idempotencyKey: try row.optionalString(9), createdAtMs: try row.int64(10))
        }
    }

    /// Inserts `codes` of batch `batchId` (all of one campaign), skipping those whose key or owner is taken, and
    /// counts them in the batch and the campaign. Returns the keys inserted.
    static func insertSkippingConflicts(
        _ codes: [PromoCode], batchId: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> Set<String> {
        guard let campaignId = codes.first?.campaignId else { return [] }
        precondition(codes.allSatisfy { $0.campaignId == campaignId }, "a slice of codes names one campaign")
        let keys = try await connection.rows(
            """
            INSERT INTO codes (key, display, campaign_id, max_uses, uses, active, owner_id, batch_id, created_at_ms)
            SELECT k, d, \(campaignId), m, 0, true, nullif(o, ''), \(batchId), t
            FROM unnest(\(codes.map(\.code.key)), \(codes.map(\.code.display)), \(codes.map { Int64(clamping: $0.maxUses) }),
                \(codes.map { $0.ownerId ?? "" }), \(codes.map(\.createdAtMs))) AS c(k, d, m, o, t)
            ON CONFLICT DO NOTHING RETURNING key
            """, logger: logger
        ) { try $0.string(0) }
        if !keys.isEmpty {
            try await connection.execute(
                "UPDATE code_batches SET created = created + \(Int64(keys.count)) WHERE id = \(batchId)", logger: logger)
            try await connection.execute(
                "UPDATE campaigns SET codes_issued = codes_issued + \(Int64(keys.count)) WHERE id = \(campaignId)",
                logger: logger)
        }
        return Set(keys)
    }

    static func importRefusal(_ reason: String) -> ImportRefusal {
        switch reason {
        case "repeatedInImport": .repeatedInImport
        case "ownerRepeatedInImport": .ownerRepeatedInImport
        case "ownerHasCode": .ownerHasCode
        default: .codeExists
        }
    }
}
