// PNG and JPEG round trips, every PNG colour type PIL's convert("RGB") handles, CMYK JPEGs, magic-byte
// dispatch and errors for truncated or foreign files. No comparison against PIL-decoded fixtures.

import Foundation
import SimbaData
import Testing

/// A smooth RGB (or gray) test picture: JPEG keeps such images within a few levels.
private func gradient(width: Int, height: Int, channels: Int) -> ByteImage {
    var pixels: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels { pixels.append(UInt8((x * 4 + y * 3 + c * 30) % 200 + 20)) }
        }
    }
    return ByteImage(width: width, height: height, channels: channels, pixels: pixels)
}

/// The image with each gray byte repeated three times.
private func grayToRGB(_ image: ByteImage) -> [UInt8] { image.pixels.flatMap { [$0, $0, $0] } }

private func expectMaxDifference(
    _ a: [UInt8], _ b: [UInt8], atMost limit: Int, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(a.count == b.count, "\(what): sizes \(a.count) vs \(b.count)", sourceLocation: sourceLocation)
    let worst = zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
    #expect(worst <= limit, "\(what): largest difference \(worst) > \(limit)", sourceLocation: sourceLocation)
}

private func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("simba-codecs-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Expects `body` to throw an `ImageDecodeError` whose description names `path`.
private func expectDecodeError(
    naming path: String, _ body: () throws -> ByteImage,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        _ = try body()
        Issue.record("decoding \(path) did not throw", sourceLocation: sourceLocation)
    } catch let error as ImageDecodeError {
        #expect(error.description.contains(path), "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct PNGTests {
    @Test func rgbRoundTripIsExact() throws {
        let image = gradient(width: 13, height: 7, channels: 3)
        let decoded = try PNG.decode(PNG.encode(image), source: "rgb")
        #expect(decoded == image)
    }

    @Test func grayRoundTripReplicatesChannels() throws {
        let image = gradient(width: 9, height: 4, channels: 1)
        let decoded = try PNG.decode(PNG.encode(image), source: "gray")
        #expect(decoded.channels == 3 && decoded.width == 9 && decoded.height == 4)
        #expect(decoded.pixels == grayToRGB(image))
    }

    @Test func writeIsReadBackFromDisk() throws {
        let folder = try temporaryFolder()
        let path = folder + "/picture.png"
        let image = gradient(width: 5, height: 6, channels: 3)
        try PNG.write(image, to: path)
        #expect(try PNG.decode(path: path) == image)
        #expect(try ImageDecoder.decode(path: path) == image)
    }

    @Test func paletteWithTransparencyGivesPaletteColours() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        let indices = [0, 1, 2, 3, 3, 2]
        let data = PNGBytes.make(
            width: 3, height: 2, bitDepth: 2, colorType: 3,
            rows: [
                PNGBytes.pack(Array(indices[0..<3]), bitDepth: 2),
                PNGBytes.pack(Array(indices[3..<6]), bitDepth: 2)
            ],
            chunks: [("PLTE", palette), ("tRNS", [255, 0, 128, 0])])
        let decoded = try PNG.decode(data, source: "palette")
        let expected = indices.flatMap { Array(palette[(3 * $0)..<(3 * $0 + 3)]) }
        #expect(decoded.pixels == expected)
    }

    @Test(arguments: [(1, 255), (2, 85), (4, 17)])
    func lowBitGrayIsScaledToFullRange(bitDepth: Int, factor: Int) throws {
        let top = (1 << bitDepth) - 1
        let samples = [0, top, top / 2, 1]
        let data = PNGBytes.make(
            width: 4, height: 1, bitDepth: UInt8(bitDepth), colorType: 0,
            rows: [PNGBytes.pack(samples, bitDepth: bitDepth)])
        let decoded = try PNG.decode(data, source: "gray\(bitDepth)")
        #expect(decoded.pixels == samples.flatMap { [UInt8($0 * factor), UInt8($0 * factor), UInt8($0 * factor)] })
    }

    /// 16-bit samples become round(v·255/65535) (libpng's scaling): 0x12FF gives 19, PIL's high byte 18.
    @Test func sixteenBitIsScaledToEightBits() throws {
        let samples = [0, 0xFFFF, 0x12FF, 0x8000, 0x0080, 0x7F7F]
        let gray = PNGBytes.make(
            width: 6, height: 1, bitDepth: 16, colorType: 0, rows: [PNGBytes.pack(samples, bitDepth: 16)])
        let scaled = samples.map { UInt8((Double($0) * 255 / 65535).rounded()) }
        #expect(scaled == [0, 255, 19, 128, 0, 127])
        #expect(try PNG.decode(gray, source: "gray16").pixels == scaled.flatMap { [$0, $0, $0] })

        let rgb = PNGBytes.make(
            width: 2, height: 1, bitDepth: 16, colorType: 2, rows: [PNGBytes.pack(samples, bitDepth: 16)])
        #expect(try PNG.decode(rgb, source: "rgb16").pixels == scaled)
    }

    @Test func alphaIsDroppedWithoutCompositing() throws {
        let rgba: [UInt8] = [200, 100, 50, 0, 10, 20, 30, 128, 250, 240, 230, 255]
        let data = PNGBytes.make(width: 3, height: 1, bitDepth: 8, colorType: 6, rows: [rgba])
        #expect(try PNG.decode(data, source: "rgba").pixels == [200, 100, 50, 10, 20, 30, 250, 240, 230])

        let grayAlpha: [UInt8] = [90, 0, 180, 77]
        let data2 = PNGBytes.make(width: 2, height: 1, bitDepth: 8, colorType: 4, rows: [grayAlpha])
        #expect(try PNG.decode(data2, source: "gray+alpha").pixels == [90, 90, 90, 180, 180, 180])
    }
}

