import PromoDomain

// `CodeBatch` and `CodeFilter` are declared in PromoDomain/CodeRecords.swift (the storage protocol's records).

/// The codes of a discarded batch that nothing refers to. Runs inside the single writer: each code's two
/// lookups are index searches (redemptions_by_code, reservations_held_by_code), never table scans. Only held
/// reservations need asking about: a consumed one names a redemption of the same code, found just before.
let discardUnusedCodesSQL = """
    DELETE FROM codes WHERE batch = (SELECT number FROM code_batches WHERE id = ?1) AND uses = 0
      AND NOT EXISTS (SELECT 1 FROM redemptions r WHERE r.code_key = codes.key)
      AND NOT EXISTS (SELECT 1 FROM reservations v WHERE v.code_key = codes.key AND v.redemption_id IS NULL)
    """

/// Codes one INSERT statement carries at most (`insertCodesSkippingConflicts`): 32 x 7 parameters, far below
/// SQLite's limit of 32,766.
let codesPerInsert = 32
private let codeInsertColumns: Int32 = 7
/// The INSERT of 1...`codesPerInsert` codes, each built once (`statement(_:)` looks statements up by text).
private let insertCodesSQL: [String] = (1...codesPerInsert).map { rows in
    """
    INSERT INTO codes (key, display, campaign, max_uses, uses, active, owner_id, batch, created_at_ms) VALUES
    \((0..<rows).map { row in
        let p = row * Int(codeInsertColumns)
        return "(?\(p + 1), ?\(p + 2), ?\(p + 3), ?\(p + 4), 0, 1, ?\(p + 5), ?\(p + 6), ?\(p + 7))"
    }.joined(separator: ",\n"))
    ON CONFLICT DO NOTHING
    """
}

private let batchColumns = """
    id, campaign_id, kind, template, requested, created, max_uses, owner_id, api_key_id, idempotency_key, created_at_ms
    """

extension Connection {
    public func insertBatch(_ batch: CodeBatch) throws(StoreError) {
        let insert = try statement("INSERT INTO code_batches (\(batchColumns)) VALUES (\(placeholders(11)))")
        try insert.bind(1, batch.id)
        try insert.bind(2, batch.campaignId)
        try insert.bind(3, batch.kind.rawValue)
        try insert.bind(4, batch.template)
        try insert.bind(5, Int64(clamping: batch.requested))
        try insert.bind(6, Int64(clamping: batch.created))
        try insert.bind(7, Int64(clamping: batch.maxUses))
        try insert.bind(8, batch.ownerId)
        try insert.bind(9, batch.apiKeyId)
        try insert.bind(10, batch.idempotencyKey)
        try insert.bind(11, batch.createdAtMs)
        try insert.run()
    }

    public func batch(apiKeyId: String, idempotencyKey: String) throws(StoreError) -> CodeBatch? {
        let select = try statement("SELECT \(batchColumns) FROM code_batches WHERE api_key_id = ? AND idempotency_key = ?")
        try select.bind(1, apiKeyId)
        try select.bind(2, idempotencyKey)
        return try select.firstRow { readBatch($0) }
    }

    public func batch(id: String) throws(StoreError) -> CodeBatch? {
        let select = try statement("SELECT \(batchColumns) FROM code_batches WHERE id = ?")
        try select.bind(1, id)
        return try select.firstRow { readBatch($0) }
    }

    /// Codes requested so far under `template` (generated and personal), across all campaigns, in-progress
    /// batches included. Imported batches have no template.
    public func codesIssued(template: String) throws(StoreError) -> UInt64 {
        let select = try statement("SELECT coalesce(sum(requested), 0) FROM code_batches WHERE template = ?")
        try select.bind(1, template)
        return UInt64(clamping: try select.firstRow { $0.int64(0) } ?? 0)
    }

    public func addCreated(_ count: Int, toBatch id: String) throws(StoreError) {
        let update = try statement("UPDATE code_batches SET created = created + ? WHERE id = ?")
        try update.bind(1, count)
        try update.bind(2, id)
        try update.run()
    }

