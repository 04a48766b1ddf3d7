#if canImport(Glibc)
import Glibc
#endif

/// Makes a spawned child close every descriptor above stderr before it runs.
///
/// NIO opens its sockets without `SOCK_CLOEXEC`, so without this a child started by one test inherits the
/// listening sockets of every in-process test server open at that moment and keeps them listening after
/// their server closed them (a later "connection refused" check then finds a socket nobody accepts on).
/// glibc 2.34+ has `posix_spawn_file_actions_addclosefrom_np`; Swift's Glibc module does not export it,
/// so it is looked up at run time (and skipped where it is missing).
func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> CInt
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return }
    _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
}
