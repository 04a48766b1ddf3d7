import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

/// Generate, import and the failure flush cut into bulk writer slices (`bulkSliceRows`): the answers are the
/// same as in one piece, and a stop in the middle leaves whole slices only, which a retry completes.
@Suite("Bulk work in slices", .serverCleanup)
struct BulkSliceTests {
    @Test func aSlicedGenerateMakesExactlyCountCodesWithTheFirstInline() async throws {
        let server = try await TestServer.start {
            $0.bulkSliceRows = 7
            $0.generateChunkCodes = 50
            $0.generateInlineCodesMax = 100
        }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        var everyKey = Set<String>()
        for count: UInt32 in [1, 7, 8, 333] {
            let answer = try await admin.generate {
                $0.campaignId = campaign.id
                $0.count = count
            }
            #expect(answer.generated == count)
            #expect(answer.codes.count == min(Int(count), 100), "count \(count)")
            let exported = try await admin.exportAll(campaignId: campaign.id, batchId: answer.batchId)
            #expect(exported.codes.count == Int(count), "count \(count)")
            let keys = Set(exported.codes.map { codeKey($0.code) })
            #expect(keys.count == Int(count), "count \(count): duplicates")
            #expect(Array(exported.codes.prefix(answer.codes.count).map(\.code)) == answer.codes, "count \(count)")
            #expect(everyKey.isDisjoint(with: keys))
            everyKey.formUnion(keys)
        }
        await admin.close()
    }

    /// Refusals that depend on earlier entries (a duplicate, an owner's second code) are found across slices.
    @Test func aSlicedImportReportsTheSameAsOnePiece() async throws {
        let server = try await TestServer.start { $0.bulkSliceRows = 2 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let stem = Unique.code("SLI")
        let owner = Unique.user("owner")
        let request = [
            /* 0 */ importing("\(stem)A1", maxUses: 2),
            /* 1 */ importing("\(stem)B1", owner: owner),
            /* 2 */ importing("bad code!"),
            /* 3 */ importing("\(stem)a-1"),  // duplicate of 0, in the next slice
            /* 4 */ importing("\(stem)C1"),
            /* 5 */ importing("\(stem)D1", owner: owner),  // the owner has 1, two slices back
            /* 6 */ importing("\(stem)E1"),
        ]
        let answer = try await admin.importCodes(campaign.id, request)
        #expect(answer.imported == 4)
        #expect(answer.rejected.map(\.index) == [2, 3, 5])
        #expect(answer.rejected.map { $0.reason.lowercased() }.enumerated().allSatisfy { index, reason in
            [["malformed"], ["duplicate"], ["owner", "request"]][index].allSatisfy { reason.contains($0) }
        }, "\(answer.rejected.map(\.reason))")
        let batch = try await admin.exportAll(campaignId: campaign.id, batchId: answer.batchId)
        #expect(batch.codes.map { codeKey($0.code) } == ["\(stem)A1", "\(stem)B1", "\(stem)C1", "\(stem)E1"])

        // The same request again: every valid entry already exists, in every slice; no batch is left.
        let again = try await admin.importCodes(campaign.id, request)
        #expect(again.imported == 0)
        #expect(again.batchId.isEmpty)
        #expect(again.rejected.count == 7)
        #expect(try await admin.exportAll(campaignId: campaign.id).codes.count == 4)

