import PostgresNIO
import PromoDomain
import Synchronization

/// Which campaign a code belongs to, known before its redeem is queued (redeems batch per campaign, under the
/// campaign's row lock). A code never moves to another campaign, so a found answer is remembered (up to
/// `cachedCodesMax` codes; when full, the memory starts over); a code deleted and made again elsewhere is
/// caught under the lock and forgotten (`PostgresHotPath.submit`). Look-ups that miss are resolved together:
/// one query for every key waiting (at most `keysPerQueryMax`), on one pooled connection, so a burst of
/// single-use codes costs a few round trips, not a connection each.
final class CodeCampaignResolver: Sendable {
    private struct State {
        var known: [String: String] = [:]
        var waiting: [String: [CheckedContinuation<String?, any Error>]] = [:]
        var resolving = false
    }

    private let state = Mutex(State())
    private let cachedCodesMax: Int
    private let keysPerQueryMax = 1_000

    init(cachedCodesMax: Int) {
        self.cachedCodesMax = max(1, cachedCodesMax)
    }

    /// The campaign of the code with canonical key `key`, or nil when there is no such code now.
    func campaignId(ofKey key: String, on store: PostgresStore) async throws -> String? {
        if let known = state.withLock({ $0.known[key] }) { return known }
        return try await withCheckedThrowingContinuation { continuation in
            let start: Bool = state.withLock { state in
                state.waiting[key, default: []].append(continuation)
                guard !state.resolving else { return false }
                state.resolving = true
                return true
            }
            if start { Task { await self.resolveWaiting(on: store) } }
        }
    }

    /// Forgets what is known of `code` (as typed).
    func forget(_ code: String) {
        guard let key = (try? CodeText(code))?.key else { return }
        _ = state.withLock { $0.known.removeValue(forKey: key) }
    }

    private func resolveWaiting(on store: PostgresStore) async {
        while true {
            let batch: [String: [CheckedContinuation<String?, any Error>]]? = state.withLock { state in
                guard !state.waiting.isEmpty else {
                    state.resolving = false
                    return nil
                }
                var taken: [String: [CheckedContinuation<String?, any Error>]] = [:]
                for key in state.waiting.keys.prefix(keysPerQueryMax) { taken[key] = state.waiting.removeValue(forKey: key) }
                return taken
            }
            guard let batch else { return }
            do {
                let keys = Array(batch.keys)
                let rows = try await store.withConnection { connection in
                    try await connection.rows(
                        "SELECT key, campaign_id FROM codes WHERE key = ANY(\(keys))", logger: store.logger
                    ) { (try $0.string(0), try $0.string(1)) }
                }
                let found = Dictionary(rows, uniquingKeysWith: { first, _ in first })
                state.withLock { state in
                    if state.known.count + found.count > cachedCodesMax { state.known.removeAll(keepingCapacity: true) }
                    state.known.merge(found) { _, new in new }
                }
                for (key, waiters) in batch { for waiter in waiters { waiter.resume(returning: found[key]) } }
            } catch {
                let mapped = PostgresErrorMapping.map(error)
                for waiters in batch.values { for waiter in waiters { waiter.resume(throwing: mapped) } }
            }
        }
    }
}
