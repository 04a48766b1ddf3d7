extension Reward {
    /// Checks a reward an operator is about to store. `field` prefixes messages (e.g. "campaign.reward").
    public func validate(
        limits: DomainLimits = .default, field: String = "reward"
    ) throws(DomainError) {
        switch self {
        case .bonus(let amountMinor, let currency):
            if amountMinor <= 0 || amountMinor > limits.rewardAmountMax {
                throw .invalidArgument("\(field).amountMinor: \(amountMinor), must be 1...\(limits.rewardAmountMax)")
            }
            try FieldRules.requireCurrency(currency, field: "\(field).currency")
        case .depositMatch(let percent, let capMinor, let currency):
            if percent < 1 || percent > limits.depositMatchPercentMax {
                throw .invalidArgument(
                    "\(field).percent: \(percent), must be 1...\(limits.depositMatchPercentMax)")
            }
            // A zero cap would grant nothing; an uncapped match is an unbounded liability.
            if capMinor <= 0 || capMinor > limits.rewardAmountMax {
                throw .invalidArgument("\(field).capMinor: \(capMinor), must be 1...\(limits.rewardAmountMax)")
            }
            try FieldRules.requireCurrency(currency, field: "\(field).currency")
        case .freeSpins(let count, let gameId):
            if count < 1 || count > limits.freeSpinsMax {
                throw .invalidArgument("\(field).count: \(count), must be 1...\(limits.freeSpinsMax)")
            }
            try FieldRules.requireIdentifier(gameId, field: "\(field).gameId", limits: limits)
        case .loyaltyPoints(let amount):
            if amount <= 0 || amount > limits.rewardAmountMax {
                throw .invalidArgument("\(field).amount: \(amount), must be 1...\(limits.rewardAmountMax)")
            }
        }
    }
}
