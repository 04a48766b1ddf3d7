import NIOCore

/// The console's static files (Generated/ConsoleAssetTable.swift, made by scripts/gen-console-assets from
/// Assets/), decoded once into ready-to-send buffers.
final class ConsoleAssets: Sendable {
    struct File: Sendable {
        let contentType: String
        let bytes: ByteBuffer
    }

    static let shared = ConsoleAssets(ConsoleAssetTable.files)

    private let files: [String: File]

    init(_ table: [(path: String, contentType: String, base64: String)]) {
        var files: [String: File] = [:]
        for entry in table {
            guard let bytes = Base64.decode(entry.base64) else {
                preconditionFailure("ConsoleAssetTable: \(entry.path) is not base64 (rerun scripts/gen-console-assets)")
            }
            files[entry.path] = File(contentType: entry.contentType, bytes: ByteBuffer(bytes: bytes))
        }
        self.files = files
    }

    /// The file served at URL path `path` (`/` is `/index.html`); nil when there is none.
    func file(at path: String) -> File? {
        files[path == "/" ? "/index.html" : path]
    }

    var paths: [String] { files.keys.sorted() }
}
