import PromoClient
import PromoServer
import PromoWire
import Testing

@Suite("Import: partial success and its report", .serverCleanup)
struct ImportCodesTests {
    @Test func validCodesGoInAndEveryRefusalIsReportedWithItsReason() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let existing = Unique.code("EXIST")
        let elsewhere = Unique.code("ELSEWHERE")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: existing)
        _ = try await admin.createCampaign(bonusCampaign("Other"), code: elsewhere)
        let alice = Unique.user("owner")
        let bob = Unique.user("owner")
        let alicesCode = try await admin.generate {
            $0.campaignId = campaign.id
            $0.ownerId = alice
        }.codes[0]

        let stem = Unique.code("IMP")
        let request = [
            /* 0 */ importing("\(stem)ab-12", maxUses: 3),
            /* 1 */ importing("\(stem)AB12"),  // the same code as 0 once normalised
            /* 2 */ importing("bad code!"),
            /* 3 */ importing(existing.lowercased()),  // exists in this campaign
            /* 4 */ importing(String(elsewhere.prefix(4)) + "-" + elsewhere.dropFirst(4)),  // exists in another campaign
            /* 5 */ importing("  \(stem) new 77  ", maxUses: 1, owner: bob),
            /* 6 */ importing("\(stem)NEW78", owner: bob),  // bob already has 5
            /* 7 */ importing("\(stem)NEW79", owner: alice),  // alice has a generated personal code here
            /* 8 */ importing(""),
            /* 9 */ importing("\(stem)é123"),
            /* 10 */ importing(String(repeating: "A", count: 65)),
            /* 11 */ importing("\(stem)ok-3"),
            /* 12 */ importing("\(stem)ab 12"),  // the same code as 0 again
            /* 13 */ importing(codeKey(alicesCode)),  // a generated code
            /* 14 */ importing("   "),
            /* 15 */ importing("\(stem)TAB\tIN"),
        ]
        let answer = try await admin.importCodes(campaign.id, request)
        #expect(!answer.batchId.isEmpty)
        #expect(answer.imported == 3)

        enum Reason: String { case malformed, duplicate, exists, ownerInRequest, ownerInCampaign }
        let expected: [UInt32: Reason] = [
            1: .duplicate, 2: .malformed, 3: .exists, 4: .exists, 6: .ownerInRequest, 7: .ownerInCampaign,
            8: .malformed, 9: .malformed, 10: .malformed, 12: .duplicate, 13: .exists, 14: .malformed, 15: .malformed,
        ]
        func matches(_ reason: String, _ expected: Reason) -> Bool {
            let text = reason.lowercased()
            switch expected {
            case .malformed: return text.contains("malformed")
            case .duplicate: return text.contains("duplicate")
            case .exists: return text.contains("already exists")
            case .ownerInRequest: return text.contains("owner") && text.contains("request")
            case .ownerInCampaign: return text.contains("owner") && text.contains("campaign")
            }
        }
        let reported = Dictionary(answer.rejected.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(answer.rejected.count == reported.count, "an index reported twice: \(answer.rejected)")
        #expect(Set(reported.keys) == Set(expected.keys), "reported \(reported.keys.sorted()), expected \(expected.keys.sorted())")
        for (index, reason) in expected {
            guard let rejection = reported[index] else { continue }
            #expect(matches(rejection.reason, reason), "index \(index): '\(rejection.reason)' is not \(reason)")
            // The code names the entry: the text as sent, or (for codes that parse) the same code normalised.
            let sent = request[Int(index)].code
            #expect(rejection.code == sent || codeKey(rejection.code) == codeKey(sent),
                "index \(index): reported '\(rejection.code)' for '\(sent)'")
        }

        // Exactly 0, 5 and 11 went in, normalised, with their limits and owners, in one batch.
        let batch = try await admin.exportAll(campaignId: campaign.id, batchId: answer.batchId)
        #expect(batch.codes.map { codeKey($0.code) } == ["\(stem)AB12", "\(stem)NEW77", "\(stem)OK3"])
        #expect(batch.codes.map(\.maxUses) == [3, 1, 0])
        #expect(batch.codes.map(\.ownerId) == ["", bob, ""])
        #expect(batch.codes.allSatisfy { $0.campaignId == campaign.id && $0.active && $0.uses == 0 && $0.batchId == answer.batchId })
        #expect(batch.codes.allSatisfy { $0.code == $0.code.uppercased() && !$0.code.hasPrefix(" ") && !$0.code.hasSuffix(" ") })
        // The campaign gained nothing else.
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.count == 1 + 1 + 3)  // shared, alice's, imported

        // Imported codes are redeemable however they are typed, within their limits.
        let player = user(Unique.user())
        #expect(try await admin.redeem(code: "\(stem)AB12", user: player).verdict == .ok)
        #expect(try await admin.redeem(code: "\(stem.lowercased())-ab-12", user: player).verdict == .ok)
        #expect(try await admin.redeem(code: " \(stem) ab 12", user: player).verdict == .ok)
        #expect(try await admin.redeem(code: "\(stem)AB12", user: player).verdict == .codeLimitReached)
        #expect(try await admin.redeem(code: "\(stem)new77", user: player).verdict == .ok)
        #expect(try await admin.redeem(code: "\(stem)new77", user: player).verdict == .codeLimitReached)
        let used = try await admin.exportAll(campaignId: campaign.id, batchId: answer.batchId)
        #expect(used.codes.map(\.uses) == [3, 1, 0])
        await admin.close()
    }

    /// A refused entry is not in the campaign: it must not block a later entry that reuses its code or its
    /// owner, or the caller is told a code exists (or an owner has one) when it does not.
    @Test func aRefusedEntryDoesNotBlockLaterOnes() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let existing = Unique.code("TAKEN")
        let campaign = try await admin.createCampaign(bonusCampaign(), code: existing)
        let carol = Unique.user("owner")
        let dan = Unique.user("owner")
        let dansFirst = Unique.code("DAN")
        let dansSecond = Unique.code("DAN")
        let carolsCode = Unique.code("CAROL")

        let answer = try await admin.importCodes(campaign.id, [
            /* 0 */ importing(existing, owner: carol),  // refused: the code exists
            /* 1 */ importing(carolsCode, owner: carol),  // carol has no code: goes in
            /* 2 */ importing(dansFirst, owner: dan),  // goes in
            /* 3 */ importing(dansSecond, owner: dan),  // refused: dan has 2
            /* 4 */ importing(dansSecond),  // 3 was refused, so this code is new: goes in
        ])
        let reasons = Dictionary(answer.rejected.map { ($0.index, $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(reasons.keys) == [0, 3], "\(answer.rejected)")
        #expect(answer.imported == 3)
        let codes = Set(try await admin.exportAll(campaignId: campaign.id, batchId: answer.batchId).codes.map { codeKey($0.code) })
        #expect(codes == [carolsCode, dansFirst, dansSecond])
        await admin.close()
    }

    @Test func importedCodesClashWithGeneratedOnesInAnyCampaign() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let source = try await admin.createCampaign(bonusCampaign("Generated"))
        let target = try await admin.createCampaign(bonusCampaign("Imported"))
        let generated = try await admin.generate {
            $0.campaignId = source.id
            $0.count = 20
            $0.pattern = "****-****"
        }
        let clashing = generated.codes.prefix(5).enumerated().map { index, code in
            importing(index % 2 == 0 ? code.lowercased() : codeKey(code))
        }
        let answer = try await admin.importCodes(target.id, clashing + [importing(Unique.code("FRESH"))])
        #expect(answer.imported == 1)
        #expect(answer.rejected.map(\.index) == [0, 1, 2, 3, 4])
        #expect(answer.rejected.allSatisfy { $0.reason.lowercased().contains("already exists") }, "\(answer.rejected)")
        #expect(try await admin.exportAll(campaignId: target.id).codes.count == 1)
        await admin.close()
    }

    @Test func theRequestSizeIsBoundedAndRolesAndCampaignsAreChecked() async throws {
        let server = try await TestServer.start { $0.importCodesMax = 50 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())

        let tooMany = try await admin.send(.importCodes(.with {
            $0.campaignId = campaign.id
            $0.codes = (0..<51).map { _ in importing(Unique.code("MANY")) }
        }))
        #expect(tooMany.status.code == .invalidArgument, "\(tooMany.status)")
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.isEmpty)

        let most = try await admin.importCodes(campaign.id, (0..<50).map { _ in importing(Unique.code("MOST")) })
        #expect(most.imported == 50)
        #expect(most.rejected.isEmpty)

        let unknown = try await admin.send(.importCodes(.with {
            $0.campaignId = "cmp_000000000000000000000000"
            $0.codes = [importing(Unique.code())]
        }))
        #expect(unknown.status.code == .notFound, "\(unknown.status)")

        let manager = try await server.session(key: try await admin.createKey(role: "manager"))
        #expect(try await manager.importCodes(campaign.id, [importing(Unique.code("MGR"))]).imported == 1)
        for role in ["analyst", "redeemer"] {
            let client = try await server.session(key: try await admin.createKey(role: role))
            let response = try await client.send(.importCodes(.with {
                $0.campaignId = campaign.id
                $0.codes = [importing(Unique.code())]
            }))
            #expect(response.status.code == .permissionDenied, "\(role): \(response.status)")
            await client.close()
        }
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.count == 51)
        await manager.close()
        await admin.close()
    }

    @Test func tenThousandCodesInOneRequest() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let codes = (0..<10_000).map { _ in importing(Unique.code("BULK")) }
        let (answer, ms) = try await measureMs { try await admin.importCodes(campaign.id, codes) }
        print("import of 10,000 codes: \(Int(ms)) ms")
        #expect(answer.imported == 10_000)
        #expect(answer.rejected.isEmpty)
        let exported = try await admin.exportAll(campaignId: campaign.id, batchId: answer.batchId, pageSize: 10_000)
        #expect(exported.codes.map(\.code) == codes.map(\.code))  // in the order given

        let oneTooMany = try await admin.send(.importCodes(.with {
            $0.campaignId = campaign.id
            $0.codes = codes + [importing(Unique.code("BULK"))]
        }))
        #expect(oneTooMany.status.code == .invalidArgument, "\(oneTooMany.status)")
        await admin.close()
    }
}

