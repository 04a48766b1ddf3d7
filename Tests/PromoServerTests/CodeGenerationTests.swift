import PromoClient
import PromoServer
import PromoWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Generate: shape, alphabet, uniqueness, counts", .serverCleanup)
struct GenerateTests {
    @Test func everyCodeHasThePatternPrefixAndSuffixShape() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())

        struct Case { let pattern: String; let prefix: String; let suffix: String; let count: UInt32; let shape: String }
        let cases = [
            // Lower-case literals in the pattern, the prefix and the suffix are upper-cased.
            Case(pattern: "##-??-**", prefix: "vip", suffix: "-x9", count: 500, shape: "VIP##-??-**-X9"),
            Case(pattern: "", prefix: "", suffix: "", count: 1_000, shape: "****-****"),  // the default pattern
            Case(pattern: "abc-#?#?*", prefix: "", suffix: "", count: 50, shape: "ABC-#?#?*"),
            Case(pattern: "########", prefix: "D-", suffix: "", count: 1_000, shape: "D-########"),
            Case(pattern: "?????", prefix: "", suffix: "Z7", count: 600, shape: "?????Z7"),
        ]
        for item in cases {
            let label = "pattern '\(item.pattern)' prefix '\(item.prefix)' suffix '\(item.suffix)'"
            let answer = try await admin.generate {
                $0.campaignId = campaign.id
                $0.count = item.count
                $0.pattern = item.pattern
                $0.prefix = item.prefix
                $0.suffix = item.suffix
                $0.maxUsesPerCode = 3
            }
            #expect(answer.generated == item.count, "\(label)")
            #expect(answer.codes.count == Int(item.count), "\(label)")
            #expect(!answer.batchId.isEmpty, "\(label)")
            let misshapen = answer.codes.filter { !hasShape($0, pattern: item.shape) }
            #expect(misshapen.isEmpty, "\(label): \(misshapen.prefix(5)) do not match \(item.shape)")
            #expect(Set(answer.codes.map(codeKey)).count == answer.codes.count, "\(label): duplicates")

            // The export of the batch says the same, and carries the per-code limit.
            let exported = try await admin.exportAll(campaignId: campaign.id, batchId: answer.batchId)
            #expect(Set(exported.codes.map(\.code)) == Set(answer.codes), "\(label)")
            #expect(exported.codes.allSatisfy { $0.maxUses == 3 && $0.uses == 0 && $0.active }, "\(label)")
        }
        await admin.close()
    }

    @Test func badPatternsPrefixesAndSuffixesAreInvalidArgument() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())

        struct Case { let pattern: String; var prefix = ""; var suffix = "" }
        let cases = [
            Case(pattern: "****.****"),
            Case(pattern: "****.****"),
            Case(pattern: "**** ****"),  // spaces are not allowed in patterns
            Case(pattern: "****é***"),
            Case(pattern: "ABCDEF"),  // nothing random
            Case(pattern: "--"),
            Case(pattern: "********", prefix: "vip!"),
            Case(pattern: "********", prefix: "a b"),
            Case(pattern: "********", suffix: "ü"),
            Case(pattern: "********", suffix: "#"),  // '#' is literal outside the pattern, and not a code character
            Case(pattern: String(repeating: "*", count: 65)),  // longer than a code may be
            Case(pattern: String(repeating: "*-", count: 65)),  // longer than a pattern may be
        ]
        for item in cases {
            let response = try await admin.sendGenerate {
                $0.campaignId = campaign.id
                $0.count = 1
                $0.pattern = item.pattern
                $0.prefix = item.prefix
                $0.suffix = item.suffix
            }
            #expect(response.status.code == .invalidArgument,
                "pattern '\(item.pattern)' prefix '\(item.prefix)' suffix '\(item.suffix)': \(response.status)")
        }
        // The longest legal code: 64 letters and digits.
        let longest = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 1
            $0.pattern = String(repeating: "*", count: 60)
            $0.prefix = "AB"
            $0.suffix = "-CD"
        }
        #expect(longest.codes.count == 1)
        #expect(longest.codes.allSatisfy { codeKey($0).count == 64 })
        // No refused request left a code behind.
        let all = try await admin.exportAll(campaignId: campaign.id)
        #expect(all.codes.map(\.code) == longest.codes)
        await admin.close()
    }

    @Test func codesAvoidAmbiguousCharactersAndUseTheWholeAlphabet() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())

        // 5,000 codes of 8 letters-or-digits: 40,000 characters, ~1,290 expected per character.
        let mixed = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 5_000
            $0.pattern = "********"
        }
        #expect(mixed.codes.count == 5_000)
        var counts: [Character: Int] = [:]
        for code in mixed.codes { for character in code { counts[character, default: 0] += 1 } }
        let allowed = Alphabet.letters.union(Alphabet.digits)
        #expect(Set(counts.keys).isDisjoint(with: Alphabet.ambiguous), "ambiguous characters: \(counts.filter { Alphabet.ambiguous.contains($0.key) })")
        #expect(Set(counts.keys) == allowed, "unexpected: \(Set(counts.keys).subtracting(allowed)), missing: \(allowed.subtracting(counts.keys))")
        // Uniform draws: every character within 25% of its expected frequency (about 9 standard deviations).
        let expected = 40_000.0 / Double(allowed.count)
        let skewed = counts.filter { abs(Double($0.value) - expected) > expected * 0.25 }
        #expect(skewed.isEmpty, "far from \(Int(expected)): \(skewed)")

        // Digits only: 8^8 = 16,777,216 codes, room for 1,677.
        let digits = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 1_600
            $0.pattern = "########"
        }
        let digitsSeen = Set(digits.codes.joined())
        #expect(digitsSeen == Alphabet.digits, "digits seen: \(digitsSeen.sorted())")

        // Letters only.
        let letters = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 2_000
            $0.pattern = "??????"
        }
        let lettersSeen = Set(letters.codes.joined())
        #expect(lettersSeen == Alphabet.letters, "letters seen: \(lettersSeen.sorted())")
        await admin.close()
    }

    @Test func codesAreUniqueAcrossCampaigns() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let first = try await admin.createCampaign(bonusCampaign("First"))
        let second = try await admin.createCampaign(bonusCampaign("Second"))

        // "??##**": 23^2 * 8^2 * 31^2 = 32,535,616 codes, room for 3,253 within 1/10,000. 3,200 codes in a space
        // that size make a collision between draws likely (birthday bound ~15%), so the server must skip them.
        let pattern = "??##**"
        var keys: [String] = []
        for campaign in [first, second] {
            let answer = try await admin.generate {
                $0.campaignId = campaign.id
                $0.count = 1_600
                $0.pattern = pattern
            }
            #expect(answer.codes.count == 1_600)
            let exported = try await admin.exportAll(campaignId: campaign.id)
            #expect(exported.codes.count == 1_600)
            #expect(exported.codes.allSatisfy { $0.campaignId == campaign.id })
            keys += exported.codes.map { codeKey($0.code) }
        }
        #expect(keys.count == 3_200)
        #expect(Set(keys).count == 3_200, "\(3_200 - Set(keys).count) codes appear twice")

        // The space is shared across campaigns: 3,200 + 54 would pass 1/10,000; 53 more still fit.
        let refused = try await admin.sendGenerate {
            $0.campaignId = first.id
            $0.count = 54
            $0.pattern = pattern
        }
        #expect(refused.status.code == .invalidArgument, "\(refused.status)")
        #expect(refused.status.message.contains("32535616") || refused.status.message.contains("32,535,616"), "\(refused.status.message)")
        let last = try await admin.generate {
            $0.campaignId = second.id
            $0.count = 53
            $0.pattern = pattern
        }
        #expect(last.codes.count == 53)
        #expect(Set(keys).isDisjoint(with: last.codes.map(codeKey)))
        await admin.close()
    }

    @Test func generatedCodesNeverCollideWithImportedOnes() async throws {
        // A loose guard (1 in 20) so that a 4,096-code space can take 204 codes: with 200 of the space
        // already imported, about ten draws hit an imported code and must be replaced.
        let server = try await TestServer.start { $0.guessProbabilityMax = 0.05 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let other = try await admin.createCampaign(bonusCampaign("Other"))

        // 200 codes of the space "Q####", imported with assorted case and separators, half into another campaign.
        let digits = Array("23456789")
        var space: [String] = []
        for a in digits { for b in digits { for c in digits { for d in digits { space.append("Q\(a)\(b)\(c)\(d)") } } } }
        let taken = Array(space.shuffled().prefix(200))
        let spelled = taken.enumerated().map { index, code -> String in
            switch index % 3 {
            case 0: code.lowercased()
            case 1: "q-" + code.dropFirst()
            default: " Q " + code.dropFirst().prefix(2) + " " + code.suffix(2) + "\n"
            }
        }
        let importedKeys = taken  // what each spelling means once normalised
        let halves = [Array(spelled.prefix(100)), Array(spelled.suffix(100))]
        var imported = 0
        for (campaignId, half) in zip([campaign.id, other.id], halves) {
            let answer = try await admin.importCodes(campaignId, half.map { importing($0) })
            imported += Int(answer.imported)
            #expect(answer.rejected.isEmpty, "\(answer.rejected)")
        }
        let importedSet = Set(importedKeys)
        #expect(imported == importedSet.count)

        let generated = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 204
            $0.prefix = "Q"
            $0.pattern = "####"
        }
        #expect(generated.codes.count == 204)
        let generatedKeys = generated.codes.map(codeKey)
        #expect(Set(generatedKeys).count == 204)
        let clashes = Set(generatedKeys).intersection(importedSet)
        #expect(clashes.isEmpty, "generated codes that were already imported: \(clashes.sorted())")

        let all = try await admin.exportAll(campaignId: campaign.id)
        #expect(all.codes.count == 100 + 204)
        #expect(Set(all.codes.map { codeKey($0.code) }).count == all.codes.count)
        await admin.close()
    }

    @Test func aBatchHasExactlyCountCodesAndTheRestComeThroughExport() async throws {
        let server = try await TestServer.start { $0.generateInlineCodesMax = 100 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())

        var everyKey = Set<String>()
        for count: UInt32 in [1, 7, 99, 100, 101, 10_001] {
            let answer = try await admin.generate {
                $0.campaignId = campaign.id
                $0.count = count
                $0.maxUsesPerCode = 1
            }
            #expect(answer.generated == count, "count \(count)")
            #expect(answer.codes.count == min(Int(count), 100), "count \(count)")
            let exported = try await admin.exportAll(campaignId: campaign.id, batchId: answer.batchId, pageSize: 3_000)
            #expect(exported.codes.count == Int(count), "count \(count)")
            let keys = Set(exported.codes.map { codeKey($0.code) })
            #expect(keys.count == Int(count), "count \(count): duplicates in the export")
            #expect(exported.codes.allSatisfy { $0.batchId == answer.batchId && $0.campaignId == campaign.id && $0.maxUses == 1 })
            // The inline codes are the first ones issued.
            #expect(Array(exported.codes.prefix(answer.codes.count).map(\.code)) == answer.codes, "count \(count)")
            #expect(everyKey.isDisjoint(with: keys), "count \(count): a code of an earlier batch again")
            everyKey.formUnion(keys)
        }
        #expect(try await admin.exportAll(campaignId: campaign.id, pageSize: 10_000).codes.count == everyKey.count)
        await admin.close()
    }

    @Test func generatedCodesAreRedeemableAndTheirUsesShowInTheExport() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let answer = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 10
            $0.maxUsesPerCode = 2
        }
        let code = answer.codes[3]
        // Case and separators do not matter.
        let first = try await admin.redeem(code: code.lowercased(), user: user(Unique.user()))
        #expect(first.verdict == .ok)
        #expect(first.campaignId == campaign.id)
        #expect(try await admin.redeem(code: codeKey(code), user: user(Unique.user())).verdict == .ok)
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .codeLimitReached)

        let exported = try await admin.exportAll(campaignId: campaign.id)
        let info = try #require(exported.codes.first { $0.code == code })
        #expect(info.uses == 2)
        #expect(info.maxUses == 2)
        #expect(exported.codes.filter { $0.code != code }.allSatisfy { $0.uses == 0 })
        await admin.close()
    }

    @Test func unknownCampaignsAndMissingIdsAreRefused() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let unknown = try await admin.sendGenerate {
            $0.campaignId = "cmp_000000000000000000000000"
            $0.count = 5
        }
        #expect(unknown.status.code == .notFound, "\(unknown.status)")
        let missing = try await admin.sendGenerate { $0.count = 5 }
        #expect(missing.status.code == .invalidArgument, "\(missing.status)")
        let personal = try await admin.sendGenerate {
            $0.campaignId = "cmp_000000000000000000000000"
            $0.ownerId = "affiliate-1"
        }
        #expect(personal.status.code == .notFound, "\(personal.status)")
        await admin.close()
    }
}

