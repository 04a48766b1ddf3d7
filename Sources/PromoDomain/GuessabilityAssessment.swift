/// Whether issuing more codes under a pattern keeps them hard to guess.
///
/// The measure is the chance that one uniformly random guess of the pattern's shape hits a live code:
/// live codes / space size. Rate limiting bounds how many guesses an attacker gets; this bounds what
/// each guess is worth. It also keeps generation cheap, since a fresh draw collides with an existing
/// code with the same small probability.
public struct GuessabilityAssessment: Sendable, Hashable {
    public let spaceSize: UInt64
    /// Live codes already issued under the pattern.
    public let issuedCount: UInt64
    public let requestedCount: UInt64
    /// `issuedCount + requestedCount`, saturating.
    public let liveCountAfter: UInt64
    /// `liveCountAfter / spaceSize`; above 1 when the space cannot hold that many codes at all.
    public let hitProbability: Double
    public let hitProbabilityMax: Double

    /// - Precondition: `hitProbabilityMax` is in (0, 1]; it comes from validated configuration.
    public init(
        spaceSize: UInt64,
        issuedCount: UInt64,
        requestedCount: UInt64,
        hitProbabilityMax: Double = DomainLimits.default.guessProbabilityMax
    ) {
        precondition(
            hitProbabilityMax > 0 && hitProbabilityMax <= 1,
            "GuessabilityAssessment: hitProbabilityMax must be in (0, 1]")
        let (sum, overflow) = issuedCount.addingReportingOverflow(requestedCount)
        self.spaceSize = spaceSize
        self.issuedCount = issuedCount
        self.requestedCount = requestedCount
        self.liveCountAfter = overflow ? .max : sum
        self.hitProbability = spaceSize == 0 ? .infinity : Double(liveCountAfter) / Double(spaceSize)
        self.hitProbabilityMax = hitProbabilityMax
    }

    // The integer comparison is not redundant: with large figures the Double ratio can round down to
    // exactly 1 although the space is one code short.
    public var isAcceptable: Bool {
        liveCountAfter <= spaceSize && hitProbability <= hitProbabilityMax
    }

    /// The most live codes the space holds within the bound.
    public var liveCountMax: UInt64 {
        let bound = (Double(spaceSize) * hitProbabilityMax).rounded(.down)
        // Double(UInt64.max) rounds up to 2^64, which UInt64 cannot hold.
        return bound >= Double(UInt64.max) ? .max : UInt64(bound)
    }

    /// How many more codes could be requested now, given those already issued.
    public var requestableCountMax: UInt64 {
        liveCountMax > issuedCount ? liveCountMax - issuedCount : 0
    }

    /// Throws `failedPrecondition` with the figures an operator needs to choose a longer pattern.
    public func requireAcceptable() throws(DomainError) {
        if isAcceptable { return }
        throw .failedPrecondition(
            "pattern: \(spaceSize) possible codes cannot hold \(issuedCount) issued + \(requestedCount) "
                + "requested codes within a guess probability of \(hitProbabilityMax) "
                + "(would be \(hitProbability)); at most \(requestableCountMax) more, "
                + "or use a longer pattern")
    }
}
