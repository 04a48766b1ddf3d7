import Dispatch
import Logging
import NIOCore
import NIOPosix
import PromoDomain
import PromoWire
import Synchronization

/// Online backups (`backup`) and their download (`fetch_backup`), admin only.
///
/// A backup copies the live database with the store's online backup on a thread of its own,
/// `backupStepPages` pages per step, from one pinned snapshot, so redeems keep committing throughout (see
/// `BackupStorage.backup`). The file is written as `.NAME.partial`, synced, renamed to NAME and synced again, so
/// a name in the backup folder is always a complete copy. One backup runs at a time.
final class BackupService: Sendable {
    let configuration: ServerConfiguration
    let store: any BackupStorage & AuditStorage
    let logger: Logger
    private let running = Atomic<Bool>(false)
    /// Backups block their thread for as long as the copy takes: they get a thread of their own rather
    /// than one of NIO's shared blocking-I/O threads.
    private let queue = DispatchQueue(label: "promo.backup")

    init(configuration: ServerConfiguration, store: any BackupStorage & AuditStorage, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
    }

    func backup(_ request: BackupRequest, by caller: Caller, on eventLoop: any EventLoop)
        throws(ServerError) -> EventLoopFuture<BackupResponse>
    {
        let startedAtMs = WallClock.nowMs()
        let name = request.name.isEmpty
            ? BackupFileName.timestamped(atMs: startedAtMs) : try BackupFileName.validated(request.name, field: "name")
        guard running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            throw ServerError(.failedPrecondition, "a backup is already running; retry when it has finished")
        }
        let promise = eventLoop.makePromise(of: BackupResponse.self)
        queue.async { [self] in
            let made: BackupResponse
            do {
                made = try make(name: name, startedAtMs: startedAtMs)
            } catch {
                running.store(false, ordering: .releasing)
                // Refusals (a taken name) are the caller's business; a failing copy is the operator's.
                let refusal = [.alreadyExists, .invalidArgument].contains((error as? ServerError)?.code)
                logger.log(
                    level: refusal ? .debug : .warning, "backup failed",
                    metadata: ["name": "\(name)", "error": "\((error as? ServerError)?.underlying ?? error)"])
                promise.fail(error)
                return
            }
            let audit = AuditEntry(
                atMs: WallClock.nowMs(), actorKeyId: caller.keyId, action: "backup", target: name,
                detail: "bytes=\(made.sizeBytes) pages=\(made.pages) sha256=\(made.sha256)")
            let store = store
            eventLoop.makeFutureWithTask { try await store.appendAudit(audit) }
                .map { made }
                .always { _ in self.running.store(false, ordering: .releasing) }
                .cascade(to: promise)
        }
        return promise.futureResult
    }

    func fetch(_ request: FetchBackupRequest, by caller: Caller, on eventLoop: any EventLoop)
        throws(ServerError) -> EventLoopFuture<FetchBackupResponse>
    {
        let name = try BackupFileName.validated(request.name, field: "name")
        let length = request.length == 0
            ? configuration.backupChunkBytes : min(Int(request.length), configuration.backupChunkBytes)
        let path = configuration.backupPath + "/" + name
        let offset = request.offset
        let read = NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            let (bytes, size) = try BackupFiles.chunk(path, name: name, offset: offset, length: length)
            return FetchBackupResponse.with {
                $0.data = bytes
                $0.sizeBytes = size
            }
        }
        // A download of the whole database is worth an audit line, once per download rather than per chunk.
        guard offset == 0 else { return read }
        let audit = AuditEntry(atMs: WallClock.nowMs(), actorKeyId: caller.keyId, action: "fetch_backup", target: name)
        return read.flatMap { answer in
            let store = self.store
            return eventLoop.makeFutureWithTask { try await store.appendAudit(audit) }.map { answer }
        }
    }

    /// The copy itself, on `queue`.
    private func make(name: String, startedAtMs: Int64) throws -> BackupResponse {
        let clock = ContinuousClock()
        let started = clock.now
        let directory = configuration.backupPath
        try BackupFiles.makeDirectory(directory)
        BackupFiles.removeStalePartials(in: directory)
        let path = directory + "/" + name
        guard !BackupFiles.exists(path) else { throw ServerError(.alreadyExists, "backup \(name) already exists") }
        let partial = directory + "/" + BackupFileName.partial(name)
        try BackupFiles.createExclusive(partial)
        let outcome: BackupOutcome
        do {
            outcome = try store.backup(
                to: partial,
                pacing: BackupPacing(stepPages: configuration.backupStepPages, pauseMs: configuration.backupStepPauseMs))
            try BackupFiles.sync(partial)
            guard !BackupFiles.exists(path) else { throw ServerError(.alreadyExists, "backup \(name) already exists") }
            try BackupFiles.move(partial, to: path)
            try BackupFiles.sync(directory, directory: true)
        } catch {
            BackupFiles.remove(partial)
            throw error
        }
        let size = try BackupFiles.size(path)
        let sha256 = try BackupFiles.sha256Hex(path)
        let pruned = BackupFiles.prune(directory, keep: configuration.backupsKeepMax)
        let elapsed = clock.now - started
        let durationMs = elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        logger.notice(
            "backup written",
            metadata: [
                "path": "\(path)", "bytes": "\(size)", "pages": "\(outcome.pages)", "steps": "\(outcome.steps)",
                "ms": "\(durationMs)", "pruned": "\(pruned)",
            ])
        return BackupResponse.with {
            $0.name = name
            $0.path = path
            $0.sizeBytes = size
            $0.pages = UInt64(outcome.pages)
            $0.sha256 = sha256
            $0.durationMs = durationMs
            $0.createdAtMs = startedAtMs
        }
    }
}
