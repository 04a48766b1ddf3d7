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

    /// Whether `user` passes every rule except the minimum deposit: each of the four checks below, which
    /// an explained validate reports one by one.
    public func admits(_ user: UserContext, nowMs: Int64) -> Bool {
        admitsSegment(of: user) && admitsNewUser(user, nowMs: nowMs) && admitsCountry(of: user)
            && admitsVipLevel(of: user)
    }

    /// The user is in at least one of `segments` (any user when there are none).
    public func admitsSegment(of user: UserContext) -> Bool {
        guard !segments.isEmpty else { return true }
        return user.segments.contains { userSegment in
            segments.contains { ASCII.equalsIgnoringCase($0, userSegment) }
        }
    }

    /// New users: the user registered at most `newUserWindowMs` before `nowMs`. An unknown
    /// registration time fails, since an unproven claim to be new must not unlock a welcome offer. A
    /// registration time after `nowMs` counts as just now: it is clock skew between the game server and
    /// us, and the player is as new as can be.
    public func admitsNewUser(_ user: UserContext, nowMs: Int64) -> Bool {
        guard newUsersOnly else { return true }
        guard let registeredAtMs = user.registeredAtMs else { return false }
        let (ageMs, overflow) = nowMs.subtractingReportingOverflow(registeredAtMs)
        return !overflow && ageMs <= newUserWindowMs
    }

    /// The user's country is one of `countries` (anywhere when there are none).
    public func admitsCountry(of user: UserContext) -> Bool {
        countries.isEmpty || countries.contains(where: { ASCII.equalsIgnoringCase($0, user.country) })
    }

    public func admitsVipLevel(of user: UserContext) -> Bool { user.vipLevel >= minVipLevel }
}
