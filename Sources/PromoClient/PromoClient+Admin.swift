import PromoWire

extension PromoClient {
    /// Asks the server for an online backup into its backup folder (admin keys only). `name` empty: the
    /// server picks a timestamped one.
    public func backup(name: String = "") async throws -> BackupResponse {
        let result = try await call(.backup(.with { $0.name = name }))
        guard case .backup(let answer) = result else {
            throw PromoClientError(.unexpectedResult, "backup answered with another result")
        }
        return answer
    }

    /// Downloads the backup `name` chunk by chunk with `fetch_backup`, handing each chunk to `write` in
    /// order, and returns the file's size. `chunkBytes` 0 lets the server pick (its `backupChunkBytesMax`).
    /// Checking the content against `BackupResponse.sha256` is the caller's job.
    public func downloadBackup(
        name: String, chunkBytes: UInt32 = 0,
        _ write: (_ chunk: [UInt8], _ offset: UInt64, _ size: UInt64) async throws -> Void
    ) async throws -> UInt64 {
        var offset: UInt64 = 0
        while true {
            let result = try await call(.fetchBackup(.with {
                $0.name = name
                $0.offset = offset
                $0.length = chunkBytes
            }))
            guard case .fetchBackup(let chunk) = result else {
                throw PromoClientError(.unexpectedResult, "fetch_backup answered with another result")
            }
            if chunk.data.isEmpty {
                guard offset == chunk.sizeBytes else {
                    throw PromoClientError(.unexpectedResult, "fetch_backup stopped at \(offset) of \(chunk.sizeBytes) bytes")
                }
                return offset
            }
            try await write(chunk.data, offset, chunk.sizeBytes)
            offset += UInt64(chunk.data.count)
            if offset == chunk.sizeBytes { return offset }
            guard offset < chunk.sizeBytes else {
                throw PromoClientError(.unexpectedResult, "fetch_backup sent more than the file's \(chunk.sizeBytes) bytes")
            }
        }
    }

    /// One page of the audit trail, newest first (admin keys only).
    public func auditLog(_ request: AuditLogRequest) async throws -> AuditLogResponse {
        let result = try await call(.auditLog(request))
        guard case .auditLog(let answer) = result else {
            throw PromoClientError(.unexpectedResult, "audit_log answered with another result")
        }
        return answer
    }
}
