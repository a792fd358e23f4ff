// Resizes an 8-bit RGB image (or a box of it) exactly as PIL's Image.resize does for bicubic and
// bilinear, computing only a window of the result. It does not normalise, flip or crop beyond that window.

import Foundation

/// Resampling filter of `Resample`, named as in timm / torchvision (`interpolation=`).
public enum Interpolation: String, Sendable, CaseIterable {
    /// Keys cubic convolution with a = −0.5 (PIL's BICUBIC), support 2.
    case bicubic
    /// Triangle filter (PIL's BILINEAR), support 1.
    case bilinear

    /// Filter radius in input pixels at scale 1.
    public var support: Double { self == .bicubic ? 2 : 1 }

    /// PIL's `bicubic_filter` / `bilinear_filter`.
    public func weight(_ t: Double) -> Double {
        let x = abs(t)
        switch self {
        case .bicubic:
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        case .bilinear:
            return x < 1 ? 1 - x : 0
        }
    }
}

/// An integer pixel rectangle (x, y of its top-left corner, width, height).
public struct PixelBox: Equatable, Sendable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var description: String { "(x \(x), y \(y), \(width)×\(height))" }
}

/// Working memory of `Resample.resize`: coefficient tables and the intermediate rows. One per thread;
/// it grows to the largest image seen and is then reused without allocating.
public final class ResampleScratch {
    var columnBounds: [Int] = []
    var columnCoefficients: [Int32] = []
    var rowBounds: [Int] = []
    var rowCoefficients: [Int32] = []
    var rows: [UInt8] = []
    var sums: [Int32] = []
    /// The 8-bit result window, (size, size, 3); used by the transforms.
    var window: [UInt8] = []

    public init() {}

    static func ensure<T: Numeric>(_ array: inout [T], _ count: Int) {
        if array.count < count { array = [T](repeating: 0, count: count) }
    }
}

/// PIL's two-pass separable resampling (`ImagingResample`, Pillow ≥ 7) on 8-bit RGB.
///
/// For output coordinate o of a side scaled from `inSize` to `outSize`: scale = inSize/outSize,
/// filterscale = max(scale, 1), support = filter support · filterscale,
/// centre = (o + 0.5)·scale, taps x ∈ [max(⌊centre − support + 0.5⌋, 0), min(⌊centre + support + 0.5⌋, inSize)),
/// weight(x) = filter((x − centre + 0.5)·(1/filterscale)) normalised to sum 1. So downscaling
/// widens the filter (antialiasing) and upscaling interpolates. Weights are fixed point with 22
/// fraction bits; the horizontal pass runs first and both passes round half up and clip to 0…255,
/// which makes the result equal to PIL's byte for byte (checked against Pillow 13.0 on RGB images
/// shrunk or enlarged on both sides, as resizes for eval and training are; Pillow 13 runs the
/// vertical pass first for some shapes, e.g. widening while shortening, and then differs by ±1 level
/// on some bytes).
public enum Resample {
    static let precisionBits = 22

