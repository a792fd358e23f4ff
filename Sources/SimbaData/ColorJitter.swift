// Brightness, contrast and saturation jitter on 8-bit RGB as torchvision's ColorJitter does on PIL
// images (random order, PIL ImageEnhance arithmetic). It has no hue jitter.

import SimbaCore

/// torchvision's `ColorJitter(brightness, contrast, saturation)` (timm's `color_jitter=0.4` gives
/// 0.4 for all three). Each non-zero strength s draws a factor f ~ U[max(0, 1 − s), 1 + s]; the
/// three operations run in a random order. Each is PIL's `ImageEnhance` blend
/// out = trunc(clip(d + f·(v − d), 0, 255)) in float32 with the degenerate image d:
/// brightness d = 0; contrast d = int(mean of the gray image + 0.5); saturation d = the pixel's gray
/// value. Gray is PIL's L = (19595·R + 38470·G + 7471·B + 2¹⁵) >> 16.
public struct ColorJitter: Equatable, Sendable {
    public let brightness: Float
    public let contrast: Float
    public let saturation: Float

    public init(brightness: Float = 0, contrast: Float = 0, saturation: Float = 0) {
        precondition(brightness >= 0 && contrast >= 0 && saturation >= 0, "jitter strengths must be ≥ 0")
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
    }

    /// Jitters `count` RGB pixels at `pixels` in place.
    func apply(_ pixels: UnsafeMutablePointer<UInt8>, count: Int, generator: inout RandomGenerator) {
        var order = SIMD3<Int32>(0, 1, 2)
        for i in stride(from: 2, to: 0, by: -1) {
            let j = generator.integer(in: 0...i)
            (order[i], order[j]) = (order[j], order[i])
        }
        let strengths = SIMD3<Float>(brightness, contrast, saturation)
        var factors = SIMD3<Float>(1, 1, 1)
        for k in 0..<3 where strengths[k] > 0 {
            factors[k] = Float(generator.uniformDouble(Double(max(0, 1 - strengths[k]))...Double(1 + strengths[k])))
        }
        for n in 0..<3 {
            let k = Int(order[n])
            if strengths[k] == 0 { continue }
            let f = factors[k]
            switch k {
            case 0:
                for i in 0..<(3 * count) { pixels[i] = ColorJitter.blend(0, pixels[i], f) }
            case 1:
                var total = 0
                for i in 0..<count { total += Int(ColorJitter.gray(pixels + 3 * i)) }
                let mean = Int(Double(total) / Double(count) + 0.5)
                for i in 0..<(3 * count) { pixels[i] = ColorJitter.blend(mean, pixels[i], f) }
            default:
                for i in 0..<count {
                    let p = pixels + 3 * i
                    let g = Int(ColorJitter.gray(p))
                    for c in 0..<3 { p[c] = ColorJitter.blend(g, p[c], f) }
                }
            }
        }
    }

    /// PIL's L conversion of one RGB pixel.
    @inline(__always) static func gray(_ p: UnsafePointer<UInt8>) -> UInt8 {
        let r: Int = 19595 * Int(p[0])
        let g: Int = 38470 * Int(p[1])
        let b: Int = 7471 * Int(p[2])
        return UInt8((r + g + b + 0x8000) >> 16)
    }

    /// PIL's `ImagingBlend` of a degenerate value d and a pixel value v with factor f.
    @inline(__always) static func blend(_ d: Int, _ v: UInt8, _ f: Float) -> UInt8 {
        let value = Float(d) + f * Float(Int(v) - d)
        if value <= 0 { return 0 }
        if value >= 255 { return 255 }
        return UInt8(value)
    }
}
