// Eval and train transforms: resize and centre-crop geometry, normalisation values, random resized
// crop statistics and fallback, flips, colour jitter and random erasing. No loader.

import Foundation
import SimbaCore
import SimbaData
import SimbaTestSupport
import Testing

private func run(_ transform: any ImageTransform, _ image: ByteImage, seed: UInt64 = 1) -> [Float] {
    var out = [Float](repeating: .nan, count: transform.size * transform.size * 3)
    var generator = RandomGenerator(seed: seed)
    out.withUnsafeMutableBufferPointer {
        transform.apply(image, into: $0.baseAddress!, generator: &generator, scratch: ResampleScratch())
    }
    return out
}

/// torchvision's float32 ToTensor + Normalize of the bytes.
private func normalized(_ bytes: [UInt8], _ n: Normalization = .imageNet) -> [Float] {
    bytes.enumerated().map { (Float($0.element) / 255 - n.mean[$0.offset % 3]) / n.std[$0.offset % 3] }
}

@Suite struct EvalTransformTests {
    /// timm: scale_size = floor(img_size / crop_pct); torchvision: long = int(short_target · long / short).
    @Test func resizeAndCropGeometry() {
        let t224 = EvalTransform(size: 224)
        #expect(t224.resizeSize == 233)
        #expect(EvalTransform(size: 224, cropPct: 0.875).resizeSize == 256)
        #expect(EvalTransform(size: 32).resizeSize == 33)
        #expect(t224.resizedSize(width: 500, height: 375) == (310, 233))
        #expect(t224.resizedSize(width: 375, height: 500) == (233, 310))
        // round((310 − 224)/2) = 43; round((233 − 224)/2) = round(4.5) = 4 (half to even).
        #expect(
            t224.cropWindow(resizedWidth: 310, resizedHeight: 233) == PixelBox(x: 43, y: 4, width: 224, height: 224))
        #expect(t224.cropWindow(resizedWidth: 227, resizedHeight: 233) == PixelBox(x: 2, y: 4, width: 224, height: 224))
        // Padding when the crop is larger: left/top (224 − 219) // 2 = 2.
        #expect(
            t224.cropWindow(resizedWidth: 219, resizedHeight: 224) == PixelBox(x: -2, y: 0, width: 224, height: 224))
    }

    /// The transform equals the reference resize of the whole image, cut at the crop window and
    /// normalised as torchvision does (float32), within one byte level (the twin's tolerance).
    @Test(arguments: Interpolation.allCases)
    func equalsReferenceResizeThenCenterCrop(interpolation: Interpolation) {
        let image = noiseImage(width: 30, height: 21, seed: 8)
        let transform = EvalTransform(size: 16, cropPct: 0.875, interpolation: interpolation)
        let (w, h) = transform.resizedSize(width: 30, height: 21)
        #expect((w, h) == (25, 18))  // ⌊16/0.875⌋ = 18, int(18·30/21) = 25
        let window = transform.cropWindow(resizedWidth: w, resizedHeight: h)
        #expect(window == PixelBox(x: 4, y: 1, width: 16, height: 16))  // round(4.5) = 4, round(1) = 1
        let full = ResampleReference.resize(
            image, box: PixelBox(x: 0, y: 0, width: 30, height: 21), width: w, height: h,
            interpolation: interpolation)
        var crop: [UInt8] = []
        for y in 0..<16 {
            let start: Int = ((y + 1) * w + 4) * 3
            crop += full.pixels[start..<(start + 48)]
        }
        // One byte level is 1/(255·std) ≤ 0.0176 after normalisation.
        expectClose(run(transform, image), normalized(crop), atol: 0.0176, rtol: 0, "eval transform")
    }

    @Test func normalisationIsExactlyTorchvisionsFloat32() {
        let image = ByteImage(width: 4, height: 4, channels: 3, pixels: (0..<48).map { UInt8($0 * 5) })
        let n = Normalization(mean: [0.5, 0.25, 0.125], std: [0.5, 0.2, 0.1])
        let out = run(EvalTransform(size: 4, cropPct: 1, normalization: n), image)
        #expect(out == normalized(image.pixels, n))
    }
}

