import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PromoServer
import PromoWire

// Both Hummingbird and PromoWire name a type Request and Response: here the HTTP ones are spelled out.
typealias HTTPRequestValue = HummingbirdCore.Request
typealias HTTPResponseValue = HummingbirdCore.Response

/// What a console request knows besides the request: its connection (peer address, event loop).
struct ConsoleRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Answers every request of the console port:
/// - `POST /api/v1/<arm>`: authenticates the bearer key, decodes the arm's request message from proto3 JSON,
///   calls the service through the `ServiceGateway` and answers the response message as proto3 JSON, or a
///   refusal as `{"code": "NOT_FOUND", "message": "…"}` with the HTTP status of `httpStatus(for:)`;
/// - `GET /api/v1/openapi.json`: the OpenAPI document;
/// - `GET /` and `GET /<file>`: the console's embedded files.
/// Every answer carries the security headers of `securityHeaders`; API answers also `Cache-Control: no-store`.
struct ConsoleResponder: HTTPResponder {
    typealias Context = ConsoleRequestContext

    let gateway: ServiceGateway
    let assets: ConsoleAssets
    let logger: Logger
    private let arms: Set<String>
    private let openAPI: ByteBuffer

    static let apiPrefix = "/api/v1/"
    static let openAPIPath = "/api/v1/openapi.json"

