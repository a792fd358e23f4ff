// The forward of Conv2d computed straight from the image, without unrolling it into columns: for
// the stem's wide images and narrow channel counts, where im2col + GEMM moves a patch-sized copy of
// the image through memory and the GEMM's 32-wide output runs far below sgemm's rate. Forward
// only: the backward stays im2col + GEMM (Conv2d.backward).

import SimbaRuntime

extension Conv2d {
    typealias Vector = VectorMath.Vector

    /// Output channels a shape must come in multiples of; the register tile is narrower below AVX-512.
    static let directChannels = 32

    /// Whether `directForward` serves this shape: 32 or 64 output channels, where the GEMM's output
    /// is narrow (the wider downsamplings' GEMMs ran faster than this kernel, measured), on the
    /// shapes where unrolling dominates (`columnOrder` gives tap-major: rows ≥ 4·out).
    public static func directForwardApplies(rows: Int, outChannels: Int) -> Bool {
        outChannels % directChannels == 0 && outChannels <= 64
            && columnOrder(rows: rows, outChannels: outChannels) == .tapMajor
    }

    /// `forward` without columns (same output up to the order of the sums): y[b, oy, ox, o] =
    /// bias[o] + Σ_{ky, kx, ci} W[o, ci, ky, kx]·x[b, oy·s − p + ky, ox·s − p + kx, ci], in
    /// parallel over output rows, each row in register tiles (`DirectTile`). Needs `directForwardApplies`.
    public static func directForward(
        output: UnsafeMutablePointer<Float>,  // (batch, outH, outW, outChannels)
        input: UnsafePointer<Float>,  // (batch, height, width, inChannels)
        weight: UnsafePointer<Float>,  // (outChannels, inChannels, k, k)
        bias: UnsafePointer<Float>?,  // (outChannels)
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernel: Int, stride: Int, padding: Int
    ) {
        precondition(
            outChannels % directChannels == 0, "Conv2d.directForward: outChannels \(outChannels) not a multiple of 32")
        let outHeight = outputSize(height, kernel: kernel, stride: stride, padding: padding)
        let outWidth = outputSize(width, kernel: kernel, stride: stride, padding: padding)
        precondition(outHeight > 0 && outWidth > 0, "Conv2d: kernel larger than the padded image")
        let taps = kernel * kernel, patch = inChannels * taps
        // The weight as (k, k, in, out): the output channels of one (tap, ci) are contiguous.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: outChannels * patch + inChannels) { buffer in
            let tapMajor = buffer.baseAddress!
            let zeroPixel = UnsafePointer(tapMajor + outChannels * patch)  // stands in for pixels outside the image
            (tapMajor + outChannels * patch).update(repeating: 0, count: inChannels)
            Parallel.forEach(outChannels, costPerItem: patch) { o in
                for ci in 0..<inChannels {
                    for tap in 0..<taps {
                        tapMajor[(tap * inChannels + ci) * outChannels + o] = weight[(o * inChannels + ci) * taps + tap]
                    }
                }
            }
            let w = UnsafePointer(tapMajor)
            Parallel.forEach(batch * outHeight, costPerItem: outWidth * outChannels * patch) { item in
                let b = item / outHeight, oy = item % outHeight
                let outRow = output + item * outWidth * outChannels
                for ox0 in Swift.stride(from: 0, to: outWidth, by: DirectTile.pixels) {
                    let pixels = min(DirectTile.pixels, outWidth - ox0)
                    for o0 in Swift.stride(from: 0, to: outChannels, by: DirectTile.channels) {
                        var tile = DirectTile(bias: bias.map { $0 + o0 })
                        for ky in 0..<kernel {
                            let iy = oy * stride - padding + ky
                            guard iy >= 0 && iy < height else { continue }
                            let imageRow = input + (b * height + iy) * width * inChannels
                            for kx in 0..<kernel {
                                // Each tile pixel's input pixel for this tap (zeros outside the image or the row).
                                let sources = DirectTile.Sources { p in
                                    let ix = (ox0 + p) * stride - padding + kx
                                    return p < pixels && ix >= 0 && ix < width ? imageRow + ix * inChannels : zeroPixel
                                }
                                let tapWeights = w + (ky * kernel + kx) * inChannels * outChannels + o0
                                tile.accumulate(sources, tapWeights, weightStride: outChannels, inChannels: inChannels)
                            }
                        }
                        tile.store(outRow + ox0 * outChannels + o0, pixelStride: outChannels, pixels: pixels)
                    }
                }
            }
        }
    }
}

/// A full vector of 16 floats from p (no partial-vector branch: channel tiles are whole).
@inline(__always)
private func vector(_ p: UnsafePointer<Float>) -> VectorMath.Vector {
    UnsafeRawPointer(p).loadUnaligned(as: VectorMath.Vector.self)
}

