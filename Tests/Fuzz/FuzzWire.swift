// libFuzzer entry over the wire layer: FrameDecoder, WireCodec.decodeRequest/decodeResponse and their
// round trip through encode. Built and run by scripts/fuzz (not part of the SwiftPM package: libFuzzer
// brings its own main). Reproduce a crash with `.build-fuzz/fuzz/fuzz-wire <crash-file>`.
//
// The input is treated two ways:
// 1. as a byte stream a peer could send: FrameDecoder splits it into frames (frameBytesMax 64 KiB) and
//    every complete frame goes through decodeRequest; whatever decodes must survive encode → decode
//    unchanged;
// 2. as one message body: the raw input goes through decodeRequest and decodeResponse, with the same
//    round-trip check.
// Decoding errors are expected (the input is hostile); a trap, an ASan report or a failed check is a bug.

import NIOCore
import PromoWire

private let frameBytesMax = 64 * 1024

// One codec per connection in the server; the fuzzer is single-threaded, so one of each here.
nonisolated(unsafe) private let codec = WireCodec(frameBytesMax: frameBytesMax)
// Re-encoding may legitimately be a little longer than the input (a negative enum sent as a 5-byte
// varint is written back as 10 bytes), so the round trip encodes with room to spare.
nonisolated(unsafe) private let roundTripCodec = WireCodec(frameBytesMax: 1 << 24)
private let frames = FrameDecoder(frameBytesMax: frameBytesMax)
private let roundTripFrames = FrameDecoder(frameBytesMax: 1 << 24)

private func fail(_ what: String, _ input: ByteBuffer) -> Never {
    fatalError("fuzz-wire: \(what) (input \(input.readableBytes) bytes: \(input.readableBytesView.prefix(64).map { String($0, radix: 16) }))")
}

/// The body of the single frame in `frame`, checking nothing is left over.
private func singleBody(_ frame: ByteBuffer, _ input: ByteBuffer) -> ByteBuffer {
    var frame = frame
    let body: ByteBuffer?
    do { body = try roundTripFrames.nextFrame(from: &frame) } catch { fail("own frame rejected: \(error)", input) }
    guard let body, frame.readableBytes == 0 else { fail("own frame not split back exactly", input) }
    return body
}

private func checkRequest(_ body: ByteBuffer) {
    guard let request = try? codec.decodeRequest(body) else { return }
    var first = ByteBuffer()
    do { try roundTripCodec.encode(request, into: &first) } catch { fail("decoded Request does not encode: \(error)", body) }
    let again: Request
    do { again = try roundTripCodec.decodeRequest(singleBody(first, body)) } catch {
        fail("re-encoded Request does not decode: \(error)", body)
    }
    guard again == request else { fail("Request round trip differs:\n  \(request)\n  \(again)", body) }
    var second = ByteBuffer()
    do { try roundTripCodec.encode(again, into: &second) } catch { fail("Request re-encode failed: \(error)", body) }
    guard first == second else { fail("Request encoding is not stable", body) }
}

private func checkResponse(_ body: ByteBuffer) {
    guard let response = try? codec.decodeResponse(body) else { return }
    var first = ByteBuffer()
    do { try roundTripCodec.encode(response, into: &first) } catch { fail("decoded Response does not encode: \(error)", body) }
    let again: Response
    do { again = try roundTripCodec.decodeResponse(singleBody(first, body)) } catch {
        fail("re-encoded Response does not decode: \(error)", body)
    }
    // Responses carry doubles, and NaN != NaN, so compare them by their (deterministic) encoding.
    var second = ByteBuffer()
    do { try roundTripCodec.encode(again, into: &second) } catch { fail("Response re-encode failed: \(error)", body) }
    guard first == second else { fail("Response round trip differs:\n  \(response)\n  \(again)", body) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = ByteBuffer(bytes: UnsafeRawBufferPointer(start: data, count: size))

    // 1. The input as a stream of frames.
    var stream = input
    while true {
        let before = stream.readableBytes
        let frame: ByteBuffer?
        do {
            frame = try frames.nextFrame(from: &stream)
        } catch {
            guard error.code == .frameTooLarge, stream.readableBytes == before else {
                fail("nextFrame threw \(error) after consuming bytes", input)
            }
            break
        }
        guard let frame else {
            // Nil means "need more": nothing consumed, and the buffered bytes really are short of a frame.
            guard stream.readableBytes == before else { fail("nextFrame returned nil but consumed bytes", input) }
            if let length = stream.getInteger(at: stream.readerIndex, endianness: .big, as: UInt32.self),
                FrameDecoder.lengthBytes + Int(length) <= before
            {
                fail("nextFrame returned nil with a complete frame buffered", input)
            }
            break
        }
        guard frame.readableBytes <= frameBytesMax,
            before - stream.readableBytes == FrameDecoder.lengthBytes + frame.readableBytes
        else { fail("nextFrame consumed the wrong number of bytes", input) }
        checkRequest(frame)
    }

    // 2. The input as one message body.
    checkRequest(input)
    checkResponse(input)
    return 0
}
