@testable import PromoClient
import PromoWire
import Testing

// `FailoverClient` against several real servers over TCP: it carries on at the next address when one stops,
// sends again only what is safe to repeat, and verifies TLS per address. Each server has its own SQLite file
// (the failover mechanics are the client's; a shared PostgreSQL database is what makes the servers
// interchangeable in production). Where an answer must be lost after the server did the work, a
// `CuttingRelay` in front of the server drops it at an exact frame: no timing involved.

/// The same shared code on several servers, each granting a different amount, so an answer says which
/// server gave it: server `i` (0-based) grants `100 × (i + 1)` minor units.
private struct Fleet {
    let servers: [TestServer]
    let code: String

    static func start(_ count: Int) async throws -> Fleet {
        let code = Unique.code("FAILOVER")
        var servers: [TestServer] = []
        for index in 0..<count {
            let server = try await TestServer.start()
            let admin = try await server.session()
            _ = try await admin.createCampaign(
                bonusCampaign("Failover \(index)") { $0.reward?.amountMinor = Fleet.amount(server: index) }, code: code)
            await admin.close()
            servers.append(server)
        }
        return Fleet(servers: servers, code: code)
    }

    static func amount(server index: Int) -> Int64 { 100 * Int64(index + 1) }

    func address(_ index: Int) -> ServerAddress { ServerAddress(host: "127.0.0.1", port: servers[index].port) }

    /// The server whose amount `amountMinor` is.
    func server(granting amountMinor: Int64) -> Int? {
        servers.indices.first { Fleet.amount(server: $0) == amountMinor }
    }

    func validate(_ client: FailoverClient) async throws -> Int? {
        guard case .validate(let answer) = try await client.call(.validate(.with {
            $0.code = code
            $0.user = user(Unique.user())
        })) else { throw UnexpectedAnswer("validate answered another arm") }
        #expect(answer.verdict == .ok)
        return server(granting: answer.reward?.amountMinor ?? 0)
    }

    /// The redemptions `userId` has on server `index`, read there directly.
    func history(_ index: Int, userId: String) async throws -> [RedemptionInfo] {
        let admin = try await servers[index].session()
        let history = try await admin.rewardHistory(userId: userId)
        await admin.close()
        return history.redemptions
    }
}

/// Nothing listens on port 1 (the promoctl tests rely on it too).
private let deadAddress = ServerAddress(host: "127.0.0.1", port: 1)

@Suite("FailoverClient over several servers", .serverCleanup)
struct FailoverClientTests {
    @Test func carriesOnAtTheNextServerWhenOneStopsAndReportsWhenNoneIsLeft() async throws {
        let fleet = try await Fleet.start(3)
        let client = try await FailoverClient.connect(to: (0..<3).map(fleet.address), apiKey: adminKey)
        #expect(try await fleet.validate(client) == 0)
        #expect(await client.connectedAddress == fleet.address(0))

        await fleet.servers[0].stop()
        #expect(try await fleet.validate(client) == 1)
        #expect(await client.connectedAddress == fleet.address(1))
        await fleet.servers[1].stop()
        #expect(try await fleet.validate(client) == 2)
        #expect(client.failovers == 2)

        await fleet.servers[2].stop()
        let error = await #expect(throws: PromoClientError.self) { try await fleet.validate(client) }
        // Validates are safe to repeat: it was sent again until no server was left, and each one is named.
        #expect(error?.code == .unreachable, "\(String(describing: error))")
        for index in 0..<3 {
            #expect(error?.message.contains("\(fleet.address(index)) (connection refused") == true, "\(String(describing: error))")
        }
        await client.close()
    }