@Suite("Generate: the guessability guard", .serverCleanup)
struct GenerateGuardTests {
    @Test func patternsTooSmallForEvenOneCodeAreRefusedWithTheNumbers() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        // "##": 64 codes; "####": 4,096; "??": 529; "#?#": 1,472; "?*": 713. One code in each is more than 1/10,000.
        for (pattern, space) in [("##", "64"), ("####", "4096"), ("??", "529"), ("#?#", "1472"), ("?*", "713")] {
            let response = try await admin.sendGenerate {
                $0.campaignId = campaign.id
                $0.count = 1
                $0.pattern = pattern
                $0.prefix = "AFF"
            }
            #expect(response.status.code == .invalidArgument, "\(pattern): \(response.status)")
            let message = response.status.message
            let grouped = space.count > 3 ? String(space.dropLast(3)) + "," + space.suffix(3) : space
            #expect(message.contains(space) || message.contains(grouped), "\(pattern): '\(message)' does not give the space \(space)")
        }
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.isEmpty)
        await admin.close()
    }

    @Test func theBoundaryIsExactAndCountsEveryCampaign() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let first = try await admin.createCampaign(bonusCampaign("First"))
        let second = try await admin.createCampaign(bonusCampaign("Second"))

        // "######": 8^6 = 262,144 codes; 26 codes are 0.99/10,000, 27 are 1.03/10,000.
        let tooMany = try await admin.sendGenerate {
            $0.campaignId = first.id
            $0.count = 27
            $0.pattern = "######"
            $0.prefix = "G"
        }
        #expect(tooMany.status.code == .invalidArgument, "\(tooMany.status)")
        let message = tooMany.status.message
        #expect(message.contains("262144") || message.contains("262,144"), "\(message)")
        #expect(message.contains("27"), "\(message)")

        let some = try await admin.generate {
            $0.campaignId = first.id
            $0.count = 20
            $0.pattern = "######"
            $0.prefix = "G"
        }
        #expect(some.codes.count == 20)
        // 20 issued: 7 more would be 27; 6 fit, in another campaign too.
        let seven = try await admin.sendGenerate {
            $0.campaignId = second.id
            $0.count = 7
            $0.pattern = "######"
            $0.prefix = "G"
        }
        #expect(seven.status.code == .invalidArgument, "\(seven.status)")
        #expect(seven.status.message.contains("27"), "\(seven.status.message)")
        let six = try await admin.generate {
            $0.campaignId = second.id
            $0.count = 6
            $0.pattern = "######"
            $0.prefix = "g"  // the same template, whatever the case
        }
        #expect(six.codes.count == 6)
        // Full: not one more, not even a personal code, whichever way the template is split into prefix and pattern.
        for (prefix, pattern, suffix) in [("G", "######", ""), ("", "G######", ""), ("G###", "###", "")] {
            let one = try await admin.sendGenerate {
                $0.campaignId = first.id
                $0.count = 1
                $0.pattern = pattern
                $0.prefix = prefix
                $0.suffix = suffix
            }
            #expect(one.status.code == .invalidArgument, "prefix '\(prefix)' pattern '\(pattern)': \(one.status)")
        }
        let personal = try await admin.sendGenerate {
            $0.campaignId = first.id
            $0.pattern = "######"
            $0.prefix = "G"
            $0.ownerId = Unique.user("affiliate")
        }
        #expect(personal.status.code == .invalidArgument, "personal code: \(personal.status)")
        // Another prefix is another space.
        let otherPrefix = try await admin.generate {
            $0.campaignId = first.id
            $0.count = 26
            $0.pattern = "######"
            $0.prefix = "H"
        }
        #expect(otherPrefix.codes.count == 26)
        #expect(try await admin.exportAll(campaignId: first.id).codes.count == 20 + 26)
        #expect(try await admin.exportAll(campaignId: second.id).codes.count == 6)
        await admin.close()
    }

    /// "G-######" and "G######" make the same codes once '-' is dropped, as every lookup does: a guess of
    /// "G234567" hits a code issued under either. The guard must count them as one space.
    @Test func separatorsDoNotMakeANewSpace() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let full = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 26
            $0.pattern = "######"
            $0.prefix = "G"
        }
        #expect(full.codes.count == 26)
        for pattern in ["###-###", "-######", "######-", "#-#-#-#-#-#"] {
            let response = try await admin.sendGenerate {
                $0.campaignId = campaign.id
                $0.count = 26
                $0.pattern = pattern
                $0.prefix = "G"
            }
            #expect(response.status.code == .invalidArgument,
                "G + '\(pattern)' shares the 262,144 keys of G###### that already hold 26 codes: \(response.status)")
        }
        let live = try await admin.exportAll(campaignId: campaign.id).codes.count
        #expect(live <= 26, "\(live) live codes in one space of 262,144 keys: a guess hits with probability \(Double(live) / 262_144)")
        await admin.close()
    }

    @Test func theGuardFollowsTheConfiguredProbability() async throws {
        // 1 in 100: "####" (4,096) takes 40 codes, not 41.
        let server = try await TestServer.start { $0.guessProbabilityMax = 0.01 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let refused = try await admin.sendGenerate {
            $0.campaignId = campaign.id
            $0.count = 41
            $0.pattern = "####"
        }
        #expect(refused.status.code == .invalidArgument, "\(refused.status)")
        #expect(refused.status.message.contains("4096") || refused.status.message.contains("4,096"), "\(refused.status.message)")
        let allowed = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 40
            $0.pattern = "####"
        }
        #expect(Set(allowed.codes).count == 40)
        #expect(allowed.codes.allSatisfy { hasShape($0, pattern: "####") })
        await admin.close()
    }
}

