// Test helpers for the image pipeline: fresh temporary folders, small PNG files with a chosen
// colour per pixel, and an expectation that an error's description names something. No checks of their own.

import Foundation
import SimbaData
import Testing

/// A new empty temporary folder.
func temporaryFolder(_ tag: String = "images") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("simba-\(tag)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A `width`×`height` RGB image whose pixel bytes are a fixed pseudo-random function of `seed`.
func noiseImage(width: Int, height: Int, seed: Int) -> ByteImage {
    var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    let pixels = (0..<(width * height * 3)).map { _ -> UInt8 in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
    return ByteImage(width: width, height: height, channels: 3, pixels: pixels)
}

/// Writes a PNG at `path`, creating its folder.
func writePNG(_ image: ByteImage, _ path: String) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
    try PNG.write(image, to: path)
}

/// Expects `body` to throw an error of type `E` whose description contains every one of `parts`.
func expectError<E: Error & CustomStringConvertible, T>(
    _ type: E.Type, containing parts: [String],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) {
    do {
        _ = try body()
        Issue.record("no error thrown; wanted \(E.self) containing \(parts)", sourceLocation: sourceLocation)
    } catch let error as E {
        for part in parts {
            #expect(
                error.description.contains(part), "\"\(error)\" does not mention \(part)",
                sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
