#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import PromoDomain

/// First start on an empty database: install an admin key, so somebody can create the others.
///
/// The key comes from `PROMO_ADMIN_KEY` when set (then it is never written anywhere), or is generated and
/// written to `<data-dir>/admin.key` with mode 0600 for the operator to pick up.
enum AdminBootstrap {
    static func installIfEmpty(
        store: any ApiKeyStorage, registry: ApiKeyRegistry, configuration: ServerConfiguration, nowMs: Int64,
        logger: Logger
    ) async throws {
        guard registry.isEmpty else { return }
        let generated = NewApiKey.generate()
        let secret = configuration.bootstrapAdminKey ?? generated.secret
        let record = ApiKeyRecord(
            id: generated.id, name: "bootstrap admin", role: "admin",
            secretSHA256: ApiKeyRegistry.digest(of: secret), createdAtMs: nowMs)
        if configuration.bootstrapAdminKey == nil {
            try writeSecretFile(path: configuration.adminKeyPath, contents: secret + "\n")
        }
        try await store.insertApiKey(
            record,
            audit: AuditEntry(
                atMs: nowMs, actorKeyId: "bootstrap", action: "create_api_key", target: record.id, detail: "role=admin"))
        registry.apply(record)
        if configuration.bootstrapAdminKey == nil {
            logger.notice("created the bootstrap admin key", metadata: ["path": "\(configuration.adminKeyPath)"])
        } else {
            logger.notice("installed the bootstrap admin key from PROMO_ADMIN_KEY")
        }
    }

    /// Creates the file exclusively with mode 0600: an existing file is never overwritten or widened.
    static func writeSecretFile(path: String, contents: String) throws {
        unlink(path)  // a stale key from an earlier, deleted database must not survive
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ServerError(.internal, "cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw ServerError(.internal, "cannot write \(path): errno \(errno)")
        }
    }
}
