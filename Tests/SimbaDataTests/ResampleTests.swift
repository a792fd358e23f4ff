// PIL-style resampling: hand-computed bicubic and bilinear weights on one-row images, the fast path
// against its Double twin, and windows. No comparison against PIL itself (see the report for that check).

import Foundation
import SimbaData
import SimbaTestSupport
import Testing

/// Keys cubic kernel with a = −0.5, written out independently of the library.
private func cubic(_ t: Double) -> Double {
    let x = abs(t)
    if x < 1 { return 1.5 * x * x * x - 2.5 * x * x + 1 }
    if x < 2 { return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2 }
    return 0
}

/// A 1-pixel-high RGB image with the gray levels `row`.
private func grayRow(_ row: [UInt8]) -> ByteImage {
    ByteImage(width: row.count, height: 1, channels: 3, pixels: row.flatMap { [$0, $0, $0] })
}

private func resize(
    _ image: ByteImage, box: PixelBox? = nil, width: Int, height: Int, window: PixelBox? = nil,
    _ interpolation: Interpolation = .bicubic
) -> [UInt8] {
    let box = box ?? PixelBox(x: 0, y: 0, width: image.width, height: image.height)
    let window = window ?? PixelBox(x: 0, y: 0, width: width, height: height)
    var out = [UInt8](repeating: 7, count: window.width * window.height * 3)
    out.withUnsafeMutableBufferPointer {
        Resample.resize(
            image, box: box, width: width, height: height, window: window,
            interpolation: interpolation, into: $0.baseAddress!, scratch: ResampleScratch())
    }
    return out
}

@Suite struct ResampleTests {
    /// 4 → 8 upscale: scale ½, support 2, output 0 centred at 0.25 takes pixels 0, 1 with weights
    /// k(0.25) = 0.8671875, k(1.25) = −0.0703125 (sum 0.796875); output 1 centred at 0.75 takes
    /// pixels 0, 1, 2 with k(0.25), k(0.75) = 0.2265625, k(1.75) = −0.0234375 (sum 1.0703125).
    @Test func bicubicUpscaleMatchesHandComputedWeights() {
        #expect(cubic(0.25) == 0.8671875 && cubic(1.25) == -0.0703125)
        #expect(cubic(0.75) == 0.2265625 && cubic(1.75) == -0.0234375)
        let row: [UInt8] = [100, 200, 50, 0]
        let out = resize(grayRow(row), width: 8, height: 1)
        let first = (0.8671875 * 100 - 0.0703125 * 200) / 0.796875  // 91.18
        let second = (0.8671875 * 100 + 0.2265625 * 200 - 0.0234375 * 50) / 1.0703125  // 122.26
        #expect(out[0] == UInt8(first.rounded()) && out[0] == 91)
        #expect(out[3] == UInt8(second.rounded()) && out[3] == 122)
        #expect(out[1] == out[0] && out[2] == out[0])
    }

    /// 8 → 2 downscale: scale 4, support 8 (antialiasing), output 0 centred at 2 takes all 8 pixels
    /// with weights k((x − 1.5)/4); a negative lobe over a bright pixel clips to 0 / 255.
    @Test func bicubicDownscaleWidensTheFilter() {
        let row: [UInt8] = [0, 10, 20, 200, 255, 30, 40, 90]
        let out = resize(grayRow(row), width: 2, height: 1)
        for o in 0..<2 {
            let center = Double(o) * 4 + 2
            let weights = (0..<8).map { cubic((Double($0) - center + 0.5) / 4) }
            let value = zip(weights, row).map { $0 * Double($1) }.reduce(0, +) / weights.reduce(0, +)
            #expect(Int(out[3 * o]) == Int((value + 0.5).rounded(.down)), "output \(o): \(out[3 * o]) vs \(value)")
        }
    }

    /// Bilinear 2 → 4: output 0 centred at 0.25 takes pixel 0 with weight 1 and pixel 1 with 0 (the
    /// triangle reaches 0 at distance 1): 10; output 1 centred at 0.75: 0.75·10 + 0.25·30 = 15.
    @Test func bilinearUpscaleMatchesHandComputedWeights() {
        let out = resize(grayRow([10, 30]), width: 4, height: 1, .bilinear)
        #expect([out[0], out[3], out[6], out[9]] == [10, 15, 25, 30])
    }

    @Test func equalSizeIsTheIdentity() {
        let image = noiseImage(width: 9, height: 7, seed: 1)
        for interpolation in Interpolation.allCases {
            #expect(resize(image, width: 9, height: 7, interpolation) == image.pixels)
        }
    }

    /// The fixed-point path and the Double twin differ only where fixed-point weights move a value
    /// across a rounding boundary: at most one level, on at most 2% of the bytes (or 2 bytes).
    @Test(arguments: Interpolation.allCases)
    func fastPathAgreesWithReference(interpolation: Interpolation) {
        let image = noiseImage(width: 23, height: 17, seed: 3)
        let cases: [(PixelBox, Int, Int)] = [
            (PixelBox(x: 0, y: 0, width: 23, height: 17), 41, 9),
            (PixelBox(x: 0, y: 0, width: 23, height: 17), 5, 6),
            (PixelBox(x: 3, y: 2, width: 11, height: 13), 16, 16),
            (PixelBox(x: 7, y: 0, width: 16, height: 17), 7, 30)
        ]
        for (box, width, height) in cases {
            let fast = resize(image, box: box, width: width, height: height, interpolation)
            let reference = ResampleReference.resize(
                image, box: box, width: width, height: height, interpolation: interpolation
            ).pixels
            let differences = zip(fast, reference).map { abs(Int($0) - Int($1)) }
            #expect(differences.max()! <= 1, "\(box) → \(width)×\(height): largest difference \(differences.max()!)")
            #expect(
                differences.filter { $0 > 0 }.count <= max(2, differences.count / 50), "\(box) → \(width)×\(height)")
        }
    }

    /// A window is the same bytes as the full result cut out; outside the resized image it is 0.
    @Test func windowIsACutOfTheFullResult() {
        let image = noiseImage(width: 12, height: 10, seed: 4)
        let full = resize(image, width: 15, height: 13)
        let window = PixelBox(x: 2, y: 3, width: 9, height: 8)
        let cut = resize(image, width: 15, height: 13, window: window)
        for y in 0..<8 {
            for x in 0..<9 {
                for c in 0..<3 { #expect(cut[(y * 9 + x) * 3 + c] == full[((y + 3) * 15 + x + 2) * 3 + c]) }
            }
        }
        let padded = resize(image, width: 15, height: 13, window: PixelBox(x: -2, y: -1, width: 19, height: 14))
        #expect(padded[0..<6].allSatisfy { $0 == 0 })
        #expect(Array(padded[((1 * 19) + 2) * 3..<((1 * 19) + 3) * 3]) == Array(full[0..<3]))
        #expect(padded[(19 * 14 - 1) * 3] == 0)
    }
}
