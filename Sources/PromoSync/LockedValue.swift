#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a pthread mutex.
///
/// `Synchronization.Mutex` would do the same job, but on Linux it locks with raw futex calls that
/// ThreadSanitizer does not see, so every access it protects is reported as a race (a four-thread
/// `Mutex<[Int]>` append loop reproduces it). A pthread mutex keeps the sanitizer able to find real races.
///
/// In a module of its own (not the domain, which imports nothing but the standard library; not a store,
/// which the server must not name): the server, the stores and the tests all lock with it. `withLock` is
/// inlinable so that each caller's use is specialised rather than called through generics.
public final class LockedValue<Value>: @unchecked Sendable {
    @usableFromInline var value: Value
    @usableFromInline let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inlinable
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
