import FoundationEssentials
import PromoClient
import PromoWire
import Testing

// promoctl offers, users block|unblock|blocks, campaigns create|update --auto-apply and codes status, against
// a live TestServer.

private struct AutoCampaignJSON: Decodable {
    let id: String
    let autoApply: Bool
}

private struct OfferJSON: Decodable {
    struct CampaignRef: Decodable { let id: String }
    let campaign: CampaignRef
    let verdict: String
    let remaining: UInt64
}

private struct ChangedJSON: Decodable { let changed: UInt64 }

private struct BlockJSON: Decodable {
    let id: String
    let userId: String
    let reason: String
    let campaignId: String
}

@Suite("promoctl offers and users", .serverCleanup)
struct PromoCtlOfferTests {
    @Test func offersBlocksAndBulkStatusFromTheCommandLine() async throws {
        let server = try await TestServer.start()
        let port = server.port
        let created = try await PromoctlProcess.run(
            ["campaigns", "create", "--name", "Auto bonus", "--kind", "deposit", "--reward-kind", "bonus",
             "--amount-minor", "500", "--currency", "EUR", "--max-redemptions", "7", "--auto-apply", "--json"], port: port)
        #expect(created.status == 0, "\(created)")
        let campaign = try created.decode(AutoCampaignJSON.self)
        #expect(campaign.autoApply)

        let player = Unique.user("ctl")
        let offers = try await PromoctlProcess.run(["offers", "--user", player, "--json"], port: port)
        #expect(offers.status == 0, "\(offers)")
        let listed = try offers.decode([OfferJSON].self)
        #expect(listed.map(\.campaign.id) == [campaign.id])
        #expect(listed.first?.verdict == "OK" && listed.first?.remaining == 7)

        let blocked = try await PromoctlProcess.run(
            ["users", "block", player, "--reason", "code sharing", "--campaign", campaign.id, "--json"], port: port)
        #expect(blocked.status == 0, "\(blocked)")
        let table = try await PromoctlProcess.run(["offers", "--user", player], port: port)
        #expect(table.stdout.contains("USER_BLOCKED"), "\(table)")
        let blocks = try await PromoctlProcess.run(["users", "blocks", "--all", "--json"], port: port)
        let shown = try blocks.decode([BlockJSON].self)
        #expect(shown.map(\.userId) == [player] && shown.first?.reason == "code sharing")
        #expect(shown.first?.campaignId == campaign.id)
        let unblocked = try await PromoctlProcess.run(["users", "unblock", player, "--campaign", campaign.id], port: port)
        #expect(unblocked.status == 0 && unblocked.stdout.contains("Unblocked"), "\(unblocked)")
        let admin = try await server.session()
        #expect(try await admin.validateAuto(campaign.id, user: user(player)).verdict == .ok)

        let off = try await PromoctlProcess.run(
            ["campaigns", "update", campaign.id, "--no-auto-apply", "--json"], port: port)
        #expect(try off.decode(AutoCampaignJSON.self).autoApply == false)
        #expect(try await admin.validateAuto(campaign.id, user: user(player)).verdict == .codeNotFound)

        let batch = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 12
            $0.pattern = "CTL-########"
        }
        let switched = try await PromoctlProcess.run(
            ["codes", "status", "--off", "--batch", batch.batchId, "--json"], port: port)
        #expect(switched.status == 0, "\(switched)")
        #expect(try switched.decode(ChangedJSON.self).changed == 12, "\(switched.stdout)")
        #expect(try await admin.validate(code: batch.codes[0], user: user(player)).verdict == .codeInactive)
        let usage = try await PromoctlProcess.run(["codes", "status", "--on", "--batch", "b", "--campaign", "c"], port: port)
        #expect(usage.status == 2, "exactly one scope: \(usage)")
    }
}
