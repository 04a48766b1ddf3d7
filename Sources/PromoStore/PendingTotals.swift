import CSQLite
import PromoDomain

/// How a set of redemptions and voids moves the maintained report totals (campaign_hours,
/// campaign_money_hours, campaign_dimension_hours and campaign_dimensions, campaign_deposit_hours,
/// campaign_repeat_pairs and campaigns.repeat_users): one sum per touched row.
///
/// The counts a redeem's check reads (codes.uses, campaigns' counters and budget spend, user_redemptions,
/// group_user_redemptions) are not here: they are written by each redeem, since the next redeem of the same
/// batch must see them. Nothing on the write path reads these tables except the failure dimensions'
/// key bound (`trackedFailureKey`), which flushes first.
struct TotalsDelta {
    struct Hour: Hashable {
        var campaignId: String
        var hourMs: Int64
    }
    struct HourCounts {
        var redemptions: Int64 = 0
        var voided: Int64 = 0
        var newUsers: Int64 = 0
        var freeSpins: Int64 = 0
        var loyaltyPoints: Int64 = 0

        mutating func add(_ other: HourCounts) {
            redemptions = saturatingSum(redemptions, other.redemptions)
            voided = saturatingSum(voided, other.voided)
            newUsers = saturatingSum(newUsers, other.newUsers)
            freeSpins = saturatingSum(freeSpins, other.freeSpins)
            loyaltyPoints = saturatingSum(loyaltyPoints, other.loyaltyPoints)
        }

        /// Valid as a fresh row (every CHECK of campaign_hours holds), so an upsert can carry it: SQLite checks
        /// the VALUES row against the CHECK constraints before it looks for a conflict.
        var insertable: Bool {
            redemptions >= 0 && voided >= 0 && voided <= redemptions && newUsers >= 0 && freeSpins >= 0
                && loyaltyPoints >= 0
        }
        var isZero: Bool { redemptions == 0 && voided == 0 && newUsers == 0 && freeSpins == 0 && loyaltyPoints == 0 }
    }
    struct Currency: Hashable {
        var campaignId: String
        var hourMs: Int64
        var currency: String
    }
    struct Deposits {
        var deposits: Int64 = 0
        var amountMinor: Int64 = 0
    }
    struct Dimension: Hashable {
        var campaignId: String
        var dimension: String
        var key: String
        var hourMs: Int64
    }
    struct DimensionTotal: Hashable {
        var campaignId: String
        var dimension: String
        var key: String
    }
    struct Pair: Hashable {
        var campaignId: String
        var fromHourMs: Int64
        var toHourMs: Int64
        var step: Int64
    }

    var hours: [Hour: HourCounts] = [:]
    var money: [Currency: Int64] = [:]
    var deposits: [Currency: Deposits] = [:]
    /// Standing redemptions per source, owner, ip and device by hour (campaign_dimensions is their sum).
    var dimensions: [Dimension: Int64] = [:]
    var pairs: [Pair: Int64] = [:]
    var repeatUsers: [String: Int64] = [:]

    var isEmpty: Bool {
        hours.isEmpty && money.isEmpty && deposits.isEmpty && dimensions.isEmpty && pairs.isEmpty && repeatUsers.isEmpty
    }

    mutating func merge(_ other: TotalsDelta) {
        if isEmpty { return self = other }
        for (key, counts) in other.hours { hours[key, default: HourCounts()].add(counts) }
        for (key, amount) in other.money { money[key] = saturatingSum(money[key] ?? 0, amount) }
        for (key, move) in other.deposits {
            var current = deposits[key] ?? Deposits()
            current.deposits = saturatingSum(current.deposits, move.deposits)
            current.amountMinor = saturatingSum(current.amountMinor, move.amountMinor)
            deposits[key] = current
        }
        for (key, count) in other.dimensions { dimensions[key] = saturatingSum(dimensions[key] ?? 0, count) }
        for (key, count) in other.pairs { pairs[key] = saturatingSum(pairs[key] ?? 0, count) }
        for (key, count) in other.repeatUsers { repeatUsers[key] = saturatingSum(repeatUsers[key] ?? 0, count) }
    }
}


/// The report totals a writer batch has moved and not written yet. Lives on the writer's connection.
///
/// While a batch runs (`beginBatch` ... `flush` or `endBatch`), `Connection.moveTotals` sums each job's
/// moves here instead of writing them; the writer writes the batch's sums just before its COMMIT, one
/// statement per touched row, so they commit together with the redemptions that caused them, and every
/// report read after the commit (hence after any answer) sees both. A job that fails is rolled back to its
/// savepoint and its moves are dropped with it; a lost batch drops them all. Outside a batch (start-up,
/// tests, `synchronously`) moves are written at once.
final class PendingTotals {
    private(set) var deferring = false
    /// Moves of the jobs of this batch that ran, not written yet.
    private var batch = TotalsDelta()
    /// Moves of the job running now.
    private var job = TotalsDelta()
    /// Moves of earlier jobs written by a flush inside the running job: that job's savepoint holds them, so if
    /// it is rolled back they are pending again.
    private var writtenInJob = TotalsDelta()

