import Foundation
import PromoStore

#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder `/tmp/promo-<prefix>-XXXXXX`, removed (with everything in it) when the test process exits.
/// The store tests close their stores themselves and leave nothing running, so an exit-time sweep suffices.
func makeStoreTestDirectory(_ prefix: String) -> String {
    var template = Array("/tmp/promo-\(prefix)-XXXXXX".utf8CString)
    let path = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
    StoreTestFolders.add(path)
    return path
}

private enum StoreTestFolders {
    private static let folders = LockedValue<[String]>([])
    private static let registered: Bool = {
        atexit {
            for folder in StoreTestFolders.folders.withLock({ $0 }) where folder.hasPrefix("/tmp/promo-") {
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
        return true
    }()

    static func add(_ path: String) {
        _ = registered
        folders.withLock { $0.append(path) }
    }
}