    /// Inserts each code unless its key (or its owner, in its campaign) is taken; returns how many went in.
    /// `onInserted` sees each code that did, in order.
    ///
    /// Up to `codesPerInsert` codes go in with one statement (a prepared multi-row INSERT): a generate spends
    /// its writer time here, and one statement per code paid SQLite's per-statement start (cursors on the
    /// table and its four indexes opened and closed) once per code.
    public func insertCodesSkippingConflicts(_ codes: [PromoCode], onInserted: (PromoCode) -> Void = { _ in })
        throws(StoreError) -> Int
    {
        // A chunk names one campaign and one batch: resolve their numbers once, not per row (and compare with
        // the last code's before hashing: hashing two ids per code was 2 % of a generate's CPU).
        var campaignNumbers: [String: Int64] = [:]
        var batchNumbers: [String: Int64] = [:]
        var last: (campaignId: String, campaign: Int64, batchId: String?, batch: Int64?)?
        var inserted = 0
        var issued: [String: Int] = [:]
        var start = 0
        while start < codes.count {
            let group = codes[start..<min(codes.count, start + codesPerInsert)]
            start = group.endIndex
            let insert = try statement(insertCodesSQL[group.count - 1])
            var parameter: Int32 = 0
            for code in group {
                if last == nil || last!.campaignId != code.campaignId || last!.batchId != code.batchId {
                    if campaignNumbers[code.campaignId] == nil {
                        campaignNumbers[code.campaignId] = try number(of: "campaigns", id: code.campaignId)
                    }
                    if let batchId = code.batchId, batchNumbers[batchId] == nil {
                        batchNumbers[batchId] = try number(of: "code_batches", id: batchId)
                    }
                    last = (
                        code.campaignId, campaignNumbers[code.campaignId]!, code.batchId,
                        code.batchId.flatMap { batchNumbers[$0] }
                    )
                }
                try insert.bind(parameter + 1, code.code.key)
                try insert.bind(parameter + 2, code.code.display)
                try insert.bind(parameter + 3, last!.campaign)
                try insert.bind(parameter + 4, Int64(clamping: code.maxUses))
                try insert.bind(parameter + 5, code.ownerId)
                try insert.bind(parameter + 6, last!.batch)
                try insert.bind(parameter + 7, code.createdAtMs)
                parameter += codeInsertColumns
            }
            try insert.run()
            let went = changes
            inserted += went
            // Usually every code went in. Otherwise the ones that did hold the statement's consecutive rowids,
            // ending at the last one inserted (rows skipped on a conflict take none).
            var fresh: Set<String>?
            if went < group.count {
                var keys = Set<String>()
                if went > 0 {
                    let select = try statement("SELECT key FROM codes WHERE id > ?1 - ?2 AND id <= ?1")
                    try select.bind(1, lastInsertRowid)
                    try select.bind(2, went)
                    while try select.step() { keys.insert(select.string(0)) }
                }
                guard keys.count == went else {
                    throw StoreError(.sqlite, "inserted \(went) codes but found \(keys.count) of them")
                }
                fresh = keys
            }
            for code in group where fresh?.contains(code.code.key) ?? true {
                issued[code.campaignId, default: 0] += 1
                onInserted(code)
            }
        }
        for (campaignId, count) in issued { try countIssued(count, campaignId: campaignId) }
        return inserted
    }

    /// The integer reference of a campaign or batch by its public id.
    private func number(of table: String, id: String) throws(StoreError) -> Int64 {
        let select = try statement("SELECT number FROM \(table) WHERE id = ?")
        try select.bind(1, id)
        guard let number = try select.firstRow({ $0.int64(0) }) else {
            throw StoreError(.constraint, "\(table) has no row \(id)")
        }
        return number
    }

    /// Deletes a batch that could not be completed, with its codes that were never used or reserved.
    public func discardBatch(id: String) throws(StoreError) {
        guard let batch = try batch(id: id) else { return }
        let delete = try statement(discardUnusedCodesSQL)
        try delete.bind(1, id)
        try delete.run()
        try countIssued(-changes, campaignId: batch.campaignId)
        let batchRow = try statement(
            """
            DELETE FROM code_batches WHERE id = ?1
              AND NOT EXISTS (SELECT 1 FROM codes WHERE batch = code_batches.number)
            """)
        try batchRow.bind(1, id)
        try batchRow.run()
    }

    /// The personal code of `ownerId` in a campaign, if it has one.
    public func code(campaignId: String, ownerId: String) throws(StoreError) -> PromoCode? {
        let select = try statement(
            codeSelect() + " WHERE k.campaign = (SELECT number FROM campaigns WHERE id = ?) AND k.owner_id = ?")
        try select.bind(1, campaignId)
        try select.bind(2, ownerId)
        return try select.firstRow { readCode($0) } ?? nil
    }

    /// Codes matching `filter` in the order they were issued, after the code numbered `afterId`, each with
    /// its number (the cursor for the next page).
    public func codes(_ filter: CodeFilter, afterId: Int64?, limit: Int) throws(StoreError) -> [(id: Int64, code: PromoCode)] {
        // The batch filter has its own (partial) index, which only a query that names the batch can use;
        // otherwise the campaign's index serves the order.
        let select = try statement(
            codeSelect(indexedBy: filter.batchId == nil ? "codes_by_campaign" : "codes_by_batch")
                + """
                 WHERE k.campaign = (SELECT number FROM campaigns WHERE id = ?1) AND k.id > ?2
                  AND \(filter.batchId == nil ? "?3 IS NULL" : "k.batch = (SELECT number FROM code_batches WHERE id = ?3)")
                  AND (?4 IS NULL OR k.owner_id = ?4)
                  AND (?5 = 0 OR (?5 = 1 AND k.uses > 0) OR (?5 = 2 AND k.uses = 0))
                ORDER BY k.id LIMIT ?6
                """)
        try select.bind(1, filter.campaignId)
        try select.bind(2, afterId ?? 0)
        try select.bind(3, filter.batchId)
        try select.bind(4, filter.ownerId)
        try select.bind(5, filter.usage == .any ? 0 : filter.usage == .used ? 1 : 2)
        try select.bind(6, limit)
        var result: [(id: Int64, code: PromoCode)] = []
        while try select.step() { if let code = readCode(select) { result.append((select.int64(9), code)) } }
        return result
    }

    private func readBatch(_ row: Statement) -> CodeBatch {
        CodeBatch(
            id: row.string(0), campaignId: row.string(1), kind: CodeBatch.Kind(rawValue: row.string(2)) ?? .generated,
            template: row.string(3), requested: UInt64(clamping: row.int64(4)), created: UInt64(clamping: row.int64(5)),
            maxUses: UInt64(clamping: row.int64(6)), ownerId: row.optionalString(7), apiKeyId: row.string(8),
            idempotencyKey: row.optionalString(9), createdAtMs: row.int64(10))
    }
}
