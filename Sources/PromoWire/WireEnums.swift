// Proto3 enums are open: a peer built from a newer promo.proto may send values this build does not know.
// Each enum is therefore a struct over the raw number with named constants, so unknown values survive
// decoding and the layer that understands them (the server's mapping) decides whether they are an error.

public protocol OpenEnum: RawRepresentable, Hashable, Sendable, CustomStringConvertible where RawValue == Int32 {
    static var names: [Int32: String] { get }
}

extension OpenEnum {
    public var description: String { Self.names[rawValue] ?? "\(rawValue)" }
    public var isKnown: Bool { Self.names[rawValue] != nil }
}

public struct StatusCode: OpenEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let ok = Self(rawValue: 0)
    public static let invalidArgument = Self(rawValue: 3)
    public static let notFound = Self(rawValue: 5)
    public static let alreadyExists = Self(rawValue: 6)
    public static let permissionDenied = Self(rawValue: 7)
    public static let resourceExhausted = Self(rawValue: 8)
    public static let failedPrecondition = Self(rawValue: 9)
    public static let unimplemented = Self(rawValue: 12)
    public static let `internal` = Self(rawValue: 13)
    public static let unavailable = Self(rawValue: 14)
    public static let unauthenticated = Self(rawValue: 16)

    public static let names: [Int32: String] = [
        0: "OK", 3: "INVALID_ARGUMENT", 5: "NOT_FOUND", 6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED",
        8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION", 12: "UNIMPLEMENTED", 13: "INTERNAL",
        14: "UNAVAILABLE", 16: "UNAUTHENTICATED",
    ]
}

public struct Verdict: OpenEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let unspecified = Self(rawValue: 0)
    public static let ok = Self(rawValue: 1)
    public static let codeNotFound = Self(rawValue: 2)
    public static let codeInactive = Self(rawValue: 3)
    public static let campaignInactive = Self(rawValue: 4)
    public static let notYetValid = Self(rawValue: 5)
    public static let expired = Self(rawValue: 6)
    public static let limitReached = Self(rawValue: 7)
    public static let userLimitReached = Self(rawValue: 8)
    public static let notEligible = Self(rawValue: 9)
    public static let minDepositNotMet = Self(rawValue: 10)
    public static let rateLimited = Self(rawValue: 11)
    public static let codeLimitReached = Self(rawValue: 12)
    public static let reservationNotFound = Self(rawValue: 13)
    public static let reservationExpired = Self(rawValue: 14)
    public static let groupLimitReached = Self(rawValue: 15)

    public static let names: [Int32: String] = [
        0: "UNSPECIFIED", 1: "OK", 2: "CODE_NOT_FOUND", 3: "CODE_INACTIVE", 4: "CAMPAIGN_INACTIVE",
        5: "NOT_YET_VALID", 6: "EXPIRED", 7: "LIMIT_REACHED", 8: "USER_LIMIT_REACHED", 9: "NOT_ELIGIBLE",
        10: "MIN_DEPOSIT_NOT_MET", 11: "RATE_LIMITED", 12: "CODE_LIMIT_REACHED", 13: "RESERVATION_NOT_FOUND",
        14: "RESERVATION_EXPIRED", 15: "GROUP_LIMIT_REACHED",
    ]
}

public struct RewardKind: OpenEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let unspecified = Self(rawValue: 0)
    public static let bonus = Self(rawValue: 1)
    public static let depositMatch = Self(rawValue: 2)
    public static let freeSpins = Self(rawValue: 3)
    public static let loyaltyPoints = Self(rawValue: 4)

    public static let names: [Int32: String] = [
        0: "UNSPECIFIED", 1: "BONUS", 2: "DEPOSIT_MATCH", 3: "FREE_SPINS", 4: "LOYALTY_POINTS",
    ]
}

public struct CampaignKind: OpenEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let unspecified = Self(rawValue: 0)
    public static let welcome = Self(rawValue: 1)
    public static let deposit = Self(rawValue: 2)
    public static let freeSpins = Self(rawValue: 3)
    public static let vip = Self(rawValue: 4)
    public static let affiliate = Self(rawValue: 5)
    public static let seasonal = Self(rawValue: 6)
    public static let other = Self(rawValue: 7)

    public static let names: [Int32: String] = [
        0: "UNSPECIFIED", 1: "WELCOME", 2: "DEPOSIT", 3: "FREE_SPINS", 4: "VIP", 5: "AFFILIATE",
        6: "SEASONAL", 7: "OTHER",
    ]
}

public struct CodeUsage: OpenEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let any = Self(rawValue: 0)
    public static let used = Self(rawValue: 1)
    public static let unused = Self(rawValue: 2)

    public static let names: [Int32: String] = [0: "ANY", 1: "USED", 2: "UNUSED"]
}

public struct BucketWidth: OpenEnum {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let auto = Self(rawValue: 0)
    public static let hour = Self(rawValue: 1)
    public static let day = Self(rawValue: 2)

    public static let names: [Int32: String] = [0: "AUTO", 1: "HOUR", 2: "DAY"]
}
