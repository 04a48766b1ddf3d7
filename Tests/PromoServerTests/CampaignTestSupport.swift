import PromoClient
import PromoStore
import PromoWire
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Helpers for the campaign, validate, redeem, reservation, void and durability tests: typed wrappers over
// the calls, builders for campaigns and users, unique names, and a look into the SQLite file.

/// An OK answer whose result arm is not the one the call asked for.
struct UnexpectedAnswer: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The wall clock in Unix milliseconds, the unit of every time on the wire.
func nowMs() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
}

/// Sleeps until the wall clock has passed `deadlineMs` (Unix milliseconds); used only to outwait expiries.
func sleep(untilMs deadlineMs: Int64) async throws {
    let waitMs = deadlineMs - nowMs()
    if waitMs > 0 { try await Task.sleep(for: .milliseconds(waitMs)) }
}

let hourMs: Int64 = 3_600_000
let dayMs: Int64 = 24 * hourMs

/// Unique codes, user ids and idempotency keys: a random run prefix plus a process-wide counter, so no two
/// tests (or two runs against a reused directory) ever share one.
enum Unique {
    private static let counter = Atomic<UInt64>(0)
    private static let run = String(UInt64.random(in: 36 * 36 * 36...(36 * 36 * 36 * 36 - 1)), radix: 36, uppercase: true)

    private static func next() -> String {
        String(counter.wrappingAdd(1, ordering: .relaxed).newValue, radix: 36, uppercase: true)
    }

    /// A code of A–Z and 0–9 only, starting with `prefix`.
    static func code(_ prefix: String = "C") -> String { "\(prefix)\(run)X\(next())" }
    static func user(_ prefix: String = "user") -> String { "\(prefix)-\(run.lowercased())-\(next())" }
    static func key(_ prefix: String = "idem") -> String { "\(prefix)-\(run.lowercased())-\(next())" }
}

/// A campaign that anyone can redeem right now: active, no window, no limits, a 5 EUR bonus.
func bonusCampaign(_ name: String = "Campaign", _ configure: (inout Campaign) -> Void = { _ in }) -> Campaign {
    var campaign = Campaign.with {
        $0.name = name
        $0.kind = .welcome
        $0.active = true
        $0.reward = Reward.with { reward in
            reward.kind = .bonus
            reward.amountMinor = 500
            reward.currency = "EUR"
        }
    }
    configure(&campaign)
    return campaign
}

func user(_ id: String, _ configure: (inout UserContext) -> Void = { _ in }) -> UserContext {
    var user = UserContext.with { $0.userId = id }
    configure(&user)
    return user
}

extension PromoClient {
    func createCampaign(_ campaign: Campaign, code: String = "", codeMaxUses: UInt64 = 0) async throws -> Campaign {
        let result = try await call(.createCampaign(.with {
            $0.campaign = campaign
            $0.code = code
            $0.codeMaxUses = codeMaxUses
        }))
        guard case .createCampaign(let created) = result, let campaign = created.campaign else {
            throw UnexpectedAnswer("create_campaign answered \(result)")
        }
        return campaign
    }

    func getCampaign(_ id: String) async throws -> Campaign {
        let result = try await call(.getCampaign(.with { $0.campaignId = id }))
        guard case .getCampaign(let got) = result, let campaign = got.campaign else {
            throw UnexpectedAnswer("get_campaign answered \(result)")
        }
        return campaign
    }

    func updateCampaign(_ id: String, mask: [String], _ configure: (inout Campaign) -> Void) async throws -> Campaign {
        var campaign = Campaign()
        configure(&campaign)
        let result = try await call(.updateCampaign(.with {
            $0.campaignId = id
            $0.campaign = campaign
            $0.updateMask = mask
        }))
        guard case .updateCampaign(let updated) = result, let campaign = updated.campaign else {
            throw UnexpectedAnswer("update_campaign answered \(result)")
        }
        return campaign
    }

    func listCampaigns(pageToken: String = "", pageSize: UInt32 = 0, activeOnly: Bool = false) async throws
        -> ListCampaignsResponse
    {
        let result = try await call(.listCampaigns(.with {
            $0.pageToken = pageToken
            $0.pageSize = pageSize
            $0.activeOnly = activeOnly
        }))
        guard case .listCampaigns(let list) = result else {
            throw UnexpectedAnswer("list_campaigns answered \(result)")
        }
        return list
    }