    var isEmpty: Bool { batch.isEmpty && job.isEmpty }

    func beginBatch() {
        deferring = true
        batch = TotalsDelta()
        job = TotalsDelta()
        writtenInJob = TotalsDelta()
    }

    /// The batch is over (committed after `take`, or lost): nothing stays pending.
    func endBatch() {
        deferring = false
        batch = TotalsDelta()
        job = TotalsDelta()
        writtenInJob = TotalsDelta()
    }

    func beginJob() {
        job = TotalsDelta()
        writtenInJob = TotalsDelta()
    }

    /// `kept`: the job's savepoint was released; otherwise it was rolled back, and its moves with it.
    func endJob(kept: Bool) {
        if kept {
            batch.merge(job)
        } else {
            batch.merge(writtenInJob)
        }
        job = TotalsDelta()
        writtenInJob = TotalsDelta()
    }

    func add(_ delta: TotalsDelta) {
        job.merge(delta)
    }

    /// Everything pending, to be written now; remembered as written by the running job.
    func take() -> TotalsDelta {
        var all = batch
        all.merge(job)
        writtenInJob.merge(batch)
        batch = TotalsDelta()
        job = TotalsDelta()
        return all
    }
}

extension Connection {
    /// Applies `delta` to the report totals: at the batch's end inside a writer batch, at once otherwise.
    func moveTotals(_ delta: TotalsDelta) throws(StoreError) {
        if delta.isEmpty { return }
        if let pending = pendingTotals, pending.deferring {
            pending.add(delta)
        } else {
            try writeTotals(delta)
        }
    }

    /// Writes every pending move now (before COMMIT, or before a read of the totals inside a batch).
    func flushPendingTotals() throws(StoreError) {
        guard let pending = pendingTotals, !pending.isEmpty else { return }
        try writeTotals(pending.take())
    }

    /// The rowid of the row the last INSERT on this connection added.
    var lastInsertRowid: Int64 { sqlite3_last_insert_rowid(handle) }

    private func writeTotals(_ delta: TotalsDelta) throws(StoreError) {
        for (key, counts) in delta.hours where !counts.isZero {
            let statement = try statement(counts.insertable ? upsertHour : updateHour)
            try statement.bind(1, key.campaignId)
            try statement.bind(2, key.hourMs)
            try statement.bind(3, counts.redemptions)
            try statement.bind(4, counts.voided)
            try statement.bind(5, counts.newUsers)
            try statement.bind(6, counts.freeSpins)
            try statement.bind(7, counts.loyaltyPoints)
            try statement.run()
        }
        for (key, amount) in delta.money where amount != 0 {
            let statement = try statement(amount > 0 ? upsertMoney : updateMoney)
            try bindCurrency(statement, key)
            try statement.bind(4, amount)
            try statement.run()
        }
        for (key, move) in delta.deposits where move.deposits != 0 || move.amountMinor != 0 {
            let statement = try statement(move.deposits >= 0 && move.amountMinor >= 0 ? upsertDeposits : updateDeposits)
            try bindCurrency(statement, key)
            try statement.bind(4, move.deposits)
            try statement.bind(5, move.amountMinor)
            try statement.run()
        }
        var dimensionTotals: [TotalsDelta.DimensionTotal: Int64] = [:]
        for (key, count) in delta.dimensions where count != 0 {
            let total = TotalsDelta.DimensionTotal(campaignId: key.campaignId, dimension: key.dimension, key: key.key)
            dimensionTotals[total] = saturatingSum(dimensionTotals[total] ?? 0, count)
            let statement = try statement(count > 0 ? upsertDimensionHour : updateDimensionHour)
            try statement.bind(1, key.campaignId)
            try statement.bind(2, key.dimension)
            try statement.bind(3, key.key)
            try statement.bind(4, key.hourMs)
            try statement.bind(5, count)
            try statement.run()
        }
        for (key, count) in dimensionTotals where count != 0 {
            let statement = try statement(count > 0 ? upsertDimension : updateDimension)
            try statement.bind(1, key.campaignId)
            try statement.bind(2, key.dimension)
            try statement.bind(3, key.key)
            try statement.bind(4, count)
            try statement.run()
        }
        for (key, count) in delta.pairs where count != 0 {
            if count > 0 {
                let add = try statement(addPairs)
                try bindPair(add, key)
                try add.bind(5, count)
                try add.run()
            } else {
                let remove = try statement(removePairs)
                try bindPair(remove, key)
                try remove.bind(5, -count)
                // A row left at zero is dropped, so a range reads only pairs that exist.
                if try remove.firstRow({ $0.int64(0) }) == 0 {
                    let drop = try statement(dropPairs)
                    try bindPair(drop, key)
                    try drop.run()
                }
            }
        }
        for (campaignId, count) in delta.repeatUsers where count != 0 {
            let statement = try statement(moveRepeatUsers)
            try statement.bind(1, count)
            try statement.bind(2, campaignId)
            try statement.run()
        }
    }

