// torchvision's RandomResizedCrop box choice (area fraction and log-uniform aspect ratio, ten tries,
// then a centre-crop fallback) and the random draws the augmentations share. It does not resize.

import Foundation
import SimbaCore

/// The crop box of torchvision's `RandomResizedCrop.get_params` (timm's
/// `RandomResizedCropAndInterpolation` is the same algorithm):
///
/// up to 10 times: area fraction s ~ U(scale), aspect r = exp(U(log ratio)), w = round(√(s·A·r)),
/// h = round(√(s·A/r)) (round half to even); if 0 < w ≤ width and 0 < h ≤ height, take
/// top ~ U{0…height−h}, left ~ U{0…width−w}. Otherwise the centre crop of the whole image clamped
/// to the ratio range (w = width, h = round(w/min ratio) when the image is too narrow;
/// h = height, w = round(h·max ratio) when too wide), at ((height−h)//2, (width−w)//2).
public struct RandomResizedCrop: Equatable, Sendable {
    public let scale: ClosedRange<Double>
    public let ratio: ClosedRange<Double>

    /// Defaults are torchvision's and timm's: scale 0.08…1, ratio 3/4…4/3.
    public init(scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3)) {
        precondition(scale.lowerBound > 0 && scale.upperBound <= 1, "scale must lie in (0, 1], got \(scale)")
        precondition(ratio.lowerBound > 0, "ratio must be positive, got \(ratio)")
        self.scale = scale
        self.ratio = ratio
    }

    /// The box to crop from a `width`×`height` image.
    public func box(width: Int, height: Int, generator: inout RandomGenerator) -> PixelBox {
        let area = Double(width * height)
        let logRatio = log(ratio.lowerBound)...log(ratio.upperBound)
        for _ in 0..<10 {
            let targetArea = area * generator.uniformDouble(scale)
            let aspect = exp(generator.uniformDouble(logRatio))
            let w = Int((targetArea * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((targetArea / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0 && w <= width && h > 0 && h <= height {
                let top = generator.integer(in: 0...(height - h))
                let left = generator.integer(in: 0...(width - w))
                return PixelBox(x: left, y: top, width: w, height: h)
            }
        }
        let inRatio = Double(width) / Double(height)
        var w = width, h = height
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return PixelBox(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    }
}

extension RandomGenerator {
    /// Uniform in [0, 1) with 53 random bits.
    mutating func unitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [range.lowerBound, range.upperBound).
    mutating func uniformDouble(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unitDouble()
    }

    /// Uniform integer in `range` (the high word of a 64×64-bit product: no loop, bias below 2⁻⁴⁰
    /// for any range a dataset has; fixed here so an epoch's order never depends on the Swift version).
    mutating func integer(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
    }
}
