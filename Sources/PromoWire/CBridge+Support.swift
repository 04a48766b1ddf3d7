import CPromoProto

// Hand-written bridge of the support-desk messages (issue 17), in the style of CBridge+Calls.swift.

extension RuleCheck: CBridged {
    init(c: UnsafePointer<Promo__V1__RuleCheck>) throws(WireError) {
        let m = c.pointee
        rule = try CDecode.string(m.rule, "rule_check.rule")
        passed = CDecode.bool(m.passed)
        detail = try CDecode.string(m.detail, "rule_check.detail")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__RuleCheck> {
        let c = arena.make(Promo__V1__RuleCheck.self) { promo__v1__rule_check__init($0) }
        c.pointee.rule = arena.cString(rule)
        c.pointee.passed = arena.cBool(passed)
        c.pointee.detail = arena.cString(detail)
        return c
    }
}

extension GetCodeRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__GetCodeRequest>) throws(WireError) {
        code = try CDecode.string(c.pointee.code, "get_code.code")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__GetCodeRequest> {
        let c = arena.make(Promo__V1__GetCodeRequest.self) { promo__v1__get_code_request__init($0) }
        c.pointee.code = arena.cString(code)
        return c
    }
}

extension GetCodeResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__GetCodeResponse>) throws(WireError) {
        code = try CDecode.message(c.pointee.code)
        campaign = try CDecode.message(c.pointee.campaign)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__GetCodeResponse> {
        let c = arena.make(Promo__V1__GetCodeResponse.self) { promo__v1__get_code_response__init($0) }
        c.pointee.code = arena.cMessage(code)
        c.pointee.campaign = arena.cMessage(campaign)
        return c
    }
}