    private func bindCurrency(_ statement: Statement, _ key: TotalsDelta.Currency) throws(StoreError) {
        try statement.bind(1, key.campaignId)
        try statement.bind(2, key.hourMs)
        try statement.bind(3, key.currency)
    }

    private func bindPair(_ statement: Statement, _ key: TotalsDelta.Pair) throws(StoreError) {
        try statement.bind(1, key.campaignId)
        try statement.bind(2, key.fromHourMs)
        try statement.bind(3, key.toHourMs)
        try statement.bind(4, key.step)
    }
}

// The statements, built once (`statement(_:)` looks statements up by their text). A move that would be a valid
// new row is an upsert; one that shrinks a row updates the row, which its earlier growth created.
private let upsertHour = """
    INSERT INTO campaign_hours (campaign_id, hour_ms, redemptions, voided, new_users, free_spins, loyalty_points)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    ON CONFLICT (campaign_id, hour_ms) DO UPDATE SET redemptions = redemptions + ?3, voided = voided + ?4,
        new_users = new_users + ?5, free_spins = free_spins + ?6, loyalty_points = loyalty_points + ?7
    """
private let updateHour = """
    UPDATE campaign_hours SET redemptions = redemptions + ?3, voided = voided + ?4, new_users = new_users + ?5,
        free_spins = free_spins + ?6, loyalty_points = loyalty_points + ?7
    WHERE campaign_id = ?1 AND hour_ms = ?2
    """
private let upsertMoney = """
    INSERT INTO campaign_money_hours (campaign_id, hour_ms, currency, amount_minor) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT (campaign_id, hour_ms, currency) DO UPDATE SET amount_minor = amount_minor + ?4
    """
private let updateMoney = """
    UPDATE campaign_money_hours SET amount_minor = amount_minor + ?4 WHERE campaign_id = ?1 AND hour_ms = ?2 AND currency = ?3
    """
// Deposit amounts saturate at the top and stop at zero, as each single move always did.
private let depositAmount = """
    CASE WHEN ?5 >= 0 THEN amount_minor + min(?5, 9223372036854775807 - amount_minor)
    ELSE amount_minor - min(-?5, amount_minor) END
    """
private let upsertDeposits = """
    INSERT INTO campaign_deposit_hours (campaign_id, hour_ms, currency, deposits, amount_minor) VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT (campaign_id, hour_ms, currency) DO UPDATE SET deposits = deposits + ?4, amount_minor = \(depositAmount)
    """
private let updateDeposits = """
    UPDATE campaign_deposit_hours SET deposits = deposits + ?4, amount_minor = \(depositAmount)
    WHERE campaign_id = ?1 AND hour_ms = ?2 AND currency = ?3
    """
private let upsertDimensionHour = """
    INSERT INTO campaign_dimension_hours (campaign_id, dimension, key, hour_ms, redemptions, failures)
    VALUES (?1, ?2, ?3, ?4, ?5, 0)
    ON CONFLICT (campaign_id, dimension, hour_ms, key) DO UPDATE SET redemptions = redemptions + ?5
    """
private let updateDimensionHour = """
    UPDATE campaign_dimension_hours SET redemptions = redemptions + ?5
    WHERE campaign_id = ?1 AND dimension = ?2 AND key = ?3 AND hour_ms = ?4
    """
private let upsertDimension = """
    INSERT INTO campaign_dimensions (campaign_id, dimension, key, redemptions, failures) VALUES (?1, ?2, ?3, ?4, 0)
    ON CONFLICT (campaign_id, dimension, key) DO UPDATE SET redemptions = redemptions + ?4
    """
private let updateDimension = """
    UPDATE campaign_dimensions SET redemptions = redemptions + ?4 WHERE campaign_id = ?1 AND dimension = ?2 AND key = ?3
    """
private let addPairs = """
    INSERT INTO campaign_repeat_pairs (campaign_id, from_hour_ms, to_hour_ms, step, pairs) VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT (campaign_id, from_hour_ms, to_hour_ms, step) DO UPDATE SET pairs = pairs + ?5
    """
private let removePairs = """
    UPDATE campaign_repeat_pairs SET pairs = pairs - ?5
    WHERE campaign_id = ?1 AND from_hour_ms = ?2 AND to_hour_ms = ?3 AND step = ?4 RETURNING pairs
    """
private let dropPairs = """
    DELETE FROM campaign_repeat_pairs WHERE campaign_id = ?1 AND from_hour_ms = ?2 AND to_hour_ms = ?3 AND step = ?4
    """
private let moveRepeatUsers = "UPDATE campaigns SET repeat_users = repeat_users + ? WHERE id = ?"
