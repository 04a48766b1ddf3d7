#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel's CSPRNG (/dev/urandom), read 4 KiB at a time. `SystemRandomNumberGenerator` draws from the
/// same source but makes one system call per 8 bytes, which dominates generating a million codes; this
/// makes one per 512 draws.
struct SecureRandom: RandomNumberGenerator {
    private static let device: Int32 = {
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        precondition(fd >= 0, "cannot open /dev/urandom: errno \(errno)")
        return fd
    }()

    private var buffer = [UInt64](repeating: 0, count: 512)
    private var index = 512

    mutating func next() -> UInt64 {
        if index == buffer.count {
            Self.fill(&buffer)
            index = 0
        }
        defer { index += 1 }
        return buffer[index]
    }

    private static func fill(_ buffer: inout [UInt64]) {
        buffer.withUnsafeMutableBytes { raw in
            var filled = 0
            while filled < raw.count {
                let count = read(device, raw.baseAddress! + filled, raw.count - filled)
                if count <= 0 {
                    // Without secure randomness no code may be generated: stop rather than degrade.
                    precondition(count < 0 && errno == EINTR, "reading /dev/urandom failed: errno \(errno)")
                    continue
                }
                filled += count
            }
        }
    }
}
