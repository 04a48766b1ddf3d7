/// How many more redemptions a limit admits. Unlimited is its own case, not a sentinel number, so it
/// cannot be mistaken for "none left" or summed by accident.
public enum UsesRemaining: Sendable, Hashable {
    case unlimited
    case limited(UInt64)

    /// What is left of `max` (0 = unlimited) after `used`, never below zero.
    public init(max: UInt64, used: UInt64) {
        self = max == 0 ? .unlimited : .limited(max > used ? max - used : 0)
    }

    public var isExhausted: Bool { self == .limited(0) }

    /// The tighter of two limits.
    public func combined(with other: UsesRemaining) -> UsesRemaining {
        switch (self, other) {
        case (.unlimited, _): other
        case (_, .unlimited): self
        case (.limited(let lhs), .limited(let rhs)): .limited(Swift.min(lhs, rhs))
        }
    }
}
