@testable import PromoDomain

/// A baseline that redeems `.ok`; each test changes only what it is about.
enum Fixture {
    static let nowMs: Int64 = 1_700_000_000_000
    static let dayMs: Int64 = 86_400_000

    static func campaign() -> Campaign {
        Campaign(
            id: "cmp-1", name: "Welcome", kind: .welcome,
            reward: .bonus(amountMinor: 500, currency: "EUR"),
            startsAtMs: nowMs - dayMs, expiresAtMs: nowMs + dayMs,
            createdAtMs: nowMs - 2 * dayMs)
    }

    static func code(_ text: String = "WELCOME-2024") -> PromoCode {
        PromoCode(code: try! CodeText(text), campaignId: "cmp-1")
    }

    static func user() -> UserContext {
        UserContext(
            userId: "user-1", segments: ["casual", "Sports"], registeredAtMs: nowMs - dayMs,
            country: "DE", vipLevel: 3, ip: "192.0.2.1", deviceId: "device-1")
    }

    static func check() -> RedemptionCheck {
        RedemptionCheck(
            code: code(), campaign: campaign(), user: user(),
            deposit: Deposit(amountMinor: 10_000, currency: "EUR"), usage: .none, nowMs: nowMs)
    }

    static func verdict(_ change: (inout RedemptionCheck) -> Void) -> Verdict {
        var check = check()
        change(&check)
        return check.evaluate().verdict
    }

    /// Nil when `body` succeeds; the message of an `invalidArgument` otherwise.
    static func invalidArgumentMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as DomainError {
            return error.code == .invalidArgument ? error.message : "unexpected \(error)"
        } catch {
            return "unexpected \(error)"
        }
    }
}
