import FoundationEssentials
import PromoClient
import PromoWire
import Testing

// `promoctl codes show` and `promoctl codes check` (issue 17) as child processes against a live server.

private struct ShownCodeJSON: Decodable {
    struct Code: Decodable {
        let code: String
        let campaignId: String
        let active: Bool
        let maxUses: UInt64
        let uses: UInt64
        let ownerId: String
        let batchId: String
    }
    struct CampaignJSON: Decodable {
        struct Stats: Decodable {
            let redemptions: UInt64
            let remaining: UInt64
        }
        let id: String
        let name: String
        let stats: Stats
    }
    let code: Code
    let campaign: CampaignJSON
}

private struct CheckJSON: Decodable {
    struct Check: Decodable {
        let rule: String
        let passed: Bool
        let detail: String
    }
    let verdict: String
    let campaignId: String
    let checks: [Check]
}

@Suite("promoctl codes show and check", .serverCleanup)
struct PromoCtlSupportTests {
    @Test func showsOneCodeWithItsCampaignAsTextAndJSON() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign("Summer Desk") { $0.maxRedemptions = 10 })
        let generated = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 1
            $0.pattern = "????-####"
            $0.maxUsesPerCode = 3
            $0.ownerId = "streamer-9"
        }
        let code = try #require(generated.codes.first)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        let analystKey = try await admin.createKey(role: "analyst")

        let text = try await PromoctlProcess.run(["codes", "show", code.lowercased()], port: server.port, key: analystKey)
        #expect(text.status == 0, "\(text)")
        for expected in [
            "Code:", code, "Status:", "active", "Uses:", "1 / 3", "streamer-9", generated.batchId, campaign.id,
            "Summer Desk", "5.00 EUR bonus", "1 by 1 users, 9 remaining",
        ] {
            #expect(text.stdout.contains(expected), "\(expected) in \(text)")
        }

        let json = try await PromoctlProcess.run(["codes", "show", code, "--json"], port: server.port, key: analystKey)
        #expect(json.status == 0, "\(json)")
        let shown = try json.decode(ShownCodeJSON.self)
        #expect(shown.code.code == code && shown.code.campaignId == campaign.id && shown.code.active)
        #expect(shown.code.maxUses == 3 && shown.code.uses == 1)
        #expect(shown.code.ownerId == "streamer-9" && shown.code.batchId == generated.batchId)
        #expect(shown.campaign.id == campaign.id && shown.campaign.name == "Summer Desk")
        #expect(shown.campaign.stats.redemptions == 1 && shown.campaign.stats.remaining == 9)

        let unknown = try await PromoctlProcess.run(["codes", "show", "NO-SUCH-CODE"], port: server.port, key: analystKey)
        #expect(unknown.status == 5, "\(unknown)")
        #expect(unknown.stderr.contains("NOT_FOUND"))
        await admin.close()
    }

    @Test func checksACodeForAPlayerAsTextAndJSON() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("DESK")
        let campaign = try await admin.createCampaign(
            bonusCampaign {
                $0.eligibility = .with {
                    $0.segments = ["vip"]
                    $0.countries = ["AT"]
                    $0.minVipLevel = 2
                    $0.minDepositMinor = 1_000
                }
            }, code: code)
        let analystKey = try await admin.createKey(role: "analyst")
        let player = Unique.user()

        let failing = [
            "codes", "check", code, "--user", player, "--segment", "regular", "--segment", "casual", "--country", "DE",
            "--vip-level", "1", "--registered-at", "2026-01-01", "--deposit-minor", "500", "--currency", "EUR",
        ]
        let text = try await PromoctlProcess.run(failing, port: server.port, key: analystKey)
        #expect(text.status == 0, "\(text)")
        #expect(text.stdout.hasPrefix("Verdict: NOT_ELIGIBLE (campaign \(campaign.id))"), "\(text)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("RULE") && $0.contains("CHECK") && $0.contains("DETAIL") })
        func row(_ rule: String) -> String { lines.first { $0.hasPrefix(rule + " ") } ?? "<no \(rule) row>" }
        #expect(row("segment").contains("FAIL") && row("segment").contains("player is in [regular, casual], campaign wants any of [vip]"))
        #expect(row("country").contains("FAIL") && row("country").contains("player is in DE, campaign wants any of [AT]"))
        #expect(row("vip_level").contains("FAIL") && row("vip_level").contains("player is level 1, campaign wants 2 or higher"))
        #expect(row("min_deposit").contains("FAIL") && row("min_deposit").contains("deposit 5.00 EUR, minimum 10.00 EUR"))
        #expect(row("code_exists").contains("ok") && !row("code_exists").contains("FAIL"))

        let json = try await PromoctlProcess.run(failing + ["--json"], port: server.port, key: analystKey)
        #expect(json.status == 0, "\(json)")
        let checked = try json.decode(CheckJSON.self)
        #expect(checked.verdict == "NOT_ELIGIBLE" && checked.campaignId == campaign.id)
        #expect(checked.checks.filter { !$0.passed }.map(\.rule) == ["segment", "country", "vip_level", "min_deposit"])
        #expect(checked.checks.first?.rule == "rate_limit" && checked.checks.count == 15)

        let passing = try await PromoctlProcess.run(
            ["codes", "check", code, "--user", player, "--segment", "VIP", "--country", "at", "--vip-level", "2",
             "--deposit-minor", "1000", "--currency", "EUR", "--json"],
            port: server.port, key: analystKey)
        #expect(passing.status == 0, "\(passing)")
        let ok = try passing.decode(CheckJSON.self)
        #expect(ok.verdict == "OK" && ok.checks.allSatisfy { $0.passed })
        await admin.close()
    }

    @Test func checkRefusesGameServerKeysAndIncompleteDeposits() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let redeemerKey = try await admin.createKey(role: "redeemer")
        let denied = try await PromoctlProcess.run(
            ["codes", "check", "ANY", "--user", "p-1"], port: server.port, key: redeemerKey)
        #expect(denied.status == 4, "\(denied)")
        #expect(denied.stderr.contains("PERMISSION_DENIED"))
        let noCurrency = try await PromoctlProcess.run(
            ["codes", "check", "ANY", "--user", "p-1", "--deposit-minor", "500"], port: server.port)
        #expect(noCurrency.status == 2, "\(noCurrency)")
        #expect(noCurrency.stderr.contains("--currency"))
        let unknown = try await PromoctlProcess.run(["codes", "check", "NO-SUCH", "--user", "p-1"], port: server.port)
        #expect(unknown.status == 0, "\(unknown)")
        #expect(unknown.stdout.hasPrefix("Verdict: CODE_NOT_FOUND"))
        await admin.close()
    }
}