    @Test func startsPastAnAddressWithNothingListening() async throws {
        let fleet = try await Fleet.start(1)
        let client = try await FailoverClient.connect(to: [deadAddress, fleet.address(0)], apiKey: adminKey)
        #expect(await client.connectedAddress == fleet.address(0))
        #expect(try await fleet.validate(client) == 0)
        await client.close()

        let alone = await #expect(throws: PromoClientError.self) {
            try await FailoverClient.connect(to: [deadAddress], apiKey: adminKey)
        }
        #expect(alone?.code == .unreachable && alone?.message.contains("connection refused") == true, "\(String(describing: alone))")
    }

    @Test func aRefusedKeyIsNotTriedOnTheOtherServers() async throws {
        // Servers of one deployment share their keys, so a refusal is final. Here the second server would
        // accept the key: connecting fails all the same, because the first one's refusal is not a connection
        // failure.
        let fleet = try await Fleet.start(1)
        let otherKey = "pk_test_other_" + Unique.key() + "_0123456789abcdef"
        let other = try await TestServer.start { $0.bootstrapAdminKey = otherKey }
        let error = await #expect(throws: PromoClientError.self) {
            try await FailoverClient.connect(
                to: [fleet.address(0), ServerAddress(host: "127.0.0.1", port: other.port)], apiKey: otherKey)
        }
        #expect(error?.code == .status && error?.status?.code == .unauthenticated, "\(String(describing: error))")
        let direct = try await FailoverClient.connect(to: [ServerAddress(host: "127.0.0.1", port: other.port)], apiKey: otherKey)
        await direct.close()
    }

    @Test func concurrentCallsShareOneReconnection() async throws {
        let fleet = try await Fleet.start(2)
        let client = try await FailoverClient.connect(to: [fleet.address(0), fleet.address(1)], apiKey: adminKey)
        #expect(try await fleet.validate(client) == 0)
        await fleet.servers[0].stop()
        let answeredBy = try await withThrowingTaskGroup(of: Int?.self) { group in
            for _ in 0..<20 { group.addTask { try await fleet.validate(client) } }
            return try await group.reduce(into: [Int?]()) { $0.append($1) }
        }
        #expect(answeredBy == Array(repeating: 1, count: 20))
        #expect(client.failovers == 1)
        await client.close()
    }

    @Test func redeemWithoutAKeyWhoseAnswerIsLostIsNotSentAgain() async throws {
        let fleet = try await Fleet.start(2)
        // The relay passes hello's answer (1) and drops the redeem's (2): server 0 has redeemed it.
        let relay = try await CuttingRelay.start(to: fleet.servers[0].port, cutAtAnswer: 2)
        let client = try await FailoverClient.connect(
            to: [ServerAddress(host: "127.0.0.1", port: relay.port), fleet.address(1)], apiKey: adminKey)
        let player = Unique.user()
        let error = await #expect(throws: PromoClientError.self) {
            try await client.call(.redeem(.with {
                $0.code = fleet.code
                $0.user = user(player)
            }))
        }
        #expect(error?.code == .outcomeUnknown, "\(String(describing: error))")
        #expect(error?.message.contains("may or may not have been applied") == true, "\(String(describing: error))")
        #expect(error?.message.contains("idempotency_key") == true, "\(String(describing: error))")
        #expect(relay.cuts == 1)
        // It was applied where it was sent, and never sent to the other server.
        #expect(try await fleet.history(0, userId: player).count == 1)
        #expect(try await fleet.history(1, userId: player).isEmpty)

        // The client itself carries on, at the next address.
        #expect(try await fleet.validate(client) == 1)
        await client.close()
        await relay.stop()
    }

    @Test func reservingValidateWhoseAnswerIsLostIsNotSentAgain() async throws {
        let fleet = try await Fleet.start(2)
        let relay = try await CuttingRelay.start(to: fleet.servers[0].port, cutAtAnswer: 2)
        let client = try await FailoverClient.connect(
            to: [ServerAddress(host: "127.0.0.1", port: relay.port), fleet.address(1)], apiKey: adminKey)
        let error = await #expect(throws: PromoClientError.self) {
            try await client.call(.validate(.with {
                $0.code = fleet.code
                $0.user = user(Unique.user())
                $0.reserveMs = 60_000
            }))
        }
        #expect(error?.code == .outcomeUnknown, "\(String(describing: error))")
        #expect(relay.cuts == 1)
        await client.close()
        await relay.stop()
    }

    @Test func keyedRedeemWhoseAnswerIsLostIsSentAgainAndReplaysTheFirstOutcome() async throws {
        // Two addresses of one database: through the relay (which drops the redeem's answer) and directly.
        let fleet = try await Fleet.start(1)
        let relay = try await CuttingRelay.start(to: fleet.servers[0].port, cutAtAnswer: 2)
        let client = try await FailoverClient.connect(
            to: [ServerAddress(host: "127.0.0.1", port: relay.port), fleet.address(0)], apiKey: adminKey)
        let player = Unique.user()
        let key = Unique.key()
        let redeem = Request.Call.redeem(.with {
            $0.code = fleet.code
            $0.user = user(player)
            $0.idempotencyKey = key
        })
        guard case .redeem(let answer) = try await client.call(redeem) else {
            throw UnexpectedAnswer("redeem answered another arm")
        }
        #expect(relay.cuts == 1)
        #expect(answer.verdict == .ok)
        #expect(answer.replayed, "the second send found the first one's outcome")
        #expect(await client.connectedAddress == fleet.address(0))
        let history = try await fleet.history(0, userId: player)
        #expect(history.map(\.redemptionId) == [answer.redemptionId], "applied exactly once")
        await client.close()
        await relay.stop()
    }

    @Test func aServerThatFallsSilentIsLeftAfterTheCallTimeout() async throws {
        // A vanished machine sends no reset: the relay passes hello's answer, then drops every answer and keeps
        // the connection open. Only the call timeout can notice.
        let fleet = try await Fleet.start(2)
        let relay = try await CuttingRelay.start(to: fleet.servers[0].port, cutAtAnswer: 2, silent: true)
        var configuration = ClientConfiguration()
        configuration.callTimeoutMs = 3_000
        let client = try await FailoverClient.connect(
            to: [ServerAddress(host: "127.0.0.1", port: relay.port), fleet.address(1)], apiKey: adminKey,
            configuration: configuration)
        // A validate is safe to repeat: after the timeout it is answered by the next server.
        #expect(try await fleet.validate(client) == 1)
        #expect(relay.cuts == 1)
        #expect(client.failovers == 1)

        // An un-keyed redeem that meets the same silence is reported as unknown, not sent again.
        let silent = try await FailoverClient.connect(
            to: [ServerAddress(host: "127.0.0.1", port: relay.port), fleet.address(1)], apiKey: adminKey,
            configuration: configuration)
        let player = Unique.user()
        let error = await #expect(throws: PromoClientError.self) {
            try await silent.call(.redeem(.with {
                $0.code = fleet.code
                $0.user = user(player)
            }))
        }
        #expect(error?.code == .outcomeUnknown, "\(String(describing: error))")
        #expect(try await fleet.history(0, userId: player).count == 1)
        #expect(try await fleet.history(1, userId: player).isEmpty)
        await client.close()
        await silent.close()
        await relay.stop()
    }

    /// A server that answers UNAVAILABLE (here: its disk is full, so it refuses writes) is left for calls that
    /// are safe to repeat; a call that is not gets the answer itself.
    @Test(.enabled(if: Tmpfs.isMountable, "needs root and a mountable tmpfs (mount -t tmpfs): skipped here"))
    func unavailableMovesSafeCallsOnAndAnswersTheOthers() async throws {
        let directory = try Tmpfs.mountNew(sizeBytes: 6 << 20)
        defer { Tmpfs.unmount(directory) }
        let full = try await TestServer.start(dataDirectory: directory)
        let other = try await TestServer.start()
        let code = Unique.code("FULL")
        for (index, server) in [full, other].enumerated() {
            let admin = try await server.session()
            _ = try await admin.createCampaign(
                bonusCampaign("Full \(index)") { $0.reward?.amountMinor = Fleet.amount(server: index) }, code: code)
            await admin.close()
        }
        Tmpfs.fill(directory + "/filler")
        // The WAL may still have room in its last page: redeem until the disk refuses.
        let admin = try await full.session()
        var refused = false
        for _ in 0..<5_000 where !refused {
            let response = try await admin.send(.redeem(.with {
                $0.code = code
                $0.user = user(Unique.user())
            }))
            refused = response.status.code == .unavailable
        }
        try #require(refused, "the disk never filled")
        await admin.close()

        let fullAddress = ServerAddress(host: "127.0.0.1", port: full.port)
        let client = try await FailoverClient.connect(
            to: [fullAddress, ServerAddress(host: "127.0.0.1", port: other.port)], apiKey: adminKey)
        let unkeyed = try await client.send(.redeem(.with {
            $0.code = code
            $0.user = user(Unique.user())
        }))
        #expect(unkeyed.status.code == .unavailable, "not repeated: its own answer, \(unkeyed.status)")
        #expect(await client.connectedAddress == fullAddress)

        let player = Unique.user()
        guard case .redeem(let keyed) = try await client.call(.redeem(.with {
            $0.code = code
            $0.user = user(player)
            $0.idempotencyKey = Unique.key()
        })) else { throw UnexpectedAnswer("redeem answered another arm") }
        #expect(keyed.verdict == .ok && !keyed.replayed)
        #expect(keyed.reward?.amountMinor == Fleet.amount(server: 1), "redeemed on the next server")
        #expect(client.failovers == 1)
        await client.close()
        await full.stop()
    }

    @Test func onlyCallsThatCannotApplyTwiceAreRepeatable() {
        let keyed: Request.Call = .redeem(.with { $0.code = "A"; $0.idempotencyKey = "k" })
        let unkeyed: Request.Call = .redeem(.with { $0.code = "A" })
        #expect(FailoverClient.isSafeToRepeat(keyed))
        #expect(!FailoverClient.isSafeToRepeat(unkeyed))
        #expect(FailoverClient.isSafeToRepeat(.validate(.with { $0.code = "A" })))
        #expect(!FailoverClient.isSafeToRepeat(.validate(.with { $0.code = "A"; $0.reserveMs = 1 })))
        #expect(FailoverClient.isSafeToRepeat(.generate(.with { $0.idempotencyKey = "k" })))
        #expect(!FailoverClient.isSafeToRepeat(.generate(.with { $0.count = 1 })))
        #expect(FailoverClient.isSafeToRepeat(.grantReward(.with { $0.idempotencyKey = "k" })))
        #expect(!FailoverClient.isSafeToRepeat(.grantReward(.with { $0.reason = "r" })))
        #expect(FailoverClient.isSafeToRepeat(.report(.with { $0.campaignId = "c" })))
        #expect(!FailoverClient.isSafeToRepeat(.voidRedemption(.with { $0.redemptionId = "r" })))
        #expect(!FailoverClient.isSafeToRepeat(.createCampaign(.with { $0.code = "A" })))
    }

    @Test func backoffIsBoundedAndPoliciesOutOfRangeAreRefused() async throws {
        let policy = FailoverPolicy()
        #expect(policy.backoffMs(beforeRound: 0) == 0, "the first pass starts at once")
        for _ in 0..<50 {
            #expect((50...100).contains(policy.backoffMs(beforeRound: 1)))
            #expect((100...200).contains(policy.backoffMs(beforeRound: 2)))
            #expect((1_000...2_000).contains(policy.backoffMs(beforeRound: 40)), "capped at backoffMaxMs, no overflow")
        }
        for broken in [
            { (policy: inout FailoverPolicy) in policy.connectRoundsMax = 0 },
            { (policy: inout FailoverPolicy) in policy.sendAttemptsMax = 0 },
            { (policy: inout FailoverPolicy) in policy.backoffMaxMs = policy.backoffInitialMs - 1 },
        ] {
            var policy = FailoverPolicy()
            broken(&policy)
            let error = await #expect(throws: PromoClientError.self) {
                try await FailoverClient.connect(to: [deadAddress], apiKey: adminKey, policy: policy)
            }
            #expect(error?.code == .invalidConfiguration, "\(String(describing: error))")
        }
    }

    @Test func addressListsParseAndRefuseClearly() throws {
        let parsed = try ServerAddress.list(parsing: ["a:1,b:2", "[::1]:3", "a:1"])
        #expect(parsed == [
            ServerAddress(host: "a", port: 1), ServerAddress(host: "b", port: 2), ServerAddress(host: "::1", port: 3),
        ])
        #expect(parsed.listDescription == "a:1,b:2,[::1]:3")
        for bad in ["a", "a:0", "a:70000", ":1", "a:1,,b:2", ""] {
            let error = #expect(throws: PromoClientError.self) { try ServerAddress.list(parsing: [bad]) }
            #expect(error?.code == .invalidConfiguration, "\(bad)")
        }
        let tooMany = (1...(ServerAddress.listCountMax + 1)).map { "h:\($0)" }.joined(separator: ",")
        #expect(throws: PromoClientError.self) { try ServerAddress.list(parsing: [tooMany]) }
    }
}

