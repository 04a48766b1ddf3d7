import NIOCore
import PromoClient
import PromoServer
import PromoWire
import Testing

/// Guessing protection over TCP: failed attempts per user and per IP, the cool-down, and what it spares.
@Suite("Rate limiting of failed attempts", .serverCleanup)
struct RateLimitTests {
    private static func server(_ configure: @escaping (inout ServerConfiguration) -> Void = { _ in }) async throws
        -> TestServer
    {
        try await TestServer.start {
            $0.rateLimitUserFailuresMax = 5
            $0.rateLimitIpFailuresMax = 8
            // Windows are fixed and aligned to the epoch, and a failure from the previous window counts less
            // the further the current one goes on: with a day-long window, no test's failures straddle a
            // boundary (as a minute-long one would, now and then, on a slow machine).
            $0.rateLimitWindowMs = 86_400_000
            $0.rateLimitCooldownMs = 60_000
            configure(&$0)
        }
    }

    @Test func aGuesserIsLockedOutEvenFromARealCode() async throws {
        let server = try await Self.server()
        let admin = try await server.session()
        let real = Unique.code("REAL")
        _ = try await admin.createCampaign(bonusCampaign(), code: real)
        let guesser = user(Unique.user())
        for _ in 0..<4 {
            #expect(try await admin.validate(code: Unique.code("GUESS"), user: guesser).verdict == .codeNotFound)
        }
        // The 5th failure reaches the limit: it is still judged, and starts the cool-down.
        #expect(try await admin.redeem(code: Unique.code("GUESS"), user: guesser).verdict == .codeNotFound)
        #expect(try await admin.validate(code: Unique.code("GUESS"), user: guesser).verdict == .rateLimited)
        // Now a correct guess must look exactly like any other attempt, or the lock-out would leak it.
        #expect(try await admin.validate(code: real, user: guesser).verdict == .rateLimited)
        let refused = try await admin.redeem(code: real, user: guesser)
        #expect(refused.verdict == .rateLimited && refused.redemptionId.isEmpty && refused.campaignId.isEmpty)
        #expect(try await admin.rewardHistory(userId: guesser.userId).redemptions.isEmpty)
        // Someone else is not affected.
        #expect(try await admin.redeem(code: real, user: user(Unique.user())).verdict == .ok)
        await admin.close()
    }

    @Test func oneIpIsLimitedAcrossManyUsers() async throws {
        let server = try await Self.server()
        let admin = try await server.session()
        let real = Unique.code("REAL")
        _ = try await admin.createCampaign(bonusCampaign(), code: real)
        // Eight users, one failure each: no user is near their limit, the IP reaches its 8.
        for _ in 0..<8 {
            let sock = user(Unique.user()) { $0.ip = "203.0.113.7" }
            #expect(try await admin.validate(code: Unique.code("GUESS"), user: sock).verdict == .codeNotFound)
        }
        let fresh = user(Unique.user()) { $0.ip = "203.0.113.7" }
        #expect(try await admin.redeem(code: real, user: fresh).verdict == .rateLimited)
        let elsewhere = user(Unique.user()) { $0.ip = "198.51.100.1" }
        #expect(try await admin.redeem(code: real, user: elsewhere).verdict == .ok)
        await admin.close()
    }