@Suite("Export: paging and filters", .serverCleanup)
struct ExportCodesTests {
    @Test func aHundredThousandCodesPageOnceEachInAStableOrder() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        // Another campaign's codes interleave in the table and must not show up.
        let other = try await admin.createCampaign(bonusCampaign("Other"))
        _ = try await admin.generate { $0.campaignId = other.id; $0.count = 500 }

        let (generated, generateMs) = try await measureMs {
            try await admin.generate {
                $0.campaignId = campaign.id
                $0.count = 100_000
            }
        }
        #expect(generated.generated == 100_000)
        #expect(generated.codes.count == 10_000)
        _ = try await admin.generate { $0.campaignId = other.id; $0.count = 500 }

        let (run, exportMs) = try await measureMs {
            try await admin.exportAll(campaignId: campaign.id, batchId: generated.batchId, pageSize: 7_000)
        }
        let (_, checkMs) = try await measureMs {
            #expect(run.pageSizes == Array(repeating: 7_000, count: 14) + [2_000], "\(run.pageSizes)")
            #expect(run.tokens.dropLast().allSatisfy { !$0.isEmpty })
            #expect(run.tokens.last == "")
            #expect(run.codes.count == 100_000)
            let keys = Set(run.codes.lazy.map(\.code))  // one shape, so distinct display forms are distinct codes
            #expect(keys.count == 100_000, "\(100_000 - keys.count) codes appear more than once")
            #expect(run.codes.allSatisfy { $0.campaignId == campaign.id && $0.batchId == generated.batchId })
            #expect(run.codes.allSatisfy { hasShape($0.code, pattern: "****-****") })
            #expect(run.codes.prefix(10_000).map(\.code) == generated.codes)  // inline = the first issued
            // Issue order: created_at_ms never goes back.
            #expect(zip(run.codes, run.codes.dropFirst()).allSatisfy { $0.createdAtMs <= $1.createdAtMs })

            // Stable: a token gives the same page again; the campaign-wide export (no batch filter, other
            // page sizes) walks the same order.
            for pageIndex in [1, 8, 14] {
                let page = try await admin.exportCodes {
                    $0.campaignId = campaign.id
                    $0.batchId = generated.batchId
                    $0.pageSize = 7_000
                    $0.pageToken = run.tokens[pageIndex - 1]
                }
                let start = pageIndex * 7_000
                #expect(page.codes.map(\.code) == run.codes[start..<min(start + 7_000, 100_000)].map(\.code), "page \(pageIndex)")
                #expect(page.nextPageToken == run.tokens[pageIndex], "page \(pageIndex)")
            }
            var token = ""
            var seen: [String] = []
            for _ in 0..<2 {
                let page = try await admin.exportCodes {
                    $0.campaignId = campaign.id
                    $0.pageSize = 10_000
                    $0.pageToken = token
                }
                #expect(page.codes.count <= 10_000 && !page.codes.isEmpty)
                seen += page.codes.map(\.code)
                token = page.nextPageToken
            }
            #expect(seen == run.codes.prefix(seen.count).map(\.code))
        }
        print("100,000 codes: generate \(Int(generateMs)) ms; export in 15 pages of 7,000: \(Int(exportMs)) ms; checks \(Int(checkMs)) ms")
        await admin.close()
    }

    @Test func pageSizesDefaultAndCap() async throws {
        let server = try await TestServer.start { config in
            config.exportPageSizeDefault = 10
            config.exportPageSizeMax = 25
        }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        _ = try await admin.generate { $0.campaignId = campaign.id; $0.count = 60 }

        let byDefault = try await admin.exportAll(campaignId: campaign.id)
        #expect(byDefault.pageSizes == [10, 10, 10, 10, 10, 10], "\(byDefault.pageSizes)")
        #expect(byDefault.tokens.last == "")
        let capped = try await admin.exportAll(campaignId: campaign.id, pageSize: 1_000)
        #expect(capped.pageSizes == [25, 25, 10], "\(capped.pageSizes)")
        let exact = try await admin.exportAll(campaignId: campaign.id, pageSize: 20)
        #expect(exact.pageSizes == [20, 20, 20], "an exact last page still ends the export: \(exact.pageSizes)")
        #expect(byDefault.codes.map(\.code) == capped.codes.map(\.code))
        #expect(exact.codes.map(\.code) == capped.codes.map(\.code))
        await admin.close()
    }

    @Test func badPageTokensAndUnknownCampaignsAreRefused() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        _ = try await admin.generate { $0.campaignId = campaign.id; $0.count = 5 }

        for token in ["garbage", "~", "12~", "abc~c", String(repeating: "9", count: 300) + "~c"] {
            let response = try await admin.send(.exportCodes(.with {
                $0.campaignId = campaign.id
                $0.pageToken = token
            }))
            #expect(response.status.code == .invalidArgument, "token '\(token.prefix(20))': \(response.status)")
        }
        let unknown = try await admin.send(.exportCodes(.with { $0.campaignId = "cmp_000000000000000000000000" }))
        #expect(unknown.status.code == .notFound, "\(unknown.status)")
        let missing = try await admin.send(.exportCodes(ExportCodesRequest()))
        #expect(missing.status.code == .invalidArgument, "\(missing.status)")
        let badUsage = try await admin.send(.exportCodes(.with {
            $0.campaignId = campaign.id
            $0.usage = CodeUsage(rawValue: 7)
        }))
        #expect(badUsage.status.code == .invalidArgument, "\(badUsage.status)")
        // An empty campaign is one empty page.
        let empty = try await admin.createCampaign(bonusCampaign("Empty"))
        let page = try await admin.exportCodes { $0.campaignId = empty.id }
        #expect(page.codes.isEmpty)
        #expect(page.nextPageToken.isEmpty)
        await admin.close()
    }

    @Test func usedAndUnusedFilters() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let batch = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 30
            $0.maxUsesPerCode = 2
        }
        let shared = try await admin.importCodes(campaign.id, [importing(Unique.code("SHARED"))])
        #expect(shared.imported == 1)

        let redeemed = [batch.codes[2], batch.codes[9], batch.codes[10], batch.codes[17], batch.codes[29]]
        for code in redeemed {
            #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        }
        #expect(try await admin.redeem(code: batch.codes[9], user: user(Unique.user())).verdict == .ok)
        // A refused redeem is no use.
        #expect(try await admin.redeem(code: batch.codes[9], user: user(Unique.user())).verdict == .codeLimitReached)

        let used = try await admin.exportAll(campaignId: campaign.id, usage: .used, pageSize: 2)
        #expect(used.codes.map(\.code) == redeemed, "in issue order")
        #expect(used.codes.map(\.uses) == [1, 2, 1, 1, 1])
        #expect(used.pageSizes == [2, 2, 1], "\(used.pageSizes)")
        let unused = try await admin.exportAll(campaignId: campaign.id, usage: .unused, pageSize: 7)
        #expect(unused.codes.count == 26)  // 25 generated + the imported one
        #expect(unused.codes.allSatisfy { $0.uses == 0 })
        #expect(Set(unused.codes.map(\.code)).isDisjoint(with: redeemed))
        let unusedOfBatch = try await admin.exportAll(campaignId: campaign.id, batchId: batch.batchId, usage: .unused)
        #expect(unusedOfBatch.codes.count == 25)
        #expect(try await admin.exportAll(campaignId: campaign.id, usage: .any).codes.count == 31)

        // A voided redemption gives the use back: the code is unused again.
        let voidable = try await admin.redeem(code: batch.codes[0], user: user(Unique.user()))
        #expect(try await admin.exportAll(campaignId: campaign.id, usage: .used).codes.count == 6)
        _ = try await admin.voidRedemption(voidable.redemptionId, reason: "test")
        #expect(try await admin.exportAll(campaignId: campaign.id, usage: .used).codes.map(\.code) == redeemed)
        await admin.close()
    }

    @Test func ownerFilterAndCodeInfoFields() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let other = try await admin.createCampaign(bonusCampaign("Other"))
        let owners = (0..<3).map { _ in Unique.user("affiliate") }
        let before = nowMs()
        var personal: [String: GenerateResponse] = [:]
        for owner in owners {
            personal[owner] = try await admin.generate {
                $0.campaignId = campaign.id
                $0.ownerId = owner
                $0.maxUsesPerCode = 10
            }
        }
        _ = try await admin.generate { $0.campaignId = campaign.id; $0.count = 40 }
        let importedOwner = Unique.user("affiliate")
        let imported = try await admin.importCodes(campaign.id, [importing(Unique.code("OWNED"), maxUses: 4, owner: importedOwner)])
        // owners[0] also has a code in the other campaign: not part of this campaign's export.
        _ = try await admin.generate { $0.campaignId = other.id; $0.ownerId = owners[0] }
        let after = nowMs()

        for owner in owners {
            let answer = try #require(personal[owner])
            let page = try await admin.exportCodes {
                $0.campaignId = campaign.id
                $0.ownerId = owner
            }
            #expect(page.nextPageToken.isEmpty)
            let info = try #require(page.codes.first)
            #expect(page.codes.count == 1)
            #expect(info.code == answer.codes.first)
            #expect(info.campaignId == campaign.id)
            #expect(info.ownerId == owner)
            #expect(info.batchId == answer.batchId)
            #expect(info.maxUses == 10)
            #expect(info.uses == 0)
            #expect(info.active)
            #expect(info.createdAtMs >= before && info.createdAtMs <= after, "\(info.createdAtMs) not in [\(before), \(after)]")
        }
        let importedInfo = try await admin.exportAll(campaignId: campaign.id, ownerId: importedOwner).codes
        #expect(importedInfo.count == 1)
        #expect(importedInfo.first?.maxUses == 4)
        #expect(importedInfo.first?.batchId == imported.batchId)
        #expect(try await admin.exportAll(campaignId: campaign.id, ownerId: "nobody").codes.isEmpty)
        // Owner and usage filters combine.
        let code = try #require(personal[owners[1]]?.codes.first)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        #expect(try await admin.exportAll(campaignId: campaign.id, ownerId: owners[1], usage: .used).codes.map(\.code) == [code])
        #expect(try await admin.exportAll(campaignId: campaign.id, ownerId: owners[2], usage: .used).codes.isEmpty)
        // A deactivated code says so.
        _ = try await admin.setCodeStatus(code, active: false)
        #expect(try await admin.exportAll(campaignId: campaign.id, ownerId: owners[1]).codes.first?.active == false)
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.count == 3 + 40 + 1)
        await admin.close()
    }
}
