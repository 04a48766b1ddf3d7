/// A `postgres://user:password@host:port/database?sslmode=…` URL, as libpq reads it (the parts this store
/// uses): `postgresql://` too, percent-escapes in every part, `host=/dir` (a query parameter) for a Unix
/// socket directory, `sslmode` and `sslrootcert`. The password may instead come from `PGPASSWORD`.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP only.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's `allow` and `prefer`).
        case prefer
        /// TLS or no connection, without checking the certificate (libpq's `require`).
        case require
        /// TLS with the certificate checked against `sslrootcert` (or the system's roots), any host name.
        case verifyCA = "verify-ca"
        /// TLS with the certificate and the host name checked.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    /// A directory holding the server's socket (`.s.PGSQL.<port>`) instead of TCP; nil for TCP.
    public var socketDirectory: String?
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// A PEM file of the certificate authorities trusted by `verify-ca`/`verify-full`.
    public var sslRootCertPath: String?

    /// Parses `text`; `passwordFallback` (PGPASSWORD) is used when the URL carries no password. Throws a
    /// `DatabaseURLError` that says what is wrong, never echoing the password.
    public init(parsing text: String, passwordFallback: String? = nil) throws(DatabaseURLError) {
        var rest = Substring(text)
        if rest.hasPrefix("postgres://") {
            rest = rest.dropFirst("postgres://".count)
        } else if rest.hasPrefix("postgresql://") {
            rest = rest.dropFirst("postgresql://".count)
        } else {
            throw DatabaseURLError("database URL must start with postgres:// or postgresql://")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var userInfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }

        var hostPart = rest
        var portText: Substring?
        if hostPart.hasPrefix("[") {  // [IPv6]:port
            guard let close = hostPart.firstIndex(of: "]") else { throw DatabaseURLError("database URL: unclosed [ in host") }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portText = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        host = try Self.decode(hostPart, "host")
        port = 5432
        if let portText, !portText.isEmpty {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw DatabaseURLError("database URL: port \(portText) is not a number between 1 and 65535")
            }
            port = value
        }

        username = "postgres"
        password = nil
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                username = try Self.decode(userInfo[..<colon], "user")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], "password")
            } else {
                username = try Self.decode(userInfo, "user")
            }
        }
        if password == nil || password == "" { password = passwordFallback.flatMap { $0.isEmpty ? nil : $0 } }
        database = try Self.decode(path, "database")
        if database.isEmpty { database = username }

        sslMode = .prefer
        sslRootCertPath = nil
        socketDirectory = nil
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], "parameter name")
            let value = parts.count > 1 ? try Self.decode(parts[1], name) : ""
            switch name {
            case "sslmode":
                switch value {
                case "allow", "prefer": sslMode = .prefer
                default:
                    guard let mode = SSLMode(rawValue: value) else {
                        throw DatabaseURLError(
                            "database URL: sslmode \(value) is not one of disable, allow, prefer, require, verify-ca, verify-full")
                    }
                    sslMode = mode
                }
            case "sslrootcert": sslRootCertPath = value
            case "host":
                if value.hasPrefix("/") { socketDirectory = value } else { host = value }
            case "port":
                guard let value = Int(value), (1...65535).contains(value) else {
                    throw DatabaseURLError("database URL: port parameter is not a number between 1 and 65535")
                }
                port = value
            case "user": username = value
            case "password": password = value
            case "dbname": database = value
            // libpq parameters that change nothing here (application_name, connect_timeout is databaseConnectTimeoutMs).
            case "application_name", "connect_timeout", "target_session_attrs": break
            default: throw DatabaseURLError("database URL: unknown parameter \(name)")
            }
        }
        if host.isEmpty && socketDirectory == nil { host = "localhost" }
        if (sslMode == .verifyCA || sslMode == .verifyFull || sslMode == .require) && socketDirectory != nil {
            throw DatabaseURLError("database URL: sslmode \(sslMode.rawValue) needs TCP, not a socket directory")
        }
    }

    /// The URL without its password, for logs.
    public var description: String {
        let place = socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } ?? "\(host):\(port)"
        return "postgres://\(username)@\(place)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    private static func decode(_ text: Substring, _ part: String) throws(DatabaseURLError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw DatabaseURLError("database URL: bad percent-escape in the \(part)")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw DatabaseURLError("database URL: the \(part) is not UTF-8")
        }
        return decoded
    }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

public struct DatabaseURLError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