    /// The console's pages may load only their own scripts, styles and images, connect only to this origin,
    /// run no inline script and never be framed.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    init(gateway: ServiceGateway, assets: ConsoleAssets, logger: Logger) {
        self.gateway = gateway
        self.assets = assets
        self.logger = logger
        self.arms = Set(ApiArms.names)
        self.openAPI = ByteBuffer(string: OpenAPIDocument.json)
    }

    func respond(to request: HTTPRequestValue, context: Context) async throws -> HTTPResponseValue {
        var response = await answer(request, context: context)
        Self.addSecurityHeaders(&response.headers)
        return response
    }

    static func addSecurityHeaders(_ headers: inout HTTPFields) {
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
    }

    private func answer(_ request: HTTPRequestValue, context: Context) async -> HTTPResponseValue {
        let path = request.uri.path
        if path == Self.openAPIPath {
            guard request.method == .get || request.method == .head else {
                return Self.refusal(.invalidArgument, "use GET for \(path)", status: .methodNotAllowed, allow: "GET")
            }
            return Self.json(.ok, openAPI)
        }
        if path.hasPrefix(Self.apiPrefix) {
            return await api(request, arm: String(path.dropFirst(Self.apiPrefix.count)), context: context)
        }
        guard request.method == .get || request.method == .head else {
            return Self.refusal(.invalidArgument, "use GET for the console's files", status: .methodNotAllowed, allow: "GET")
        }
        guard let file = assets.file(at: path) else {
            return Self.refusal(.notFound, "no console file at \(path)")
        }
        var headers = HTTPFields()
        headers[.contentType] = file.contentType
        headers[.cacheControl] = "no-cache"
        return HTTPResponseValue(status: .ok, headers: headers, body: ResponseBody(byteBuffer: file.bytes))
    }

    // MARK: The API

    private func api(_ request: HTTPRequestValue, arm: String, context: Context) async -> HTTPResponseValue {
        if let instead = ApiArms.notHTTP[arm] {
            return Self.refusal(.invalidArgument, "\(JSONError.quoted(arm)) is not an HTTP arm: \(instead)")
        }
        guard arms.contains(arm) else {
            return Self.refusal(
                .invalidArgument, "unknown arm \(JSONError.quoted(arm)): the arms are listed in \(Self.openAPIPath)")
        }
        guard request.method == .post else {
            return Self.refusal(.invalidArgument, "use POST for \(Self.apiPrefix)\(arm)", status: .methodNotAllowed, allow: "POST")
        }
        guard let key = Self.bearerKey(request.headers[.authorization]) else {
            return Self.refusal(.unauthenticated, "send the header Authorization: Bearer <api key>")
        }
        let caller: Caller
        do {
            caller = try gateway.authenticate(apiKey: key, peerIP: context.channel.remoteAddress?.ipAddress ?? "")
        } catch {
            return Self.refusal(error)
        }

        let bodyBytesMax = gateway.configuration.consoleBodyBytesMax
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > bodyBytesMax {
            return Self.bodyTooLarge(bodyBytesMax)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: bodyBytesMax)
        } catch is NIOTooManyBytesError {
            return Self.bodyTooLarge(bodyBytesMax)
        } catch {
            return Self.refusal(.invalidArgument, "could not read the request body")
        }

        let call: PromoWire.Request.Call
        do {
            // An empty body is the empty message, like `{}`.
            let json = body.readableBytes == 0 ? JSONValue.object([]) : try JSONParser.parse(Array(body.readableBytesView))
            guard let decoded = try ApiArms.call(arm, json: json) else { preconditionFailure("\(arm) is in ApiArms.names") }
            call = decoded
        } catch {
            return Self.refusal(.invalidArgument, error.message)
        }

        if case .hello(let hello) = call {
            // The key travels in the header of every request; hello only tells the caller its role.
            guard hello.apiKey.isEmpty else {
                return Self.refusal(.invalidArgument, "apiKey: send the key in the Authorization header, not in the body")
            }
            var writer = JSONWriter()
            ApiArms.write(.hello(gateway.hello(as: caller)), to: &writer)
            return Self.json(.ok, ByteBuffer(bytes: writer.bytes))
        }
        do {
            let result = try await gateway.call(call, as: caller, on: context.channel.eventLoop)
            var writer = JSONWriter()
            ApiArms.write(result, to: &writer)
            return Self.json(.ok, ByteBuffer(bytes: writer.bytes))
        } catch {
            return Self.refusal(error)
        }
    }

    /// The key of `Authorization: Bearer <key>` (scheme case-insensitive); nil when absent or another scheme.
    static func bearerKey(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let key = parts[1].trimmingSpaces()
        return key.isEmpty ? nil : key
    }

    // MARK: Answers

    /// The HTTP status of each status code: the one mapping of the console's errors.
    static func httpStatus(for code: StatusCode) -> HTTPResponse.Status {
        switch code {
        case .ok: .ok
        case .invalidArgument: .badRequest
        case .unauthenticated: .unauthorized
        case .permissionDenied: .forbidden
        case .notFound: .notFound
        case .alreadyExists: .conflict
        case .failedPrecondition: .preconditionFailed
        case .resourceExhausted: .tooManyRequests
        case .unimplemented: .notImplemented
        case .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: ByteBuffer) -> HTTPResponseValue {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return HTTPResponseValue(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// `{"code": "...", "message": "..."}` with the status of `code` (or `status` when given).
    static func refusal(
        _ code: StatusCode, _ message: String, status: HTTPResponse.Status? = nil, allow: String? = nil
    ) -> HTTPResponseValue {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("code")
        writer.string(StatusCode.names[code.rawValue] ?? "INTERNAL")
        writer.key("message")
        writer.string(ServerError.clipped(message))
        writer.endObject()
        var response = json(status ?? httpStatus(for: code), ByteBuffer(bytes: writer.bytes))
        if let allow { response.headers[.allow] = allow }
        if code == .unauthenticated { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    static func refusal(_ error: ServerError) -> HTTPResponseValue {
        let status = error.status
        return refusal(status.code, status.message)
    }

    static func bodyTooLarge(_ bodyBytesMax: Int) -> HTTPResponseValue {
        var response = refusal(
            .invalidArgument, "request body larger than consoleBodyBytesMax (\(bodyBytesMax) bytes)", status: .contentTooLarge)
        // The rest of the body is not read: the connection cannot carry another request.
        response.headers[.connection] = "close"
        return response
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
