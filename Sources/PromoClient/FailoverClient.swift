import NIOCore
import NIOPosix
import PromoWire
import Synchronization

/// A promo-service client over several interchangeable promo-servers (stateless servers on one shared
/// database, or several addresses of one load balancer): one authenticated connection at a time, moved to the
/// next address when it fails.
///
/// - **Connecting** tries the addresses in order, starting with the one after the address that failed (the
///   first address at the start), and says `hello` with the API key on each new connection. A refused,
///   reset or timed-out connection, a failed TLS handshake and a `hello` answered `UNAVAILABLE` (a draining
///   server) move on to the next address; any other refusal of the key (`UNAUTHENTICATED`, ...) is thrown at
///   once, since every server would say the same. After `FailoverPolicy.connectRoundsMax` passes over the list,
///   with a backoff pause before each pass after the first, it throws `PromoClientError.Code.unreachable`
///   naming each address and why.
/// - **TLS**: each connection is verified against the host of its own address (or against
///   `ClientTLS.serverName` for every address, when that is set).
/// - **Calls** go to the current connection, pipelined as with `PromoClient`. When the connection fails
///   (closed or reset mid-call, a connection-level answer, no answer within `callTimeoutMs`, a broken stream),
///   a call that `isSafeToRepeat` is sent again on the next address, at most `FailoverPolicy.sendAttemptsMax`
///   times in all; so is a safe call answered `UNAVAILABLE`. A call that never left (`notSent`) is sent again
///   whatever it is. A call that is not safe to repeat, such as a redeem without an `idempotency_key`, whose
///   connection failed after it was sent is not sent again: it throws `PromoClientError.Code.outcomeUnknown`,
///   since the server may have applied it. Give redeems an idempotency key and a lost answer costs nothing.
///
/// Calls may be issued concurrently from many tasks; when the connection fails under several of them, one
/// reconnection serves them all.
public final class FailoverClient: Sendable {
    public let addresses: [ServerAddress]
    public let configuration: ClientConfiguration
    public let policy: FailoverPolicy
    private let apiKey: String
    private let clientName: String
    private let group: any EventLoopGroup
    private let state: Mutex<State>

    /// One authenticated connection and where it goes.
    public struct Link: Sendable {
        public let client: PromoClient
        public let address: ServerAddress
        /// The position of `address` in `addresses`.
        public let index: Int
        public let hello: HelloResponse
        /// Counts the connections this client has made; a failure of an older one is old news.
        let generation: UInt64
    }

    private struct State {
        /// The current connection, or the reconnection under way.
        var link: Task<Link, any Error>?
        var generation: UInt64 = 0
        /// Where the next reconnection starts when no connection failed (after an unreachable pass).
        var nextIndex = 0
        var closed = false
        /// Connections established (and greeted) so far.
        var established = 0
    }

    private init(
        addresses: [ServerAddress], apiKey: String, clientName: String, configuration: ClientConfiguration,
        policy: FailoverPolicy, group: any EventLoopGroup
    ) {
        self.addresses = addresses
        self.apiKey = apiKey
        self.clientName = clientName
        self.configuration = configuration
        self.policy = policy
        self.group = group
        self.state = Mutex(State())
    }

