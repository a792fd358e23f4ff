// The forward of Conv2d computed straight from the image, without unrolling it into columns: for
// the stem's wide images and narrow channel counts, where im2col + GEMM moves a patch-sized copy of
// the image through memory and the GEMM's 32-wide output runs far below sgemm's rate. Forward
// only: the backward stays im2col + GEMM (Conv2d.backward).

import SimbaRuntime

extension Conv2d {
    typealias Vector = VectorMath.Vector

    /// Output pixels per register tile and output channels per tile (two vectors): 8·2
    /// accumulators, each input value read once per tile and each weight vector once per 8 pixels.
    static let directPixels = 8, directChannels = 32

    /// Whether `directForward` serves this shape: 32 or 64 output channels, where the GEMM's output
    /// is narrow (the wider downsamplings' GEMMs ran faster than this kernel, measured), on the
    /// shapes where unrolling dominates (`columnOrder` gives tap-major: rows ≥ 4·out).
    public static func directForwardApplies(rows: Int, outChannels: Int) -> Bool {
        outChannels % directChannels == 0 && outChannels <= 64 && columnOrder(rows: rows, outChannels: outChannels) == .tapMajor
    }

    /// `forward` without columns (same output up to the order of the sums): y[b, oy, ox, o] =
    /// bias[o] + Σ_{ky, kx, ci} W[o, ci, ky, kx]·x[b, oy·s − p + ky, ox·s − p + kx, ci], in
    /// parallel over output rows, each row in tiles of 8 pixels × 32 channels held in registers.
    /// Needs `directForwardApplies`.
    public static func directForward(
        output: UnsafeMutablePointer<Float>,        // (batch, outH, outW, outChannels)
        input: UnsafePointer<Float>,                // (batch, height, width, inChannels)
        weight: UnsafePointer<Float>,               // (outChannels, inChannels, k, k)
        bias: UnsafePointer<Float>?,                // (outChannels)
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernel: Int, stride: Int, padding: Int
    ) {
        precondition(outChannels % directChannels == 0, "Conv2d.directForward: outChannels \(outChannels) not a multiple of 32")
        let outHeight = outputSize(height, kernel: kernel, stride: stride, padding: padding)
        let outWidth = outputSize(width, kernel: kernel, stride: stride, padding: padding)
        precondition(outHeight > 0 && outWidth > 0, "Conv2d: kernel larger than the padded image")
        let taps = kernel * kernel, patch = inChannels * taps
        let lanes = Vector.scalarCount
        // A full vector of 16 floats from p (no partial-vector branch: channel tiles are whole).
        func vector(_ p: UnsafePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
        // The weight as (k, k, in, out): the 32 output channels of one (tap, ci) are contiguous.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: outChannels * patch + inChannels) { buffer in
            let tapMajor = buffer.baseAddress!
            let zeroPixel = UnsafePointer(tapMajor + outChannels * patch)  // stands in for pixels outside the image
            (tapMajor + outChannels * patch).update(repeating: 0, count: inChannels)
            Parallel.forEach(outChannels, costPerItem: patch) { o in
                for ci in 0..<inChannels {
                    for tap in 0..<taps { tapMajor[(tap * inChannels + ci) * outChannels + o] = weight[(o * inChannels + ci) * taps + tap] }
                }
            }
            let w = UnsafePointer(tapMajor)
            Parallel.forEach(batch * outHeight, costPerItem: outWidth * outChannels * patch) { item in
                let b = item / outHeight, oy = item % outHeight
                let outRow = output + item * outWidth * outChannels
                for ox0 in Swift.stride(from: 0, to: outWidth, by: directPixels) {
                    let pixels = min(directPixels, outWidth - ox0)
                    for o0 in Swift.stride(from: 0, to: outChannels, by: directChannels) {
                        let lo = bias.map { vector($0 + o0) } ?? .zero, hi = bias.map { vector($0 + o0 + lanes) } ?? .zero
                        var a0 = lo, a1 = lo, a2 = lo, a3 = lo, a4 = lo, a5 = lo, a6 = lo, a7 = lo
                        var b0 = hi, b1 = hi, b2 = hi, b3 = hi, b4 = hi, b5 = hi, b6 = hi, b7 = hi
                        for ky in 0..<kernel {
                            let iy = oy * stride - padding + ky
                            guard iy >= 0 && iy < height else { continue }
                            let imageRow = input + (b * height + iy) * width * inChannels
                            for kx in 0..<kernel {
                                // Each tile pixel's input pixel for this tap (zeros outside the image or the row).
                                func source(_ p: Int) -> UnsafePointer<Float> {
                                    let ix = (ox0 + p) * stride - padding + kx
                                    return p < pixels && ix >= 0 && ix < width ? imageRow + ix * inChannels : zeroPixel
                                }
                                let x0 = source(0), x1 = source(1), x2 = source(2), x3 = source(3)
                                let x4 = source(4), x5 = source(5), x6 = source(6), x7 = source(7)
                                let tapWeights = w + (ky * kernel + kx) * inChannels * outChannels + o0
                                for ci in 0..<inChannels {
                                    let wa = vector(tapWeights + ci * outChannels), wb = vector(tapWeights + ci * outChannels + lanes)
                                    a0 = VectorMath.fma(wa, x0[ci], a0); b0 = VectorMath.fma(wb, x0[ci], b0)
                                    a1 = VectorMath.fma(wa, x1[ci], a1); b1 = VectorMath.fma(wb, x1[ci], b1)
                                    a2 = VectorMath.fma(wa, x2[ci], a2); b2 = VectorMath.fma(wb, x2[ci], b2)
                                    a3 = VectorMath.fma(wa, x3[ci], a3); b3 = VectorMath.fma(wb, x3[ci], b3)
                                    a4 = VectorMath.fma(wa, x4[ci], a4); b4 = VectorMath.fma(wb, x4[ci], b4)
                                    a5 = VectorMath.fma(wa, x5[ci], a5); b5 = VectorMath.fma(wb, x5[ci], b5)
                                    a6 = VectorMath.fma(wa, x6[ci], a6); b6 = VectorMath.fma(wb, x6[ci], b6)
                                    a7 = VectorMath.fma(wa, x7[ci], a7); b7 = VectorMath.fma(wb, x7[ci], b7)
                                }
                            }
                        }
                        func store(_ p: Int, _ lo: Vector, _ hi: Vector) {
                            guard p < pixels else { return }
                            let target = UnsafeMutableRawPointer(outRow + (ox0 + p) * outChannels + o0)
                            target.storeBytes(of: lo, as: Vector.self)
                            target.storeBytes(of: hi, toByteOffset: lanes * 4, as: Vector.self)
                        }
                        store(0, a0, b0); store(1, a1, b1); store(2, a2, b2); store(3, a3, b3)
                        store(4, a4, b4); store(5, a5, b5); store(6, a6, b6); store(7, a7, b7)
                    }
                }
            }
        }
    }
}
