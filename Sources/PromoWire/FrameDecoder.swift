import NIOCore

/// Splits a byte stream into frames: a 4-byte big-endian length `N`, then `N` bytes of one message.
///
/// The length is checked against `frameBytesMax` as soon as its 4 bytes arrive, before any of the body is
/// buffered, so a hostile peer cannot make us hold more than one maximum-sized frame.
public struct FrameDecoder: Sendable {
    public static let lengthBytes = 4
    public let frameBytesMax: Int

    public init(frameBytesMax: Int) {
        precondition(frameBytesMax > 0 && frameBytesMax <= Int(UInt32.max))
        self.frameBytesMax = frameBytesMax
    }

    /// The next complete frame's body, or nil when more bytes are needed. Consumes only complete frames.
    public func nextFrame(from buffer: inout ByteBuffer) throws(WireError) -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return nil
        }
        guard Int(length) <= frameBytesMax else {
            throw WireError(.frameTooLarge, "frame of \(length) bytes exceeds the maximum of \(frameBytesMax)")
        }
        guard buffer.readableBytes >= Self.lengthBytes + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: Self.lengthBytes)
        return buffer.readSlice(length: Int(length))
    }
}

/// `FrameDecoder` as a NIO `ByteToMessageDecoder`, for pipelines that want whole frames delivered.
public struct FrameToMessageDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer
    private let frames: FrameDecoder

    public init(frameBytesMax: Int) {
        self.frames = FrameDecoder(frameBytesMax: frameBytesMax)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try frames.nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