    /// Connects to the first reachable address and says hello with `apiKey`.
    public static func connect(
        to addresses: [ServerAddress], apiKey: String, clientName: String = "promo-client",
        configuration: ClientConfiguration = .init(), policy: FailoverPolicy = .init(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> FailoverClient {
        guard !addresses.isEmpty else { throw PromoClientError(.invalidConfiguration, "no server address given") }
        guard addresses.count <= ServerAddress.listCountMax else {
            throw PromoClientError(.invalidConfiguration, "at most \(ServerAddress.listCountMax) server addresses")
        }
        let client = FailoverClient(
            addresses: addresses, apiKey: apiKey, clientName: clientName, configuration: configuration,
            policy: try policy.validated(), group: group)
        _ = try await client.currentLink()
        return client
    }

    // MARK: - Calls

    /// Sends one call and returns the server's whole answer, whatever its status, moving to the next address
    /// on a connection failure as the type's documentation says.
    public func send(_ call: Request.Call) async throws -> Response {
        let repeatable = Self.isSafeToRepeat(call)
        var link = try await currentLink()
        var sends = 0
        while true {
            sends += 1
            let response: Response
            do {
                response = try await link.client.send(call)
            } catch let error as PromoClientError where error.isConnectionFailure {
                let sendsLeft = sends < policy.sendAttemptsMax
                if error.code == .notSent || repeatable {
                    guard sendsLeft else { throw error }
                    link = try await replace(link)
                    continue
                }
                // Later calls move on; this one may have been applied, so it must not be sent again.
                retire(link)
                throw PromoClientError(
                    .outcomeUnknown,
                    "the connection to \(link.address) failed after \(Self.armName(call)) was sent (\(error.message)): "
                        + "it may or may not have been applied, and is not sent again"
                        + (Self.hasIdempotencyField(call) ? " without an idempotency_key" : ""),
                    status: error.status)
            }
            if response.status.code == .unavailable, repeatable, sends < policy.sendAttemptsMax {
                // A draining server, or one that lost its database: another may answer. The connection still
                // works, so the calls in flight on it keep their answers; it closes after the last one.
                link = try await replace(link, closingOld: .whenIdle)
                continue
            }
            return response
        }
    }

    /// Sends one call and returns its result; a non-OK status throws `PromoClientError` with code `.status`.
    public func call(_ call: Request.Call) async throws -> Response.Result {
        let response = try await send(call)
        guard response.status.code == .ok else {
            throw PromoClientError(.status, response.status.message, status: response.status)
        }
        guard let result = response.result else {
            throw PromoClientError(.unexpectedResult, "OK answer without a result")
        }
        return result
    }

    /// The connection in use, connecting (or reconnecting, when it has failed) first if need be.
    public func currentLink() async throws -> Link {
        let task = try state.withLock { state throws(PromoClientError) -> Task<Link, any Error> in
            guard !state.closed else { throw PromoClientError(.closed, "the client is closed") }
            if let task = state.link { return task }
            let start = state.nextIndex
            return startConnecting(&state, from: start)
        }
        let link = try await settled(task)
        return link.client.isUsable ? link : try await replace(link)
    }

    /// When `replace` closes the connection it gives up.
    public enum Closing: Sendable {
        /// At once: it failed.
        case now
        /// Once the calls in flight on it have their answers: it works, but its server should be avoided.
        case whenIdle
    }

    /// Gives up `failed` (it failed, or a caller driving its own frames saw it fail) and returns a connection
    /// to the next address. When another caller has already replaced it, returns that replacement.
    public func replace(_ failed: Link, closingOld closing: Closing = .now) async throws -> Link {
        let task = try state.withLock { state throws(PromoClientError) -> Task<Link, any Error> in
            guard !state.closed else { throw PromoClientError(.closed, "the client is closed") }
            if let task = state.link, state.generation != failed.generation { return task }
            return startConnecting(&state, from: (failed.index + 1) % addresses.count)
        }
        let client = failed.client
        switch closing {
        case .now: Task { await client.close() }
        case .whenIdle: client.closeWhenIdle()
        }
        return try await settled(task)
    }

    /// Closes the connection; later calls throw `.closed`.
    public func close() async {
        let task = state.withLock { state -> Task<Link, any Error>? in
            state.closed = true
            defer { state.link = nil }
            return state.link
        }
        if let link = try? await task?.value { await link.client.close() }
    }

    /// How many times this client has moved to a new connection after its first one.
    public var failovers: Int { state.withLock { max($0.established - 1, 0) } }

    /// The address of the connection in use, nil while none is established.
    public var connectedAddress: ServerAddress? {
        get async {
            guard let task = state.withLock({ $0.link }) else { return nil }
            return try? await task.value.address
        }
    }

    // MARK: - Connecting

    /// Lets later calls reconnect without waiting for this one: marks `link` as failed.
    private func retire(_ link: Link) {
        state.withLock { state in
            if state.generation == link.generation {
                state.link = nil
                state.nextIndex = (link.index + 1) % addresses.count
            }
        }
        let client = link.client
        Task { await client.close() }
    }

    private func startConnecting(_ state: inout State, from index: Int) -> Task<Link, any Error> {
        state.generation += 1
        let generation = state.generation
        let task = Task { try await self.establish(from: index, generation: generation) }
        state.link = task
        return task
    }

    /// Waits for a connection attempt; when it failed, forgets it so that the next call tries afresh.
    private func settled(_ task: Task<Link, any Error>) async throws -> Link {
        do {
            return try await task.value
        } catch {
            state.withLock { state in
                if state.link == task { state.link = nil }
            }
            throw error
        }
    }

    private func establish(from start: Int, generation: UInt64) async throws -> Link {
        var reasons: [Int: String] = [:]
        var lastError: (any Error)?
        for round in 0..<policy.connectRoundsMax {
            let pauseMs = policy.backoffMs(beforeRound: round)
            if pauseMs > 0 { try await Task.sleep(for: .milliseconds(pauseMs)) }
            for offset in 0..<addresses.count {
                let index = (start + offset) % addresses.count
                let address = addresses[index]
                do {
                    return try await greet(address, index: index, generation: generation)
                } catch let error as PromoClientError where error.code == .status && error.status?.code != .unavailable {
                    throw error  // the key is refused: every server would refuse it
                } catch {
                    reasons[index] = Self.describeConnectFailure(error)
                    lastError = error
                }
            }
        }
        state.withLock { state in
            if state.generation == generation { state.nextIndex = start }
        }
        // One address: its own error, as `PromoClient.connect` would have thrown it (with a readable text).
        if addresses.count == 1, let error = lastError as? PromoClientError { throw error }
        let list = reasons.keys.sorted().map { "\(addresses[$0]) (\(reasons[$0]!))" }.joined(separator: ", ")
        throw PromoClientError(.unreachable, "cannot connect to \(list)")
    }

    private func greet(_ address: ServerAddress, index: Int, generation: UInt64) async throws -> Link {
        let client = try await PromoClient.connect(
            host: address.host, port: address.port, configuration: configuration, group: group)
        do {
            let hello = try await client.hello(apiKey: apiKey, clientName: clientName)
            state.withLock { $0.established += 1 }
            return Link(client: client, address: address, index: index, hello: hello, generation: generation)
        } catch {
            await client.close()
            throw error
        }
    }

    /// What went wrong with one address, for a person: SwiftNIO's connect errors are thorough but long.
    public static func describeConnectFailure(_ error: any Error) -> String {
        if let error = error as? PromoClientError {
            switch error.code {
            case .tls: return "TLS: \(error.message)"
            case .status, .connection: return error.description
            default: return error.message
            }
        }
        let text = "\(error)"
        for (needle, meaning) in [
            ("Connection refused", "connection refused (is promo-server running there?)"),
            ("connectTimeout", "timed out"),
            ("No route to host", "no route to host"),
            ("Network is unreachable", "network is unreachable"),
            ("dnsAError", "cannot resolve the host name"),
        ] where text.contains(needle) {
            return meaning
        }
        return text
    }

    private static func hasIdempotencyField(_ call: Request.Call) -> Bool {
        switch call {
        case .redeem, .generate, .grantReward: true
        default: false
        }
    }
}
