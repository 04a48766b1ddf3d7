import ArgumentParser
import PromoClient

/// The options every promoctl command takes: where the server is, which key to use, and the output form.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The promo-server to talk to (default 127.0.0.1:7420). Several, comma-separated or with the option "
            + "repeated: each call goes to the first that answers, and moves on when one fails (see 'Several servers' "
            + "in promoctl --help).",
        valueName: "host:port[,host:port...]"))
    var server: [String] = []

    @Option(help: ArgumentHelp(
        "Read the API key from the first line of this file (default: the PROMO_API_KEY environment variable).",
        valueName: "file"))
    var keyFile: String?

    @Flag(help: "Print one JSON object or array on standard output instead of readable text.")
    var json = false

    @Flag(help: "Speak TLS, trusting the system's CAs (implied by any --tls-* option or PROMO_TLS_* variable).")
    var tls = false

    @Option(help: ArgumentHelp(
        "Trust the server certificate only if signed by this PEM CA (default: $PROMO_TLS_CA).", valueName: "file"))
    var tlsCa: String?

    @Option(help: ArgumentHelp(
        "PEM client certificate, for a server that requires one (default: $PROMO_TLS_CERT).", valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("PEM private key of --tls-cert (default: $PROMO_TLS_KEY).", valueName: "file"))
    var tlsKey: String?

    @Option(help: ArgumentHelp(
        "Name the server certificate must carry (default: $PROMO_TLS_SERVER_NAME, else the --server host).",
        valueName: "name"))
    var tlsServerName: String?

    func validate() throws {
        _ = try addresses()
    }

    /// The addresses of `--server`, in the order given. Each is `host:port` or `[v6-address]:port`.
    func addresses() throws(ValidationError) -> [ServerAddress] {
        do {
            return try ServerAddress.list(parsing: server.isEmpty ? [Self.serverDefault] : server)
        } catch {
            throw ValidationError("--server: \(error.message)")
        }
    }

    static let serverDefault = "127.0.0.1:7420"

    /// The TLS settings, or nil for plaintext; files are read here, once.
    func clientTLS() throws(CLIFailure) -> ClientTLS? {
        do {
            return try ClientTLS.fromCommandLine(
                ca: tlsCa, certificate: tlsCert, key: tlsKey, serverName: tlsServerName, enable: tls)
        } catch {
            throw CLIFailure(.usage, error.message)
        }
    }

    /// The API key: the first line of `--key-file`, trimmed, else `PROMO_API_KEY`.
    func apiKey() throws(CLIFailure) -> String {
        if let keyFile {
            let text = try TextFile.contents(of: keyFile, what: "key file")
            // `\r\n` is one Character, so split on every kind of line break, not just "\n".
            let firstLine = text.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: \.isNewline).first ?? ""
            let key = firstLine.trimmingWhitespace()
            guard !key.isEmpty else { throw CLIFailure(.usage, "the key file \(keyFile) is empty") }
            return key
        }
        guard let key = Terminal.environment("PROMO_API_KEY")?.trimmingWhitespace(), !key.isEmpty else {
            throw CLIFailure(.usage, "no API key: set PROMO_API_KEY or pass --key-file FILE")
        }
        return key
    }
}

extension StringProtocol {
    /// Without leading and trailing white space (and a byte-order mark).
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace || $0 == "\u{FEFF}" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
