import NIOCore
import PromoDomain
import PromoWire

/// Back office: exclusive groups of campaigns. Writes commit with an audit entry; reads do not wait for writes.
final class GroupService: Sendable {
    let configuration: ServerConfiguration
    let store: any GroupStorage

    init(configuration: ServerConfiguration, store: any GroupStorage) {
        self.configuration = configuration
        self.store = store
    }

    static let updatableFields: Set<String> = ["name", "max_per_user"]

    func create(_ request: CreateGroupRequest, by caller: Caller, on eventLoop: any EventLoop)
        throws(ServerError) -> EventLoopFuture<CreateGroupResponse>
    {
        let nowMs = WallClock.nowMs()
        let group = PromoDomain.Group(
            id: Identifier.make("grp"), name: request.name, maxPerUser: request.maxPerUser, createdAtMs: nowMs)
        try validated(group)
        let audit = AuditEntry(
            atMs: nowMs, actorKeyId: caller.keyId, action: "create_group", target: group.id,
            detail: "name=\(group.name) max_per_user=\(group.maxPerUser)")
        let store = store
        return eventLoop.makeFutureWithTask {
            try await store.createGroup(group, audit: audit)
            return CreateGroupResponse.with { $0.group = WireMapping.wire(group) }
        }
    }

    func update(_ request: UpdateGroupRequest, by caller: Caller, on eventLoop: any EventLoop)
        throws(ServerError) -> EventLoopFuture<UpdateGroupResponse>
    {
        guard !request.updateMask.isEmpty else { throw ServerError(.invalidArgument, "update_mask is empty") }
        let fields = Set(request.updateMask)
        let unknown = fields.subtracting(Self.updatableFields)
        guard unknown.isEmpty else {
            throw ServerError(.invalidArgument, "update_mask: unknown field(s) \(unknown.sorted().joined(separator: ", "))")
        }
        let changes = request.group ?? PromoWire.Group()
        let groupId = request.groupId
        let nowMs = WallClock.nowMs()
        let store = store
        return eventLoop.makeFutureWithTask { [self] in
            let group = try await store.updateGroup(id: groupId) { current in
            var group = current
            var detail: [String] = []
            if fields.contains("name") {
                group.name = changes.name
                detail.append("name=\(changes.name)")
            }
            if fields.contains("max_per_user") {
                // Lowering below what a player holds is allowed: it refuses their next redemption only.
                detail.append("max_per_user=\(group.maxPerUser)->\(changes.maxPerUser)")
                group.maxPerUser = changes.maxPerUser
            }
            try self.validated(group)
            return (
                group,
                AuditEntry(
                    atMs: nowMs, actorKeyId: caller.keyId, action: "update_group", target: groupId,
                    detail: detail.joined(separator: " ")))
            }
            return UpdateGroupResponse.with { $0.group = WireMapping.wire(group) }
        }
    }

    func get(_ request: GetGroupRequest, on eventLoop: any EventLoop) -> EventLoopFuture<GetGroupResponse> {
        let groupId = request.groupId
        let store = store
        return eventLoop.makeFutureWithTask {
            guard let group = try await store.group(id: groupId) else {
                throw ServerError(.notFound, "group \(groupId) does not exist")
            }
            return GetGroupResponse.with { $0.group = WireMapping.wire(group) }
        }
    }

    func list(_ request: ListGroupsRequest, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<ListGroupsResponse>
    {
        let cursor = try PageToken.decode(request.pageToken).map { GroupCursor(createdAtMs: $0.ms, id: $0.id) }
        let pageSize = PageToken.pageSize(request.pageSize, configuration)
        let store = store
        return eventLoop.makeFutureWithTask {
            // One extra row tells whether another page follows.
            let rows = try await store.groups(after: cursor, limit: pageSize + 1)
            let page = rows.prefix(pageSize)
            return ListGroupsResponse.with {
                $0.groups = page.map { WireMapping.wire($0) }
                if rows.count > pageSize, let last = page.last {
                    $0.nextPageToken = PageToken.encode(ms: last.createdAtMs, id: last.id)
                }
            }
        }
    }

    private func validated(_ group: PromoDomain.Group) throws(ServerError) {
        do { try group.validate() } catch { throw ServerError(wrapping: error) }
    }
}
