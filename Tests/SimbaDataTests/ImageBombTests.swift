// The decompression-bomb guard: tiny PNG and JPEG files whose headers declare billions of pixels are
// refused from the header, and the loader skips them with a warning (or stops when strict).

import Foundation
import Testing

@testable import SimbaData

/// An 8×8 baseline JPEG whose SOF0 marker is rewritten to declare `width`×`height`.
private func jpegDeclaring(width: UInt16, height: UInt16) throws -> Data {
    var bytes = [UInt8](try JPEG.encode(noiseImage(width: 8, height: 8, seed: 3)))
    let sof = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
    // FF C0, length (2), precision (1), height (2), width (2).
    bytes[sof + 5] = UInt8(height >> 8)
    bytes[sof + 6] = UInt8(height & 0xFF)
    bytes[sof + 7] = UInt8(width >> 8)
    bytes[sof + 8] = UInt8(width & 0xFF)
    return Data(bytes)
}

@Suite struct ImageBombTests {
    @Test("The limit is PIL's MAX_IMAGE_PIXELS; zero sizes and overflowing products are refused")
    func limit() throws {
        #expect(ImageDecoder.maximumPixelCount == 1024 * 1024 * 1024 / 4 / 3)
        try ImageDecoder.checkDeclaredSize(width: ImageDecoder.maximumPixelCount, height: 1, format: "PNG", source: "x")
        try ImageDecoder.checkDeclaredSize(width: 9459, height: 9459, format: "PNG", source: "x")
        let refused = [
            (9460, 9460), (ImageDecoder.maximumPixelCount + 1, 1), (0, 5), (5, 0), (-1, -1),
            (Int.max, 2), (1 << 32, 1 << 32)
        ]
        for (width, height) in refused {
            expectError(ImageDecodeError.self, containing: ["x", "\(width)×\(height)"]) {
                try ImageDecoder.checkDeclaredSize(width: width, height: height, format: "PNG", source: "x")
            }
        }
    }

    @Test("A PNG whose IHDR declares 100000×100000 is refused before decoding")
    func pngBomb() throws {
        let bomb = PNGBytes.headerOnly(width: 100_000, height: 100_000)
        #expect(bomb.count < 100)
        expectError(ImageDecodeError.self, containing: ["bomb.png", "PNG header declares 100000×100000", "89478485"]) {
            try ImageDecoder.decode(bomb, source: "bomb.png")
        }
        expectError(ImageDecodeError.self, containing: ["bomb.png", "100000×100000"]) {
            try PNG.decode(bomb, source: "bomb.png")
        }
        // Just over the limit is refused too (libpng itself refuses sides over 1,000,000); a zero
        // width is refused by libpng.
        expectError(ImageDecodeError.self, containing: ["9460×9460"]) {
            try ImageDecoder.decode(PNGBytes.headerOnly(width: 9460, height: 9460), source: "wide.png")
        }
        expectError(ImageDecodeError.self, containing: ["zero.png"]) {
            try ImageDecoder.decode(PNGBytes.headerOnly(width: 0, height: 10), source: "zero.png")
        }
    }

    @Test("A JPEG whose SOF declares 60000×60000 is refused before decoding")
    func jpegBomb() throws {
        let bomb = try jpegDeclaring(width: 60_000, height: 60_000)
        #expect(bomb.count < 1000)
        expectError(ImageDecodeError.self, containing: ["bomb.jpg", "JPEG header declares 60000×60000", "89478485"]) {
            try ImageDecoder.decode(bomb, source: "bomb.jpg")
        }
        // The rewriting itself is sound: the same file declaring 8×8 decodes.
        #expect(try ImageDecoder.decode(try jpegDeclaring(width: 8, height: 8), source: "ok.jpg").width == 8)
    }

    @Test("The loader skips a bomb with its reason, and stops at it when strict")
    func loaderSkipsBombs() throws {
        let root = try temporaryFolder("bombs")
        for i in 0..<3 { try writePNG(noiseImage(width: 12, height: 10, seed: i), root + "/train/cat/\(i).png") }
        let png = root + "/train/cat/bomb.png", jpeg = root + "/train/cat/bomb.jpg"
        try PNGBytes.headerOnly(width: 100_000, height: 100_000).write(to: URL(fileURLWithPath: png))
        try jpegDeclaring(width: 60_000, height: 60_000).write(to: URL(fileURLWithPath: jpeg))
        let folder = try ImageFolder(root: root, split: "train")
        #expect(folder.samples.count == 5)

        func epoch(strict: Bool) throws -> (count: Int, skipped: [(path: String, reason: String)]) {
            let loader = ImageLoader(
                samples: folder.samples, transform: EvalTransform(size: 8), batchSize: 8,
                shuffle: false, seed: 0, workers: 2, strict: strict)
            loader.startEpoch(0)
            var images = [Float](repeating: 0, count: loader.batchSize * loader.sampleFloats)
            var labels = [Int32](repeating: 0, count: loader.batchSize)
            var count = 0
            while let kept = try images.withUnsafeMutableBufferPointer({ i in
                try labels.withUnsafeMutableBufferPointer { l in
                    try loader.next(into: i.baseAddress!, labels: l.baseAddress!)
                }
            }) {
                count += kept
            }
            return (count, loader.skipped)
        }
        let lenient = try epoch(strict: false)
        #expect(lenient.count == 3)
        #expect(lenient.skipped.map(\.path) == [jpeg, png])
        #expect(lenient.skipped.allSatisfy { $0.reason.contains("decompression-bomb") }, "\(lenient.skipped)")
        expectError(ImageDecodeError.self, containing: [jpeg, "60000×60000"]) { try epoch(strict: true) }
    }
}
