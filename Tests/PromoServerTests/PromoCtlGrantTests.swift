import FoundationEssentials
import PromoClient
import PromoWire
import Testing

// promoctl redemptions grant|write-off, campaigns create|update --budget-minor, and codes generate making
// single-use codes by default, against a live TestServer.

private struct GrantJSON: Decodable {
    struct RewardJSON: Decodable {
        let kind: String
        let amountMinor: Int64
        let currency: String
        let freeSpins: UInt32
    }
    let redemptionId: String
    let reward: RewardJSON
    let replayed: Bool
}

private struct HistoryJSON: Decodable {
    let redemptionId: String
    let grant: Bool
    let reason: String
    let grantedBy: String
    let voided: Bool
    let voidReason: String
}

private struct BudgetCampaignJSON: Decodable {
    struct Stats: Decodable {
        let budgetSpentMinor: Int64
        let budgetRemainingMinor: Int64
    }
    let id: String
    let budgetMinor: Int64
    let stats: Stats
}

@Suite("promoctl grants, write-offs and budgets", .serverCleanup)
struct PromoCtlGrantTests {
    @Test func grantsAndBudgetsFromTheCommandLine() async throws {
        let server = try await TestServer.start()
        let port = server.port

        let created = try await PromoctlProcess.run(
            ["campaigns", "create", "--name", "Budgeted", "--kind", "welcome", "--reward-kind", "bonus",
             "--amount-minor", "500", "--currency", "EUR", "--budget-minor", "5000", "--json"], port: port)
        #expect(created.status == 0, "\(created)")
        let campaign = try created.decode(BudgetCampaignJSON.self)
        #expect(campaign.budgetMinor == 5_000 && campaign.stats.budgetRemainingMinor == 5_000)

        let player = Unique.user("ctl")
        let granted = try await PromoctlProcess.run(
            ["redemptions", "grant", player, "--amount-minor", "1000", "--currency", "EUR", "--reason", "tournament win",
             "--campaign", campaign.id, "--idempotency-key", "ctl-grant-1", "--json"], port: port)
        #expect(granted.status == 0, "\(granted)")
        let grant = try granted.decode(GrantJSON.self)
        #expect(grant.redemptionId.hasPrefix("grt") && grant.reward.kind == "bonus" && grant.reward.amountMinor == 1_000)
        #expect(!grant.replayed)
        let replay = try await PromoctlProcess.run(
            ["redemptions", "grant", player, "--amount-minor", "1000", "--currency", "EUR", "--reason", "tournament win",
             "--campaign", campaign.id, "--idempotency-key", "ctl-grant-1"], port: port)
        #expect(replay.status == 0 && replay.stdout.contains("already granted"), "\(replay)")

        let spins = try await PromoctlProcess.run(
            ["redemptions", "grant", player, "--free-spins", "20", "--game-id", "book-of-ra", "--reason", "outage", "--json"],
            port: port)
        #expect(try spins.decode(GrantJSON.self).reward.freeSpins == 20, "\(spins)")
        let points = try await PromoctlProcess.run(
            ["redemptions", "grant", player, "--reward-kind", "loyalty-points", "--amount-minor", "300", "--reason", "missing points"],
            port: port)
        #expect(points.status == 0, "\(points)")
        let noReason = try await PromoctlProcess.run(
            ["redemptions", "grant", player, "--amount-minor", "100", "--currency", "EUR", "--reason", " "], port: port)
        #expect(noReason.status == 2, "\(noReason)")
        let overBudget = try await PromoctlProcess.run(
            ["redemptions", "grant", player, "--amount-minor", "4001", "--currency", "EUR", "--reason", "too much",
             "--campaign", campaign.id], port: port)
        #expect(overBudget.status != 0 && overBudget.stderr.contains("budget"), "\(overBudget)")

        let shown = try await PromoctlProcess.run(["campaigns", "show", campaign.id], port: port)
        #expect(shown.stdout.contains("10.00 EUR of 50.00 EUR spent"), "\(shown.stdout)")

        let history = try await PromoctlProcess.run(["redemptions", "history", player, "--json"], port: port)
        let rows = try history.decode([HistoryJSON].self)
        #expect(rows.count == 3 && rows.allSatisfy { $0.grant && !$0.grantedBy.isEmpty })
        #expect(rows.contains { $0.redemptionId == grant.redemptionId && $0.reason == "tournament win" })

        let written = try await PromoctlProcess.run(
            ["redemptions", "write-off", grant.redemptionId, "--reason", "credited twice", "--json"], port: port)
        #expect(written.status == 0, "\(written)")
        let off = try written.decode(HistoryJSON.self)
        #expect(off.voided && off.grant && off.voidReason == "credited twice")

        let updated = try await PromoctlProcess.run(
            ["campaigns", "update", campaign.id, "--budget-minor", "800", "--json"], port: port)
        let after = try updated.decode(BudgetCampaignJSON.self)
        #expect(after.budgetMinor == 800 && after.stats.budgetSpentMinor == 0 && after.stats.budgetRemainingMinor == 800)

        let help = try await PromoctlProcess.run(["redemptions", "--help"], port: port)
        #expect(help.stdout.contains("grant") && help.stdout.contains("write-off"))
    }

    @Test func generatedCodesAreSingleUseUnlessToldOtherwise() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let generated = try await PromoctlProcess.run(
            ["codes", "generate", campaign.id, "--count", "5", "--pattern", "MY_LITTLE_PROMO????##"], port: server.port)
        #expect(generated.status == 0, "\(generated)")
        let codes = generated.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("MY_LITTLE_PROMO") }
        #expect(codes.count == 5, "\(generated.stdout)")
        let code = try #require(codes.first)
        #expect(try await admin.redeem(code: code.lowercased(), user: user(Unique.user())).verdict == .ok)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .codeLimitReached)

        let reusable = try await PromoctlProcess.run(
            ["codes", "generate", campaign.id, "--count", "1", "--max-uses", "0"], port: server.port)
        let unlimited = try #require(reusable.stdout.split(separator: "\n").map(String.init).last { $0.contains("-") })
        #expect(try await admin.redeem(code: unlimited, user: user(Unique.user())).verdict == .ok)
        #expect(try await admin.redeem(code: unlimited, user: user(Unique.user())).verdict == .ok)
        await admin.close()
    }
}
