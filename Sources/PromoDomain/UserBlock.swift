/// A player disqualified from promotions: every validate, redeem and offer answers `userBlocked`, and grants
/// are refused, from `createdAtMs` until `untilMs` (0 = indefinitely). `campaignId` nil blocks every campaign.
public struct UserBlock: Sendable, Hashable {
    public var id: String
    public var userId: String
    public var reason: String
    /// Exclusive end; 0 = indefinitely.
    public var untilMs: Int64
    /// Nil: every campaign.
    public var campaignId: String?
    public var createdAtMs: Int64
    /// The API key that made the block.
    public var createdBy: String

    public init(
        id: String, userId: String, reason: String, untilMs: Int64 = 0, campaignId: String? = nil,
        createdAtMs: Int64, createdBy: String
    ) {
        self.id = id
        self.userId = userId
        self.reason = reason
        self.untilMs = untilMs
        self.campaignId = campaignId
        self.createdAtMs = createdAtMs
        self.createdBy = createdBy
    }

    /// In force at `nowMs`.
    public func isInForce(nowMs: Int64) -> Bool { untilMs == 0 || nowMs < untilMs }

    /// Applies to a redemption of `campaignId` (nil: a call with no campaign found, which only a global
    /// block refuses).
    public func covers(campaignId: String?) -> Bool {
        self.campaignId == nil || self.campaignId == campaignId
    }

    public func validate(limits: DomainLimits = .default) throws(DomainError) {
        try FieldRules.requireIdentifier(userId, field: "user_id", limits: limits)
        if let campaignId { try FieldRules.requireIdentifier(campaignId, field: "campaign_id", limits: limits) }
        let reasonBytes = reason.utf8.count
        if reasonBytes < 1 || reasonBytes > limits.blockReasonBytesMax {
            throw .invalidArgument("reason: must be 1...\(limits.blockReasonBytesMax) bytes")
        }
        if untilMs < 0 { throw .invalidArgument("until_ms: must not be negative (0 = indefinitely)") }
        if untilMs != 0 && untilMs <= createdAtMs { throw .invalidArgument("until_ms: must be in the future") }
    }
}

extension CodeText {
    /// The entry of an auto-apply campaign's codeless redemptions: every validate or redeem by campaign id
    /// goes through it, so limits, reservations, history and reports work as for a code. No typed code can
    /// reach it (its key is not letters and digits), and its display is empty: history shows no code.
    public static func autoEntry(campaignId: String) -> CodeText {
        CodeText(keyBytes: Array((autoEntryPrefix + campaignId).utf8), displayBytes: [])
    }

    /// Every auto-entry key starts with this (no typed code can: keys are letters and digits).
    public static let autoEntryPrefix = "~auto:"

    /// True for `autoEntry` keys.
    public var isAutoEntry: Bool { key.hasPrefix(Self.autoEntryPrefix) }
}