@Suite struct TrainTransformTests {
    /// Over many draws every box lies inside the image; boxes that were not the fallback have an
    /// area fraction in [0.08, 1] and aspect in [3/4, 4/3] up to rounding to whole pixels.
    @Test func randomResizedCropStatistics() {
        let crop = RandomResizedCrop()
        var generator = RandomGenerator(seed: 11)
        var fractions: [Double] = []
        for (width, height) in [(500, 375), (64, 64), (40, 300)] {
            for _ in 0..<2000 {
                let box = crop.box(width: width, height: height, generator: &generator)
                #expect(box.x >= 0 && box.y >= 0 && box.width > 0 && box.height > 0)
                #expect(box.x + box.width <= width && box.y + box.height <= height, "\(box) in \(width)×\(height)")
                let fraction = Double(box.width * box.height) / Double(width * height)
                let aspect = Double(box.width) / Double(box.height)
                let slack = 1.0 / Double(min(box.width, box.height))  // one pixel of rounding
                #expect(fraction <= 1 && fraction >= 0.08 * (1 - 2 * slack) - 1e-9)
                #expect(
                    aspect >= 0.75 * (1 - 2 * slack) - 1e-9 && aspect <= (4.0 / 3) * (1 + 2 * slack) + 1e-9
                        || box.width == width || box.height == height)
                if width == 500 { fractions.append(fraction) }
            }
        }
        // torchvision's algorithm simulated in Python (20,000 draws) gives a mean area fraction of
        // 0.4315 on 500×375 (U(0.08, 1) has mean 0.54; rejected large boxes pull it down); the
        // standard error of 2,000 draws is about 0.006.
        let mean = fractions.reduce(0, +) / Double(fractions.count)
        #expect(abs(mean - 0.4315) < 0.025, "mean area fraction \(mean)")
    }

    /// A 1000×10 strip admits no box of ratio ≤ 4/3 and 0.9 of the area: the fallback is the centred
    /// full-height crop of width round(10·4/3) = 13 (and the transposed case likewise).
    @Test func fallbackIsTheCentredClampedCrop() {
        let crop = RandomResizedCrop(scale: 0.9...1)
        var generator = RandomGenerator(seed: 2)
        #expect(
            crop.box(width: 1000, height: 10, generator: &generator) == PixelBox(x: 493, y: 0, width: 13, height: 10))
        #expect(
            crop.box(width: 10, height: 1000, generator: &generator) == PixelBox(x: 0, y: 493, width: 10, height: 13))
    }

    @Test func flipMirrorsTheSameCrop() {
        let image = noiseImage(width: 40, height: 30, seed: 5)
        let plain = run(TrainTransform(size: 8, flipProbability: 0), image, seed: 9)
        let flipped = run(TrainTransform(size: 8, flipProbability: 1), image, seed: 9)
        for y in 0..<8 {
            for x in 0..<8 {
                for c in 0..<3 { #expect(flipped[(y * 8 + x) * 3 + c] == plain[(y * 8 + 7 - x) * 3 + c]) }
            }
        }
        #expect(plain != flipped)
    }

    /// The crop box and the resize are those of `RandomResizedCrop` and `Resample` on the same draws.
    @Test func trainOutputIsTheResizedCropBox() {
        let image = noiseImage(width: 37, height: 29, seed: 6)
        var generator = RandomGenerator(seed: 4)
        let box = RandomResizedCrop().box(width: 37, height: 29, generator: &generator)
        let bytes = ResampleReference.resize(image, box: box, width: 12, height: 12, interpolation: .bilinear).pixels
        let out = run(TrainTransform(size: 12, interpolation: .bilinear, flipProbability: 0), image, seed: 4)
        expectClose(out, normalized(bytes), atol: 0.0176, rtol: 0, "train transform (one byte level)")
    }

    /// Brightness jitter scales bytes by one factor f ∈ [0.5, 1.5] (truncating): equal bytes stay
    /// equal and the ratio of bright to dark stays f within a level.
    @Test func brightnessJitterScalesEveryByte() {
        let image = ByteImage(width: 8, height: 8, channels: 3, pixels: (0..<192).map { $0 % 2 == 0 ? 40 : 200 })
        let base = run(
            TrainTransform(
                size: 8, crop: RandomResizedCrop(scale: 1...1, ratio: 1...1), flipProbability: 0,
                colorJitter: ColorJitter(brightness: 0.5)), image, seed: 3)
        let n = Normalization.imageNet
        let bytes = base.enumerated().map { Float(($0.element * n.std[$0.offset % 3] + n.mean[$0.offset % 3]) * 255) }
        let dark = bytes[0], bright = bytes[1]
        let factor = bright / 200
        #expect(factor >= 0.5 - 0.01 && factor <= 1.5 + 0.01)
        #expect(abs(dark - (40 * factor).rounded(.down)) <= 1.01, "dark \(dark), factor \(factor)")
        #expect(abs(dark - 40) > 0.5 || abs(factor - 1) < 0.02)
    }

    /// With probability 1 exactly one rectangle (area ≤ 1/3, not the whole image) is replaced by
    /// noise; everything else is untouched.
    @Test func randomErasingReplacesOneRectangle() {
        let image = noiseImage(width: 24, height: 24, seed: 7)
        let crop = RandomResizedCrop(scale: 1...1, ratio: 1...1)
        let plain = run(TrainTransform(size: 24, crop: crop, flipProbability: 0), image, seed: 5)
        let erased = run(
            TrainTransform(
                size: 24, crop: crop, flipProbability: 0,
                erasing: RandomErasing(probability: 1)), image, seed: 5)
        var changedPixels: [(Int, Int)] = []
        for y in 0..<24 {
            for x in 0..<24
            where (0..<3).contains(where: { plain[(y * 24 + x) * 3 + $0] != erased[(y * 24 + x) * 3 + $0] }) {
                changedPixels.append((x, y))
            }
        }
        let xs = changedPixels.map(\.0), ys = changedPixels.map(\.1)
        let boxArea = (xs.max()! - xs.min()! + 1) * (ys.max()! - ys.min()! + 1)
        #expect(changedPixels.count == boxArea, "the changed pixels form a rectangle")
        #expect(boxArea >= 1 && boxArea <= 24 * 24 / 3 + 24, "area \(boxArea)")
        var generator = RandomGenerator(seed: 0)
        #expect(RandomErasing(probability: 0).box(width: 24, height: 24, generator: &generator) == nil)
    }
}