@Suite("Generate: personal codes, retries, access", .serverCleanup)
struct GenerateIssueTests {
    @Test func aPersonalCodeIsOnePerCampaignAndOwner() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let other = try await admin.createCampaign(bonusCampaign("Other"))
        let alice = Unique.user("affiliate")
        let bob = Unique.user("affiliate")

        let first = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 1
            $0.ownerId = alice
            $0.pattern = "AFF-******"
            $0.maxUsesPerCode = 50
        }
        #expect(first.generated == 1)
        #expect(first.codes.count == 1)
        let code = try #require(first.codes.first)
        #expect(hasShape(code, pattern: "AFF-******"))

        // Asking again, with count 0 or 1, even with other parameters, returns the same code.
        for count: UInt32 in [1, 0, 1] {
            let again = try await admin.generate {
                $0.campaignId = campaign.id
                $0.count = count
                $0.ownerId = alice
                $0.pattern = count == 0 ? "" : "AFF-******"
                $0.maxUsesPerCode = 50
            }
            #expect(again.codes == [code], "count \(count)")
            #expect(again.batchId == first.batchId, "count \(count)")
        }
        // Concurrent asks for a new owner agree on one code.
        let carol = Unique.user("affiliate")
        let answers = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await admin.generate {
                        $0.campaignId = campaign.id
                        $0.count = 1
                        $0.ownerId = carol
                    }.codes
                }
            }
            return try await group.reduce(into: [[String]]()) { $0.append($1) }
        }
        #expect(Set(answers).count == 1, "\(answers)")

        // Another owner, or the same owner in another campaign, gets another code.
        let bobs = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 1
            $0.ownerId = bob
            $0.pattern = "AFF-******"
        }
        let alicesOther = try await admin.generate {
            $0.campaignId = other.id
            $0.count = 1
            $0.ownerId = alice
            $0.pattern = "AFF-******"
        }
        #expect(bobs.codes.count == 1 && alicesOther.codes.count == 1)
        #expect(Set([code, bobs.codes[0], alicesOther.codes[0]].map(codeKey)).count == 3)

        // (More than one code for an owner is refused: see GenerateRefusalProcessTests.)

        // The export shows one code per owner, with its owner and limit; the code is redeemable.
        let owned = try await admin.exportAll(campaignId: campaign.id, ownerId: alice)
        #expect(owned.codes.map(\.code) == [code])
        #expect(owned.codes.first?.ownerId == alice)
        #expect(owned.codes.first?.maxUses == 50)
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.count == 3)  // alice, carol, bob
        #expect(try await admin.redeem(code: code, user: user(Unique.user())).verdict == .ok)
        #expect(try await admin.exportAll(campaignId: campaign.id, ownerId: alice).codes.first?.uses == 1)
        await admin.close()
    }

    @Test func aRetryWithTheSameKeyReturnsTheSameBatch() async throws {
        let server = try await TestServer.start { $0.generateInlineCodesMax = 100 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let key = Unique.key()
        func request(_ r: inout GenerateRequest) {
            r.campaignId = campaign.id
            r.count = 250
            r.pattern = "RT-****-****"
            r.maxUsesPerCode = 2
            r.idempotencyKey = key
        }
        let first = try await admin.generate(request)
        #expect(first.codes.count == 100)
        for attempt in 0..<3 {
            let again = try await admin.generate(request)
            #expect(again.batchId == first.batchId, "attempt \(attempt)")
            #expect(again.generated == 250, "attempt \(attempt)")
            #expect(again.codes == first.codes, "attempt \(attempt)")
        }
        let all = try await admin.exportAll(campaignId: campaign.id)
        #expect(all.codes.count == 250)
        #expect(all.codes.allSatisfy { $0.batchId == first.batchId })

        // The same key with any other parameter is refused and creates nothing.
        let other = try await admin.createCampaign(bonusCampaign("Other"))
        let changes: [(String, (inout GenerateRequest) -> Void)] = [
            ("count", { $0.count = 251 }),
            ("pattern", { $0.pattern = "RT-****-***?" }),
            ("prefix", { $0.prefix = "X" }),
            ("suffix", { $0.suffix = "X" }),
            ("max uses", { $0.maxUsesPerCode = 3 }),
            ("campaign", { $0.campaignId = other.id }),
        ]
        for (name, change) in changes {
            let response = try await admin.sendGenerate {
                request(&$0)
                change(&$0)
            }
            #expect(response.status.code == .failedPrecondition, "\(name): \(response.status)")
        }
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.count == 250)
        #expect(try await admin.exportAll(campaignId: other.id).codes.isEmpty)

        // Keys are scoped to the API key: another key's same idempotency key is another batch.
        let manager = try await server.session(key: try await admin.createKey(role: "manager"))
        let theirs = try await manager.generate(request)
        #expect(theirs.batchId != first.batchId)
        #expect(Set(theirs.codes).isDisjoint(with: first.codes))
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.count == 500)
        await manager.close()
        await admin.close()
    }

    /// A client that times out and retries while the first attempt is still running sends the same request
    /// twice at once: both must get the one batch.
    @Test func simultaneousRetriesGetOneBatch() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let key = Unique.key()
        let request = Request.Call.generate(.with {
            $0.campaignId = campaign.id
            $0.count = 2_000
            $0.idempotencyKey = key
        })
        async let one = admin.send(request)
        async let two = admin.send(request)
        let answers = try await [one, two]
        for (index, answer) in answers.enumerated() {
            #expect(answer.status.code == .ok, "attempt \(index): \(answer.status)")
        }
        if case .generate(let a) = answers[0].result, case .generate(let b) = answers[1].result {
            #expect(a.batchId == b.batchId)
            #expect(Set(a.codes) == Set(b.codes))
            #expect(a.codes.count == 2_000 && b.codes.count == 2_000, "\(a.codes.count) and \(b.codes.count) codes inline")
        }
        let all = try await admin.exportAll(campaignId: campaign.id, pageSize: 10_000)
        #expect(all.codes.count == 2_000)
        #expect(Set(all.codes.map(\.batchId)).count == 1)
        await admin.close()
    }

    @Test func issuersReachOnlyTheCampaignsTheirKeyIsBoundTo() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let mine = try await admin.createCampaign(bonusCampaign("Mine"))
        let theirs = try await admin.createCampaign(bonusCampaign("Theirs"))
        let issuer = try await server.session(key: try await admin.createKey(role: "issuer", campaignIds: [mine.id]))

        let made = try await issuer.generate {
            $0.campaignId = mine.id
            $0.count = 20
        }
        #expect(made.codes.count == 20)
        let personal = try await issuer.generate {
            $0.campaignId = mine.id
            $0.ownerId = Unique.user("affiliate")
        }
        #expect(personal.codes.count == 1)
        #expect(try await issuer.exportAll(campaignId: mine.id).codes.count == 21)

        let denied: [(String, Request.Call)] = [
            ("generate elsewhere", .generate(.with { $0.campaignId = theirs.id; $0.count = 5 })),
            ("personal elsewhere", .generate(.with { $0.campaignId = theirs.id; $0.ownerId = "someone" })),
            ("generate unknown", .generate(.with { $0.campaignId = "cmp_000000000000000000000000"; $0.count = 5 })),
            ("export elsewhere", .exportCodes(.with { $0.campaignId = theirs.id })),
            ("import own", .importCodes(.with { $0.campaignId = mine.id; $0.codes = [importing(Unique.code())] })),
            ("set code status", .setCodeStatus(.with { $0.code = made.codes[0]; $0.active = false })),
        ]
        for (name, call) in denied {
            let response = try await issuer.send(call)
            #expect(response.status.code == .permissionDenied, "\(name): \(response.status)")
        }
        #expect(try await admin.exportAll(campaignId: theirs.id).codes.isEmpty)

        // Other roles: redeemers and analysts may not generate; analysts may export; managers may generate.
        let redeemer = try await server.session(key: try await admin.createKey(role: "redeemer"))
        let analyst = try await server.session(key: try await admin.createKey(role: "analyst"))
        let manager = try await server.session(key: try await admin.createKey(role: "manager"))
        for (name, client) in [("redeemer", redeemer), ("analyst", analyst)] {
            let response = try await client.sendGenerate { $0.campaignId = mine.id; $0.count = 1 }
            #expect(response.status.code == .permissionDenied, "\(name): \(response.status)")
        }
        #expect(try await redeemer.send(.exportCodes(.with { $0.campaignId = mine.id })).status.code == .permissionDenied)
        #expect(try await analyst.exportAll(campaignId: theirs.id).codes.isEmpty)
        #expect(try await analyst.exportAll(campaignId: mine.id).codes.count == 21)
        #expect(try await manager.generate { $0.campaignId = theirs.id; $0.count = 3 }.codes.count == 3)
        for client in [issuer, redeemer, analyst, manager] { await client.close() }
        await admin.close()
    }
}

