/// What an API key may do. Raw values are the role names on the wire and in storage.
public enum Role: String, Sendable, Hashable, CaseIterable {
    /// Game servers.
    case redeemer
    /// Affiliate services; which campaigns they may touch is checked elsewhere, against the key.
    case issuer
    /// Read-only reporting and support: looks codes up and explains verdicts.
    case analyst
    /// Runs campaigns and codes; everything except API keys and whole-database operations.
    case manager
    case admin

    public func allows(_ operation: Operation) -> Bool {
        if operation == .hello { return true }
        switch self {
        case .redeemer:
            return [.validate, .redeem, .rewardHistory, .offers].contains(operation)
        case .issuer:
            return [.generate, .exportCodes].contains(operation)
        case .analyst:
            return [
                .report, .getCampaign, .listCampaigns, .rewardHistory, .exportCodes, .getCode, .validateExplain,
                .offers, .compareCampaigns,
            ].contains(operation)
        case .manager:
            return !operation.isAdministration
        case .admin:
            return true
        }
    }
}
