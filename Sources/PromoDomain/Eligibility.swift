/// Who may redeem a campaign's codes. Every rule must pass; an empty list means "no restriction".
public struct Eligibility: Sendable, Hashable {
    /// The user must be in at least one of these (compared ignoring ASCII case).
    public var segments: [String]
    public var newUsersOnly: Bool
    /// With `newUsersOnly`: how long after registration a user still counts as new.
    public var newUserWindowMs: Int64
    /// In the reward's currency when it has one. Checked apart from the other rules because it yields
    /// its own verdict (`minDepositNotMet`): the player can still fix it.
    public var minDepositMinor: Int64
    /// ISO 3166-1 alpha-2; the user's country must be one of these (compared ignoring case).
    public var countries: [String]
    public var minVipLevel: UInt32

    public init(
        segments: [String] = [],
        newUsersOnly: Bool = false,
        newUserWindowMs: Int64 = 0,
        minDepositMinor: Int64 = 0,
        countries: [String] = [],
        minVipLevel: UInt32 = 0
    ) {
        self.segments = segments
        self.newUsersOnly = newUsersOnly
        self.newUserWindowMs = newUserWindowMs
        self.minDepositMinor = minDepositMinor
        self.countries = countries
        self.minVipLevel = minVipLevel
    }

    public static let everyone = Eligibility()

    /// Whether `user` passes every rule except the minimum deposit.
    ///
    /// New users: the user registered at most `newUserWindowMs` before `nowMs`. An unknown
    /// registration time fails, since an unproven claim to be new must not unlock a welcome offer. A
    /// registration time after `nowMs` counts as just now: it is clock skew between the game server and
    /// us, and the player is as new as can be.
    public func admits(_ user: UserContext, nowMs: Int64) -> Bool {
        if !segments.isEmpty {
            let inSegment = user.segments.contains { userSegment in
                segments.contains { ASCII.equalsIgnoringCase($0, userSegment) }
            }
            if !inSegment { return false }
        }
        if newUsersOnly {
            guard let registeredAtMs = user.registeredAtMs else { return false }
            let (ageMs, overflow) = nowMs.subtractingReportingOverflow(registeredAtMs)
            if overflow || ageMs > newUserWindowMs { return false }
        }
        if !countries.isEmpty {
            if !countries.contains(where: { ASCII.equalsIgnoringCase($0, user.country) }) {
                return false
            }
        }
        return user.vipLevel >= minVipLevel
    }
}
