import PromoClient
import PromoServer
import PromoStore
import PromoWire
import Testing

@Suite("Graceful shutdown", .serverCleanup)
struct ShutdownTests {
    @Test func shutdownFinishesRequestsAlreadyInFlight() async throws {
        let directory = makeTemporaryDirectory()
        // One commit per job makes the 100 writes take a while, so shutdown starts while they are in flight.
        // The grace period is out of the way: on a loaded machine the 100 commits may take longer than its default.
        let server = try await TestServer.start(dataDirectory: directory) {
            $0.writeBatchMax = 1
            $0.shutdownGraceMs = 300_000
        }
        let raw = try await server.raw()
        try await raw.write([Request(requestId: 1, .hello(HelloRequest(apiKey: adminKey)))])
        _ = try await raw.readResponse()

        let ids = UInt64(2)...UInt64(101)
        try await raw.write(ids.map { id in
            Request(requestId: id, .createApiKey(.with { $0.name = "k\(id)"; $0.role = "redeemer" }))
        })
        let first = try await raw.readResponse()  // the server has read the batch and is committing it
        let stopping = Task { await server.stop() }
        let rest = try await raw.readResponses(ids.count - 1)
        await stopping.value

        let responses = [first] + rest
        #expect(responses.allSatisfy { $0.status.code == .ok })
        #expect(Set(responses.map(\.requestId)) == Set(ids))
        #expect(await raw.waitUntilClosed())

        let store = try PromoStore(configuration: StoreConfiguration(path: directory + "/promo.sqlite"))
        #expect(try store.writer.synchronously { try $0.apiKeys() }.count == 1 + ids.count)
        store.close()
    }

    @Test func shutdownClosesIdleConnections() async throws {
        let server = try await TestServer.start()
        let idle = try await server.session()
        let raw = try await server.raw()
        await server.stop()
        #expect(await raw.waitUntilClosed())
        await #expect(throws: PromoClientError.self) { try await idle.hello(apiKey: adminKey) }
    }
}