/// Requests refused for their count, sent to a `promo-server` child process: a refusal must be an answer,
/// and the server must keep serving afterwards. (In-process, a crash here would take the test runner down.)
@Suite("Generate: refused counts, against a server process", .serverCleanup)
struct GenerateRefusalProcessTests {
    @Test func refusedCountsAreAnswersAndTheServerLivesOn() async throws {
        let directory = makeTemporaryDirectory()
        let server = try await ServerProcess.start(dataDirectory: directory)
        var reaped = false
        defer { if !reaped { server.stop(signal: SIGKILL) } }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())

        let cases: [(String, (inout GenerateRequest) -> Void)] = [
            ("count 0", { $0.count = 0 }),
            ("count 1,000,001", { $0.count = 1_000_001 }),
            ("count UInt32.max", { $0.count = .max }),
            ("personal count 2", { $0.count = 2; $0.ownerId = "affiliate-1" }),
            ("personal count 1,000", { $0.count = 1_000; $0.ownerId = "affiliate-2" }),
        ]
        for (name, configure) in cases {
            let response = try? await admin.sendGenerate {
                $0.campaignId = campaign.id
                configure(&$0)
            }
            #expect(response?.status.code == .invalidArgument, "\(name): \(response.map { "\($0.status)" } ?? "no answer")")
            var status: Int32 = 0
            let exited = waitpid(server.pid, &status, WNOHANG) == server.pid
            if exited {
                reaped = true
                let fatal = server.log.split(separator: "\n").filter { $0.contains("Fatal") || $0.contains("error") }.prefix(3)
                Issue.record("\(name): promo-server died (status \(status)): \(fatal.joined(separator: " | "))")
                return
            }
        }
        // Nothing was created, and the server still answers.
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.isEmpty)
        #expect(try await admin.generate { $0.campaignId = campaign.id; $0.count = 1 }.codes.count == 1)
        await admin.close()
    }
}

