/// The player as the game server describes them on each call. We keep no profile of our own: the game
/// server is the authority on who the player is.
public struct UserContext: Sendable, Hashable {
    public var userId: String
    public var segments: [String]
    /// Nil when the game server does not know it (the wire sends 0).
    public var registeredAtMs: Int64?
    /// ISO 3166-1 alpha-2, either case; empty when unknown.
    public var country: String
    public var vipLevel: UInt32
    /// Kept for rate limiting and audit; no rule reads it.
    public var ip: String
    public var deviceId: String

    public init(
        userId: String,
        segments: [String] = [],
        registeredAtMs: Int64? = nil,
        country: String = "",
        vipLevel: UInt32 = 0,
        ip: String = "",
        deviceId: String = ""
    ) {
        self.userId = userId
        self.segments = segments
        self.registeredAtMs = registeredAtMs
        self.country = country
        self.vipLevel = vipLevel
        self.ip = ip
        self.deviceId = deviceId
    }

    public func validate(limits: DomainLimits = .default, field: String = "user") throws(DomainError) {
        try FieldRules.requireIdentifier(userId, field: "\(field).userId", limits: limits)
        try FieldRules.requireSegments(
            segments, field: "\(field).segments", countMax: limits.segmentsPerUserMax, limits: limits)
        if let registeredAtMs, registeredAtMs <= 0 {
            throw .invalidArgument("\(field).registeredAtMs: must be positive when known")
        }
        if !country.isEmpty && !ASCII.isCountryCode(country) {
            throw .invalidArgument("\(field).country: must be an ISO 3166-1 alpha-2 code or empty")
        }
        try FieldRules.requireText(ip, field: "\(field).ip", bytesMax: limits.ipBytesMax)
        try FieldRules.requireText(deviceId, field: "\(field).deviceId", bytesMax: limits.idBytesMax)
    }
}
