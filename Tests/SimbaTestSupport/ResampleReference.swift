// The plain twin of the image resize: every output pixel computed directly in Double from PIL's
// filter weights, for the tests of the fixed-point resize. Slow; never used in training or eval.

import SimbaData

/// PIL's resize (`Image.resize` with a box) from its definition.
public enum ResampleReference {
    /// Plain twin of `Resample.resize`: the whole `width`×`height` result, every pixel computed
    /// directly in Double (weights evaluated per pixel, not fixed point), rounding and clipping after
    /// each pass as PIL does. Agrees with `resize` within one level (fixed-point weights can move a
    /// value across a rounding boundary).
    public static func resize(
        _ image: ByteImage, box: PixelBox, width: Int, height: Int,
        interpolation: Interpolation
    ) -> ByteImage {
        func taps(_ o: Int, inSize: Int, outSize: Int) -> [(index: Int, weight: Double)] {
            let scale = Double(inSize) / Double(outSize)
            let filterScale = max(scale, 1)
            let support = interpolation.support * filterScale
            let center = (Double(o) + 0.5) * scale
            let lower = max(Int(center - support + 0.5), 0), upper = min(Int(center + support + 0.5), inSize)
            let raw = (lower..<upper).map { ($0, interpolation.weight((Double($0) - center + 0.5) / filterScale)) }
            let total = raw.reduce(0) { $0 + $1.1 }
            return raw.map { ($0.0, total != 0 ? $0.1 / total : $0.1) }
        }
        func round8(_ v: Double) -> Double { min(max((v + 0.5).rounded(.down), 0), 255) }
        var out = ByteImage(width: width, height: height, channels: 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    var value = 0.0
                    for (sy, wy) in taps(y, inSize: box.height, outSize: height) {
                        var row = 0.0
                        for (sx, wx) in taps(x, inSize: box.width, outSize: width) {
                            row += wx * Double(image.pixels[((box.y + sy) * image.width + box.x + sx) * 3 + c])
                        }
                        value += wy * round8(row)
                    }
                    out.pixels[(y * width + x) * 3 + c] = UInt8(round8(value))
                }
            }
        }
        return out
    }
}