#if SIMBA_KERNELS_AVX512
    /// One register tile of `Conv2d.directForward`: 8 pixels × 32 channels, 16 accumulators of the 32
    /// zmm registers; each input value is read once per tile and each weight vector once per 8 pixels.
    struct DirectTile {
        typealias Vector = VectorMath.Vector
        static let pixels = 8, channels = 32

        /// The input pixel (inChannels floats) of each tile pixel for one tap.
        struct Sources {
            let x0, x1, x2, x3, x4, x5, x6, x7: UnsafePointer<Float>
            @inline(__always) init(_ source: (Int) -> UnsafePointer<Float>) {
                x0 = source(0); x1 = source(1); x2 = source(2); x3 = source(3)
                x4 = source(4); x5 = source(5); x6 = source(6); x7 = source(7)
            }
        }

        var a0, a1, a2, a3, a4, a5, a6, a7: Vector  // channels 0–15 of pixels 0–7
        var b0, b1, b2, b3, b4, b5, b6, b7: Vector  // channels 16–31

        @inline(__always) init(bias: UnsafePointer<Float>?) {
            let lo = bias.map { vector($0) } ?? .zero, hi = bias.map { vector($0 + 16) } ?? .zero
            (a0, a1, a2, a3, a4, a5, a6, a7) = (lo, lo, lo, lo, lo, lo, lo, lo)
            (b0, b1, b2, b3, b4, b5, b6, b7) = (hi, hi, hi, hi, hi, hi, hi, hi)
        }

        /// Adds Σ_ci W[ci, o]·x_p[ci] for the tile's pixels p and channels o (weights ci-major, `weightStride` apart).
        @inline(__always) mutating func accumulate(
            _ x: Sources, _ weights: UnsafePointer<Float>, weightStride: Int, inChannels: Int
        ) {
            for ci in 0..<inChannels {
                let wa = vector(weights + ci * weightStride), wb = vector(weights + ci * weightStride + 16)
                a0 = VectorMath.fma(wa, x.x0[ci], a0); b0 = VectorMath.fma(wb, x.x0[ci], b0)
                a1 = VectorMath.fma(wa, x.x1[ci], a1); b1 = VectorMath.fma(wb, x.x1[ci], b1)
                a2 = VectorMath.fma(wa, x.x2[ci], a2); b2 = VectorMath.fma(wb, x.x2[ci], b2)
                a3 = VectorMath.fma(wa, x.x3[ci], a3); b3 = VectorMath.fma(wb, x.x3[ci], b3)
                a4 = VectorMath.fma(wa, x.x4[ci], a4); b4 = VectorMath.fma(wb, x.x4[ci], b4)
                a5 = VectorMath.fma(wa, x.x5[ci], a5); b5 = VectorMath.fma(wb, x.x5[ci], b5)
                a6 = VectorMath.fma(wa, x.x6[ci], a6); b6 = VectorMath.fma(wb, x.x6[ci], b6)
                a7 = VectorMath.fma(wa, x.x7[ci], a7); b7 = VectorMath.fma(wb, x.x7[ci], b7)
            }
        }

        /// Writes the first `pixels` pixels, `pixelStride` floats apart.
        @inline(__always) func store(_ target: UnsafeMutablePointer<Float>, pixelStride: Int, pixels: Int) {
            func put(_ p: Int, _ lo: Vector, _ hi: Vector) {
                guard p < pixels else { return }
                let row = UnsafeMutableRawPointer(target + p * pixelStride)
                row.storeBytes(of: lo, as: Vector.self)
                row.storeBytes(of: hi, toByteOffset: 64, as: Vector.self)
            }
            put(0, a0, b0); put(1, a1, b1); put(2, a2, b2); put(3, a3, b3)
            put(4, a4, b4); put(5, a5, b5); put(6, a6, b6); put(7, a7, b7)
        }
    }
#else
    /// One register tile of `Conv2d.directForward` below AVX-512: 6 pixels × 16 channels, 12 accumulator
    /// ymm registers plus the weight and a broadcast in the 16 that AVX2 has (the 8 × 32 tile of the
    /// avx512 level would spill half its accumulators here).
    struct DirectTile {
        typealias Vector = VectorMath.Vector
        static let pixels = 6, channels = 16

        /// The input pixel (inChannels floats) of each tile pixel for one tap.
        struct Sources {
            let x0, x1, x2, x3, x4, x5: UnsafePointer<Float>
            @inline(__always) init(_ source: (Int) -> UnsafePointer<Float>) {
                x0 = source(0); x1 = source(1); x2 = source(2); x3 = source(3); x4 = source(4); x5 = source(5)
            }
        }

        var a0, a1, a2, a3, a4, a5: Vector  // channels 0–15 of pixels 0–5

        @inline(__always) init(bias: UnsafePointer<Float>?) {
            let lo = bias.map { vector($0) } ?? .zero
            (a0, a1, a2, a3, a4, a5) = (lo, lo, lo, lo, lo, lo)
        }

        /// Adds Σ_ci W[ci, o]·x_p[ci] for the tile's pixels p and channels o (weights ci-major, `weightStride` apart).
        @inline(__always) mutating func accumulate(
            _ x: Sources, _ weights: UnsafePointer<Float>, weightStride: Int, inChannels: Int
        ) {
            for ci in 0..<inChannels {
                let wa = vector(weights + ci * weightStride)
                a0 = VectorMath.fma(wa, x.x0[ci], a0); a1 = VectorMath.fma(wa, x.x1[ci], a1)
                a2 = VectorMath.fma(wa, x.x2[ci], a2); a3 = VectorMath.fma(wa, x.x3[ci], a3)
                a4 = VectorMath.fma(wa, x.x4[ci], a4); a5 = VectorMath.fma(wa, x.x5[ci], a5)
            }
        }

        /// Writes the first `pixels` pixels, `pixelStride` floats apart.
        @inline(__always) func store(_ target: UnsafeMutablePointer<Float>, pixelStride: Int, pixels: Int) {
            func put(_ p: Int, _ v: Vector) {
                guard p < pixels else { return }
                UnsafeMutableRawPointer(target + p * pixelStride).storeBytes(of: v, as: Vector.self)
            }
            put(0, a0); put(1, a1); put(2, a2); put(3, a3); put(4, a4); put(5, a5)
        }
    }
#endif
