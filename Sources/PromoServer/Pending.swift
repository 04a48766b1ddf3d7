import NIOCore

/// A service's answer: ready now, computed on the event loop, or later, when a store queue completes it.
/// Lets one RPC answer its cheap cases without allocating a promise or hopping threads.
enum Pending<Value: Sendable> {
    case now(Value)
    case later(EventLoopFuture<Value>)

    func map<Mapped: Sendable>(_ transform: @escaping @Sendable (Value) -> Mapped) -> Pending<Mapped> {
        switch self {
        case .now(let value): .now(transform(value))
        case .later(let future): .later(future.map(transform))
        }
    }
}
