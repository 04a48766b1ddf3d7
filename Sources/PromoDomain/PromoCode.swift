/// One redeemable code of a campaign.
public struct PromoCode: Sendable, Hashable {
    public var code: CodeText
    public var campaignId: String
    /// Redemptions of this code over all users; 0 = unlimited (the campaign's limits still apply).
    public var maxUses: UInt64
    /// Redemptions not voided. Shown and exported; the redemption rules read `UsageSnapshot` instead,
    /// which the store fills inside the redeeming transaction.
    public var uses: UInt64
    public var isActive: Bool
    /// Who the code is attributed to (an affiliate, a streamer), for reports. It does not restrict who
    /// may redeem.
    public var ownerId: String?
    /// The generate or import call that created the code.
    public var batchId: String?
    public var createdAtMs: Int64

    public init(
        code: CodeText,
        campaignId: String,
        maxUses: UInt64 = 0,
        uses: UInt64 = 0,
        isActive: Bool = true,
        ownerId: String? = nil,
        batchId: String? = nil,
        createdAtMs: Int64 = 0
    ) {
        self.code = code
        self.campaignId = campaignId
        self.maxUses = maxUses
        self.uses = uses
        self.isActive = isActive
        self.ownerId = ownerId
        self.batchId = batchId
        self.createdAtMs = createdAtMs
    }

    /// The code text is valid by construction; this checks the references.
    public func validate(limits: DomainLimits = .default, field: String = "code") throws(DomainError) {
        try FieldRules.requireIdentifier(campaignId, field: "\(field).campaignId", limits: limits)
        if let ownerId {
            try FieldRules.requireIdentifier(ownerId, field: "\(field).ownerId", limits: limits)
        }
        if let batchId {
            try FieldRules.requireIdentifier(batchId, field: "\(field).batchId", limits: limits)
        }
        if createdAtMs < 0 { throw .invalidArgument("\(field).createdAtMs: must not be negative") }
    }
}
