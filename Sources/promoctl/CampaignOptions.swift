import ArgumentParser
import PromoWire

// Flags shared by `campaigns create` and `campaigns update`: the reward and who may redeem.

/// A length of time in milliseconds, or with a unit: `90s`, `30m`, `48h`, `7d`.
struct Milliseconds: ExpressibleByArgument, Hashable {
    let ms: Int64

    init?(argument: String) {
        let text = argument.trimmingWhitespace().lowercased()
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, size) in units where text.hasSuffix(suffix) {
            guard let value = Int64(text.dropLast(suffix.count)), value >= 0 else { continue }
            let (ms, overflow) = value.multipliedReportingOverflow(by: size)
            guard !overflow else { return nil }
            self.ms = ms
            return
        }
        guard let value = Int64(text), value >= 0 else { return nil }
        self.ms = value
    }
}

struct RewardOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "What the player gets. Required by 'campaigns create'.", valueName: "kind"))
    var rewardKind: RewardKindName?

    @Option(help: ArgumentHelp(
        "bonus: the amount in minor units (500 = 5.00 EUR); loyalty-points: the number of points.",
        valueName: "minor"))
    var amountMinor: Int64?

    @Option(help: ArgumentHelp("ISO 4217 currency of a bonus or deposit match, e.g. EUR.", valueName: "code"))
    var currency: String?

    @Option(help: ArgumentHelp("deposit-match: percent of the deposit (1-1000).", valueName: "n"))
    var percent: UInt32?

    @Option(help: ArgumentHelp("deposit-match: the most it grants, in minor units.", valueName: "minor"))
    var capMinor: Int64?

    @Option(help: ArgumentHelp("free-spins: how many spins.", valueName: "n"))
    var freeSpins: UInt32?

    @Option(help: ArgumentHelp("free-spins: the game the spins are for.", valueName: "id"))
    var gameId: String?

    var isEmpty: Bool {
        rewardKind == nil && amountMinor == nil && currency == nil && percent == nil && capMinor == nil
            && freeSpins == nil && gameId == nil
    }

    /// `base` with the flags given applied. A different reward kind starts from an empty reward.
    func applied(to base: Reward) -> Reward {
        var reward = base
        if let rewardKind, rewardKind.wire != base.kind {
            reward = Reward.with { $0.kind = rewardKind.wire }
        }
        if let amountMinor { reward.amountMinor = amountMinor }
        if let currency { reward.currency = currency.uppercased() }
        if let percent { reward.percent = percent }
        if let capMinor { reward.capMinor = capMinor }
        if let freeSpins { reward.freeSpins = freeSpins }
        if let gameId { reward.gameId = gameId }
        return reward
    }
}

struct EligibilityOptions: ParsableArguments {
    @Option(name: .customLong("segment"), help: ArgumentHelp(
        "Only players in this segment may redeem; repeat for any of several. Default: everyone.",
        valueName: "name"))
    var segments: [String] = []

    @Flag(inversion: .prefixedNo, help: "Only players registered within --new-user-window-ms may redeem.")
    var newUsersOnly: Bool?

    @Option(help: ArgumentHelp(
        "How new a new user is: milliseconds, or with a unit (30m, 48h, 7d).", valueName: "duration"))
    var newUserWindowMs: Milliseconds?

    @Option(help: ArgumentHelp("The smallest deposit that qualifies, in minor units.", valueName: "minor"))
    var minDepositMinor: Int64?

    @Option(name: .customLong("country"), help: ArgumentHelp(
        "Only players in this country (ISO 3166-1 alpha-2, e.g. DE) may redeem; repeat for several.",
        valueName: "code"))
    var countries: [String] = []

    @Option(help: ArgumentHelp("The lowest VIP level that may redeem.", valueName: "level"))
    var minVipLevel: UInt32?

    var isEmpty: Bool {
        segments.isEmpty && newUsersOnly == nil && newUserWindowMs == nil && minDepositMinor == nil
            && countries.isEmpty && minVipLevel == nil
    }

    /// `base` with the flags given applied; repeated lists replace the stored ones.
    func applied(to base: Eligibility) -> Eligibility {
        var eligibility = base
        if !segments.isEmpty { eligibility.segments = segments }
        if let newUsersOnly { eligibility.newUsersOnly = newUsersOnly }
        if let newUserWindowMs { eligibility.newUserWindowMs = newUserWindowMs.ms }
        if let minDepositMinor { eligibility.minDepositMinor = minDepositMinor }
        if !countries.isEmpty { eligibility.countries = countries.map { $0.uppercased() } }
        if let minVipLevel { eligibility.minVipLevel = minVipLevel }
        return eligibility
    }
}
