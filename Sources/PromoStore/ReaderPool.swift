import CSQLite
import Dispatch
import Synchronization
import PromoDomain

/// A few read-only connections, each on its own serial queue, so reads never wait behind the writer
/// (WAL gives every read a consistent snapshot) and never run on a network event loop.
public final class ReaderPool: Sendable {
    private let readers: [Reader]
    private let next = Atomic<Int>(0)

    private final class Reader: @unchecked Sendable {
        let queue: DispatchQueue
        /// Touched only on `queue`.
        let connection: Connection
        init(index: Int, connection: Connection) {
            self.queue = DispatchQueue(label: "promo.store.reader.\(index)")
            self.connection = connection
        }
    }

    init(configuration: StoreConfiguration, count: Int) throws(StoreError) {
        precondition(count >= 1)
        var readers: [Reader] = []
        for index in 0..<count {
            readers.append(Reader(index: index, connection: try Self.openReadConnection(configuration)))
        }
        self.readers = readers
    }

    /// A read-only connection tuned like the pool's, for a caller that serialises its use itself.
    static func openReadConnection(_ configuration: StoreConfiguration) throws(StoreError) -> Connection {
        let connection = try Connection(path: configuration.path, busyTimeoutMs: configuration.busyTimeoutMs)
        try connection.execute("PRAGMA query_only = ON; PRAGMA cache_size = -\(configuration.cacheKiB);")
        return connection
    }

    /// Runs `body` on the next reader; `completion` gets its result on that reader's queue.
    public func read<T: Sendable>(
        _ body: @escaping @Sendable (Connection) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        let reader = readers[next.add(1, ordering: .relaxed).oldValue % readers.count]
        reader.queue.async {
            completion(Result { try body(reader.connection) })
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            read(body) { continuation.resume(with: $0) }
        }
    }

    /// Stops the reads running now (they fail with SQLITE_INTERRUPT): a shutdown must not wait for a long
    /// `check`. `sqlite3_interrupt` is safe to call from any thread.
    func interrupt() {
        for reader in readers { sqlite3_interrupt(reader.connection.handle) }
    }

    /// Waits for the reads already queued.
    func drain() {
        for reader in readers { reader.queue.sync {} }
    }
}
