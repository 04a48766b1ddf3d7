/// What code batches and code listings are in storage: the values `CodeStorage` takes and returns.

/// A set of codes issued together: a generated batch, an import, or one personal code.
public struct CodeBatch: Sendable, Hashable {
    public enum Kind: String, Sendable { case generated, imported, personal }

    public var id: String
    public var campaignId: String
    public var kind: Kind
    /// The pattern template of a generated batch ("" otherwise): codes issued under one template share
    /// one space, which is what the guessability guard counts.
    public var template: String
    public var requested: UInt64
    public var created: UInt64
    public var maxUses: UInt64
    public var ownerId: String?
    public var apiKeyId: String
    public var idempotencyKey: String?
    public var createdAtMs: Int64

    public init(
        id: String, campaignId: String, kind: Kind, template: String, requested: UInt64, created: UInt64 = 0,
        maxUses: UInt64, ownerId: String?, apiKeyId: String, idempotencyKey: String?, createdAtMs: Int64
    ) {
        self.id = id
        self.campaignId = campaignId
        self.kind = kind
        self.template = template
        self.requested = requested
        self.created = created
        self.maxUses = maxUses
        self.ownerId = ownerId
        self.apiKeyId = apiKeyId
        self.idempotencyKey = idempotencyKey
        self.createdAtMs = createdAtMs
    }
}

/// Which codes an export wants.
public struct CodeFilter: Sendable, Hashable {
    public enum Usage: Sendable { case any, used, unused }
    public var campaignId: String
    public var batchId: String?
    public var ownerId: String?
    public var usage: Usage
    public init(campaignId: String, batchId: String? = nil, ownerId: String? = nil, usage: Usage = .any) {
        self.campaignId = campaignId
        self.batchId = batchId
        self.ownerId = ownerId
        self.usage = usage
    }
}

/// One code of a listing, with its position: the cursor after which the next page starts. Positions grow in
/// the order codes were issued and are meaningful only to the store that gave them (never shown as a count).
public struct ListedCode: Sendable, Hashable {
    public var position: Int64
    public var code: PromoCode
    public init(position: Int64, code: PromoCode) {
        self.position = position
        self.code = code
    }
}

/// What `CodeStorage.openBatch` found or did.
public enum BatchOpening: Sendable, Hashable {
    /// The batch was stored (with `created` 0) and its audit entry appended.
    case opened(CodeBatch)
    /// The caller's key opened a batch with this idempotency key before: that batch as stored now (its
    /// `created` says how far it got), and its first codes in the order they were issued. Nothing was written.
    case existing(CodeBatch, firstCodes: [PromoCode])
}

/// What `CodeStorage.issuePersonalCode` found or did.
public enum PersonalCodeIssue: Sendable, Hashable {
    /// The owner already had a code in the campaign: that code. Nothing was written.
    case existing(PromoCode)
    /// The first candidate that was free, stored with its batch and the audit entry.
    case issued(PromoCode)
    /// Every candidate was taken (by key, in any campaign). Nothing was written.
    case noFreeCandidate
}

/// What `CodeStorage.fillBatch` put in.
public struct BatchFill: Sendable, Hashable {
    /// Codes inserted (the rest collided with existing codes and were skipped).
    public var inserted: Int
    /// The first inserted codes, in the order given, as many as asked for.
    public var firstInserted: [CodeText]
    public init(inserted: Int, firstInserted: [CodeText]) {
        self.inserted = inserted
        self.firstInserted = firstInserted
    }
}

/// Why `CodeStorage.importCodes` left a code out.
public enum ImportRefusal: Sendable, Hashable {
    /// The same code (by key) came earlier in this import and was imported.
    case repeatedInImport
    /// The same owner came earlier in this import with a code that was imported.
    case ownerRepeatedInImport
    /// The code exists already (in any campaign).
    case codeExists
    /// The owner already has a code in this campaign.
    case ownerHasCode
}

/// One code `CodeStorage.importCodes` left out: its index in the codes passed in, and why.
public struct RefusedImport: Sendable, Hashable {
    public var index: Int
    public var reason: ImportRefusal
    public init(index: Int, reason: ImportRefusal) {
        self.index = index
        self.reason = reason
    }
}

/// What `CodeStorage.importCodes` did.
public struct CodeImport: Sendable, Hashable {
    /// Codes stored. 0 means the batch was dropped again: no row, no id.
    public var imported: Int
    /// Codes left out, in the order they were passed in.
    public var refused: [RefusedImport]
    public init(imported: Int, refused: [RefusedImport]) {
        self.imported = imported
        self.refused = refused
    }
}
