import NIOCore
import PromoStore

// The services not yet moved to `PromoStorage` (redemptions, codes) still hand closures taking the SQLite
// `Connection` to the store. This file goes once they are moved (docs/storage.md, "Status").

extension PromoStore {
    /// Runs `body` in the writer's next group commit; the future completes on `eventLoop` after the commit.
    func write<T: Sendable>(
        on eventLoop: any EventLoop, _ body: @escaping @Sendable (Connection) throws -> T
    ) -> EventLoopFuture<T> {
        let promise = eventLoop.makePromise(of: T.self)
        writer.submit(body) { promise.completeWith($0) }
        return promise.futureResult
    }

    /// Runs `body` on a reader; the future completes on `eventLoop`.
    func read<T: Sendable>(
        on eventLoop: any EventLoop, _ body: @escaping @Sendable (Connection) throws -> T
    ) -> EventLoopFuture<T> {
        let promise = eventLoop.makePromise(of: T.self)
        readers.read(body) { promise.completeWith($0) }
        return promise.futureResult
    }
}