        // An unknown campaign fails the first slice, and with it the whole request.
        let unknown = try await admin.send(.importCodes(.with {
            $0.campaignId = "cmp_unknown"
            $0.codes = request
        }))
        #expect(unknown.status.code == .notFound, "\(unknown.status)")
        await admin.close()
    }

    /// A bulk `set_code_status` (a whole batch) is bulk work: each chunk of `codeStatusChunkCodes` is one
    /// bulk writer job (redeems queued meanwhile commit before it), seen in the bulk class's queue-wait count.
    @Test func aBulkCodeStatusRunsItsChunksAsBulkWriterJobs() async throws {
        let server = try await TestServer.start { $0.codeStatusChunkCodes = 10 }
        let admin = try await server.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let batch = try await admin.generate {
            $0.campaignId = campaign.id
            $0.count = 35
        }
        let bulkJobs = #"promo_write_queue_wait_seconds_count{class="bulk"}"#
        let before = try await HTTPExchange.get("/metrics", port: try server.metricsPort).sample(bulkJobs) ?? 0
        let answer = try await admin.call(.setCodeStatus(.with {
            $0.batchId = batch.batchId
            $0.active = false
        }))
        guard case .setCodeStatus(let switched) = answer else { throw UnexpectedAnswer("set_code_status answered \(answer)") }
        #expect(switched.changed == 35)
        let after = try await HTTPExchange.get("/metrics", port: try server.metricsPort).sample(bulkJobs) ?? 0
        // 35 codes in chunks of 10: 4 chunks (10, 10, 10, 5), each a bulk job.
        #expect(after - before == 4, "bulk jobs \(before) -> \(after)")
        let exported = try await admin.exportAll(campaignId: campaign.id, batchId: batch.batchId)
        #expect(exported.codes.count == 35 && exported.codes.allSatisfy { !$0.active })
        await admin.close()
    }

    /// The buffered failed validates go to the writer in slices of `bulkSliceRows`; every one is counted.
    @Test func aSlicedFailureFlushCountsEveryFailure() async throws {
        let directory = makeTemporaryDirectory()
        let first = try await TestServer.start(dataDirectory: directory) {
            $0.failureFlushMs = 60_000
            $0.bulkSliceRows = 2
        }
        let admin = try await first.session()
        let code = Unique.code("SLFLUSH")
        let campaign = try await admin.createCampaign(bonusCampaign("Flush") { $0.maxRedemptions = 1 }, code: code)
        #expect(try await admin.redeem(code: code, user: user("s0")).verdict == .ok)
        for index in 1...7 {
            #expect(try await admin.validate(code: code, user: user("s\(index)")).verdict == .limitReached)
        }
        await admin.close()
        await first.stop()  // flushes the 7 buffered failures: 4 slices
        let second = try await TestServer.start(dataDirectory: directory)
        let again = try await second.session()
        let report = try await again.report(campaign.id)
        #expect(report.failuresByVerdict.map { "\($0.key)=\($0.count)" } == ["VERDICT_LIMIT_REACHED=7"])
        await again.close()
    }

    /// A server stopped in the middle of a generate (the store closes under it, as in a crash between two
    /// commits) leaves the batch holding exactly the codes its row counts, whole slices only; a retry with
    /// the same idempotency key completes it to exactly `count` unique codes.
    @Test func aStopMidGenerateLeavesWholeSlicesAndARetryCompletesTheBatch() async throws {
        let directory = makeTemporaryDirectory()
        let count: UInt32 = 20_000
        let key = Unique.key()
        func request(_ r: inout GenerateRequest, _ campaignId: String) {
            r.campaignId = campaignId
            r.count = count
            r.idempotencyKey = key
        }
        let first = try await TestServer.start(dataDirectory: directory) {
            // Small slices, each its own commit: the generate takes long enough to be cut off.
            $0.bulkSliceRows = 5
            $0.bulkBatchMsMax = 0
            $0.generateChunkCodes = 200
            $0.shutdownGraceMs = 0
        }
        let admin = try await first.session()
        let campaign = try await admin.createCampaign(bonusCampaign())
        let generating = Task { try await admin.send(.generate(.with { request(&$0, campaign.id) })) }
        #expect(await eventually { ((try? await admin.exportCodes { $0.campaignId = campaign.id })?.codes.count ?? 0) > 0 })
        await first.stop()
        _ = try? await generating.value
        await admin.close()

        let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
        let (created, held) = try store.writer.synchronously { connection in
            try connection.statement(
                """
                SELECT b.created, (SELECT count(*) FROM codes WHERE batch = b.number) FROM code_batches b
                WHERE b.kind = 'generated'
                """
            ).firstRow { ($0.int(0), $0.int(1)) } ?? (-1, -1)
        }
        store.close()
        #expect(created == held, "the batch row counts \(created) codes but holds \(held)")
        #expect(created > 0 && created < Int(count), "the stop came mid-generate: \(created) of \(count)")

        let second = try await TestServer.start(dataDirectory: directory)
        let again = try await second.session()
        let answer = try await again.generate { request(&$0, campaign.id) }
        #expect(answer.generated == count)
        let exported = try await again.exportAll(campaignId: campaign.id, batchId: answer.batchId, pageSize: 10_000)
        #expect(exported.codes.count == Int(count))
        #expect(Set(exported.codes.map { codeKey($0.code) }).count == Int(count))
        #expect(try await again.exportAll(campaignId: campaign.id, pageSize: 10_000).codes.count == Int(count))
        await again.close()
    }
}
