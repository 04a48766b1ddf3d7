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

/// Starts `arguments[0]` with `arguments` and `environment` plus the caller's PATH, HOME, LD_LIBRARY_PATH
/// and TMPDIR, stdin from /dev/null, stdout into `outputPath` and stderr into `errorPath` (or with stdout
/// when nil), inheriting no other descriptor. Inside a `.serverCleanup` scope, a child still running when the
/// test ends is killed and reaped.
func spawnLogged(_ arguments: [String], environment: [String], outputPath: String, errorPath: String? = nil) throws
    -> pid_t
{
    var environment = environment
    for name in ["PATH", "HOME", "LD_LIBRARY_PATH", "TMPDIR"] {
        if let value = getenv(name) { environment.append("\(name)=\(String(cString: value))") }
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    closeInheritedDescriptors(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if let errorPath {
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    } else {
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.map { strdup($0) } + [nil]
    defer {
        for pointer in argv { free(pointer) }
        for pointer in envp { free(pointer) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
    guard rc == 0 else { throw ServerProcessError(description: "posix_spawn \(arguments[0]): \(rc)") }
    TestResources.current?.adopt(child: SpawnedChild(pid: pid))
    return pid
}
