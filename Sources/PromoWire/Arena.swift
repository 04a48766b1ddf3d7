import CPromoProto

/// Shared by every empty string field; protobuf-c never writes through string pointers when packing.
nonisolated(unsafe) private let emptyCString: UnsafeMutablePointer<CChar> = {
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return pointer
}()

/// A bump allocator that backs protobuf-c's `unpack` and the C structs built for `pack`.
///
/// Decoding a request with the default allocator costs one `malloc` per string, array and sub-message;
/// with the arena it costs a pointer bump, and one `reset()` after the message frees everything at once.
/// One arena belongs to one codec on one event loop: it is deliberately not `Sendable`.
final class Arena {
    private struct Chunk {
        let base: UnsafeMutableRawPointer
        let capacity: Int
    }

    private static let alignment = 16
    private let chunkBytes: Int
    private var chunks: [Chunk] = []
    private var current: Chunk
    private var used = 0
    /// Set when a string with U+0000 was copied: protobuf-c would cut it there, so the encoder refuses it.
    private(set) var sawEmbeddedNUL = false

    init(chunkBytes: Int = 64 * 1024) {
        precondition(chunkBytes >= Self.alignment)
        self.chunkBytes = chunkBytes
        self.current = Chunk(
            base: .allocate(byteCount: chunkBytes, alignment: Self.alignment), capacity: chunkBytes)
    }

    deinit {
        current.base.deallocate()
        for chunk in chunks { chunk.base.deallocate() }
    }

    /// Aligned, uninitialised memory valid until the next `reset()`.
    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let rounded = (max(byteCount, 1) + Self.alignment - 1) & ~(Self.alignment - 1)
        if used + rounded > current.capacity {
            // Oversized requests get a chunk of their own; the first chunk is kept for reuse on reset.
            chunks.append(current)
            let capacity = max(rounded, chunkBytes)
            current = Chunk(base: .allocate(byteCount: capacity, alignment: Self.alignment), capacity: capacity)
            used = 0
        }
        let pointer = current.base + used
        used += rounded
        return pointer
    }

    /// Frees everything allocated since the last reset, keeping one standard chunk for the next message.
    func reset() {
        sawEmbeddedNUL = false
        guard !chunks.isEmpty else {
            used = 0
            return
        }
        let first = chunks[0]
        for chunk in chunks.dropFirst() { chunk.base.deallocate() }
        current.base.deallocate()
        chunks.removeAll(keepingCapacity: true)
        current = first
        used = 0
    }

    /// Bytes held right now, for tests that prove memory stays bounded.
    var bytesReserved: Int { chunks.reduce(current.capacity) { $0 + $1.capacity } }

    func make<T>(_ type: T.Type, _ initialise: (UnsafeMutablePointer<T>) -> Void) -> UnsafeMutablePointer<T> {
        let pointer = allocate(byteCount: MemoryLayout<T>.stride).bindMemory(to: T.self, capacity: 1)
        initialise(pointer)
        return pointer
    }

    /// A NUL-terminated copy of `string`; empty strings share protobuf-c's static empty string.
    func cString(_ string: String) -> UnsafeMutablePointer<CChar>? {
        var string = string
        return string.withUTF8 { utf8 in
            if utf8.isEmpty { return emptyCString }
            if utf8.contains(0) { sawEmbeddedNUL = true }
            let pointer = allocate(byteCount: utf8.count + 1).bindMemory(to: CChar.self, capacity: utf8.count + 1)
            UnsafeMutableRawPointer(pointer).copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
            pointer[utf8.count] = 0
            return pointer
        }
    }

    func array<T>(of type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        allocate(byteCount: MemoryLayout<T>.stride * max(count, 1)).bindMemory(to: T.self, capacity: max(count, 1))
    }

    /// The allocator handed to protobuf-c. `free` is a no-op: `reset()` reclaims everything.
    var protobufAllocator: ProtobufCAllocator {
        ProtobufCAllocator(
            alloc: { data, size in
                Unmanaged<Arena>.fromOpaque(data!).takeUnretainedValue().allocate(byteCount: size)
            },
            free: { _, _ in },
            allocator_data: Unmanaged.passUnretained(self).toOpaque()
        )
    }
}
