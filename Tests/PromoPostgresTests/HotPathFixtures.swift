import PostgresTestSupport
import PromoDomain
import Synchronization
import Testing

@testable import PromoPostgres

/// Several "servers" on one database: each a `PostgresStore` with its own pool, batches and memory, as
/// separate promo-server processes would be.
struct HotPathServers: Sendable {
    let stores: [PostgresStore]

    var first: PostgresStore { stores[0] }

    /// Server `index % count`: spreads calls round-robin.
    func hotPath(_ index: Int) -> PostgresStore { stores[index % stores.count] }
}

/// Runs `body` with `count` servers on one fresh database; closes them and drops the database afterwards.
func withServers<Result>(
    _ count: Int, poolSize: Int = 4, limits: HotPathLimits = HotPathLimits(), guessing: GuessingPolicy = unlimitedGuessing,
    _ body: (HotPathServers) async throws -> Result
) async throws -> Result {
    let database = try await TestPostgres.freshDatabase()
    var stores: [PostgresStore] = []
    do {
        for _ in 0..<count {
            var configuration = database.configuration(poolSize: poolSize)
            configuration.hotPath = limits
            configuration.guessing = guessing
            stores.append(try await PostgresStore.open(configuration))
        }
        let result = try await body(HotPathServers(stores: stores))
        for store in stores { await store.close() }
        await database.drop()
        return result
    } catch {
        for store in stores { await store.close() }
        await database.drop()
        throw error
    }
}

/// No guessing limit: for the tests of other limits.
let unlimitedGuessing = GuessingPolicy.unlimited

func guessing(userFailuresMax: Int, ipFailuresMax: Int) -> GuessingPolicy {
    GuessingPolicy(
        user: FailedAttemptWindow.Policy(failuresMax: userFailuresMax, windowMs: 600_000, cooldownMs: 600_000),
        ip: FailedAttemptWindow.Policy(failuresMax: ipFailuresMax, windowMs: 600_000, cooldownMs: 600_000))
}

/// A campaign anyone may redeem, with the given limits.
func openCampaign(
    _ id: String, maxRedemptions: UInt64 = 0, maxPerUser: UInt32 = 0, budgetMinor: Int64 = 0, groupId: String? = nil,
    reward: Reward = .bonus(amountMinor: 500, currency: "EUR")
) -> Campaign {
    Campaign(
        id: id, name: "Campaign \(id)", kind: .other, reward: reward, startsAtMs: 0, maxRedemptions: maxRedemptions,
        maxPerUser: maxPerUser, createdAtMs: 1_000, groupId: groupId, budgetMinor: budgetMinor)
}

private let commandNumber = Atomic<Int>(0)

func redeemCommand(
    code: String, user: String, ip: String = "", key: String? = nil, apiKeyId: String = "game", deposit: Deposit = .none,
    reservationId: String? = nil, nowMs: Int64 = 20_000_000
) -> RedeemCommand {
    let number = commandNumber.add(1, ordering: .relaxed).newValue
    return RedeemCommand(
        request: RedemptionRequest(
            code: code, user: UserContext(userId: user, ip: ip), deposit: deposit, reservationId: reservationId),
        source: "test", idempotencyKey: key, apiKeyId: apiKeyId, newRedemptionId: "rdm-\(number)", nowMs: nowMs)
}

/// Runs `count` calls of `call` at once (all in flight together) and returns their results in order.
func concurrently<Result: Sendable>(_ count: Int, _ call: @escaping @Sendable (Int) async throws -> Result) async throws
    -> [Result]
{
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        for index in 0..<count { group.addTask { (index, try await call(index)) } }
        var results = [Result?](repeating: nil, count: count)
        for try await (index, result) in group { results[index] = result }
        return results.map { $0! }
    }
}

extension PostgresStore {
    /// Redeems `command` at its own `nowMs` through `RedeemStorage`; nil for RATE_LIMITED.
    func redeem(_ command: RedeemCommand) async throws -> RedeemResult? {
        switch try await redeem(command, now: { command.nowMs }) {
        case .admitted(let result): result
        case .rateLimited: nil
        }
    }

    /// A reserving validate through `RedeemStorage`; nil for RATE_LIMITED.
    func reserve(_ request: RedemptionRequest, reservationId: String, reserveMs: Int64, now: @escaping @Sendable () -> Int64)
        async throws -> (result: CheckResult, untilMs: Int64)?
    {
        switch try await reserve(request, reservationId: reservationId, holdMs: reserveMs, now: now) {
        case .admitted(let held): (held.check, held.heldUntilMs)
        case .rateLimited: nil
        }
    }

    /// A plain validate through `RedeemStorage` at `nowMs`: the verdict the caller sees.
    func validate(_ request: RedemptionRequest, nowMs: Int64) async throws -> (verdict: Verdict, result: CheckResult?) {
        switch try await validate(request, now: { nowMs }) {
        case .admitted(let result): (result.outcome.verdict, result)
        case .rateLimited: (.rateLimited, nil)
        }
    }
}
