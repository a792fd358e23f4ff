// Conv2d: the im2col + GEMM path against the direct-convolution twin, and backward against finite
// differences, for the three configurations SiMBA uses (in both column orders), on odd image sizes.

import SimbaCore
import SimbaTestSupport
import Testing

#if SIMBA_KERNELS_AVX512
    @testable import SimbaKernelsAVX512
#elseif SIMBA_KERNELS_AVX2
    @testable import SimbaKernelsAVX2
#else
    @testable import SimbaKernelsBaseline
#endif

@Suite(.enabled(if: testedLevelRuns)) struct Conv2dTests {
    struct Configuration: CustomStringConvertible, Sendable {
        let kernel: Int, stride: Int, padding: Int, inChannels: Int, outChannels: Int, hasBias: Bool
        var description: String {
            "k\(kernel) s\(stride) p\(padding) \(inChannels)→\(outChannels)\(hasBias ? " bias" : "")"
        }
    }

    static let configurations = [
        Configuration(kernel: 7, stride: 2, padding: 3, inChannels: 3, outChannels: 5, hasBias: false),  // stem
        Configuration(kernel: 3, stride: 1, padding: 1, inChannels: 4, outChannels: 6, hasBias: false),  // stem body
        Configuration(kernel: 3, stride: 2, padding: 1, inChannels: 4, outChannels: 6, hasBias: true),  // downsampling
        // A late downsampling: fewer rows (2·5·4) than 4·out, so PyTorch's column order (the others: tap-major).
        Configuration(kernel: 3, stride: 2, padding: 1, inChannels: 4, outChannels: 12, hasBias: true)
    ]

    let batch = 2, height = 9, width = 7

    func sizes(_ c: Configuration) -> (outHeight: Int, outWidth: Int, patch: Int) {
        (
            Conv2d.outputSize(height, kernel: c.kernel, stride: c.stride, padding: c.padding),
            Conv2d.outputSize(width, kernel: c.kernel, stride: c.stride, padding: c.padding),
            c.inChannels * c.kernel * c.kernel
        )
    }

    @Test(arguments: configurations) func forwardMatchesDirectConvolution(_ c: Configuration) {
        let (outHeight, outWidth, patch) = sizes(c)
        let outputCount = batch * outHeight * outWidth * c.outChannels
        let x = randomArray(batch * height * width * c.inChannels, seed: 1)
        let w = randomArray(c.outChannels * patch, scale: 0.3, seed: 2)
        let b = c.hasBias ? randomArray(c.outChannels, seed: 3) : nil
        let y = FloatBuffer(count: outputCount), reference = FloatBuffer(count: outputCount)
        let columns = FloatBuffer(count: batch * outHeight * outWidth * patch)
        Conv2d.forward(
            output: y.pointer, columns: columns.pointer, input: x, weight: w, bias: b, batch: batch, height: height,
            width: width, inChannels: c.inChannels, outChannels: c.outChannels,
            kernel: c.kernel, stride: c.stride, padding: c.padding)
        Conv2dReference.forward(
            output: reference.pointer, input: x, weight: w, bias: b, batch: batch, height: height,
            width: width, inChannels: c.inChannels, outChannels: c.outChannels,
            kernel: c.kernel, stride: c.stride, padding: c.padding)
        // float32 GEMM sums of up to 147 products of size ~0.3 (|y| ≲ 5): rounding ≲ 1e-5.
        expectClose(y.array, reference.array, atol: 2e-5, rtol: 1e-5, "conv forward \(c)")
    }

    @Test(arguments: configurations) func backwardMatchesFiniteDifferences(_ c: Configuration) {
        let (outHeight, outWidth, patch) = sizes(c)
        let outputCount = batch * outHeight * outWidth * c.outChannels
        let x = FloatBuffer(randomArray(batch * height * width * c.inChannels, seed: 4))
        let w = FloatBuffer(randomArray(c.outChannels * patch, scale: 0.3, seed: 5))
        let b = FloatBuffer(randomArray(c.outChannels, seed: 6))
        let dy = FloatBuffer(randomArray(outputCount, seed: 7))
        let y = FloatBuffer(count: outputCount), columns = FloatBuffer(count: batch * outHeight * outWidth * patch)
        func objective() -> Double {
            Conv2d.forward(
                output: y.pointer, columns: columns.pointer, input: x.pointer, weight: w.pointer,
                bias: c.hasBias ? b.pointer : nil, batch: batch, height: height, width: width,
                inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel, stride: c.stride,
                padding: c.padding)
            return dot(y.pointer, dy.pointer, y.count)
        }
        // Gradients start from random values to check that backward accumulates.
        let priorX = randomArray(x.count, seed: 8), priorW = randomArray(w.count, seed: 9),
            priorB = randomArray(b.count, seed: 10)
        let dx = FloatBuffer(priorX), dw = FloatBuffer(priorW), db = FloatBuffer(priorB)
        _ = objective()
        // Without dInput (the stem's first conv) first: dWeight and dBias only, columns kept.
        let dwOnly = FloatBuffer(count: w.count)
        Conv2d.backward(
            dInput: nil, dWeight: dwOnly.pointer, dBias: nil, dColumns: nil, dOutput: dy.pointer,
            columns: columns.pointer, weight: w.pointer, batch: batch, height: height, width: width,
            inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel, stride: c.stride, padding: c.padding
        )
        // dColumns may share the columns' memory, as the doc comment allows.
        Conv2d.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: c.hasBias ? db.pointer : nil, dColumns: columns.pointer,
            dOutput: dy.pointer, columns: columns.pointer, weight: w.pointer, batch: batch, height: height,
            width: width,
            inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel, stride: c.stride, padding: c.padding
        )
        let addedX = zip(dx.array, priorX).map { $0 - $1 }, addedW = zip(dw.array, priorW).map { $0 - $1 }
        let addedB = zip(db.array, priorB).map { $0 - $1 }
        // Same GEMM on the same columns: identical up to the rounding of adding the prior.
        expectClose(dwOnly.array, addedW, atol: 1e-5, rtol: 1e-6, "dWeight without dInput \(c)")
        // The objective is linear in every input, so step 0.1 has no truncation error; float32 rounding
        // of Σ y·dy (~1e-6 absolute) over 2·step is all that is left: measured worst |error| 2.3e-5.
        let step: Float = 0.1
        expectClose(
            addedX, numericGradient(of: x.pointer, count: x.count, step: step, objective), atol: 2e-4, rtol: 2e-4,
            "dInput \(c)")
        expectClose(
            addedW, numericGradient(of: w.pointer, count: w.count, step: step, objective), atol: 2e-4, rtol: 2e-4,
            "dWeight \(c)")
        if c.hasBias {
            expectClose(
                addedB, numericGradient(of: b.pointer, count: b.count, step: step, objective), atol: 2e-4, rtol: 2e-4,
                "dBias \(c)")
        }
    }

    /// Naive adjoint of the direct convolution: dx[pixel] += Σ dy·W and dW += Σ dy·x over every
    /// (output, tap) pair, in double precision.
    func naiveBackward(
        _ c: Configuration, batch: Int, height: Int, width: Int, x: [Float], w: [Float], dy: [Float]
    ) -> (dx: [Float], dw: [Float]) {
        let outHeight = Conv2d.outputSize(height, kernel: c.kernel, stride: c.stride, padding: c.padding)
        let outWidth = Conv2d.outputSize(width, kernel: c.kernel, stride: c.stride, padding: c.padding)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        for b in 0..<batch {
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    for o in 0..<c.outChannels {
                        let g = Double(dy[((b * outHeight + oy) * outWidth + ox) * c.outChannels + o])
                        for ci in 0..<c.inChannels {
                            for ky in 0..<c.kernel {
                                let iy = oy * c.stride - c.padding + ky
                                guard iy >= 0 && iy < height else { continue }
                                for kx in 0..<c.kernel {
                                    let ix = ox * c.stride - c.padding + kx
                                    guard ix >= 0 && ix < width else { continue }
                                    let wi = ((o * c.inChannels + ci) * c.kernel + ky) * c.kernel + kx
                                    let xi = ((b * height + iy) * width + ix) * c.inChannels + ci
                                    dx[xi] += g * Double(w[wi])
                                    dw[wi] += g * Double(x[xi])
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx.map { Float($0) }, dw.map { Float($0) })
    }

    /// Sizes large enough that im2col, col2im and the dBias tiles run split across workers.
    @Test(arguments: configurations) func parallelSizesMatchNaive(_ c: Configuration) {
        let wide = Configuration(
            kernel: c.kernel, stride: c.stride, padding: c.padding, inChannels: c.inChannels * 4,
            outChannels: 40, hasBias: c.hasBias)
        let batch = 2, height = 33, width = 31
        let outHeight = Conv2d.outputSize(height, kernel: c.kernel, stride: c.stride, padding: c.padding)
        let outWidth = Conv2d.outputSize(width, kernel: c.kernel, stride: c.stride, padding: c.padding)
        let rows = batch * outHeight * outWidth, patch = wide.inChannels * c.kernel * c.kernel
        let x = randomArray(batch * height * width * wide.inChannels, seed: 11)
        let w = randomArray(wide.outChannels * patch, scale: 0.1, seed: 12), b = randomArray(wide.outChannels, seed: 13)
        let dy = randomArray(rows * wide.outChannels, seed: 14)
        let y = FloatBuffer(count: rows * wide.outChannels), reference = FloatBuffer(count: y.count)
        let columns = FloatBuffer(count: rows * patch), dColumns = FloatBuffer(count: rows * patch)
        Conv2d.forward(
            output: y.pointer, columns: columns.pointer, input: x, weight: w, bias: c.hasBias ? b : nil,
            batch: batch, height: height, width: width, inChannels: wide.inChannels, outChannels: wide.outChannels,
            kernel: c.kernel, stride: c.stride, padding: c.padding)
        Conv2dReference.forward(
            output: reference.pointer, input: x, weight: w, bias: c.hasBias ? b : nil,
            batch: batch, height: height, width: width, inChannels: wide.inChannels, outChannels: wide.outChannels,
            kernel: c.kernel, stride: c.stride, padding: c.padding)
        // Sums of up to 588 products of size ~0.1 in float32: rounding ≲ 1e-5.
        expectClose(y.array, reference.array, atol: 2e-5, rtol: 1e-5, "conv forward \(wide)")
        let dx = FloatBuffer(count: x.count), dw = FloatBuffer(count: w.count), db = FloatBuffer(count: b.count)
        Conv2d.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dColumns: dColumns.pointer, dOutput: dy,
            columns: columns.pointer, weight: w, batch: batch, height: height, width: width,
            inChannels: wide.inChannels, outChannels: wide.outChannels, kernel: c.kernel, stride: c.stride,
            padding: c.padding)
        let naive = naiveBackward(wide, batch: batch, height: height, width: width, x: x, w: w, dy: dy)
        var naiveBias = [Float](repeating: 0, count: b.count)
        for r in 0..<rows { for o in 0..<wide.outChannels { naiveBias[o] += dy[r * wide.outChannels + o] } }
        // dWeight: float32 GEMM sums over up to 2046 rows (|dW| ~ 20); dBias: the naive sum here is float32
        // over 2046 rows (|dB| ~ 70). Measured worst |error| 1e-4 on dBias = 67, 4e-5 on dWeight = 22.
        expectClose(dx.array, naive.dx, atol: 1e-5, rtol: 1e-5, "dInput \(wide)")
        expectClose(dw.array, naive.dw, atol: 1e-4, rtol: 1e-5, "dWeight \(wide)")
        expectClose(db.array, naiveBias, atol: 1e-4, rtol: 1e-5, "dBias \(wide)")
    }

    /// directForward against the direct-convolution twin, with and without bias, on 32 and 64
    /// output channels, stride 2, and 11 output pixels a row: a partial tile at every level (8 + 3
    /// with AVX-512's 8-pixel tiles, 6 + 5 with the 6-pixel tiles below).
    @Test(arguments: [
        Configuration(kernel: 7, stride: 2, padding: 3, inChannels: 3, outChannels: 32, hasBias: false),
        Configuration(kernel: 3, stride: 1, padding: 1, inChannels: 5, outChannels: 32, hasBias: false),
        Configuration(kernel: 3, stride: 2, padding: 1, inChannels: 6, outChannels: 64, hasBias: true)
    ])
    func directForwardMatchesDirectConvolution(_ c: Configuration) {
        let batch = 2, height = 13, width = 11
        let outHeight = Conv2d.outputSize(height, kernel: c.kernel, stride: c.stride, padding: c.padding)
        let outWidth = Conv2d.outputSize(width, kernel: c.kernel, stride: c.stride, padding: c.padding)
        let patch = c.inChannels * c.kernel * c.kernel, count = batch * outHeight * outWidth * c.outChannels
        let x = randomArray(batch * height * width * c.inChannels, seed: 21)
        let w = randomArray(c.outChannels * patch, scale: 0.3, seed: 22)
        let b = c.hasBias ? randomArray(c.outChannels, seed: 23) : nil
        let y = FloatBuffer(count: count), reference = FloatBuffer(count: count)
        Conv2d.directForward(
            output: y.pointer, input: x, weight: w, bias: b, batch: batch, height: height, width: width,
            inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel, stride: c.stride, padding: c.padding
        )
        Conv2dReference.forward(
            output: reference.pointer, input: x, weight: w, bias: b, batch: batch, height: height,
            width: width, inChannels: c.inChannels, outChannels: c.outChannels,
            kernel: c.kernel, stride: c.stride, padding: c.padding)
        // float32 sums of up to 147 products of size ~0.3 (|y| ≲ 5): rounding ≲ 1e-5.
        expectClose(y.array, reference.array, atol: 2e-5, rtol: 1e-5, "direct forward \(c)")
    }
}
