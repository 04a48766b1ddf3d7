import NIOCore
import PromoDomain
import PromoWire

/// `audit_log` (admin only): the audit trail newest first, filtered and paged, without waiting for writes.
final class AuditLogService: Sendable {
    /// Longest actor, action or target filter: longer ones cannot match anything the server writes.
    static let filterBytesMax = 256

    let configuration: ServerConfiguration
    let store: any AuditStorage

    init(configuration: ServerConfiguration, store: any AuditStorage) {
        self.configuration = configuration
        self.store = store
    }

    func read(_ request: AuditLogRequest, on eventLoop: any EventLoop) throws(ServerError)
        -> EventLoopFuture<AuditLogResponse>
    {
        func filter(_ value: String, _ field: String) throws(ServerError) -> String? {
            guard value.utf8.count <= Self.filterBytesMax else {
                throw ServerError(.invalidArgument, "\(field) must be at most \(Self.filterBytesMax) bytes")
            }
            return value.isEmpty ? nil : value
        }
        guard request.fromMs >= 0, request.toMs >= 0, request.toMs == 0 || request.toMs > request.fromMs else {
            throw ServerError(.invalidArgument, "need 0 <= from_ms < to_ms (to_ms 0 = no upper bound)")
        }
        let pageSize = PageToken.pageSize(request.pageSize, configuration)
        var query = AuditQuery(limit: pageSize + 1)  // one extra row tells whether another page follows
        query.actorKeyId = try filter(request.actorKeyId, "actor_key_id")
        query.action = try filter(request.action, "action")
        query.target = try filter(request.target, "target")
        query.fromMs = request.fromMs
        query.toMs = request.toMs == 0 ? nil : request.toMs
        if let token = try PageToken.decode(request.pageToken) {
            guard let id = Int64(token.id), id > 0 else {
                throw ServerError(.invalidArgument, "page_token is not one this server issued")
            }
            query.before = AuditCursor(atMs: token.ms, id: id)
        }
        let frameBudget = configuration.frameBytesMax / 2
        let readQuery = query
        let store = store
        return eventLoop.makeFutureWithTask {
            let rows = try await store.auditLog(readQuery)
            var entries: [AuditLogEntry] = []
            var bytes = 0
            for row in rows.prefix(pageSize) {
                let entry = row.entry
                bytes += 64 + entry.actorKeyId.utf8.count + entry.action.utf8.count + entry.target.utf8.count
                    + entry.detail.utf8.count
                // A page ends early rather than outgrow the frame (details are bounded, but not by much).
                if bytes > frameBudget && !entries.isEmpty { break }
                entries.append(
                    AuditLogEntry.with {
                        $0.id = UInt64(row.id)
                        $0.atMs = entry.atMs
                        $0.actorKeyId = entry.actorKeyId
                        $0.action = entry.action
                        $0.target = entry.target
                        $0.detail = entry.detail
                    })
            }
            return AuditLogResponse.with {
                $0.entries = entries
                if entries.count < rows.count, let last = entries.last {
                    $0.nextPageToken = PageToken.encode(ms: last.atMs, id: String(last.id))
                }
            }
        }
    }
}
