/// One promo-server a client may connect to: a host name or IP address and a port.
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `1.2.3.4:port` or `[v6-address]:port`.
    public init(parsing text: some StringProtocol) throws(PromoClientError) {
        let text = String(text).trimmingASCIISpaces()
        guard let colon = text.lastIndex(of: ":") else {
            throw PromoClientError(.invalidConfiguration, "a server address must be HOST:PORT, for example 127.0.0.1:7420 (got '\(text)')")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(","), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        else {
            throw PromoClientError(.invalidConfiguration, "a server address must be HOST:PORT with a port 1-65535 (got '\(text)')")
        }
        self.init(host: host, port: port)
    }

    /// Parses a list of addresses: each argument may itself hold several, separated by commas
    /// (`a:7420,b:7420`), so a repeated option and a comma-separated one read the same. Empty parts are
    /// refused, duplicates kept once (in first-seen order), at most `ServerAddress.listCountMax` in all.
    public static func list(parsing arguments: [String]) throws(PromoClientError) -> [ServerAddress] {
        var addresses: [ServerAddress] = []
        for argument in arguments {
            for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
                let address = try ServerAddress(parsing: part)
                if !addresses.contains(address) { addresses.append(address) }
            }
        }
        guard !addresses.isEmpty else { throw PromoClientError(.invalidConfiguration, "no server address given") }
        guard addresses.count <= listCountMax else {
            throw PromoClientError(.invalidConfiguration, "at most \(listCountMax) server addresses (got \(addresses.count))")
        }
        return addresses
    }

    /// The longest address list accepted: a client tries every address of it on a failure, so the list
    /// bounds how long one failover may take.
    public static let listCountMax = 16

    /// `host:port`, with brackets around an IPv6 address.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension Collection<ServerAddress> {
    /// `a:1,b:2`: the form the tools accept back.
    public var listDescription: String { map(\.description).joined(separator: ",") }
}

extension String {
    fileprivate func trimmingASCIISpaces() -> String {
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
