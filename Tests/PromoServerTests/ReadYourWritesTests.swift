import PromoClient
import PromoServer
import PromoWire
import Testing

/// Validates are answered on the event loop from a snapshot shared by one loop iteration; a client must still
/// always see what it was already told: after a redeem's answer, a validate reflects that redemption.
@Suite("Validate sees answered redeems", .serverCleanup)
struct ReadYourWritesTests {
    @Test func aValidateAfterARedeemAnswerSeesTheRedemption() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        // Single-use codes, redeemed and validated back to back on many connections at once, so validates of
        // other clients keep every loop's snapshot busy while each client checks its own redemption.
        let codes = (0..<200).map { _ in Unique.code("ONCE") }
        for code in codes { _ = try await admin.createCampaign(bonusCampaign { $0.maxRedemptions = 1 }, code: code) }
        let clients = try await (0..<10).asyncMap { _ in try await server.session() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, client) in clients.enumerated() {
                group.addTask {
                    for code in codes[(index * 20)..<((index + 1) * 20)] {
                        let player = user(Unique.user())
                        #expect(try await client.validate(code: code, user: player).verdict == .ok)
                        #expect(try await client.redeem(code: code, user: player).verdict == .ok)
                        let after = try await client.validate(code: code, user: user(Unique.user()))
                        #expect(after.verdict == .limitReached, "validate after the redeem of \(code)")
                    }
                }
            }
            try await group.waitForAll()
        }
        for client in clients { await client.close() }
        await admin.close()
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
