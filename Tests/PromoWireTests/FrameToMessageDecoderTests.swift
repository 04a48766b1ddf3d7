// Needs NIOEmbedded and NIOTestUtils in the PromoWireTests target's dependencies (the scratch package has them;
// /work/main/Package.swift must list `.product(name: "NIOEmbedded", package: "swift-nio")` and
// `.product(name: "NIOTestUtils", package: "swift-nio")` for these to run there).
#if canImport(NIOTestUtils) && canImport(NIOEmbedded)
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import PromoWire

@Suite struct FrameToMessageDecoderTests {
    @Test func byteToMessageDecoderVerifier() throws {
        let pairs: [(ByteBuffer, [ByteBuffer])] = [
            (ByteBuffer(bytes: framed([0x08, 0x01, 0x52, 0x03, 0x0a, 0x01, 0x6b])),
             [ByteBuffer(bytes: [0x08, 0x01, 0x52, 0x03, 0x0a, 0x01, 0x6b])]),
            (ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x00]), [ByteBuffer()]),
            (ByteBuffer(bytes: framed(Array(0..<64))), [ByteBuffer(bytes: Array(0..<64))]),
            (ByteBuffer(bytes: framed([1]) + framed([2, 3])), [ByteBuffer(bytes: [1]), ByteBuffer(bytes: [2, 3])]),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            FrameToMessageDecoder(frameBytesMax: 64)
        }
    }

    @Test func pipelineRejectsOversizedFrameBeforeTheBody() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameToMessageDecoder(frameBytesMax: 64)))
        var error: (any Error)?
        do {
            try channel.writeInbound(ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x41]))
        } catch let caught {
            error = caught
        }
        #expect((error as? WireError)?.code == .frameTooLarge)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    @Test func pipelineDeliversFramesAcrossReads() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameToMessageDecoder(frameBytesMax: 64)))
        try channel.writeInbound(ByteBuffer(bytes: [0x00, 0x00]))
        try channel.writeInbound(ByteBuffer(bytes: [0x00, 0x02, 0x01]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(ByteBuffer(bytes: [0x02, 0x00, 0x00, 0x00, 0x01, 0x03]))
        #expect(try channel.readInbound(as: ByteBuffer.self).map(bytes) == [0x01, 0x02])
        #expect(try channel.readInbound(as: ByteBuffer.self).map(bytes) == [0x03])
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(try channel.finish().isClean)
    }
}
#endif
