import CPromoProto
import NIOCore

/// Turns frames into `Request`/`Response` values and back, through protobuf-c.
///
/// Each codec owns an arena: unpacking allocates from it, and the whole C message is released by one
/// arena reset before `decode` returns, so no C memory outlives a call. Not thread-safe by design: use one
/// codec per connection (per event loop).
public final class WireCodec {
    public let frameBytesMax: Int
    private let arena = Arena()

    public init(frameBytesMax: Int) {
        precondition(frameBytesMax > 0)
        self.frameBytesMax = frameBytesMax
    }

    public func decodeRequest(_ body: ByteBuffer) throws(WireError) -> Request {
        try decode(body, as: Request.self, promo__v1__request__unpack)
    }

    public func decodeResponse(_ body: ByteBuffer) throws(WireError) -> Response {
        try decode(body, as: Response.self, promo__v1__response__unpack)
    }

    /// Appends one frame (length prefix and body) to `buffer`.
    public func encode(_ request: Request, into buffer: inout ByteBuffer) throws(WireError) {
        try encode(request, into: &buffer, promo__v1__request__get_packed_size, promo__v1__request__pack)
    }

    /// Appends one frame (length prefix and body) to `buffer`.
    public func encode(_ response: Response, into buffer: inout ByteBuffer) throws(WireError) {
        try encode(response, into: &buffer, promo__v1__response__get_packed_size, promo__v1__response__pack)
    }

    /// Bytes the arena holds between messages: one chunk unless a huge message is being handled.
    var arenaBytesReserved: Int { arena.bytesReserved }

    private func decode<M: CBridged>(
        _ body: ByteBuffer,
        as type: M.Type,
        _ unpack: (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<M.CMessage>?
    ) throws(WireError) -> M {
        defer { arena.reset() }
        var allocator = arena.protobufAllocator
        let message = body.withUnsafeReadableBytes { bytes -> UnsafeMutablePointer<M.CMessage>? in
            // protobuf-c wants a non-null pointer even for an empty message.
            var empty: UInt8 = 0
            guard let base = bytes.baseAddress, bytes.count > 0 else { return unpack(&allocator, 0, &empty) }
            return unpack(&allocator, bytes.count, base.assumingMemoryBound(to: UInt8.self))
        }
        guard let message else {
            throw WireError(.malformedMessage, "\(body.readableBytes) bytes are not a valid \(M.self)")
        }
        return try M(c: message)
    }

    private func encode<M: CBridged>(
        _ value: M,
        into buffer: inout ByteBuffer,
        _ packedSize: (UnsafePointer<M.CMessage>?) -> Int,
        _ pack: (UnsafePointer<M.CMessage>?, UnsafeMutablePointer<UInt8>?) -> Int
    ) throws(WireError) {
        defer { arena.reset() }
        let message = value.cMessage(in: arena)
        guard !arena.sawEmbeddedNUL else {
            throw WireError(.embeddedNUL, "\(M.self) has a string containing U+0000, which the protocol does not carry")
        }
        let size = packedSize(message)
        guard size <= frameBytesMax else {
            throw WireError(.messageTooLarge, "\(M.self) of \(size) bytes exceeds the frame maximum of \(frameBytesMax)")
        }
        buffer.reserveCapacity(minimumWritableBytes: FrameDecoder.lengthBytes + size)
        buffer.writeInteger(UInt32(size), endianness: .big)
        let written = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { bytes in
            size == 0 ? 0 : pack(message, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        precondition(written == size, "protobuf-c packed \(written) bytes after announcing \(size)")
    }
}