@Suite struct JPEGTests {
    /// Quality 95 without subsampling keeps a smooth picture within a few levels; 6 is twice what we see.
    @Test func rgbRoundTripWithinTolerance() throws {
        let image = gradient(width: 24, height: 16, channels: 3)
        let decoded = try JPEG.decode(JPEG.encode(image, quality: 95, subsampling: .none444), source: "rgb")
        #expect(decoded.width == 24 && decoded.height == 16 && decoded.channels == 3)
        expectMaxDifference(decoded.pixels, image.pixels, atMost: 6, "RGB JPEG")
    }

    @Test func grayRoundTripWithinToleranceAndNeutral() throws {
        let image = gradient(width: 16, height: 16, channels: 1)
        let decoded = try JPEG.decode(JPEG.encode(image, quality: 95), source: "gray")
        expectMaxDifference(decoded.pixels, grayToRGB(image), atMost: 6, "gray JPEG")
        for i in 0..<(16 * 16) {
            #expect(
                decoded.pixels[3 * i] == decoded.pixels[3 * i + 1] && decoded.pixels[3 * i] == decoded.pixels[3 * i + 2]
            )
        }
    }

    /// Flat CMYK ink patches survive quality 100 within 2 levels; RGB follows PIL's cmyk2rgb:
    /// R = (255−C)(255−K)/255 in ink amounts.
    @Test func cmykIsConvertedLikePIL() throws {
        let inks: [[Int]] = [[0, 255, 255, 0], [0, 0, 0, 128], [255, 0, 0, 0], [64, 128, 192, 32]]
        for ink in inks {
            let image = ByteImage(
                width: 16, height: 16, channels: 4,
                pixels: [UInt8]((0..<256).flatMap { _ in ink.map { UInt8($0) } }))
            let data = try JPEG.encode(image, quality: 100, subsampling: .none444)
            #expect(data.range(of: Data("Adobe".utf8)) != nil, "a CMYK JPEG carries the Adobe APP14 marker")
            let decoded = try JPEG.decode(data, source: "cmyk")
            let expected = (0..<3).map { UInt8(((255 - ink[$0]) * (255 - ink[3]) + 127) / 255) }
            expectMaxDifference(decoded.pixels, [UInt8]((0..<256).flatMap { _ in expected }), atMost: 2, "CMYK \(ink)")
        }
    }
}

@Suite struct ImageDecoderTests {
    @Test func pngNamedJPEGIsDecodedByMagic() throws {
        let folder = try temporaryFolder()
        let path = folder + "/n02105855_2933.JPEG"
        let image = gradient(width: 4, height: 3, channels: 3)
        try PNG.write(image, to: path)
        #expect(try ImageDecoder.decode(path: path) == image)
    }

    @Test func jpegIsDecodedByMagic() throws {
        let image = gradient(width: 8, height: 8, channels: 3)
        let data = try JPEG.encode(image, quality: 90)
        #expect(try ImageDecoder.decode(data, source: "x.png").width == 8)
    }

    @Test func truncatedForeignAndMissingFilesNameTheFile() throws {
        let folder = try temporaryFolder()
        let picture = gradient(width: 64, height: 48, channels: 3)
        let png = try PNG.encode(picture)
        let jpeg = try JPEG.encode(picture, quality: 90)
        let cases: [(String, Data)] = [
            ("cut.png", png.prefix(png.count / 2)),
            ("header-only.png", png.prefix(20)),
            ("cut.jpg", jpeg.prefix(jpeg.count / 2)),
            ("header-only.jpg", jpeg.prefix(30)),
            ("noise.jpg", Data(JPEG.signature + [UInt8](repeating: 0x55, count: 200))),
            ("page.JPEG", Data("GIF89a not really".utf8)),
            ("empty.png", Data())
        ]
        for (name, data) in cases {
            let path = folder + "/" + name
            try data.write(to: URL(fileURLWithPath: path))
            expectDecodeError(naming: path) { try ImageDecoder.decode(path: path) }
        }
        expectDecodeError(naming: folder + "/missing.png") { try ImageDecoder.decode(path: folder + "/missing.png") }

        let gif = folder + "/page.JPEG"
        do {
            _ = try ImageDecoder.decode(path: gif)
        } catch {
            #expect("\(error)".contains("not a PNG or JPEG (starts with 47 49 46 38 39 61 20 6E)"), "\(error)")
        }
    }
}