    @Test func refusalsAboutARealCodeDoNotCount() async throws {
        let server = try await Self.server()
        let admin = try await server.session()
        let soldOut = Unique.code("SOLD")
        _ = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 1 }, code: soldOut)
        #expect(try await admin.redeem(code: soldOut, user: user(Unique.user())).verdict == .ok)
        // Twenty players behind one NAT try the sold-out code, each several times: nobody is locked out.
        let nat = "192.0.2.44"
        for _ in 0..<20 {
            let player = user(Unique.user()) { $0.ip = nat }
            for _ in 0..<3 {
                #expect(try await admin.redeem(code: soldOut, user: player).verdict == .limitReached)
            }
        }
        let another = Unique.code("OPEN")
        _ = try await admin.createCampaign(bonusCampaign(), code: another)
        #expect(try await admin.redeem(code: another, user: user(Unique.user()) { $0.ip = nat }).verdict == .ok)
        await admin.close()
    }

    @Test func successfulRedemptionsAreNeverThrottled() async throws {
        let server = try await Self.server()
        let admin = try await server.session()
        let player = user(Unique.user()) { $0.ip = "192.0.2.9" }
        for _ in 0..<30 {
            let code = Unique.code("GIFT")
            _ = try await admin.createCampaign(bonusCampaign(), code: code)
            #expect(try await admin.validate(code: code, user: player).verdict == .ok)
            #expect(try await admin.redeem(code: code, user: player).verdict == .ok)
        }
        #expect(try await admin.rewardHistory(userId: player.userId, pageSize: 100).redemptions.count == 30)
        await admin.close()
    }

    @Test func theCooldownEnds() async throws {
        // The next call must be sent inside the cool-down: a longer one (on a new server) when the machine was
        // too slow to do it inside 2,500 ms.
        let locked = try await withRoomToAct(windowsMs: [2_500, 10_000, 30_000]) { cooldownMs -> (PromoClient, String, UserContext, String, Int64)? in
            let server = try await Self.server {
                $0.rateLimitUserFailuresMax = 2
                $0.rateLimitCooldownMs = Int(cooldownMs)
            }
            let admin = try await server.session()
            let real = Unique.code("REAL")
            _ = try await admin.createCampaign(bonusCampaign(), code: real)
            let player = user(Unique.user())
            _ = try await admin.validate(code: Unique.code("TYPO"), user: player)
            // The cool-down begins during the second validate (the failure that reaches the limit): not before
            // this ...
            let beforeSecond = nowMs()
            _ = try await admin.validate(code: Unique.code("TYPO"), user: player)
            // ... so it is over by `cooldownMs` after its answer.
            let lockedBy = nowMs()
            let key = Unique.key()
            let refused = try await admin.redeem(code: real, user: player, idempotencyKey: key).verdict
            guard nowMs() < beforeSecond + cooldownMs else { return nil }  // answered after it may have ended
            #expect(refused == .rateLimited)
            return (admin, real, player, key, lockedBy + cooldownMs)
        }
        let (admin, real, player, key, cooldownEndMs) = try #require(locked)
        try await sleep(untilMs: cooldownEndMs + 100)
        // The refused attempt stored nothing: the same idempotency key now gets a real answer, not a replay.
        let redeemed = try await admin.redeem(code: real, user: player, idempotencyKey: key)
        #expect(redeemed.verdict == .ok && !redeemed.replayed)
        await admin.close()
    }

    @Test func zeroTurnsTheLimitsOff() async throws {
        let server = try await Self.server {
            $0.rateLimitUserFailuresMax = 0
            $0.rateLimitIpFailuresMax = 0
        }
        let admin = try await server.session()
        let player = user(Unique.user()) { $0.ip = "192.0.2.1" }
        for _ in 0..<50 {
            #expect(try await admin.validate(code: Unique.code("GUESS"), user: player).verdict == .codeNotFound)
        }
        await admin.close()
    }

    @Test func impossibleSettingsAreRefusedAtStart() async throws {
        for configure: @Sendable (inout ServerConfiguration) -> Void in [
            { $0.rateLimitUserFailuresMax = -1 }, { $0.rateLimitWindowMs = 0 }, { $0.rateLimitTrackedCallersMax = 1 },
            { $0.frameReadTimeoutMs = 0 },
        ] {
            await #expect(throws: ServerError.self) { _ = try await TestServer.start(configure) }
        }
    }
}

@Suite("Slow and partial frames", .serverCleanup)
struct SlowFrameTests {
    @Test func aFrameDribbledByteByByteIsCutOff() async throws {
        // The idle timeout alone would never fire: a byte arrives every 50 ms (and it is a minute, so that a
        // loaded machine's stalls between two bytes cannot reach it either).
        let server = try await TestServer.start {
            $0.idleTimeoutMs = 60_000
            $0.frameReadTimeoutMs = 300
        }
        let raw = try await server.raw()
        let start = ContinuousClock.now
        try await raw.write([0x00, 0x00, 0x01, 0x00])  // 256 bytes announced
        let closed = await eventually(intervalMs: 50) {
            try? await raw.write([0x0A])
            return raw.isClosed
        }
        #expect(closed)
        #expect(ContinuousClock.now - start >= .milliseconds(250))
        let notice = try await raw.readResponse()
        #expect(notice.requestId == 0 && notice.status.code == .unavailable)
        #expect(notice.status.message.contains("frame read timeout"))
        let client = try await server.client()
        #expect(try await client.hello(apiKey: adminKey).role == "admin")
        await client.close()
    }

    @Test func aClientThatKeepsCompletingFramesIsNotCutOff() async throws {
        // A frame timeout 20 times the pause inside each frame, so that a loaded machine's stalls do not make
        // a frame late; the idle timeout is out of the way.
        let frameReadTimeoutMs = 6_000
        let server = try await TestServer.start {
            $0.idleTimeoutMs = 120_000
            $0.frameReadTimeoutMs = frameReadTimeoutMs
        }
        let raw = try await server.raw()
        // Each request is written in two halves 300 ms apart, for well over the frame timeout in all; every
        // frame completes in time, so every one is answered.
        let codec = WireCodec(frameBytesMax: 1 << 20)
        let start = ContinuousClock.now
        var id: UInt64 = 0
        while ContinuousClock.now - start <= .milliseconds(frameReadTimeoutMs + 500) {
            id += 1
            var frame = ByteBuffer()
            try codec.encode(Request(requestId: id, .hello(HelloRequest(apiKey: adminKey))), into: &frame)
            let bytes = Array(frame.readableBytesView)
            try await raw.write(Array(bytes[..<(bytes.count / 2)]))
            try await Task.sleep(for: .milliseconds(300))
            try await raw.write(Array(bytes[(bytes.count / 2)...]))
            let answer = try await raw.readResponse()
            #expect(answer.requestId == id && answer.status.code == .ok)
        }
        #expect(ContinuousClock.now - start > .milliseconds(frameReadTimeoutMs))
        #expect(!raw.isClosed)
        await raw.close()
    }
}
