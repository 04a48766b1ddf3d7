import PromoClient
import PromoServer
import PromoWire
import Testing

@Suite("Campaigns: create, get, list, update, code status", .serverCleanup)
struct CampaignTests {
    @Test func createAssignsAnIdAndEchoesTheCampaignWithEmptyStats() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()

        let request = Campaign.with {
            $0.id = "chosen-by-the-client"
            $0.name = "Summer deposit match"
            $0.kind = .deposit
            $0.reward = Reward.with { r in
                r.kind = .depositMatch
                r.percent = 100
                r.capMinor = 20_000
                r.currency = "EUR"
            }
            $0.startsAtMs = 1_700_000_000_000
            $0.expiresAtMs = 4_100_000_000_000
            $0.active = true
            $0.maxRedemptions = 250
            $0.maxPerUser = 2
            $0.eligibility = Eligibility.with { e in
                e.segments = ["vip"]
                e.countries = ["DE", "AT"]
                e.minDepositMinor = 1_000
                e.minVipLevel = 2
            }
            $0.source = "newsletter"
        }
        let before = nowMs()
        let created = try await admin.createCampaign(request)
        let after = nowMs()

        #expect(!created.id.isEmpty)
        #expect(created.id != "chosen-by-the-client")
        #expect(created.name == request.name)
        #expect(created.kind == .deposit)
        #expect(created.reward == request.reward)
        #expect(created.startsAtMs == request.startsAtMs)
        #expect(created.expiresAtMs == request.expiresAtMs)
        #expect(created.active)
        #expect(created.maxRedemptions == 250)
        #expect(created.maxPerUser == 2)
        #expect(created.eligibility == request.eligibility)
        #expect(created.source == "newsletter")
        #expect(created.createdAtMs >= before - 1_000 && created.createdAtMs <= after + 1_000)
        let stats = try #require(created.stats)
        #expect(stats.redemptions == 0)
        #expect(stats.uniqueUsers == 0)
        #expect(stats.remaining == 250)
        #expect(!stats.unlimited)

        // get returns the same campaign.
        let fetched = try await admin.getCampaign(created.id)
        #expect(fetched == created)

