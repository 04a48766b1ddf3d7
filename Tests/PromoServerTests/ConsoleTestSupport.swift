import NIOCore
import NIOPosix
import NIOSSL
import PromoStore
import Testing

@testable import PromoConsole

/// One HTTP/1.1 answer as it came over the wire.
struct HTTPAnswer: CustomStringConvertible {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    /// The value of header `name` (case-insensitive), if present.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON (nil when it is not JSON).
    var json: JSONValue? { try? JSONParser.parse(body) }

    /// The `code` of a JSON error body.
    var errorCode: String? {
        if case .string(let code)? = json?["code"] { return code }
        return nil
    }

    var errorMessage: String {
        if case .string(let message)? = json?["message"] { return message }
        return ""
    }

    var description: String { "HTTP \(status) \(text.prefix(300))" }
}

/// A tiny HTTP/1.1 client over one kept-alive TCP connection: writes requests byte for byte and parses the
/// answers (Content-Length or chunked bodies). Deliberately not a library client: the tests see the wire.
final class HTTPConnection: Sendable {
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = LockedValue([UInt8]())
        let closed = LockedValue(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            received.withLock { $0 += Array(bytes.readableBytesView) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.withLock { $0 = true }
        }
    }

    private let channel: any Channel
    private let collector: Collector

    /// - Parameter tls: speak HTTPS with this client configuration (server name `localhost`).
    static func connect(port: Int, tls: TLSConfiguration? = nil) async throws -> HTTPConnection {
        let collector = Collector()
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    }
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return HTTPConnection(channel: channel, collector: collector)
    }

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Sends one request; `Content-Length` is added for the body.
    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) async throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try await write(Array(head.utf8) + body)
    }

    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) async throws -> HTTPAnswer {
        try await send(method, path, headers: headers, body: body)
        return try await readAnswer()
    }

    /// Waits for the next whole answer.
    func readAnswer(timeoutMs: Int = eventuallyMs) async throws -> HTTPAnswer {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline {
            if let answer = collector.received.withLock({ Self.takeAnswer(from: &$0) }) { return answer }
            if isClosed { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        if let answer = collector.received.withLock({ Self.takeAnswer(from: &$0) }) { return answer }
        throw HTTPConnectionError.noAnswer
    }

    var isClosed: Bool { collector.closed.withLock { $0 } }

    func close() async { try? await channel.close() }

    /// Parses and removes one complete answer from the front of `buffer`; nil while it is incomplete.
    private static func takeAnswer(from buffer: inout [UInt8]) -> HTTPAnswer? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = buffer.firstRange(of: separator) else { return nil }
        let head = String(decoding: buffer[..<headEnd.lowerBound], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            return (String(line[..<colon]), String(value))
        }
        var index = headEnd.upperBound
        var body: [UInt8] = []
        if let length = headers.first(where: { $0.name.lowercased() == "content-length" }).flatMap({ Int($0.value) }) {
            guard buffer.count - index >= length else { return nil }
            body = Array(buffer[index..<index + length])
            index += length
        } else if headers.contains(where: { $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased() == "chunked" }) {
            while true {
                guard let lineEnd = buffer[index...].firstRange(of: [13, 10]) else { return nil }
                let sizeText = String(decoding: buffer[index..<lineEnd.lowerBound], as: UTF8.self)
                guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else { return nil }
                let dataStart = lineEnd.upperBound
                guard buffer.count >= dataStart + size + 2 else { return nil }
                body += buffer[dataStart..<dataStart + size]
                index = dataStart + size + 2
                if size == 0 { break }
            }
        }
        buffer.removeFirst(index)
        return HTTPAnswer(status: status, headers: headers, body: body)
    }
}

enum HTTPConnectionError: Error { case noAnswer }

extension TestServer {
    /// One API call on a fresh connection: `POST /api/v1/<arm>` with `body` and `key` as the bearer key.
    func api(_ arm: String, _ body: String = "{}", key: String? = adminKey) async throws -> HTTPAnswer {
        let connection = try await HTTPConnection.connect(port: consolePort)
        var headers = [("Content-Type", "application/json")]
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        let answer = try await connection.request("POST", "/api/v1/\(arm)", headers: headers, body: Array(body.utf8))
        await connection.close()
        return answer
    }

    func consoleGet(_ path: String) async throws -> HTTPAnswer {
        let connection = try await HTTPConnection.connect(port: consolePort)
        let answer = try await connection.request("GET", path)
        await connection.close()
        return answer
    }
}

extension JSONValue {
    /// The string at a member path (`["campaign", "id"]`), for pulling ids out of answers.
    func string(_ keys: String...) -> String? {
        var value: JSONValue? = self
        for key in keys { value = value?[key] }
        if case .string(let text)? = value { return text }
        return nil
    }
}
