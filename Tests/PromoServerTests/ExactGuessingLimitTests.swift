import PromoClient
import PromoServer
import PromoWire
import Testing

/// The guessing limit holds exactly, however the guesses are pipelined and spread over connections.
@Suite("Exact guessing limit over TCP", .serverCleanup)
struct ExactGuessingLimitTests {
    enum Attempt: String, CaseIterable, Sendable {
        case validate, reservingValidate, redeem

        func call(code: String, user: UserContext) -> Request.Call {
            switch self {
            case .validate:
                .validate(.with { $0.code = code; $0.user = user })
            case .reservingValidate:
                .validate(.with { $0.code = code; $0.user = user; $0.reserveMs = 60_000 })
            case .redeem:
                .redeem(.with { $0.code = code; $0.user = user; $0.idempotencyKey = Unique.key() })
            }
        }
    }

    private static func server() async throws -> TestServer {
        try await TestServer.start {
            $0.rateLimitUserFailuresMax = 10
            $0.rateLimitIpFailuresMax = 30
            $0.rateLimitWindowMs = 600_000
            $0.rateLimitCooldownMs = 600_000
        }
    }

    /// Sends `calls` over `connections` connections, each connection's share written in one go before any
    /// answer is read, and returns every answer.
    private static func pipeline(_ calls: [Request.Call], over connections: Int, server: TestServer) async throws
        -> [Response]
    {
        let shares = (0..<connections).map { index in stride(from: index, to: calls.count, by: connections).map { calls[$0] } }
        return try await withThrowingTaskGroup(of: [Response].self) { group in
            for share in shares {
                group.addTask {
                    let raw = try await server.raw()
                    try await raw.write([Request(requestId: 1, .hello(HelloRequest(apiKey: adminKey)))])
                    #expect(try await raw.readResponse(timeoutMs: 30_000).status.code == .ok)
                    try await raw.write(share.enumerated().map { Request(requestId: UInt64($0.offset + 2), $0.element) })
                    let answers = try await raw.readResponses(share.count, timeoutMs: 60_000)
                    await raw.close()
                    return answers
                }
            }
            var all: [Response] = []
            for try await answers in group { all += answers }
            return all
        }
    }

    private static func verdicts(_ answers: [Response]) -> [PromoWire.Verdict] {
        answers.compactMap { answer in
            switch answer.result {
            case .validate(let validate): validate.verdict
            case .redeem(let redeem): redeem.verdict
            default: nil
            }
        }
    }

    @Test(arguments: Attempt.allCases)
    func oneUserGetsAtMostTheLimitJudgedAcrossTenConnections(_ attempt: Attempt) async throws {
        let server = try await Self.server()
        let guesser = user(Unique.user("guesser"))
        let calls = (0..<1_000).map { _ in attempt.call(code: Unique.code("GUESS"), user: guesser) }
        let answers = try await Self.pipeline(calls, over: 10, server: server)
        #expect(answers.count == 1_000 && answers.allSatisfy { $0.status.code == .ok })
        let verdicts = Self.verdicts(answers)
        let judged = verdicts.filter { $0 != .rateLimited }
        #expect(verdicts.count == 1_000)
        #expect((1...10).contains(judged.count), "\(judged.count) judged answers")
        #expect(judged.allSatisfy { $0 == .codeNotFound })
    }

    @Test(arguments: Attempt.allCases)
    func oneIpGetsAtMostItsLimitJudgedAcrossUsersAndConnections(_ attempt: Attempt) async throws {
        let server = try await Self.server()
        let calls = (0..<1_000).map { _ in
            attempt.call(code: Unique.code("GUESS"), user: user(Unique.user("sock")) { $0.ip = "203.0.113.99" })
        }
        let answers = try await Self.pipeline(calls, over: 10, server: server)
        let verdicts = Self.verdicts(answers)
        let judged = verdicts.filter { $0 != .rateLimited }
        #expect(verdicts.count == 1_000)
        #expect((1...30).contains(judged.count), "\(judged.count) judged answers")
        // Someone behind another address is not affected.
        let admin = try await server.session()
        let real = Unique.code("REAL")
        _ = try await admin.createCampaign(bonusCampaign(), code: real)
        #expect(try await admin.validate(code: real, user: user(Unique.user()) { $0.ip = "198.51.100.7" }).verdict == .ok)
        await admin.close()
    }
}
