import PromoClient
import PromoWire
import Testing

// promoctl and promo-loadtest with several --server addresses, as child processes against live servers: past
// an address with nothing listening, across a connection cut mid-run, and with a change whose answer is lost.

@Suite("promoctl and promo-loadtest over several servers", .serverCleanup)
struct FailoverToolTests {
    /// Nothing listens on port 1.
    let dead = "127.0.0.1:1"

    @Test func promoctlWorksWhenTheFirstAddressIsDown() async throws {
        let server = try await TestServer.start()
        let live = "127.0.0.1:\(server.port)"
        let listed = try await PromoctlProcess.run(["keys", "list", "--json", "--server", "\(dead),\(live)"], port: nil)
        #expect(listed.status == 0, "\(listed)")
        #expect(listed.stdout.contains("admin"), "\(listed)")

        // The option repeated reads the same as a comma-separated list.
        let repeated = try await PromoctlProcess.run(["keys", "list", "--server", dead, "--server", live], port: nil)
        #expect(repeated.status == 0, "\(repeated)")

        // No address answers: exit 3, each address named with its reason.
        let none = try await PromoctlProcess.run(["keys", "list", "--server", "\(dead),127.0.0.1:2"], port: nil)
        #expect(none.status == 3, "\(none)")
        #expect(none.stderr.contains("cannot connect to 127.0.0.1:1 (connection refused"), "\(none)")
        #expect(none.stderr.contains("127.0.0.1:2 (connection refused"), "\(none)")

        let malformed = try await PromoctlProcess.run(["keys", "list", "--server", "\(live),nohost"], port: nil)
        #expect(malformed.status == 2, "\(malformed)")
        #expect(malformed.stderr.contains("HOST:PORT"), "\(malformed)")
    }

    @Test func promoctlDoesNotRepeatAChangeWhoseAnswerWasLost() async throws {
        let first = try await TestServer.start()
        let second = try await TestServer.start()
        // hello's answer passes, create_campaign's is dropped after the first server created the campaign.
        let relay = try await CuttingRelay.start(to: first.port, cutAtAnswer: 2)
        let name = "Lost answer " + Unique.code()
        let created = try await PromoctlProcess.run(
            ["campaigns", "create", "--name", name, "--kind", "seasonal", "--reward-kind", "bonus", "--amount-minor", "500",
             "--currency", "EUR", "--server", "127.0.0.1:\(relay.port),127.0.0.1:\(second.port)"],
            port: nil)
        #expect(created.status == 8, "\(created)")
        #expect(created.stderr.contains("may or may not have been applied"), "\(created)")
        #expect(relay.cuts == 1)

        // Created once, where it was sent; the second server never saw it.
        let onFirst = try await PromoctlProcess.run(["campaigns", "list"], port: first.port)
        let onSecond = try await PromoctlProcess.run(["campaigns", "list"], port: second.port)
        #expect(onFirst.stdout.contains(name), "\(onFirst)")
        #expect(!onSecond.stdout.contains(name), "\(onSecond)")
        await relay.stop()
    }

    @Test func loadtestStartsPastADeadAddressAndSpreadsItsConnections() async throws {
        let server = try await TestServer.start()
        let run = try await LoadTestProcess.run(
            ["hello", "--connections", "3", "--depth", "2", "--requests", "300", "--server", "\(dead),127.0.0.1:\(server.port)"],
            port: nil)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try run.report()
        #expect(report.calls == 300)
        #expect(report.statuses == ["OK": 300])
        // Connections 0 and 2 start at the dead address and go on to the live one at once: not a failover.
        #expect(report.failovers == 0)
    }

    @Test func loadtestOpenLoopCarriesOnAtTheNextAddress() async throws {
        let server = try await TestServer.start()
        let relay = try await CuttingRelay.start(to: server.port, cutAtAnswer: 30)
        let run = try await LoadTestProcess.run(
            ["hello", "--connections", "1", "--rate", "2000", "--depth", "8", "--requests", "200",
             "--server", "127.0.0.1:\(relay.port),127.0.0.1:\(server.port)"],
            port: nil)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try run.report()
        #expect(relay.cuts == 1)
        #expect(report.failovers == 1, "\(run.stderr)")
        #expect(report.calls == 200)
        let lost = report.statuses["CLIENT_ERROR"] ?? 0
        // At most --depth calls were on the cut connection; the rest were answered.
        #expect((1...8).contains(lost), "\(report.statuses)")
        #expect(report.statuses["OK"] == 200 - lost, "\(report.statuses)")
        await relay.stop()
    }

    @Test func loadtestCarriesOnAtTheNextAddressWhenItsConnectionIsCutMidRun() async throws {
        let server = try await TestServer.start()
        // The one connection starts at the relay, which passes hello and 48 answers, then cuts it.
        let relay = try await CuttingRelay.start(to: server.port, cutAtAnswer: 50)
        let run = try await LoadTestProcess.run(
            ["hello", "--connections", "1", "--depth", "4", "--requests", "400",
             "--server", "127.0.0.1:\(relay.port),127.0.0.1:\(server.port)"],
            port: nil)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try run.report()
        #expect(relay.cuts == 1)
        #expect(report.failovers == 1, "\(run.stderr)")
        // Every call counted once: the few in flight on the cut connection are lost (never sent again), the
        // rest answered OK, 48 of them through the relay and the others on the next address.
        #expect(report.calls == 400)
        let lost = report.statuses["CLIENT_ERROR"] ?? 0
        #expect((1...4).contains(lost), "\(report.statuses)")
        #expect(report.statuses["OK"] == 400 - lost, "\(report.statuses)")
        #expect(run.stderr.contains("carrying on at 127.0.0.1:\(server.port)"), "\(run.stderr)")
        await relay.stop()
    }
}
