/// An API key as stored: never the secret itself, only its SHA-256 digest.
public struct ApiKeyRecord: Sendable, Hashable {
    public var id: String
    public var name: String
    /// One of redeemer, issuer, analyst, manager, admin (checked by the schema).
    public var role: String
    public var secretSHA256: [UInt8]
    public var campaignIds: [String]
    public var createdAtMs: Int64
    public var revokedAtMs: Int64?

    public init(
        id: String, name: String, role: String, secretSHA256: [UInt8], campaignIds: [String] = [],
        createdAtMs: Int64, revokedAtMs: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.secretSHA256 = secretSHA256
        self.campaignIds = campaignIds
        self.createdAtMs = createdAtMs
        self.revokedAtMs = revokedAtMs
    }
}

/// One back-office change: who (key), what, when.
public struct AuditEntry: Sendable, Hashable {
    public var atMs: Int64
    public var actorKeyId: String
    public var action: String
    public var target: String
    public var detail: String

    public init(atMs: Int64, actorKeyId: String, action: String, target: String, detail: String = "") {
        self.atMs = atMs
        self.actorKeyId = actorKeyId
        self.action = action
        self.target = target
        self.detail = detail
    }
}
