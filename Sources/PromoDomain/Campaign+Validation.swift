extension Campaign {
    /// Checks a campaign as it would be stored, after creation or after an update has been applied:
    /// the same rules hold either way, so there is one function.
    public func validate(limits: DomainLimits = .default) throws(DomainError) {
        try FieldRules.requireIdentifier(id, field: "campaign.id", limits: limits)
        if name.allSatisfy(\.isWhitespace) {
            throw .invalidArgument("campaign.name: must not be empty")
        }
        try FieldRules.requireText(name, field: "campaign.name", bytesMax: limits.nameBytesMax)
        try reward.validate(limits: limits, field: "campaign.reward")
        if startsAtMs < 0 { throw .invalidArgument("campaign.startsAtMs: must not be negative") }
        if expiresAtMs < 0 {
            throw .invalidArgument("campaign.expiresAtMs: must not be negative (0 = never)")
        }
        if expiresAtMs != 0 && expiresAtMs <= startsAtMs {
            throw .invalidArgument("campaign.expiresAtMs: must be after startsAtMs (or 0 = never)")
        }
        try eligibility.validate(limits: limits, field: "campaign.eligibility")
        try FieldRules.requireText(source, field: "campaign.source", bytesMax: limits.sourceBytesMax)
        if createdAtMs < 0 { throw .invalidArgument("campaign.createdAtMs: must not be negative") }
        if let groupId { try FieldRules.requireIdentifier(groupId, field: "campaign.group_id", limits: limits) }
        if budgetMinor < 0 || budgetMinor > limits.budgetMax {
            throw .invalidArgument("campaign.budget_minor: must be 0 (no budget) ... \(limits.budgetMax)")
        }
    }
}
