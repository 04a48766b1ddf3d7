import CPromoProto

// The C bridge of the exclusive-group messages, by hand in the style of CBridge+Calls.swift until the
// generated bridge lands.

extension Group: CBridged {
    init(c: UnsafePointer<Promo__V1__Group>) throws(WireError) {
        id = try CDecode.string(c.pointee.id, "group.id")
        name = try CDecode.string(c.pointee.name, "group.name")
        maxPerUser = c.pointee.max_per_user
        createdAtMs = c.pointee.created_at_ms
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__Group> {
        let c = arena.make(Promo__V1__Group.self) { promo__v1__group__init($0) }
        c.pointee.id = arena.cString(id)
        c.pointee.name = arena.cString(name)
        c.pointee.max_per_user = maxPerUser
        c.pointee.created_at_ms = createdAtMs
        return c
    }
}

extension CreateGroupRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__CreateGroupRequest>) throws(WireError) {
        name = try CDecode.string(c.pointee.name, "create_group.name")
        maxPerUser = c.pointee.max_per_user
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__CreateGroupRequest> {
        let c = arena.make(Promo__V1__CreateGroupRequest.self) { promo__v1__create_group_request__init($0) }
        c.pointee.name = arena.cString(name)
        c.pointee.max_per_user = maxPerUser
        return c
    }
}

extension CreateGroupResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__CreateGroupResponse>) throws(WireError) {
        group = try CDecode.message(c.pointee.group)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__CreateGroupResponse> {
        let c = arena.make(Promo__V1__CreateGroupResponse.self) { promo__v1__create_group_response__init($0) }
        c.pointee.group = arena.cMessage(group)
        return c
    }
}

extension GetGroupRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__GetGroupRequest>) throws(WireError) {
        groupId = try CDecode.string(c.pointee.group_id, "get_group.group_id")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__GetGroupRequest> {
        let c = arena.make(Promo__V1__GetGroupRequest.self) { promo__v1__get_group_request__init($0) }
        c.pointee.group_id = arena.cString(groupId)
        return c
    }
}

extension GetGroupResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__GetGroupResponse>) throws(WireError) {
        group = try CDecode.message(c.pointee.group)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__GetGroupResponse> {
        let c = arena.make(Promo__V1__GetGroupResponse.self) { promo__v1__get_group_response__init($0) }
        c.pointee.group = arena.cMessage(group)
        return c
    }
}

extension ListGroupsRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__ListGroupsRequest>) throws(WireError) {
        pageToken = try CDecode.string(c.pointee.page_token, "list_groups.page_token")
        pageSize = c.pointee.page_size
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ListGroupsRequest> {
        let c = arena.make(Promo__V1__ListGroupsRequest.self) { promo__v1__list_groups_request__init($0) }
        c.pointee.page_token = arena.cString(pageToken)
        c.pointee.page_size = pageSize
        return c
    }
}

extension ListGroupsResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__ListGroupsResponse>) throws(WireError) {
        groups = try CDecode.messages(c.pointee.n_groups, c.pointee.groups)
        nextPageToken = try CDecode.string(c.pointee.next_page_token, "list_groups.next_page_token")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__ListGroupsResponse> {
        let c = arena.make(Promo__V1__ListGroupsResponse.self) { promo__v1__list_groups_response__init($0) }
        (c.pointee.n_groups, c.pointee.groups) = arena.cMessages(groups)
        c.pointee.next_page_token = arena.cString(nextPageToken)
        return c
    }
}

extension UpdateGroupRequest: CBridged {
    init(c: UnsafePointer<Promo__V1__UpdateGroupRequest>) throws(WireError) {
        groupId = try CDecode.string(c.pointee.group_id, "update_group.group_id")
        group = try CDecode.message(c.pointee.group)
        updateMask = try CDecode.strings(c.pointee.n_update_mask, c.pointee.update_mask, "update_group.update_mask")
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__UpdateGroupRequest> {
        let c = arena.make(Promo__V1__UpdateGroupRequest.self) { promo__v1__update_group_request__init($0) }
        c.pointee.group_id = arena.cString(groupId)
        c.pointee.group = arena.cMessage(group)
        (c.pointee.n_update_mask, c.pointee.update_mask) = arena.cStrings(updateMask)
        return c
    }
}

extension UpdateGroupResponse: CBridged {
    init(c: UnsafePointer<Promo__V1__UpdateGroupResponse>) throws(WireError) {
        group = try CDecode.message(c.pointee.group)
    }

    func cMessage(in arena: Arena) -> UnsafeMutablePointer<Promo__V1__UpdateGroupResponse> {
        let c = arena.make(Promo__V1__UpdateGroupResponse.self) { promo__v1__update_group_response__init($0) }
        c.pointee.group = arena.cMessage(group)
        return c
    }
}
