import ArgumentParser
import PromoClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The back-office command line of promo-service.
struct Promoctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promoctl",
        abstract: "Manage promo campaigns, codes, redemptions, reports and API keys on a promo-server.",
        discussion: """
            Every command takes --server HOST:PORT (default 127.0.0.1:7420; several allowed, see below) and an API key, read from the \
            PROMO_API_KEY environment variable or from the first line of --key-file FILE. Output is a readable \
            table; add --json for one JSON object or array that scripts can parse. Times are ISO-8601 in UTC \
            (2026-12-01T00:00:00Z) or Unix milliseconds; money is in minor units (500 = 5.00 EUR).

            Getting started:
              export PROMO_API_KEY=$(cat var/admin.key)
              promoctl campaigns create --name "Summer 50" --kind seasonal \\
                  --reward-kind bonus --amount-minor 500 --currency EUR \\
                  --code SUMMER50 --max-per-user 1
              promoctl codes generate cmp_… --count 1000 --out summer-codes.csv
              promoctl report cmp_…

            Several servers: --server a:7420,b:7420 (or --server repeated) names interchangeable promo-servers, \
            for example several on one PostgreSQL database. promoctl connects to the first that answers and \
            says hello there; when a connection fails (refused, reset, closed mid-call, no answer in time) it \
            moves to the next address. Reads, validates without a reservation, and redeems, grants and \
            generates with an idempotency key are sent again there (at most \(FailoverPolicy().sendAttemptsMax) sends of one call); any other \
            change whose answer was lost is not, and exits 8: it may have been applied. Reconnecting makes at \
            most \(FailoverPolicy().connectRoundsMax) passes over the list, pausing \(FailoverPolicy().backoffInitialMs) ms \
            (doubling, at most \(FailoverPolicy().backoffMaxMs) ms) before each pass after the first. TLS verifies \
            each server against the host of its own address (or --tls-server-name for all).

            Run 'promoctl help <command>' (or add --help) for each command's flags and examples.

            \(ExitStatus.helpText)
            """,
        subcommands: [CampaignsCommand.self, GroupsCommand.self, CodesCommand.self, RedemptionsCommand.self, ReportCommand.self,
                      OffersCommand.self, UsersCommand.self, KeysCommand.self, AdminCommand.self])
}

/// Runs promoctl with its own exit codes: usage errors exit 2 (ArgumentParser's own default is EX_USAGE,
/// 64), and every failure that promoctl reports itself exits with its `ExitStatus`.
@main
enum PromoctlMain {
    static func main() async {
        do {
            var command = try Promoctl.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            Terminal.error("promoctl: error: \(failure.message)")
            exit(failure.status.rawValue)
        } catch {
            let code = Promoctl.exitCode(for: error)
            if code == .validationFailure {
                Terminal.error(Promoctl.fullMessage(for: error))
                exit(ExitStatus.usage.rawValue)
            }
            Promoctl.exit(withError: error)
        }
        exit(ExitStatus.ok.rawValue)
    }
}
