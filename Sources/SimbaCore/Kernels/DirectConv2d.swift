// The forward of Conv2d computed straight from the image, without unrolling it into columns: for
// the stem's wide images and narrow channel counts, where im2col + GEMM moves a patch-sized copy of
// the image through memory and the GEMM's 32-wide output runs far below sgemm's rate. Forward
// only: the backward stays im2col + GEMM (Conv2d.backward).

extension Conv2d {
    typealias Vector = VectorMath.Vector

    /// Output pixels per register tile and output channels per tile (two vectors): 4·2
    /// accumulators, each input value read once per tile and each weight vector once per 4 pixels.
    static let directPixels = 4, directChannels = 32

    /// Whether `directForward` serves this shape: 32 or 64 output channels, where the GEMM's output
    /// is narrow (the wider downsamplings' GEMMs ran faster than this kernel, measured), on the
    /// shapes where unrolling dominates (`columnOrder` gives tap-major: rows ≥ 4·out).
    public static func directForwardApplies(rows: Int, outChannels: Int) -> Bool {
        outChannels % directChannels == 0 && outChannels <= 64 && columnOrder(rows: rows, outChannels: outChannels) == .tapMajor
    }

    /// `forward` without columns (same output up to the order of the sums): y[b, oy, ox, o] =
    /// bias[o] + Σ_{ky, kx, ci} W[o, ci, ky, kx]·x[b, oy·s − p + ky, ox·s − p + kx, ci], in
    /// parallel over output rows, each row in tiles of 4 pixels × 32 channels held in registers.
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
                        var a0 = bias.map { VectorMath.load($0 + o0, lanes) } ?? .zero, b0 = bias.map { VectorMath.load($0 + o0 + lanes, lanes) } ?? .zero
                        var a1 = a0, b1 = b0, a2 = a0, b2 = b0, a3 = a0, b3 = b0
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
                                let tapWeights = w + (ky * kernel + kx) * inChannels * outChannels + o0
                                for ci in 0..<inChannels {
                                    let wa = VectorMath.load(tapWeights + ci * outChannels, lanes)
                                    let wb = VectorMath.load(tapWeights + ci * outChannels + lanes, lanes)
                                    a0 = VectorMath.fma(wa, x0[ci], a0); b0 = VectorMath.fma(wb, x0[ci], b0)
                                    a1 = VectorMath.fma(wa, x1[ci], a1); b1 = VectorMath.fma(wb, x1[ci], b1)
                                    a2 = VectorMath.fma(wa, x2[ci], a2); b2 = VectorMath.fma(wb, x2[ci], b2)
                                    a3 = VectorMath.fma(wa, x3[ci], a3); b3 = VectorMath.fma(wb, x3[ci], b3)
                                }
                            }
                        }
                        func store(_ p: Int, _ lo: Vector, _ hi: Vector) {
                            guard p < pixels else { return }
                            let target = outRow + (ox0 + p) * outChannels + o0
                            VectorMath.store(lo, target, lanes)
                            VectorMath.store(hi, target + lanes, lanes)
                        }
                        store(0, a0, b0); store(1, a1, b1); store(2, a2, b2); store(3, a3, b3)
                    }
                }
            }
        }
    }
}
