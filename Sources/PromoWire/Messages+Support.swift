// Hand-written Swift mirrors of the support-desk messages of promo.proto (issue 17), in the mechanical
// naming of Messages.swift, kept apart so they can be dropped when the generated bridge replaces them.

public struct RuleCheck: WireMessage {
    public var rule = ""
    public var passed = false
    public var detail = ""
    public init() {}
}

public struct GetCodeRequest: WireMessage {
    public var code = ""
    public init() {}
}

public struct GetCodeResponse: WireMessage {
    public var code: CodeInfo?
    public var campaign: Campaign?
    public init() {}
}