    /// Resizes the `box` of `image` (whose (height, width, 3) pixels must be RGB) to
    /// `width`×`height` and writes the `window` of that result to `destination`
    /// ((window.height, window.width, 3) bytes). Window pixels outside the resized image are 0
    /// (torchvision's zero padding). Equals `Image.resize((width, height), filter)` on
    /// `image.crop(box)`, then `.crop(window)`.
    public static func resize(
        _ image: ByteImage, box: PixelBox, width: Int, height: Int, window: PixelBox,
        interpolation: Interpolation, into destination: UnsafeMutablePointer<UInt8>, scratch: ResampleScratch
    ) {
        precondition(image.channels == 3, "resize takes RGB images, got \(image.channels) channels")
        precondition(
            box.x >= 0 && box.y >= 0 && box.width > 0 && box.height > 0
                && box.x + box.width <= image.width && box.y + box.height <= image.height,
            "box \(box) is not inside the \(image.width)×\(image.height) image")
        precondition(width > 0 && height > 0 && window.width > 0 && window.height > 0, "sizes must be positive")
        destination.initialize(repeating: 0, count: window.width * window.height * 3)
        // Output columns and rows of the window that lie inside the resized image.
        let columns = max(window.x, 0)..<min(window.x + window.width, width)
        let outRows = max(window.y, 0)..<min(window.y + window.height, height)
        if columns.isEmpty || outRows.isEmpty { return }
        let columnTaps = coefficients(
            inSize: box.width, outSize: width, range: columns, interpolation: interpolation,
            bounds: &scratch.columnBounds, coefficients: &scratch.columnCoefficients)
        let rowTaps = coefficients(
            inSize: box.height, outSize: height, range: outRows, interpolation: interpolation,
            bounds: &scratch.rowBounds, coefficients: &scratch.rowCoefficients)
        // Input rows (relative to the box) that the vertical pass reads.
        let firstRow = scratch.rowBounds[0]
        let lastRow = scratch.rowBounds[2 * (outRows.count - 1)] + scratch.rowBounds[2 * (outRows.count - 1) + 1]
        let rowLength = columns.count * 3
        ResampleScratch.ensure(&scratch.rows, (lastRow - firstRow) * rowLength)
        ResampleScratch.ensure(&scratch.sums, rowLength)
        let half = 1 << (precisionBits - 1)

        image.pixels.withUnsafeBufferPointer { pixelBuffer in
            scratch.rows.withUnsafeMutableBufferPointer { rowBuffer in
                scratch.columnBounds.withUnsafeBufferPointer { bounds in
                    scratch.columnCoefficients.withUnsafeBufferPointer { weights in
                        let pixels = pixelBuffer.baseAddress!, rows = rowBuffer.baseAddress!
                        // Horizontal pass: (lastRow − firstRow, columns, 3).
                        for r in firstRow..<lastRow {
                            let source = pixels + ((box.y + r) * image.width + box.x) * 3
                            let target = rows + (r - firstRow) * rowLength
                            for c in 0..<columns.count {
                                let start = bounds[2 * c], count = bounds[2 * c + 1]
                                let k = weights.baseAddress! + c * columnTaps
                                var s0 = half, s1 = half, s2 = half
                                var p = source + start * 3
                                for t in 0..<count {
                                    let w = Int(k[t])
                                    s0 += Int(p[0]) * w
                                    s1 += Int(p[1]) * w
                                    s2 += Int(p[2]) * w
                                    p += 3
                                }
                                target[3 * c] = clip8(s0)
                                target[3 * c + 1] = clip8(s1)
                                target[3 * c + 2] = clip8(s2)
                            }
                        }
                    }
                }
                scratch.rowBounds.withUnsafeBufferPointer { bounds in
                    scratch.rowCoefficients.withUnsafeBufferPointer { weights in
                        scratch.sums.withUnsafeMutableBufferPointer { sumBuffer in
                            let rows = UnsafePointer(rowBuffer.baseAddress!), sums = sumBuffer.baseAddress!
                            // Vertical pass into the window, tap by tap over a whole row so the
                            // loop vectorises; 32-bit sums as PIL's `int`.
                            for (i, outRow) in outRows.enumerated() {
                                let start = bounds[2 * i] - firstRow, count = bounds[2 * i + 1]
                                let k = weights.baseAddress! + i * rowTaps
                                let target =
                                    destination + ((outRow - window.y) * window.width + (columns.lowerBound - window.x))
                                    * 3
                                sums.update(repeating: Int32(half), count: rowLength)
                                for t in 0..<count {
                                    let w = k[t], source = rows + (start + t) * rowLength
                                    for j in 0..<rowLength { sums[j] &+= Int32(source[j]) &* w }
                                }
                                for j in 0..<rowLength { target[j] = clip8(Int(sums[j])) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// PIL's `clip8`: a fixed-point sum (with the ½ already added) to 0…255.
    @inline(__always) static func clip8(_ sum: Int) -> UInt8 {
        if sum <= 0 { return 0 }
        if sum >= 256 << precisionBits { return 255 }
        return UInt8(truncatingIfNeeded: sum >> precisionBits)
    }

    /// Fills `bounds` (first tap, tap count per output coordinate of `range`) and fixed-point
    /// `coefficients` (taps per coordinate, the returned stride) as PIL's `precompute_coeffs` and
    /// `normalize_coeffs_8bpc`; coordinates are relative to `range.lowerBound`.
    static func coefficients(
        inSize: Int, outSize: Int, range: Range<Int>, interpolation: Interpolation,
        bounds: inout [Int], coefficients: inout [Int32]
    ) -> Int {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = interpolation.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        ResampleScratch.ensure(&bounds, 2 * range.count)
        ResampleScratch.ensure(&coefficients, taps * range.count)
        let one = Double(1 << precisionBits)
        let inverse = 1 / filterScale
        for (i, o) in range.enumerated() {
            let center = (Double(o) + 0.5) * scale
            let start = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), inSize) - start
            var total = 0.0
            for t in 0..<count { total += interpolation.weight((Double(t + start) - center + 0.5) * inverse) }
            for t in 0..<taps {
                var w = t < count ? interpolation.weight((Double(t + start) - center + 0.5) * inverse) : 0
                if total != 0 { w /= total }
                coefficients[i * taps + t] = Int32(w < 0 ? (w * one - 0.5) : (w * one + 0.5))
            }
            bounds[2 * i] = start
            bounds[2 * i + 1] = count
        }
        return taps
    }
}
