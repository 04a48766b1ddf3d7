import PromoClient
import PromoServer
import NIOSSL
import enum PromoDomain.Operation
import PromoWire
import Testing

@testable import PromoConsole

/// The console's HTTP/JSON API over a real port: authentication, the status mapping, bad bodies and limits.
/// Each call goes through the same router and services as the protocol port, so the answers are checked
/// against what the binary protocol sees of the same data.
@Suite("Console HTTP/JSON API", .serverCleanup)
struct ConsoleAPITests {
    @Test func createListAndValidateOverHTTP() async throws {
        let server = try await TestServer.start()
        let code = Unique.code("HTTP")
        let created = try await server.api("create_campaign", """
            {"campaign": {"name": "Over HTTP", "kind": "CAMPAIGN_KIND_WELCOME", "active": true,
              "reward": {"kind": "REWARD_KIND_BONUS", "amountMinor": "500", "currency": "EUR"},
              "max_redemptions": 10}, "code": "\(code)"}
            """)
        #expect(created.status == 200, "\(created)")
        let id = try #require(created.json?.string("campaign", "id"), "\(created)")
        #expect(created.json?.string("campaign", "maxRedemptions") == "10")
        #expect(created.json?.string("campaign", "kind") == "CAMPAIGN_KIND_WELCOME")

        // The protocol port sees the campaign the API created.
        let client = try await server.session()
        let viaWire = try await client.call(.getCampaign(.with { $0.campaignId = id }))
        guard case .getCampaign(let got) = viaWire else { throw UnexpectedAnswer("\(viaWire)") }
        #expect(got.campaign?.name == "Over HTTP")
        #expect(got.campaign?.reward?.amountMinor == 500)
        await client.close()

        let listed = try await server.api("list_campaigns", "")
        #expect(listed.status == 200, "\(listed)")
        guard case .array(let campaigns)? = listed.json?["campaigns"] else { throw UnexpectedAnswer("\(listed)") }
        #expect(campaigns.contains { $0.string("id") == id })

        let validated = try await server.api("validate", #"{"code": "\#(code.lowercased())", "user": {"userId": "u1"}}"#)
        #expect(validated.status == 200, "\(validated)")
        #expect(validated.json?.string("verdict") == "VERDICT_OK", "\(validated)")
        #expect(validated.json?.string("campaignId") == id)
        #expect(validated.json?.string("remaining") == "10")
        #expect(validated.header("Cache-Control") == "no-store")
        #expect(validated.header("Content-Type") == "application/json")
    }

    @Test func missingWrongAndOtherSchemeKeysAre401() async throws {
        let server = try await TestServer.start()
        for key: String? in [nil, "pk_wrong_0123456789abcdef"] {
            let answer = try await server.api("list_campaigns", "{}", key: key)
            #expect(answer.status == 401, "\(answer)")
            #expect(answer.errorCode == "UNAUTHENTICATED")
            #expect(answer.header("WWW-Authenticate") == "Bearer")
        }
        let connection = try await HTTPConnection.connect(port: server.consolePort)
        let basic = try await connection.request(
            "POST", "/api/v1/list_campaigns", headers: [("Authorization", "Basic \(adminKey)")], body: Array("{}".utf8))
        #expect(basic.status == 401, "\(basic)")
        #expect(basic.errorMessage.contains("Authorization: Bearer"))
        await connection.close()
    }

    @Test func theConsoleFilesAreServedWithTheirTypesAndAStrictPolicy() async throws {
        let server = try await TestServer.start()
        let index = try await server.consoleGet("/")
        #expect(index.status == 200)
        #expect(index.header("Content-Type") == "text/html; charset=utf-8")
        #expect(index.text.contains("<html"))
        #expect(try await server.consoleGet("/index.html").body == index.body)
        let favicon = try await server.consoleGet("/favicon.ico")
        #expect(favicon.status == 200)
        #expect(favicon.header("Content-Type") == "image/x-icon")
        #expect(favicon.body.prefix(4) == [0, 0, 1, 0])  // an ICO header
        let missing = try await server.consoleGet("/no-such-file.js")
        #expect(missing.status == 404)
        #expect(missing.errorCode == "NOT_FOUND")
        for answer in [index, favicon, missing] {
            #expect(answer.header("X-Frame-Options") == "DENY", "\(answer.headers)")
            #expect(answer.header("Referrer-Policy") == "no-referrer")
            #expect(answer.header("X-Content-Type-Options") == "nosniff")
            let policy = try #require(answer.header("Content-Security-Policy"))
            for directive in [
                "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
                "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
            ] {
                #expect(policy.contains(directive), "\(policy)")
            }
            #expect(!policy.contains("unsafe-inline"))
        }
    }

    /// Each status code the services answer, reached over HTTP, with its HTTP status and the protocol
    /// port's message; and the mapping itself for every code.
    @Test func theStatusMapping() async throws {
        let server = try await TestServer.start { $0.authFailuresPerIpMax = 1 }
        let admin = try await server.session()
        let code = Unique.code("MAP")
        _ = try await admin.createCampaign(bonusCampaign(), code: code)
        let analyst = try await admin.createKey(role: "analyst")
        await admin.close()

        let invalid = try await server.api("create_campaign", "{}")
        #expect(invalid.status == 400 && invalid.errorCode == "INVALID_ARGUMENT", "\(invalid)")
        let denied = try await server.api("create_campaign", "{}", key: analyst)
        #expect(denied.status == 403 && denied.errorCode == "PERMISSION_DENIED", "\(denied)")
        let missing = try await server.api("get_campaign", #"{"campaignId": "cmp_nope"}"#)
        #expect(missing.status == 404 && missing.errorCode == "NOT_FOUND", "\(missing)")
        let duplicate = try await server.api("create_campaign", """
            {"campaign": {"name": "Again", "kind": "CAMPAIGN_KIND_OTHER", "active": true, "reward": {"kind": "REWARD_KIND_BONUS", "amountMinor": 1, "currency": "EUR"}},
             "code": "\(code)"}
            """)
        #expect(duplicate.status == 409 && duplicate.errorCode == "ALREADY_EXISTS", "\(duplicate)")
        let player = Unique.user("blocked")
        #expect(try await server.api("block_user", #"{"userId": "\#(player)", "reason": "test"}"#).status == 200)
        let blocked = try await server.api("grant_reward", """
            {"user": {"userId": "\(player)"}, "reward": {"kind": "REWARD_KIND_LOYALTY_POINTS", "amountMinor": 1}, "reason": "x"}
            """)
        #expect(blocked.status == 412 && blocked.errorCode == "FAILED_PRECONDITION", "\(blocked)")
        let unauthenticated = try await server.api("list_campaigns", key: "pk_wrong")
        #expect(unauthenticated.status == 401 && unauthenticated.errorCode == "UNAUTHENTICATED", "\(unauthenticated)")
        let limited = try await server.api("list_campaigns", key: "pk_wrong_again")
        #expect(limited.status == 429 && limited.errorCode == "RESOURCE_EXHAUSTED", "\(limited)")

        let expected: [(StatusCode, Int)] = [
            (.invalidArgument, 400), (.unauthenticated, 401), (.permissionDenied, 403), (.notFound, 404),
            (.alreadyExists, 409), (.failedPrecondition, 412), (.resourceExhausted, 429), (.unimplemented, 501),
            (.unavailable, 503), (.internal, 500), (StatusCode(rawValue: 99), 500),
        ]
        for (code, status) in expected {
            #expect(ConsoleResponder.httpStatus(for: code).code == status, "\(code)")
            let refusal = ConsoleResponder.refusal(code, "m")
            #expect(refusal.status.code == status)
        }
    }

    @Test func malformedBodiesWrongTypesUnknownFieldsAndArmsAre400NamingWhat() async throws {
        let server = try await TestServer.start()
        let cases: [(arm: String, body: String, message: String)] = [
            ("validate", #"{"code": "#, "malformed JSON at byte"),
            ("validate", #"{"code": "A"} {}"#, "unexpected data after the JSON value"),
            ("validate", #"["code"]"#, "the body must be a JSON object (ValidateRequest)"),
            ("validate", #"{"code": 12}"#, #"field "code": expected a string, got the number 12"#),
            ("validate", #"{"code": "A", "user": {"vipLevel": "high"}}"#, #"field "user.vipLevel": expected an integer"#),
            ("validate", #"{"code": "A", "player": {}}"#, #"unknown field "player" in ValidateRequest"#),
            ("validate", #"{"code": "A", "user": {"userid": "x"}}"#, #"unknown field "userid" in user (UserContext)"#),
            ("list_campaigns", #"{"pageSize": -1}"#, #"-1 is out of range for UInt32"#),
            ("no_such_arm", "{}", #"unknown arm "no_such_arm""#),
            ("hello", #"{"apiKey": "x"}"#, "apiKey: send the key in the Authorization header, not in the body"),
        ]
        for (arm, body, message) in cases {
            let answer = try await server.api(arm, body)
            #expect(answer.status == 400, "\(arm) \(body): \(answer)")
            #expect(answer.errorCode == "INVALID_ARGUMENT")
            #expect(answer.errorMessage.contains(message), "\(answer.errorMessage)")
        }
        // Invalid UTF-8 inside a string.
        let connection = try await HTTPConnection.connect(port: server.consolePort)
        let bytes = try await connection.request(
            "POST", "/api/v1/validate", headers: [("Authorization", "Bearer \(adminKey)")], body: Array(#"{"code": ""#.utf8) + [0xC3, 0x28, 0x22, 0x7D])
        #expect(bytes.status == 400 && bytes.errorMessage.contains("not valid UTF-8"), "\(bytes)")
        // Not POST.
        let get = try await connection.request("GET", "/api/v1/validate", headers: [("Authorization", "Bearer \(adminKey)")])
        #expect(get.status == 405 && get.header("Allow") == "POST", "\(get)")
        await connection.close()
    }

    @Test func anOversizedBodyIs413AndUnread() async throws {
        let server = try await TestServer.start { $0.consoleBodyBytesMax = 2_048 }
        let big = #"{"code": ""# + String(repeating: "A", count: 4_096) + #""}"#
        let declared = try await server.api("validate", big)
        #expect(declared.status == 413, "\(declared)")
        #expect(declared.errorMessage.contains("consoleBodyBytesMax (2048 bytes)"))
        // Chunked, so no Content-Length announces it: still stopped at the limit.
        let connection = try await HTTPConnection.connect(port: server.consolePort)
        var chunked = "POST /api/v1/validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(adminKey)\r\nTransfer-Encoding: chunked\r\n\r\n"
        for _ in 0..<4 { chunked += "400\r\n" + String(repeating: "A", count: 1_024) + "\r\n" }
        chunked += "0\r\n\r\n"
        try await connection.write(Array(chunked.utf8))
        let streamed = try await connection.readAnswer()
        #expect(streamed.status == 413, "\(streamed)")
        await connection.close()
        // A body just under the limit is read.
        let fits = try await server.api("validate", #"{"code": "\#(String(repeating: "B", count: 1_000))", "user": {"userId": "u"}}"#)
        #expect(fits.status == 200 || fits.status == 400, "\(fits)")
        #expect(fits.status != 413)
    }

    @Test func aRevokedKeyIsRefusedAtTheNextRequestOfAKeptAliveConnection() async throws {
        let server = try await TestServer.start()
        let admin = try await server.session()
        let managerKey = try await admin.createKey(role: "manager")
        let connection = try await HTTPConnection.connect(port: server.consolePort)
        let headers = [("Authorization", "Bearer \(managerKey)")]
        let before = try await connection.request("POST", "/api/v1/list_campaigns", headers: headers, body: Array("{}".utf8))
        #expect(before.status == 200, "\(before)")
        let keys = try await admin.call(.listApiKeys(ListApiKeysRequest()))
        guard case .listApiKeys(let list) = keys, let keyId = list.keys.first(where: { $0.role == "manager" })?.keyId else {
            throw UnexpectedAnswer("\(keys)")
        }
        _ = try await admin.call(.revokeApiKey(.with { $0.keyId = keyId }))
        let after = try await connection.request("POST", "/api/v1/list_campaigns", headers: headers, body: Array("{}".utf8))
        #expect(after.status == 401, "\(after)")
        #expect(after.errorCode == "UNAUTHENTICATED")
        #expect(!connection.isClosed)  // the same kept-alive connection answered
        await connection.close()
        await admin.close()
    }

    /// Wrong bearer keys and failed hellos from one address count against one limit: past it both doors
    /// refuse that address, even with a good key, with 429 / RESOURCE_EXHAUSTED.
    @Test func failedAuthenticationsShareOnePerIpLimitWithHello() async throws {
        let server = try await TestServer.start { $0.authFailuresPerIpMax = 3 }
        let hello = try await server.client()
        #expect(try await hello.send(.hello(.with { $0.apiKey = "pk_wrong_1" })).status.code == .unauthenticated)
        await hello.close()
        for attempt in 2...3 {
            let answer = try await server.api("list_campaigns", key: "pk_wrong_\(attempt)")
            #expect(answer.status == 401, "attempt \(attempt): \(answer)")
        }
        let refused = try await server.api("list_campaigns", key: adminKey)
        #expect(refused.status == 429, "\(refused)")
        #expect(refused.errorCode == "RESOURCE_EXHAUSTED")
        #expect(refused.errorMessage.contains("too many failed authentications"))
        let laterHello = try await server.client()
        let status = try await laterHello.send(.hello(.with { $0.apiKey = adminKey })).status
        #expect(status.code == .resourceExhausted, "\(status)")
        await laterHello.close()
    }

    /// Slowloris: a head or a body that does not arrive whole within consoleReadTimeoutMs closes the
    /// connection, long before the (default, 60 s) idle timeout could.
    @Test func aRequestThatDoesNotArriveInTimeClosesTheConnection() async throws {
        let server = try await TestServer.start { $0.consoleReadTimeoutMs = 300 }
        let head = try await HTTPConnection.connect(port: server.consolePort)
        try await head.write(Array("POST /api/v1/list_campaigns HTTP/1.1\r\nHost: x\r\n".utf8))
        let body = try await HTTPConnection.connect(port: server.consolePort)
        try await body.write(Array("POST /api/v1/list_campaigns HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{".utf8))
        #expect(await eventually { head.isClosed && body.isClosed })
        // A whole request is answered, and the connection then stays open for the next one.
        let whole = try await HTTPConnection.connect(port: server.consolePort)
        for _ in 0..<2 {
            let answer = try await whole.request(
                "POST", "/api/v1/list_campaigns", headers: [("Authorization", "Bearer \(adminKey)")], body: Array("{}".utf8))
            #expect(answer.status == 200, "\(answer)")
        }
        await whole.close()
    }

    @Test func anIdleConnectionIsClosed() async throws {
        let server = try await TestServer.start { $0.consoleIdleTimeoutMs = 200 }
        let connection = try await HTTPConnection.connect(port: server.consolePort)
        #expect(await eventually { connection.isClosed })
    }

    /// Past consoleConnectionsMax the server stops accepting: a further connection's request waits in the
    /// backlog, unanswered while the first connection keeps working, and is answered once that one closes.
    @Test func connectionsPastTheLimitWaitUntilOneCloses() async throws {
        let server = try await TestServer.start { $0.consoleConnectionsMax = 1 }
        let headers = [("Authorization", "Bearer \(adminKey)")]
        let first = try await HTTPConnection.connect(port: server.consolePort)
        #expect(try await first.request("POST", "/api/v1/list_campaigns", headers: headers, body: Array("{}".utf8)).status == 200)
        let second = try await HTTPConnection.connect(port: server.consolePort)
        try await second.send("POST", "/api/v1/list_campaigns", headers: headers, body: Array("{}".utf8))
        // Round trips on the first connection: had the second been accepted, its answer would be back by now.
        for _ in 0..<5 {
            #expect(try await first.request("POST", "/api/v1/list_campaigns", headers: headers, body: Array("{}".utf8)).status == 200)
        }
        await #expect(throws: HTTPConnectionError.self) { try await second.readAnswer(timeoutMs: 0) }
        await first.close()
        #expect(try await second.readAnswer().status == 200)
        await second.close()
    }

    /// A graceful stop closes kept-alive console connections and finishes.
    @Test func theConsoleStopsWithTheServer() async throws {
        let server = try await TestServer.start()
        let connection = try await HTTPConnection.connect(port: server.consolePort)
        let answer = try await connection.request(
            "POST", "/api/v1/list_campaigns", headers: [("Authorization", "Bearer \(adminKey)")], body: Array("{}".utf8))
        #expect(answer.status == 200)
        await server.stop()
        #expect(await eventually { connection.isClosed })
        #expect(server.server.consoleAddress == nil)
    }

    /// A console port already taken stops start-up with an error (and the server cleans up after itself).
    @Test func aTakenConsolePortFailsTheStart() async throws {
        let first = try await TestServer.start()
        await #expect(throws: (any Error).self) {
            _ = try await TestServer.start { $0.consolePort = first.consolePort }
        }
        #expect(try await first.api("list_campaigns").status == 200)
    }

    /// The console's calls are counted with the protocol port's, under the same rpc and status names.
    @Test func consoleCallsAreCountedInTheSameMetrics() async throws {
        let server = try await TestServer.start()
        let code = Unique.code("MET")
        let admin = try await server.session()
        _ = try await admin.createCampaign(bonusCampaign(), code: code)
        await admin.close()
        #expect(try await server.api("validate", #"{"code": "\#(code)", "user": {"userId": "m1"}}"#).status == 200)
        #expect(try await server.api("validate", #"{"code": "NOPE-\#(code)", "user": {"userId": "m1"}}"#).status == 200)
        #expect(try await server.api("get_campaign", #"{"campaignId": "cmp_nope"}"#).status == 404)
        let metrics = try await HTTPExchange.get("/metrics", port: try server.metricsPort)
        #expect(metrics.sample(#"promo_requests_total{rpc="validate",status="OK"}"#) == 2)
        #expect(metrics.sample(#"promo_verdicts_total{rpc="validate",verdict="OK"}"#) == 1)
        #expect(metrics.sample(#"promo_verdicts_total{rpc="validate",verdict="CODE_NOT_FOUND"}"#) == 1)
        #expect(metrics.sample(#"promo_requests_total{rpc="get_campaign",status="NOT_FOUND"}"#) == 1)
    }

    @Test func theConsoleCanBeSwitchedOff() async throws {
        let server = try await TestServer.start { $0.consoleEnabled = false }
        #expect(server.consolePort == 0)
        #expect(server.server.consoleAddress == nil)
    }

    @Test func theOpenAPIDocumentListsEveryArm() async throws {
        let server = try await TestServer.start()
        let answer = try await server.consoleGet("/api/v1/openapi.json")
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type") == "application/json")
        let document = try #require(answer.json)
        #expect(document.string("openapi")?.hasPrefix("3.") == true)
        guard case .object(let paths)? = document["paths"], case .object(let schemas)? = document["components"]?["schemas"] else {
            throw UnexpectedAnswer("no paths or schemas")
        }
        let arms = Set(paths.map { String($0.key.dropFirst("/api/v1/".count)) })
        // Every oneof arm of the .proto's Request, and nothing else.
        let operations = Set(Operation.allCases.filter { $0 != .validateExplain }.map(\.rawValue))
        #expect(arms == operations)
        #expect(arms == Set(ApiArms.names))
        for (path, item) in paths {
            let post = try #require(item["post"], "\(path)")
            let request = try #require(post["requestBody"]?["content"]?["application/json"]?.string("schema", "$ref"), "\(path)")
            let response = try #require(post["responses"]?["200"]?["content"]?["application/json"]?.string("schema", "$ref"), "\(path)")
            for reference in [request, response] {
                let name = String(reference.dropFirst("#/components/schemas/".count))
                #expect(schemas.contains { $0.key == name }, "\(path): \(reference)")
            }
            #expect(post["responses"]?["default"]?["content"]?["application/json"]?.string("schema", "$ref") == "#/components/schemas/Error")
        }
        #expect(document["components"]?["securitySchemes"]?["bearer"]?.string("scheme") == "bearer")
        let campaign = try #require(schemas.first { $0.key == "Campaign" }?.value)
        #expect(campaign["properties"]?["maxRedemptions"]?.string("type") == "string")  // 64-bit as strings
        #expect(campaign["properties"]?["maxPerUser"]?.string("type") == "integer")
    }
}

/// The console port follows the protocol port's TLS settings: HTTPS with the same certificate, nothing in
/// plaintext, and client certificates when mTLS is on.
@Suite("Console HTTP/JSON API over TLS", .serverCleanup)
struct ConsoleTLSTests {
    let files: TestCertificates

    init() throws { files = try TestCertificates.shared.get() }

    private func clientTLS(withCertificate: Bool) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(files.caCertificate)
        if withCertificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(files.clientCertificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: files.clientKey, format: .pem))
        }
        return tls
    }

    private func listCampaigns(_ server: TestServer, tls: TLSConfiguration?) async -> HTTPAnswer? {
        guard let connection = try? await HTTPConnection.connect(port: server.consolePort, tls: tls) else { return nil }
        let answer = try? await connection.request(
            "POST", "/api/v1/list_campaigns", headers: [("Authorization", "Bearer \(adminKey)")], body: Array("{}".utf8))
        await connection.close()
        return answer
    }

    @Test func theConsoleSpeaksHTTPSWithTheServersCertificateAndClientCertificates() async throws {
        let server = try await TestServer.start { configuration in
            configuration.tlsCertificatePath = files.serverCertificate
            configuration.tlsPrivateKeyPath = files.serverKey
            configuration.tlsClientCAPath = files.caCertificate
            configuration.tlsHandshakeTimeoutMs = 120_000
        }
        let answer = await listCampaigns(server, tls: try clientTLS(withCertificate: true))
        #expect(answer?.status == 200, "\(String(describing: answer))")
        #expect(answer?.header("X-Frame-Options") == "DENY")
        #expect(await listCampaigns(server, tls: try clientTLS(withCertificate: false)) == nil)
        #expect(await listCampaigns(server, tls: nil) == nil)
    }
}
