import NIOCore
import Testing

@testable import PromoWire

@Suite struct FrameDecoderTests {
    let decoder = FrameDecoder(frameBytesMax: 64)

    @Test func completeFrame() throws {
        var buffer = ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc])
        let frame = try #require(try decoder.nextFrame(from: &buffer))
        #expect(bytes(frame) == [0xaa, 0xbb, 0xcc])
        #expect(buffer.readableBytes == 0)
        #expect(try decoder.nextFrame(from: &buffer) == nil)
    }

    @Test func severalFramesInOneBuffer() throws {
        var buffer = ByteBuffer(bytes: [
            0x00, 0x00, 0x00, 0x01, 0x11,
            0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x02, 0x22, 0x33,
            0x00, 0x00, 0x00, 0x05, 0x44,  // a fourth frame, still incomplete
        ])
        #expect(bytes(try #require(try decoder.nextFrame(from: &buffer))) == [0x11])
        #expect(bytes(try #require(try decoder.nextFrame(from: &buffer))) == [])
        #expect(bytes(try #require(try decoder.nextFrame(from: &buffer))) == [0x22, 0x33])
        #expect(try decoder.nextFrame(from: &buffer) == nil)
        #expect(bytes(buffer) == [0x00, 0x00, 0x00, 0x05, 0x44], "the incomplete frame stays unconsumed")
    }

    @Test func frameSplitByteByByte() throws {
        let first: [UInt8] = framed([0x08, 0x01, 0x52, 0x03, 0x0a, 0x01, 0x6b])
        let second: [UInt8] = framed(Array(repeating: 0x5a, count: 20))
        var buffer = ByteBuffer()
        var frames: [[UInt8]] = []
        for byte in first + second {
            buffer.writeInteger(byte)
            while let frame = try decoder.nextFrame(from: &buffer) { frames.append(bytes(frame)) }
        }
        #expect(frames == [Array(first.dropFirst(4)), Array(second.dropFirst(4))])
        #expect(buffer.readableBytes == 0)
    }

    @Test(arguments: 0...3)
    func truncatedLengthPrefix(_ prefixBytes: Int) throws {
        let full: [UInt8] = [0x00, 0x00, 0x00, 0x01]
        var buffer = ByteBuffer(bytes: full.prefix(prefixBytes))
        #expect(try decoder.nextFrame(from: &buffer) == nil)
        #expect(buffer.readableBytes == prefixBytes, "nothing consumed")
    }

    @Test func truncatedBodyReturnsNilAndConsumesNothing() throws {
        var buffer = ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        let readerIndex = buffer.readerIndex
        #expect(try decoder.nextFrame(from: &buffer) == nil)
        #expect(buffer.readerIndex == readerIndex)
        #expect(buffer.readableBytes == 13)

        buffer.writeInteger(UInt8(10))
        #expect(bytes(try #require(try decoder.nextFrame(from: &buffer))) == Array(1...10))
    }

    @Test func zeroLengthFrame() throws {
        var buffer = ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x00])
        let frame = try #require(try decoder.nextFrame(from: &buffer))
        #expect(frame.readableBytes == 0)
        #expect(buffer.readableBytes == 0)
        // An empty body is a valid, all-default Request.
        #expect(try WireCodec(frameBytesMax: 64).decodeRequest(frame) == Request())
    }

    @Test(arguments: [UInt32(65), 0x0001_0000, 0x7fff_ffff, 0x8000_0000, UInt32.max])
    func lengthAboveMaximumIsRejectedFromThePrefixAlone(_ length: UInt32) throws {
        var buffer = ByteBuffer()
        buffer.writeInteger(length, endianness: .big)  // no body at all yet
        #expect(wireErrorCode { try decoder.nextFrame(from: &buffer) } == .frameTooLarge)
        // Three bytes of such a prefix are not enough to know yet.
        var partial = ByteBuffer(bytes: bytes(buffer).prefix(3))
        #expect(try decoder.nextFrame(from: &partial) == nil)
    }

    @Test func lengthIsBigEndian() throws {
        // 0x40 00 00 00 little-endian would be 64 (allowed); big-endian it is 1 GiB (rejected).
        var buffer = ByteBuffer(bytes: [0x40, 0x00, 0x00, 0x00])
        #expect(wireErrorCode { try decoder.nextFrame(from: &buffer) } == .frameTooLarge)
        var small = ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x40] + Array(repeating: 0, count: 64))
        #expect(try decoder.nextFrame(from: &small)?.readableBytes == 64)
    }

    @Test func exactlyTheMaximumIsAccepted() throws {
        var buffer = ByteBuffer(bytes: framed(Array(repeating: 0xab, count: 64)))
        let frame = try #require(try decoder.nextFrame(from: &buffer))
        #expect(frame.readableBytes == 64)
        #expect(buffer.readableBytes == 0)
    }

    @Test func defaultSizedMaximum() throws {
        let decoder = FrameDecoder(frameBytesMax: 1 << 20)
        var atLimit = ByteBuffer(bytes: framed(Array(repeating: 0, count: 1 << 20)))
        #expect(try decoder.nextFrame(from: &atLimit)?.readableBytes == 1 << 20)
        var overLimit = ByteBuffer(bytes: [0x00, 0x10, 0x00, 0x01])
        #expect(wireErrorCode { try decoder.nextFrame(from: &overLimit) } == .frameTooLarge)
    }

    @Test func respectsANonZeroReaderIndex() throws {
        var buffer = ByteBuffer(bytes: [0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x7e])
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(bytes(try #require(try decoder.nextFrame(from: &buffer))) == [0x7e])
    }
}
