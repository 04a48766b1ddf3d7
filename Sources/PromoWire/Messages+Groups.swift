// Swift mirrors of promo.proto's exclusive-group messages, written by hand in the style of Messages.swift
// until the generated bridge lands: names are mechanical (message name, lowerCamelCase fields).

public struct Group: WireMessage {
    public var id = ""
    public var name = ""
    public var maxPerUser: UInt32 = 0
    public var createdAtMs: Int64 = 0
    public init() {}
}

public struct CreateGroupRequest: WireMessage {
    public var name = ""
    public var maxPerUser: UInt32 = 0
    public init() {}
}

public struct CreateGroupResponse: WireMessage {
    public var group: Group?
    public init() {}
}

public struct GetGroupRequest: WireMessage {
    public var groupId = ""
    public init() {}
}

public struct GetGroupResponse: WireMessage {
    public var group: Group?
    public init() {}
}

public struct ListGroupsRequest: WireMessage {
    public var pageToken = ""
    public var pageSize: UInt32 = 0
    public init() {}
}

public struct ListGroupsResponse: WireMessage {
    public var groups: [Group] = []
    public var nextPageToken = ""
    public init() {}
}

public struct UpdateGroupRequest: WireMessage {
    public var groupId = ""
    public var group: Group?
    public var updateMask: [String] = []
    public init() {}
}

public struct UpdateGroupResponse: WireMessage {
    public var group: Group?
    public init() {}
}
