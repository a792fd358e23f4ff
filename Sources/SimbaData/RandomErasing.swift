// timm's RandomErasing in 'pixel' mode on a normalised (H, W, 3) float image: one rectangle replaced
// by standard-normal noise per pixel and channel. No 'const' or 'rand' modes, no count > 1.

import Foundation
import SimbaCore

/// timm's `RandomErasing(probability, mode='pixel')` with its defaults min_area 0.02, max_area 1/3,
/// min_aspect 0.3 (max 1/0.3), one rectangle:
///
/// with probability p, up to 10 tries: area a ~ U(minArea, maxArea)·H·W, aspect r = exp(U(log aspect range)),
/// h = round(√(a·r)), w = round(√(a/r)); the first try with w < W and h < H fills
/// rows top ~ U{0…H−h}, columns left ~ U{0…W−w} with N(0, 1) noise (applied after Normalize, as timm).
public struct RandomErasing: Equatable, Sendable {
    public let probability: Double
    public let area: ClosedRange<Double>
    public let aspect: ClosedRange<Double>

    public init(probability: Double, area: ClosedRange<Double> = 0.02...(1.0 / 3), minAspect: Double = 0.3) {
        precondition((0...1).contains(probability), "erasing probability must be in [0, 1], got \(probability)")
        precondition(area.lowerBound > 0 && area.upperBound <= 1, "erased area fraction must be in (0, 1], got \(area)")
        precondition(minAspect > 0, "minAspect must be positive, got \(minAspect)")
        self.probability = probability
        self.area = area
        self.aspect = min(minAspect, 1 / minAspect)...max(minAspect, 1 / minAspect)
    }

    /// The erased rectangle, or nil (not erased this time); draws from `generator` as timm does.
    public func box(width: Int, height: Int, generator: inout RandomGenerator) -> PixelBox? {
        if generator.unitDouble() >= probability { return nil }
        let logAspect = log(aspect.lowerBound)...log(aspect.upperBound)
        for _ in 0..<10 {
            let target = generator.uniformDouble(area) * Double(width * height)
            let r = exp(generator.uniformDouble(logAspect))
            let h = Int((target * r).squareRoot().rounded(.toNearestOrEven))
            let w = Int((target / r).squareRoot().rounded(.toNearestOrEven))
            if w < width && h < height {
                let top = generator.integer(in: 0...(height - h))
                let left = generator.integer(in: 0...(width - w))
                return PixelBox(x: left, y: top, width: w, height: h)
            }
        }
        return nil
    }

    /// Maybe erases a rectangle of the (height, width, 3) floats at `image`.
    func apply(_ image: UnsafeMutablePointer<Float>, width: Int, height: Int, generator: inout RandomGenerator) {
        guard let box = box(width: width, height: height, generator: &generator) else { return }
        for y in box.y..<(box.y + box.height) {
            let row = image + (y * width + box.x) * 3
            for i in 0..<(box.width * 3) { row[i] = generator.normal() }
        }
    }
}
