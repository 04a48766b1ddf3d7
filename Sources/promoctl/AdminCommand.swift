import ArgumentParser
import PromoWire

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Operations on the whole service (admin keys only).",
        subcommands: [Check.self, Backup.self, Audit.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the live database: every maintained total against the raw rows, and SQLite's integrity.",
            discussion: """
                Recomputes campaign counters, code uses, per-user counts and every report total from the \
                redemptions themselves, on a consistent snapshot, and runs SQLite's integrity check. It only \
                reads, but takes a while on a large database. Exits 0 when everything agrees, 6 when it does not.

                Example:
                  promoctl admin check
                """)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let answer = try await global.withSession { try await $0.check() }
            if global.json {
                JSON.object([
                    ("ok", .bool(answer.ok)), ("problems", .strings(answer.problems)),
                    ("checked_at_ms", .number(answer.checkedAtMs)),
                ]).print()
            } else if answer.ok {
                print("OK: every maintained total agrees with the raw rows; integrity_check ok.")
            } else {
                print("PROBLEMS:")
                for problem in answer.problems { print("  - \(problem)") }
            }
            if !answer.ok { throw CLIFailure(.rejected, "the database is not consistent (\(answer.problems.count) problem(s))") }
        }
    }
}
