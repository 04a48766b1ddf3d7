/// Every bound the domain enforces, with its default. Lengths of free text are in UTF-8 bytes because
/// that is what the wire and the store pay for; code lengths are in canonical characters (ASCII only).
public struct DomainLimits: Sendable, Hashable {
    /// Canonical code characters (A–Z, 0–9; separators not counted).
    public var codeLengthMax: Int = 64
    /// Raw code text as received, before trimming. Bounds the work spent on hostile input and the size
    /// of the stored display form.
    public var codeInputBytesMax: Int = 256
    /// A pattern with its prefix and suffix, separators included.
    public var patternLengthMax: Int = 128
    /// Campaign names.
    public var nameBytesMax: Int = 200
    /// Any identifier: campaign, user, owner, batch, game, device.
    public var idBytesMax: Int = 128
    /// A campaign's or a redemption's source label.
    public var sourceBytesMax: Int = 128
    /// A block's reason (block_user).
    public var blockReasonBytesMax: Int = 500
    /// One segment name.
    public var segmentBytesMax: Int = 64
    /// Segments sent with one user.
    public var segmentsPerUserMax: Int = 64
    /// Segments a campaign may target.
    public var segmentsPerCampaignMax: Int = 64
    /// Countries a campaign may target; ISO 3166-1 has 249, so this admits them all.
    public var countriesPerCampaignMax: Int = 250
    /// An IP address as text; the longest IPv6 form with a zone fits.
    public var ipBytesMax: Int = 64
    /// Deposit-match percentages run from 1 to this (1000 = ten times the deposit).
    public var depositMatchPercentMax: UInt32 = 1000
    /// Free spins granted by one redemption.
    public var freeSpinsMax: UInt32 = 10_000
    /// A bonus amount, a deposit match's cap and a loyalty-points amount at most (1e10: 100 million in a
    /// currency of 2 decimals). The report totals add rewards up per campaign and hour in 64-bit integers:
    /// at this bound Int64.max / 1e10 ≈ 922 million redemptions fit in one hour's total, over 250,000 per
    /// second, beyond what the single writer commits, so those sums cannot overflow.
    public var rewardAmountMax: Int64 = 10_000_000_000
    /// A deposit sent with a validate or redeem at most (1e12: 10 billion in a currency of 2 decimals). The
    /// report totals add deposits up per campaign, hour and currency: Int64.max / 1e12 ≈ 9.2 million
    /// deposits of this size in one hour, and the sums saturate beyond that rather than fail the redeem.
    public var depositAmountMax: Int64 = 1_000_000_000_000
    /// A campaign budget at most (1e15 minor units, spins or points): far above any promotion, and the spend
    /// it bounds, each reward at most `rewardAmountMax`, stays far from Int64.max.
    public var budgetMax: Int64 = 1_000_000_000_000_000
    /// The highest acceptable chance that one random guess hits a live code of a pattern.
    public var guessProbabilityMax: Double = 1.0 / 10_000

    public init() {}

    public static let `default` = DomainLimits()
}