        // A second campaign gets a different id; an unlimited one says so in its stats.
        let second = try await admin.createCampaign(bonusCampaign("Second"))
        #expect(second.id != created.id)
        #expect(second.stats?.unlimited == true)
        #expect(second.stats?.remaining == 0)
        await admin.close()
    }

    @Test func createWithASharedCodeMakesTheCodeRedeemable() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("SHARED")

        let withCode = try await admin.createCampaign(bonusCampaign("With code"), code: code, codeMaxUses: 3)
        let withoutCode = try await admin.createCampaign(bonusCampaign("Without code"))

        let valid = try await admin.validate(code: code, user: user(Unique.user()))
        #expect(valid.verdict == .ok)
        #expect(valid.campaignId == withCode.id)
        #expect(valid.campaignId != withoutCode.id)
        #expect(valid.remaining == 3)
        #expect(!valid.unlimited)

        // The code knows its campaign and its limit.
        let info = try await admin.setCodeStatus(code, active: true)
        #expect(info.campaignId == withCode.id)
        #expect(info.maxUses == 3)
        #expect(info.uses == 0)
        #expect(info.active)
        await admin.close()
    }

    @Test func getAnUnknownCampaignIsNotFound() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let response = try await admin.send(.getCampaign(.with { $0.campaignId = "no-such-campaign" }))
        #expect(response.status.code == .notFound)
        #expect(response.result == nil)
        await admin.close()
    }

    @Test func listPagesThroughEveryCampaignOnceInCreationOrder() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        var created: [String] = []
        for index in 0..<7 {
            created.append(try await admin.createCampaign(bonusCampaign("Paged \(index)")).id)
        }

        var seen: [String] = []
        var pageSizes: [Int] = []
        var token = ""
        repeat {
            let page = try await admin.listCampaigns(pageToken: token, pageSize: 3)
            seen += page.campaigns.map(\.id)
            pageSizes.append(page.campaigns.count)
            token = page.nextPageToken
        } while !token.isEmpty && pageSizes.count < 10
        #expect(pageSizes == [3, 3, 1])
        #expect(seen == created)

        // Without a page size everything fits in the default page of 50, and that page is the last.
        let all = try await admin.listCampaigns()
        #expect(all.campaigns.map(\.id) == created)
        #expect(all.nextPageToken.isEmpty)
        await admin.close()
    }

    @Test func theDefaultPageHoldsFiftyCampaigns() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let created = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<55 {
                group.addTask { try await admin.createCampaign(bonusCampaign("Bulk \(index)")).id }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(created.count == 55)

        let first = try await admin.listCampaigns()
        #expect(first.campaigns.count == 50)
        #expect(!first.nextPageToken.isEmpty)
        let second = try await admin.listCampaigns(pageToken: first.nextPageToken)
        #expect(second.campaigns.count == 5)
        #expect(second.nextPageToken.isEmpty)
        #expect(Set(first.campaigns.map(\.id) + second.campaigns.map(\.id)) == created)
        await admin.close()
    }

    @Test func listActiveOnlyLeavesInactiveCampaignsOut() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        var active: [String] = []
        var inactive: [String] = []
        for index in 0..<6 {
            let isActive = index % 3 != 0
            let campaign = try await admin.createCampaign(bonusCampaign("Mixed \(index)") { $0.active = isActive })
            #expect(campaign.active == isActive)
            if isActive { active.append(campaign.id) } else { inactive.append(campaign.id) }
        }

        var seen: [Campaign] = []
        var token = ""
        var pages = 0
        repeat {
            let page = try await admin.listCampaigns(pageToken: token, pageSize: 2, activeOnly: true)
            seen += page.campaigns
            token = page.nextPageToken
            pages += 1
        } while !token.isEmpty && pages < 10
        #expect(seen.map(\.id) == active)
        #expect(seen.allSatisfy { $0.active })

        let everything = try await admin.listCampaigns(activeOnly: false)
        #expect(Set(everything.campaigns.map(\.id)) == Set(active + inactive))
        await admin.close()
    }

    @Test func updateChangesOnlyTheMaskedFields() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let original = try await admin.createCampaign(bonusCampaign("Before") {
            $0.maxRedemptions = 10
            $0.maxPerUser = 1
            $0.source = "email"
        })

        // The request carries other values too; only "name" is in the mask.
        let renamed = try await admin.updateCampaign(original.id, mask: ["name"]) {
            $0.name = "After"
            $0.maxRedemptions = 999
            $0.active = false
            $0.source = "tv"
        }
        #expect(renamed.id == original.id)
        #expect(renamed.name == "After")
        #expect(renamed.maxRedemptions == 10)
        #expect(renamed.active)
        #expect(renamed.source == "email")
        #expect(renamed.reward == original.reward)
        #expect(renamed.createdAtMs == original.createdAtMs)

        let changed = try await admin.updateCampaign(original.id, mask: ["max_redemptions", "max_per_user", "source", "reward"]) {
            $0.maxRedemptions = 20
            $0.maxPerUser = 3
            $0.source = "tv"
            $0.reward = Reward.with { r in
                r.kind = .freeSpins
                r.freeSpins = 25
                r.gameId = "book-of-ra"
            }
        }
        #expect(changed.name == "After")
        #expect(changed.maxRedemptions == 20)
        #expect(changed.maxPerUser == 3)
        #expect(changed.source == "tv")
        #expect(changed.reward?.kind == .freeSpins)
        #expect(changed.reward?.freeSpins == 25)
        #expect(changed.reward?.gameId == "book-of-ra")

        // get agrees with what update answered.
        let fetched = try await admin.getCampaign(original.id)
        #expect(fetched.name == "After")
        #expect(fetched.maxRedemptions == 20)
        #expect(fetched.maxPerUser == 3)
        #expect(fetched.reward == changed.reward)
        await admin.close()
    }

    @Test func updateActiveAndWindowChangesWhatRedeemersSee() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("TOGGLE")
        let campaign = try await admin.createCampaign(bonusCampaign("Toggle"), code: code)
        let player = user(Unique.user())

        #expect(try await admin.validate(code: code, user: player).verdict == .ok)
        let off = try await admin.updateCampaign(campaign.id, mask: ["active"]) { $0.active = false }
        #expect(!off.active)
        #expect(try await admin.validate(code: code, user: player).verdict == .campaignInactive)
        _ = try await admin.updateCampaign(campaign.id, mask: ["active"]) { $0.active = true }
        #expect(try await admin.validate(code: code, user: player).verdict == .ok)

        let now = nowMs()
        _ = try await admin.updateCampaign(campaign.id, mask: ["starts_at_ms", "expires_at_ms"]) {
            $0.startsAtMs = now + hourMs
            $0.expiresAtMs = now + 2 * hourMs
        }
        #expect(try await admin.validate(code: code, user: player).verdict == .notYetValid)
        _ = try await admin.updateCampaign(campaign.id, mask: ["starts_at_ms", "expires_at_ms"]) {
            $0.startsAtMs = now - 2 * hourMs
            $0.expiresAtMs = now - hourMs
        }
        #expect(try await admin.validate(code: code, user: player).verdict == .expired)

        _ = try await admin.updateCampaign(campaign.id, mask: ["expires_at_ms", "eligibility"]) {
            $0.expiresAtMs = 0
            $0.eligibility = Eligibility.with { e in e.countries = ["DE"] }
        }
        #expect(try await admin.validate(code: code, user: player).verdict == .notEligible)
        #expect(try await admin.validate(code: code, user: user(Unique.user()) { $0.country = "DE" }).verdict == .ok)
        await admin.close()
    }

    @Test func badUpdatesAreRefused() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign("Stable"))

        func update(_ id: String, _ mask: [String], _ configure: (inout Campaign) -> Void = { _ in }) async throws -> StatusCode {
            var body = Campaign()
            configure(&body)
            return try await admin.send(.updateCampaign(.with {
                $0.campaignId = id
                $0.campaign = body
                $0.updateMask = mask
            })).status.code
        }
        #expect(try await update(campaign.id, []) { $0.name = "x" } == .invalidArgument, "empty mask")
        #expect(try await update(campaign.id, ["colour"]) { $0.name = "x" } == .invalidArgument, "unknown field")
        #expect(try await update(campaign.id, ["name", "colour"]) { $0.name = "x" } == .invalidArgument, "one unknown field")
        #expect(try await update(campaign.id, ["id"]) { $0.id = "other" } == .invalidArgument, "id is not updatable")
        #expect(try await update(campaign.id, ["name"]) { $0.name = "" } == .invalidArgument, "empty name")
        #expect(try await update("no-such-campaign", ["name"]) { $0.name = "x" } == .notFound, "unknown campaign")

        // Nothing of the refused updates stuck.
        let unchanged = try await admin.getCampaign(campaign.id)
        #expect(unchanged.name == "Stable")
        #expect(unchanged.id == campaign.id)
        await admin.close()
    }

    @Test func setCodeStatusSwitchesACodeOffAndOn() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("SWITCH")
        let campaign = try await admin.createCampaign(bonusCampaign("Switch"), code: code, codeMaxUses: 5)
        let player = user(Unique.user())

        let off = try await admin.setCodeStatus(code.lowercased(), active: false)
        #expect(!off.active)
        #expect(off.campaignId == campaign.id)
        #expect(off.maxUses == 5)
        #expect(off.code.uppercased().filter { $0 != "-" && $0 != " " } == code)
        #expect(try await admin.validate(code: code, user: player).verdict == .codeInactive)
        #expect(try await admin.redeem(code: code, user: player).verdict == .codeInactive)

        let on = try await admin.setCodeStatus(code, active: true)
        #expect(on.active)
        #expect(on.uses == 0)
        #expect(try await admin.redeem(code: code, user: player).verdict == .ok)
        #expect(try await admin.setCodeStatus(code, active: true).uses == 1)

        let unknown = try await admin.send(.setCodeStatus(.with {
            $0.code = Unique.code("NOPE")
            $0.active = false
        }))
        #expect(unknown.status.code == .notFound)
        await admin.close()
    }

    @Test func invalidCampaignsAreRefused() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()

        func reward(_ configure: (inout Reward) -> Void) -> Reward { Reward.with(configure) }
        let cases: [(String, CreateCampaignRequest)] = [
            ("no campaign", CreateCampaignRequest()),
            ("empty name", .with { $0.campaign = bonusCampaign("") }),
            ("name of 201 bytes", .with { $0.campaign = bonusCampaign(String(repeating: "n", count: 201)) }),
            ("kind unspecified", .with { $0.campaign = bonusCampaign { $0.kind = .unspecified } }),
            ("no reward", .with { $0.campaign = bonusCampaign { $0.reward = nil } }),
            ("reward kind unspecified", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.amountMinor = 5 } } }),
            ("reward kind unknown", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = RewardKind(rawValue: 99); $0.amountMinor = 5; $0.currency = "EUR" } } }),
            ("bonus of 0", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .bonus; $0.currency = "EUR" } } }),
            ("bonus without currency", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .bonus; $0.amountMinor = 5 } } }),
            ("bonus in lower-case currency", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .bonus; $0.amountMinor = 5; $0.currency = "eur" } } }),
            ("bonus in a 4-letter currency", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .bonus; $0.amountMinor = 5; $0.currency = "EURO" } } }),
            ("deposit match of 0 %", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .depositMatch; $0.capMinor = 100; $0.currency = "EUR" } } }),
            ("deposit match of 1001 %", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .depositMatch; $0.percent = 1_001; $0.capMinor = 100; $0.currency = "EUR" } } }),
            ("deposit match without cap", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .depositMatch; $0.percent = 50; $0.currency = "EUR" } } }),
            ("deposit match without currency", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .depositMatch; $0.percent = 50; $0.capMinor = 100 } } }),
            ("no free spins", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .freeSpins; $0.gameId = "slot" } } }),
            ("free spins without game", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .freeSpins; $0.freeSpins = 10 } } }),
            ("no loyalty points", .with { $0.campaign = bonusCampaign { $0.reward = reward { $0.kind = .loyaltyPoints } } }),
            ("expires before it starts", .with { $0.campaign = bonusCampaign { $0.startsAtMs = 2_000; $0.expiresAtMs = 1_000 } }),
            ("expires when it starts", .with { $0.campaign = bonusCampaign { $0.startsAtMs = 2_000; $0.expiresAtMs = 2_000 } }),
            ("code with a dot", .with { $0.campaign = bonusCampaign(); $0.code = "SUMMER.50" }),
            ("code with a non-ASCII letter", .with { $0.campaign = bonusCampaign(); $0.code = "ÜBER50" }),
            ("code of separators only", .with { $0.campaign = bonusCampaign(); $0.code = " - - " }),
        ]
        for (label, request) in cases {
            let response = try await admin.send(.createCampaign(request))
            #expect(response.status.code == .invalidArgument, "\(label): \(response.status)")
        }
        // None of them left a campaign behind.
        #expect(try await admin.listCampaigns().campaigns.isEmpty)

        // The boundaries themselves are fine.
        let valid: [(String, Campaign)] = [
            ("name of 200 bytes", bonusCampaign(String(repeating: "n", count: 200))),
            ("deposit match of 1000 %", bonusCampaign { $0.reward = reward { $0.kind = .depositMatch; $0.percent = 1_000; $0.capMinor = 1; $0.currency = "USD" } }),
            ("deposit match of 1 %", bonusCampaign { $0.reward = reward { $0.kind = .depositMatch; $0.percent = 1; $0.capMinor = 1; $0.currency = "USD" } }),
            ("free spins", bonusCampaign { $0.reward = reward { $0.kind = .freeSpins; $0.freeSpins = 1; $0.gameId = "slot" } }),
            ("loyalty points", bonusCampaign { $0.reward = reward { $0.kind = .loyaltyPoints; $0.amountMinor = 1 } }),
            ("window of 1 ms", bonusCampaign { $0.startsAtMs = 1_000; $0.expiresAtMs = 1_001 }),
        ]
        for (label, campaign) in valid {
            let response = try await admin.send(.createCampaign(.with { $0.campaign = campaign }))
            #expect(response.status.code == .ok, "\(label): \(response.status)")
        }
        await admin.close()
    }

    @Test func aCodeThatExistsInAnyCampaignIsAlreadyExists() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("TWICE")
        let first = try await admin.createCampaign(bonusCampaign("First"), code: code)

        // The same code in another spelling is the same code.
        let spellings = [code, code.lowercased(), " \(code) ", String(code.prefix(4)) + "-" + String(code.dropFirst(4))]
        for spelling in spellings {
            let response = try await admin.send(.createCampaign(.with {
                $0.campaign = bonusCampaign("Second")
                $0.code = spelling
            }))
            #expect(response.status.code == .alreadyExists, "'\(spelling)': \(response.status)")
        }
        // The refused creations left nothing behind, and the code still belongs to the first campaign.
        #expect(try await admin.listCampaigns().campaigns.map(\.id) == [first.id])
        #expect(try await admin.validate(code: code, user: user(Unique.user())).campaignId == first.id)
        await admin.close()
    }

    @Test func codesIgnoreCaseHyphensAndSpaces() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign("Summer"), code: "summer-50", codeMaxUses: 2)

        for spelling in ["SUMMER50", "summer-50", " SUMMER 50 ", "Sum-mer 5-0"] {
            let answer = try await admin.validate(code: spelling, user: user(Unique.user()))
            #expect(answer.verdict == .ok, "'\(spelling)'")
            #expect(answer.campaignId == campaign.id, "'\(spelling)'")
            #expect(answer.remaining == 2, "'\(spelling)'")
        }
        // Two spellings share the one limit of 2 uses.
        #expect(try await admin.redeem(code: "summer 50", user: user(Unique.user())).verdict == .ok)
        #expect(try await admin.redeem(code: "SUMMER-50", user: user(Unique.user())).verdict == .ok)
        #expect(try await admin.redeem(code: "Summer50", user: user(Unique.user())).verdict == .codeLimitReached)

        // Other characters make another (malformed) code: not found, not an error.
        // '_' is a separator too: SUMMER_50 is this code, already used up.
        #expect(try await admin.validate(code: "summer_50", user: user(Unique.user())).verdict == .codeLimitReached)
        for malformed in ["SUMMER/50", "SUMMER.50", "SÜMMER50", "SUMMER\t50"] {
            let validated = try await admin.validate(code: malformed, user: user(Unique.user()))
            #expect(validated.verdict == .codeNotFound, "'\(malformed)'")
            let redeemed = try await admin.redeem(code: malformed, user: user(Unique.user()))
            #expect(redeemed.verdict == .codeNotFound, "'\(malformed)'")
        }
        await admin.close()
    }

    @Test func aRedeemerKeyMayRedeemButNotManageCampaigns() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let code = Unique.code("ROLE")
        _ = try await admin.createCampaign(bonusCampaign("Roles"), code: code)
        let game = try await server.session(key: try await admin.createKey(role: "redeemer"))
        let player = user(Unique.user())

        #expect(try await game.validate(code: code, user: player).verdict == .ok)
        let redeemed = try await game.redeem(code: code, user: player)
        #expect(redeemed.verdict == .ok)
        let history = try await game.rewardHistory(userId: player.userId)
        #expect(history.redemptions.map(\.redemptionId) == [redeemed.redemptionId])

        let create = try await game.send(.createCampaign(.with { $0.campaign = bonusCampaign("Not allowed") }))
        #expect(create.status.code == .permissionDenied)
        #expect(try await admin.listCampaigns().campaigns.count == 1)

        // A manager may create campaigns.
        let ops = try await server.session(key: try await admin.createKey(role: "manager"))
        #expect(try await ops.send(.createCampaign(.with { $0.campaign = bonusCampaign("Manager's") })).status.code == .ok)
        await ops.close()
        await game.close()
        await admin.close()
    }
}
