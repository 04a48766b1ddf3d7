extension Eligibility {
    public func validate(
        limits: DomainLimits = .default, field: String = "eligibility"
    ) throws(DomainError) {
        try FieldRules.requireSegments(
            segments, field: "\(field).segments", countMax: limits.segmentsPerCampaignMax,
            limits: limits)
        if newUserWindowMs < 0 {
            throw .invalidArgument("\(field).newUserWindowMs: must not be negative")
        }
        // Without a window no one could ever count as new, and the campaign would be dead on arrival.
        if newUsersOnly && newUserWindowMs == 0 {
            throw .invalidArgument("\(field).newUserWindowMs: must be positive with newUsersOnly")
        }
        if minDepositMinor < 0 {
            throw .invalidArgument("\(field).minDepositMinor: must not be negative")
        }
        if countries.count > limits.countriesPerCampaignMax {
            throw .invalidArgument(
                "\(field).countries: \(countries.count), at most \(limits.countriesPerCampaignMax)")
        }
        for (index, country) in countries.enumerated() where !ASCII.isCountryCode(country) {
            throw .invalidArgument(
                "\(field).countries[\(index)]: must be an ISO 3166-1 alpha-2 code (two letters)")
        }
    }
}
