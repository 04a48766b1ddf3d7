import PromoDomain
import Testing

@testable import PromoPostgres

/// The guessing limit is counted in the database, so a guesser gets the limit once for the whole cluster,
/// not once per server.
@Suite("PostgreSQL hot path: the guessing limit across servers", postgresInstalled)
struct HotPathGuessingTests {
    enum Attempt: String, CaseIterable, Sendable {
        case validate, reservingValidate, redeem
    }

    /// One guess of an unknown code through `attempt` on `hotPath`: the verdict the caller would see.
    static func guess(_ attempt: Attempt, user: UserContext, on hotPath: PostgresStore, index: Int)
        async throws -> Verdict
    {
        let request = RedemptionRequest(code: "GUESS-\(index)", user: user)
        switch attempt {
        case .validate:
            return try await hotPath.validate(request, nowMs: 20_000_000).verdict
        case .reservingValidate:
            let held = try await hotPath.reserve(
                request, reservationId: "rsv-\(index)", reserveMs: 60_000, now: { 20_000_000 })
            return held?.result.outcome.verdict ?? .rateLimited
        case .redeem:
            var command = redeemCommand(code: "GUESS-\(index)", user: user.userId, ip: user.ip, key: "k-\(index)")
            command.request.user = user
            return try await hotPath.redeem(command)?.verdict ?? .rateLimited
        }
    }

    @Test("one player guessing over three servers gets at most the limit judged", arguments: Attempt.allCases)
    func onePlayer(_ attempt: Attempt) async throws {
        try await withServers(3, guessing: guessing(userFailuresMax: 10, ipFailuresMax: 30)) { servers in
            let guesser = UserContext(userId: "guesser", ip: "198.51.100.1")
            let verdicts = try await concurrently(300) { index in
                try await Self.guess(attempt, user: guesser, on: servers.hotPath(index), index: index)
            }
            let judged = verdicts.filter { $0 != .rateLimited }
            #expect(judged.count == 10, "\(judged.count) judged")
            #expect(judged.allSatisfy { $0 == .codeNotFound })
        }
    }

    @Test("one IP guessing as many players over three servers gets at most its limit judged", arguments: Attempt.allCases)
    func oneIp(_ attempt: Attempt) async throws {
        try await withServers(3, guessing: guessing(userFailuresMax: 10, ipFailuresMax: 30)) { servers in
            let verdicts = try await concurrently(300) { index in
                try await Self.guess(
                    attempt, user: UserContext(userId: "sock-\(index)", ip: "203.0.113.99"), on: servers.hotPath(index),
                    index: index)
            }
            #expect(verdicts.filter { $0 != .rateLimited }.count == 30)
            // Someone behind another address is not affected, on any server.
            try await servers.first.createCampaign(
                openCampaign("real"), sharedCode: try code("REAL", campaignId: "real"), audit: audit("create"))
            let honest = UserContext(userId: "honest", ip: "198.51.100.7")
            for index in 0..<3 {
                let result = try await servers.hotPath(index).redeem(
                    redeemCommand(code: "REAL", user: "honest-\(index)", ip: honest.ip))
                #expect(result?.verdict == .ok)
            }
        }
    }

    @Test("a player locked out on one server is refused everywhere, even a right guess, until the cool-down ends")
    func lockedOutEverywhere() async throws {
        try await withServers(2, guessing: guessing(userFailuresMax: 3, ipFailuresMax: 0)) { servers in
            try await servers.first.createCampaign(
                openCampaign("real"), sharedCode: try code("RIGHT", campaignId: "real"), audit: audit("create"))
            let guesser = UserContext(userId: "guesser")
            for index in 0..<3 {
                let verdict = try await Self.guess(.redeem, user: guesser, on: servers.hotPath(0), index: index)
                #expect(verdict == .codeNotFound)
            }
            let right = RedemptionRequest(code: "RIGHT", user: guesser)
            #expect(servers.hotPath(0).isLockedOut(guesser, nowMs: 20_000_000), "server 0 saw the lock-out start")
            #expect(!servers.hotPath(1).isLockedOut(guesser, nowMs: 20_000_000), "server 1 has not seen it yet")
            // Server 1 learns it from the database, so a right guess is refused there too.
            #expect(try await servers.hotPath(1).validate(right, nowMs: 20_000_000).verdict == .rateLimited)
            #expect(servers.hotPath(1).isLockedOut(guesser, nowMs: 20_000_000))
            let redeemed = try await servers.hotPath(1).redeem(
                redeemCommand(code: "RIGHT", user: "guesser"))
            #expect(redeemed == nil)
            // After the cool-down, the right code works.
            let later = try await servers.hotPath(1).redeem(
                redeemCommand(code: "RIGHT", user: "guesser", nowMs: 20_000_000 + 600_001))
            #expect(later?.verdict == .ok)
        }
    }
}
