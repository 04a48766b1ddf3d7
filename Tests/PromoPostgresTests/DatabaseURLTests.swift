import Testing

@testable import PromoPostgres

@Suite("database URL")
struct DatabaseURLTests {
    @Test("every part of a full URL, percent-escapes decoded")
    func fullURL() throws {
        let url = try DatabaseURL(parsing: "postgres://pro%40mo:p%3Ass@db.example:6543/promo%20db?sslmode=require")
        #expect(url.username == "pro@mo")
        #expect(url.password == "p:ss")
        #expect(url.host == "db.example")
        #expect(url.port == 6543)
        #expect(url.database == "promo db")
        #expect(url.sslMode == .require)
        #expect(!url.description.contains("p:ss"))
    }

    @Test("defaults: port 5432, sslmode prefer, database named after the user, PGPASSWORD as fallback")
    func defaults() throws {
        let url = try DatabaseURL(parsing: "postgresql://promo@localhost", passwordFallback: "secret")
        #expect(url.port == 5432)
        #expect(url.sslMode == .prefer)
        #expect(url.database == "promo")
        #expect(url.password == "secret")
        let own = try DatabaseURL(parsing: "postgres://promo:mine@localhost/x", passwordFallback: "secret")
        #expect(own.password == "mine")
    }

    @Test("sslmode values as libpq names them; a socket directory through host=")
    func parameters() throws {
        #expect(try DatabaseURL(parsing: "postgres://u@h/d?sslmode=disable").sslMode == .disable)
        #expect(try DatabaseURL(parsing: "postgres://u@h/d?sslmode=allow").sslMode == .prefer)
        #expect(try DatabaseURL(parsing: "postgres://u@h/d?sslmode=verify-full").sslMode == .verifyFull)
        let socket = try DatabaseURL(parsing: "postgres://u@/d?host=/run/postgresql&port=5433")
        #expect(socket.socketDirectory == "/run/postgresql")
        #expect(socket.port == 5433)
        let ipv6 = try DatabaseURL(parsing: "postgres://u@[::1]:7000/d")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 7000)
    }

    @Test(
        "bad URLs are refused with a reason",
        arguments: [
            "mysql://u@h/d", "postgres://u@h:99999/d", "postgres://u@h:port/d", "postgres://u@h/d?sslmode=sometimes",
            "postgres://u@h/d?colour=blue", "postgres://u%zz@h/d",
        ])
    func badURLs(_ text: String) {
        #expect(throws: DatabaseURLError.self) { try DatabaseURL(parsing: text) }
    }
}
