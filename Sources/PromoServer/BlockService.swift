import NIOCore
import PromoDomain
import PromoWire

/// Back office: disqualified players. A block makes every validate, redeem and offer of the player answer
/// USER_BLOCKED (globally or for one campaign, until its end); grants consult the same blocks in their
/// transaction. Writes commit with an audit entry; the listing does not wait for writes.
final class BlockService: Sendable {
    let configuration: ServerConfiguration
    let store: any BlockStorage
    private let limits = DomainLimits.default

    init(configuration: ServerConfiguration, store: any BlockStorage) {
        self.configuration = configuration
        self.store = store
    }

    func block(_ request: BlockUserRequest, by caller: Caller, on eventLoop: any EventLoop)
        throws(ServerError) -> EventLoopFuture<BlockUserResponse>
    {
        let nowMs = WallClock.nowMs()
        let block = UserBlock(
            id: Identifier.makeTimeOrdered("blk", nowMs: nowMs), userId: request.userId, reason: request.reason,
            untilMs: request.untilMs, campaignId: request.campaignId.isEmpty ? nil : request.campaignId,
            createdAtMs: nowMs, createdBy: caller.keyId)
        do { try block.validate(limits: limits) } catch { throw ServerError(wrapping: error) }
        let blocksMax = configuration.blocksMax
        let store = store
        return eventLoop.makeFutureWithTask {
            let stored = try await store.putBlock(block, nowMs: nowMs, blocksMax: blocksMax) { stored in
                let until = block.untilMs == 0 ? "indefinitely" : "until_ms=\(block.untilMs)"
                return AuditEntry(
                    atMs: nowMs, actorKeyId: caller.keyId, action: "block_user", target: block.userId,
                    detail: "block=\(stored.id) campaign=\(block.campaignId ?? "*") \(until) reason=\(block.reason)")
            }
            return BlockUserResponse.with { $0.blockId = stored.id }
        }
    }

    func unblock(_ request: UnblockUserRequest, by caller: Caller, on eventLoop: any EventLoop)
        throws(ServerError) -> EventLoopFuture<UnblockUserResponse>
    {
        try requireIdentifier(request.userId, "user_id")
        if !request.campaignId.isEmpty { try requireIdentifier(request.campaignId, "campaign_id") }
        let (userId, campaignId) = (request.userId, request.campaignId.isEmpty ? nil : request.campaignId)
        let keyId = caller.keyId
        let store = store
        return eventLoop.makeFutureWithTask {
            let removed = try await store.deleteBlock(userId: userId, campaignId: campaignId) { removed in
                AuditEntry(
                    atMs: WallClock.nowMs(), actorKeyId: keyId, action: "unblock_user", target: userId,
                    detail: "campaign=\(campaignId ?? "*") removed=\(removed)")
            }
            return UnblockUserResponse.with { $0.removed = removed }
        }
    }

    func list(_ request: ListBlocksRequest, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<ListBlocksResponse>
    {
        let cursor = try PageToken.decode(request.pageToken).map { BlockCursor(createdAtMs: $0.ms, id: $0.id) }
        let pageSize = PageToken.pageSize(request.pageSize, configuration)
        let store = store
        return eventLoop.makeFutureWithTask {
            let rows = try await store.blocks(after: cursor, limit: pageSize + 1, nowMs: WallClock.nowMs())
            let page = rows.prefix(pageSize)
            return ListBlocksResponse.with {
                $0.blocks = page.map(WireMapping.wire)
                if rows.count > pageSize, let last = page.last {
                    $0.nextPageToken = PageToken.encode(ms: last.createdAtMs, id: last.id)
                }
            }
        }
    }

    private func requireIdentifier(_ value: String, _ field: String) throws(ServerError) {
        guard !value.isEmpty, value.utf8.count <= limits.idBytesMax else {
            throw ServerError(.invalidArgument, "\(field) must be 1...\(limits.idBytesMax) bytes")
        }
    }
}