@Suite("Generate: a space crowded by imported codes", .serverCleanup)
struct GenerateCrowdedSpaceTests {
    /// Imported codes are not counted by the guard, so a pattern's space can be crowded by them. With the
    /// guard at its loosest (1), "F##" (64 codes) with 32 imported has exactly 32 free: a request for 32
    /// must either get those 32 or be refused cleanly — a client that gets an error must not find half a
    /// batch of live codes it was never told about.
    @Test func aRequestTheSpaceCannotServeFailsWithoutLeavingCodesBehind() async throws {
        let server = try await TestServer.start { $0.guessProbabilityMax = 1 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let digits = Array("23456789")
        let space = digits.flatMap { a in digits.map { b in "F\(a)\(b)" } }
        let imported = Set(space.shuffled().prefix(32))
        #expect(try await admin.importCodes(campaign.id, imported.map { importing($0) }).imported == 32)

        let response = try await admin.sendGenerate {
            $0.campaignId = campaign.id
            $0.count = 32
            $0.prefix = "F"
            $0.pattern = "##"
        }
        let all = try await admin.exportAll(campaignId: campaign.id)
        let generated = all.codes.filter { !imported.contains(codeKey($0.code)) }
        if response.status.code == .ok {
            #expect(generated.count == 32)
            #expect(Set(all.codes.map { codeKey($0.code) }) == Set(space))
        } else {
            #expect(response.status.code != .internal, "a predictable refusal, not INTERNAL: \(response.status)")
            let leftBehind = generated.map(\.code).sorted()
            #expect(leftBehind.count == 0, "\(response.status.code) answered, yet \(leftBehind.count) generated codes are live: \(leftBehind)")
        }
        await admin.close()
    }
}
