import PostgresNIO
import PostgresTestSupport
import PromoDomain
import Testing

@testable import PromoPostgres

/// Runs `body` with a store on a fresh database of the shared test PostgreSQL; closes the store and drops the
/// database afterwards, whatever `body` did.
func withStore<Result>(
    poolSize: Int = 4, _ body: (PostgresStore) async throws -> Result
) async throws -> Result {
    let database = try await TestPostgres.freshDatabase()
    let store: PostgresStore
    do {
        store = try await PostgresStore.open(database.configuration(poolSize: poolSize))
    } catch {
        await database.drop()
        throw error
    }
    do {
        let result = try await body(store)
        await store.close()
        await database.drop()
        return result
    } catch {
        await store.close()
        await database.drop()
        throw error
    }
}

/// Statements run as they are, for tests that set up rows the hot path would write (it lives elsewhere).
func execute(_ store: PostgresStore, _ query: PostgresQuery) async throws {
    try await store.transaction { connection in try await connection.execute(query, logger: store.logger) }
}

let postgresInstalled = Testing.ConditionTrait.enabled(
    if: TestPostgres.isAvailable, "PostgreSQL is not installed: scripts/setup --tests installs postgresql-15")

func makeCampaign(
    _ id: String, createdAtMs: Int64 = 1_000, maxRedemptions: UInt64 = 0, groupId: String? = nil,
    reward: Reward = .bonus(amountMinor: 500, currency: "EUR"), budgetMinor: Int64 = 0, autoApply: Bool = false
) -> Campaign {
    Campaign(
        id: id, name: "Campaign \(id)", kind: .other, reward: reward, startsAtMs: 0, maxRedemptions: maxRedemptions,
        eligibility: Eligibility(segments: ["vip", "new"], countries: ["DE"]), source: "affiliate-x",
        createdAtMs: createdAtMs, groupId: groupId, autoApply: autoApply, budgetMinor: budgetMinor)
}

func audit(_ action: String, target: String = "t", atMs: Int64 = 1) -> AuditEntry {
    AuditEntry(atMs: atMs, actorKeyId: "admin", action: action, target: target)
}

func code(_ text: String, campaignId: String, maxUses: UInt64 = 0) throws -> PromoCode {
    PromoCode(code: try CodeText(text), campaignId: campaignId, maxUses: maxUses, createdAtMs: 1_000)
}
