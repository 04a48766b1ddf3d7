import PromoDomain

/// Selects the columns `readCode` reads, with the campaign and batch references turned back into public ids.
func codeSelect(indexedBy index: String? = nil) -> String {
    """
    SELECT k.key, k.display, c.id, k.max_uses, k.uses, k.active, k.owner_id, b.id, k.created_at_ms, k.id
    FROM codes AS k \(index.map { "INDEXED BY \($0) " } ?? "")JOIN campaigns AS c ON c.number = k.campaign
    LEFT JOIN code_batches AS b ON b.number = k.batch
    """
}

private let codeByKey = codeSelect() + " WHERE k.key = ?"

/// A code and its campaign in one statement: the campaign's columns first (as `readCampaign` reads them),
/// then the code's (as `readCode` reads them, from `codeColumnsOffset`).
private let codeColumnsOffset = Int32(campaignColumns.split(separator: ",").count)
private let codeAndCampaignByKey = """
    SELECT \(campaignColumns.split(separator: ",").map { "c." + $0.filter { !$0.isWhitespace } }.joined(separator: ", ")),
        k.key, k.display, c.id, k.max_uses, k.uses, k.active, k.owner_id, b.id, k.created_at_ms, k.id
    FROM codes AS k JOIN campaigns AS c ON c.number = k.campaign LEFT JOIN code_batches AS b ON b.number = k.batch
    WHERE k.key = ?
    """


extension Connection {
    /// Fails with `constraint` when the code (by its canonical key) exists in any campaign.
    public func insertCode(_ code: PromoCode) throws(StoreError) {
        let insert = try statement(
            """
            INSERT INTO codes (key, display, campaign, max_uses, uses, active, owner_id, batch, created_at_ms)
            VALUES (?1, ?2, (SELECT number FROM campaigns WHERE id = ?3), ?4, ?5, ?6, ?7,
                (SELECT number FROM code_batches WHERE id = ?8), ?9)
            """)
        try insert.bind(1, code.code.key)
        try insert.bind(2, code.code.display)
        try insert.bind(3, code.campaignId)
        try insert.bind(4, Int64(clamping: code.maxUses))
        try insert.bind(5, Int64(clamping: code.uses))
        try insert.bind(6, code.isActive)
        try insert.bind(7, code.ownerId)
        try insert.bind(8, code.batchId)
        try insert.bind(9, code.createdAtMs)
        try insert.run()
        try countIssued(1, campaignId: code.campaignId)
    }

    func countIssued(_ count: Int, campaignId: String) throws(StoreError) {
        guard count != 0 else { return }
        let update = try statement("UPDATE campaigns SET codes_issued = codes_issued + ? WHERE id = ?")
        try update.bind(1, count)
        try update.bind(2, campaignId)
        try update.run()
    }

    public func code(key: String) throws(StoreError) -> PromoCode? {
        let select = try statement(codeByKey)
        try select.bind(1, key)
        return try select.firstRow { readCode($0) } ?? nil
    }

    /// The code with `key` and its campaign, read together: what a redeem's check reads first.
    func codeAndCampaign(key: String) throws(StoreError) -> (PromoCode, Campaign, CampaignCounters)? {
        let select = try statement(codeAndCampaignByKey)
        try select.bind(1, key)
        guard let (code, campaign) = try select.firstRow({ (readCode($0, from: codeColumnsOffset), readCampaign($0)) }),
            let code
        else { return nil }
        return (code, campaign.0, campaign.1)
    }

    /// The updated code, or nil when there is none with that key.
    public func setCodeActive(key: String, active: Bool) throws(StoreError) -> PromoCode? {
        let update = try statement("UPDATE codes SET active = ? WHERE key = ?")
        try update.bind(1, active)
        try update.bind(2, key)
        try update.run()
        return changes == 1 ? try code(key: key) : nil
    }

    /// The code in the columns of `codeSelect`, starting at column `from`.
    func readCode(_ row: Statement, from first: Int32 = 0) -> PromoCode? {
        // Keys were normalised on the way in; a row that no longer parses is treated as absent.
        guard let text = try? CodeText(row.string(first + 1)) else { return nil }
        return PromoCode(
            code: text, campaignId: row.string(first + 2), maxUses: UInt64(clamping: row.int64(first + 3)),
            uses: UInt64(clamping: row.int64(first + 4)), isActive: row.bool(first + 5),
            ownerId: row.optionalString(first + 6), batchId: row.optionalString(first + 7),
            createdAtMs: row.int64(first + 8))
    }
}
