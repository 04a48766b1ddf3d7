/// An exclusive group of campaigns: a player may redeem the group's campaigns at most `maxPerUser` times in
/// total, whichever campaigns they pick ("one welcome offer per player" over several affiliates' campaigns).
/// A campaign is in at most one group.
public struct Group: Sendable, Hashable, Identifiable {
    /// Assigned by the server.
    public var id: String
    public var name: String
    /// Redemptions by one user over all campaigns of the group; 0 = unlimited. Lowering it below what a
    /// player already holds is allowed: it blocks that player's further redemptions and takes nothing back.
    public var maxPerUser: UInt32
    public var createdAtMs: Int64

    public init(id: String, name: String, maxPerUser: UInt32, createdAtMs: Int64) {
        self.id = id
        self.name = name
        self.maxPerUser = maxPerUser
        self.createdAtMs = createdAtMs
    }

    /// Checks a group as it would be stored, after creation or after an update has been applied.
    public func validate(limits: DomainLimits = .default) throws(DomainError) {
        try FieldRules.requireIdentifier(id, field: "group.id", limits: limits)
        if name.allSatisfy(\.isWhitespace) { throw .invalidArgument("group.name: must not be empty") }
        try FieldRules.requireText(name, field: "group.name", bytesMax: limits.nameBytesMax)
        if createdAtMs < 0 { throw .invalidArgument("group.createdAtMs: must not be negative") }
    }
}