    func setCodeStatus(_ code: String, active: Bool) async throws -> CodeInfo {
        let result = try await call(.setCodeStatus(.with {
            $0.code = code
            $0.active = active
        }))
        guard case .setCodeStatus(let answer) = result, let info = answer.code else {
            throw UnexpectedAnswer("set_code_status answered \(result)")
        }
        return info
    }

    func validate(_ request: ValidateRequest) async throws -> ValidateResponse {
        let result = try await call(.validate(request))
        guard case .validate(let answer) = result else { throw UnexpectedAnswer("validate answered \(result)") }
        return answer
    }

    func validate(
        code: String, user: UserContext, depositMinor: Int64 = 0, currency: String = "", reserveMs: UInt32 = 0
    ) async throws -> ValidateResponse {
        try await validate(.with {
            $0.code = code
            $0.user = user
            $0.depositMinor = depositMinor
            $0.currency = currency
            $0.reserveMs = reserveMs
        })
    }

    func redeem(_ request: RedeemRequest) async throws -> RedeemResponse {
        let result = try await call(.redeem(request))
        guard case .redeem(let answer) = result else { throw UnexpectedAnswer("redeem answered \(result)") }
        return answer
    }

    /// Redeems with a fresh idempotency key unless one is given.
    func redeem(
        code: String, user: UserContext, idempotencyKey: String = Unique.key(), depositMinor: Int64 = 0,
        currency: String = "", source: String = "", reservationId: String = ""
    ) async throws -> RedeemResponse {
        try await redeem(.with {
            $0.code = code
            $0.user = user
            $0.idempotencyKey = idempotencyKey
            $0.depositMinor = depositMinor
            $0.currency = currency
            $0.source = source
            $0.reservationId = reservationId
        })
    }

    func voidRedemption(_ id: String, reason: String) async throws -> RedemptionInfo {
        let result = try await call(.voidRedemption(.with {
            $0.redemptionId = id
            $0.reason = reason
        }))
        guard case .voidRedemption(let answer) = result, let info = answer.redemption else {
            throw UnexpectedAnswer("void_redemption answered \(result)")
        }
        return info
    }

    func rewardHistory(userId: String, pageToken: String = "", pageSize: UInt32 = 0) async throws
        -> RewardHistoryResponse
    {
        let result = try await call(.rewardHistory(.with {
            $0.userId = userId
            $0.pageToken = pageToken
            $0.pageSize = pageSize
        }))
        guard case .rewardHistory(let history) = result else {
            throw UnexpectedAnswer("reward_history answered \(result)")
        }
        return history
    }

    /// Every page of a user's history, in the order the server gives them, and the number of pages.
    func wholeRewardHistory(userId: String, pageSize: UInt32 = 0) async throws -> (redemptions: [RedemptionInfo], pages: Int) {
        var all: [RedemptionInfo] = []
        var token = ""
        var pages = 0
        repeat {
            let page = try await rewardHistory(userId: userId, pageToken: token, pageSize: pageSize)
            all += page.redemptions
            token = page.nextPageToken
            pages += 1
        } while !token.isEmpty && pages < 1_000
        return (all, pages)
    }

    /// Creates an API key with `role` and returns its secret.
    func createKey(role: String, name: String = Unique.key("key")) async throws -> String {
        let result = try await call(.createApiKey(.with {
            $0.name = name
            $0.role = role
        }))
        guard case .createApiKey(let key) = result else { throw UnexpectedAnswer("create_api_key answered \(result)") }
        return key.apiKey
    }
}

/// How many answers carried each verdict.
func tally(_ verdicts: [Verdict]) -> [Verdict: Int] {
    verdicts.reduce(into: [:]) { $0[$1, default: 0] += 1 }
}

/// Opens the server's SQLite file (the server must be stopped) and runs `body` on the writer connection.
func inspectDatabase<T>(_ dataDirectory: String, _ body: (Connection) throws -> T) throws -> T {
    let store = try PromoStore(configuration: StoreConfiguration(path: dataDirectory + "/promo.sqlite"))
    defer { store.close() }
    return try store.writer.synchronously(body)
}

/// The integer in the first column of the first row of `sql`, with `arguments` bound as text in order.
func scalar(_ connection: Connection, _ sql: String, _ arguments: String...) throws -> Int? {
    let statement = try connection.statement(sql)
    for (index, argument) in arguments.enumerated() { try statement.bind(Int32(index + 1), argument) }
    return try statement.firstRow { $0.int(0) }
}