@Suite("FailoverClient with TLS", .serverCleanup)
struct FailoverTLSTests {
    let files: TestCertificates

    init() throws { files = try TestCertificates.shared.get() }

    @Test func eachAddressIsVerifiedAgainstItsOwnName() async throws {
        // Both servers carry a certificate for the name localhost only.
        var servers: [TestServer] = []
        for _ in 0..<2 {
            servers.append(try await TestServer.start {
                $0.tlsCertificatePath = files.dnsOnlyServerCertificate
                $0.tlsPrivateKeyPath = files.dnsOnlyServerKey
                $0.tlsHandshakeTimeoutMs = 120_000
            })
        }
        var configuration = ClientConfiguration()
        configuration.tls = try ClientTLS(caPath: files.caCertificate)
        // 127.0.0.1 is not in the first server's certificate: that handshake fails, and the client moves on
        // to the second address, whose name (localhost) the same kind of certificate does carry.
        let client = try await FailoverClient.connect(
            to: [ServerAddress(host: "127.0.0.1", port: servers[0].port), ServerAddress(host: "localhost", port: servers[1].port)],
            apiKey: adminKey, configuration: configuration)
        #expect(await client.connectedAddress == ServerAddress(host: "localhost", port: servers[1].port))
        guard case .hello(let hello) = try await client.call(.hello(.with { $0.apiKey = adminKey })) else {
            throw UnexpectedAnswer("hello answered another arm")
        }
        #expect(hello.role == "admin")
        await client.close()

        // No address whose name verifies: the error says TLS, for each address.
        let error = await #expect(throws: PromoClientError.self) {
            try await FailoverClient.connect(
                to: [ServerAddress(host: "127.0.0.1", port: servers[0].port), ServerAddress(host: "127.0.0.1", port: servers[1].port)],
                apiKey: adminKey, configuration: configuration)
        }
        #expect(error?.code == .unreachable, "\(String(describing: error))")
        for port in servers.map(\.port) {
            #expect(error?.message.contains("127.0.0.1:\(port) (TLS") == true, "\(String(describing: error))")
        }
    }
}
