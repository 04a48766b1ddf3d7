import FoundationEssentials
import PromoClient
import PromoWire
import Testing

// promoctl groups create|show|list|update and campaigns create|update --group, against a live TestServer.

private struct GroupJSON: Decodable, Equatable {
    let id: String
    let name: String
    let maxPerUser: UInt32
    let createdAtMs: Int64
}

private struct GroupedCampaignJSON: Decodable {
    let id: String
    let groupId: String
}

@Suite("promoctl groups", .serverCleanup)
struct PromoCtlGroupTests {
    @Test func groupsAreManagedFromTheCommandLine() async throws {
        let server = try await TestServer.start()
        let port = server.port

        let created = try await PromoctlProcess.run(
            ["groups", "create", "--name", "Welcome offers", "--max-per-user", "1", "--json"], port: port)
        #expect(created.status == 0, "\(created)")
        let group = try created.decode(GroupJSON.self)
        #expect(group.name == "Welcome offers" && group.maxPerUser == 1 && group.id.hasPrefix("grp"))

        let code = Unique.code("CTLGRP")
        let campaign = try await PromoctlProcess.run(
            ["campaigns", "create", "--name", "Affiliate A", "--kind", "affiliate", "--reward-kind", "bonus",
             "--amount-minor", "500", "--currency", "EUR", "--code", code, "--group", group.id, "--json"], port: port)
        #expect(campaign.status == 0, "\(campaign)")
        let grouped = try campaign.decode(GroupedCampaignJSON.self)
        #expect(grouped.groupId == group.id)

        // The limit works for a campaign created from the command line.
        let admin = try await server.session()
        let player = user(Unique.user())
        #expect(try await admin.redeem(code: code, user: player).verdict == .ok)
        let second = try await admin.createCampaign(bonusCampaign { $0.groupId = group.id }, code: Unique.code("CTLGRP"))
        #expect(second.groupId == group.id)

        let shown = try await PromoctlProcess.run(["groups", "show", group.id, "--json"], port: port)
        #expect(try shown.decode(GroupJSON.self) == group)
        let table = try await PromoctlProcess.run(["groups", "show", group.id], port: port)
        #expect(table.stdout.contains("Welcome offers") && table.stdout.contains("Max per user"))

        let updated = try await PromoctlProcess.run(
            ["groups", "update", group.id, "--max-per-user", "3", "--json"], port: port)
        #expect(try updated.decode(GroupJSON.self).maxPerUser == 3)
        #expect(try await admin.getGroup(group.id).maxPerUser == 3)

        let listed = try await PromoctlProcess.run(["groups", "list", "--all", "--json"], port: port)
        #expect(try listed.decode([GroupJSON].self).map(\.id) == [group.id])

        let left = try await PromoctlProcess.run(["campaigns", "update", grouped.id, "--group", "none", "--json"], port: port)
        #expect(left.status == 0, "\(left)")
        #expect(try left.decode(GroupedCampaignJSON.self).groupId == "")
        let joined = try await PromoctlProcess.run(["campaigns", "update", grouped.id, "--group", group.id], port: port)
        #expect(joined.status == 0 && joined.stdout.contains(group.id), "\(joined)")

        let unknown = try await PromoctlProcess.run(["groups", "show", "grp_nope"], port: port)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("grp_nope"))
        let nothing = try await PromoctlProcess.run(["groups", "update", group.id], port: port)
        #expect(nothing.status == 2, "\(nothing)")
        await admin.close()
    }
}
