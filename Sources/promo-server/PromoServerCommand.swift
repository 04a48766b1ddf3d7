import ArgumentParser
import FoundationEssentials
import Logging
import PromoConsole
import PromoServer
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

@main
struct PromoServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promo-server",
        abstract: "Promo-code service: validate, redeem, generate and report over length-prefixed protobuf/TCP.",
        discussion: """
            Settings come from the defaults, then the --config file (JSON, keys as in the README's \
            configuration table), then PROMO_<KEY> environment variables (the key in UPPER_SNAKE_CASE, e.g. \
            PROMO_FRAME_BYTES_MAX=2097152; an unknown PROMO_ variable is refused), then these flags. \
            PROMO_ADMIN_KEY sets the bootstrap admin key on first start.
            """,
        subcommands: [MigrateCommand.self])

    @Option(help: "Interface to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "TCP port; 0 picks a free one (default 7420).")
    var port: Int?

    @Option(help: "Operations HTTP port (/metrics, /healthz, /readyz); 0 picks a free one (default 7421).")
    var metricsPort: Int?

    @Option(help: "Console HTTP/JSON port (the API under /api/v1/ and the web console); 0 picks a free one (default 7422).")
    var consolePort: Int?

    @Option(help: "Folder of the database and the bootstrap admin key (default ./var).")
    var dataDir: String?

    @Option(help: "postgres://user[:password]@host[:port]/database[?sslmode=…]: store in PostgreSQL instead of SQLite (password also from PGPASSWORD).")
    var databaseUrl: String?

    @Option(help: "PEM certificate chain: serve TLS (with --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "PEM CA certificate(s): require client certificates signed by it (mTLS).")
    var tlsClientCa: String?

    @Option(help: "JSON configuration file.")
    var config: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "promo.server")

        var settings = ServerConfiguration()
        if let config { try ConfigFile.load(path: config).apply(to: &settings) }
        try EnvironmentConfig.load(ProcessInfo.processInfo.environment).apply(to: &settings)
        if let host { settings.host = host }
        if let port { settings.port = port }
        if let dataDir { settings.dataDirectory = dataDir }
        if let databaseUrl { settings.databaseUrl = databaseUrl }
        if let tlsCert { settings.tlsCertificatePath = tlsCert }
        if let tlsKey { settings.tlsPrivateKeyPath = tlsKey }
        if let tlsClientCa { settings.tlsClientCAPath = tlsClientCa }
        if let metricsPort { settings.metricsPort = metricsPort }
        if let consolePort { settings.consolePort = consolePort }
        if let key = ProcessEnvironment.value("PROMO_ADMIN_KEY"), !key.isEmpty { settings.bootstrapAdminKey = key }

        let server = PromoServer(
            configuration: settings, logger: logger, console: ConsoleServer(),
            onConsoleBound: { address in
                print("console on \(address.ipAddress ?? "?"):\(address.port ?? 0)")
                fflush(nil)
            },
            onMetricsBound: { address in
                print("metrics on \(address.ipAddress ?? "?"):\(address.port ?? 0)")
                fflush(nil)
            }
        ) { address in
            // Scripts and tests wait for this exact line.
            print("listening on \(address.ipAddress ?? "?"):\(address.port ?? 0)")
            fflush(nil)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
