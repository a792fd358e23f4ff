// DepthwiseConv2d: the channel-tiled forward against the plain-loop twin, backward against finite differences.

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

@Suite(.enabled(if: testedLevelRuns)) struct DepthwiseConv2dTests {
    // 19 channels: one full 16-channel tile and a partial one; odd image sides.
    let batch = 2, height = 5, width = 3, channels = 19

    @Test func forwardMatchesReference() {
        let count = batch * height * width * channels
        let x = randomArray(count, seed: 1), w = randomArray(channels * 9, seed: 2), b = randomArray(channels, seed: 3)
        let y = FloatBuffer(count: count), reference = FloatBuffer(count: count)
        DepthwiseConv2d.forward(
            output: y.pointer, input: x, weight: w, bias: b, batch: batch, height: height, width: width,
            channels: channels)
        DepthwiseConv2dReference.forward(
            output: reference.pointer, input: x, weight: w, bias: b, batch: batch, height: height, width: width,
            channels: channels)
        // float32 sums of at most 10 terms of O(1): rounding ≲ 1e-6·|y|.
        expectClose(y.array, reference.array, atol: 1e-5, rtol: 1e-5, "depthwise forward")
    }

    @Test func backwardMatchesFiniteDifferences() {
        let count = batch * height * width * channels
        let x = FloatBuffer(randomArray(count, seed: 4)), w = FloatBuffer(randomArray(channels * 9, seed: 5))
        let b = FloatBuffer(randomArray(channels, seed: 6)), dy = FloatBuffer(randomArray(count, seed: 7))
        let y = FloatBuffer(count: count)
        func objective() -> Double {
            DepthwiseConv2d.forward(
                output: y.pointer, input: x.pointer, weight: w.pointer, bias: b.pointer,
                batch: batch, height: height, width: width, channels: channels)
            return dot(y.pointer, dy.pointer, y.count)
        }
        // Gradients start from random values to check that backward accumulates.
        let priorX = randomArray(x.count, seed: 8), priorW = randomArray(w.count, seed: 9),
            priorB = randomArray(b.count, seed: 10)
        let dx = FloatBuffer(priorX), dw = FloatBuffer(priorW), db = FloatBuffer(priorB)
        DepthwiseConv2d.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy.pointer, input: x.pointer,
            weight: w.pointer, batch: batch, height: height, width: width, channels: channels)
        let addedX = zip(dx.array, priorX).map { $0 - $1 }, addedW = zip(dw.array, priorW).map { $0 - $1 }
        let addedB = zip(db.array, priorB).map { $0 - $1 }
        // The objective is linear in every input, so step 0.1 has no truncation error; float32 rounding
        // of Σ y·dy over 2·step is the only error: measured worst |error| 2.1e-5.
        let step: Float = 0.1
        expectClose(
            addedX, numericGradient(of: x.pointer, count: x.count, step: step, objective), atol: 2e-4, rtol: 2e-4,
            "dInput")
        expectClose(
            addedW, numericGradient(of: w.pointer, count: w.count, step: step, objective), atol: 2e-4, rtol: 2e-4,
            "dWeight")
        expectClose(
            addedB, numericGradient(of: b.pointer, count: b.count, step: step, objective), atol: 2e-4, rtol: 2e-4,
            "dBias")
    }

    /// Sizes large enough that the row loops and the dWeight/dBias channel tiles run split across
    /// workers, against the naive adjoint of the reference loops (double precision); dInput
    /// overwritten (the finite-difference test covers accumulation).
    @Test func parallelSizesMatchNaive() {
        let batch = 2, height = 9, width = 11, channels = 40
        let count = batch * height * width * channels
        let x = randomArray(count, seed: 11), w = randomArray(channels * 9, seed: 12),
            b = randomArray(channels, seed: 13)
        let dy = randomArray(count, seed: 14)
        let y = FloatBuffer(count: count), reference = FloatBuffer(count: count)
        DepthwiseConv2d.forward(
            output: y.pointer, input: x, weight: w, bias: b, batch: batch, height: height, width: width,
            channels: channels)
        DepthwiseConv2dReference.forward(
            output: reference.pointer, input: x, weight: w, bias: b, batch: batch, height: height, width: width,
            channels: channels)
        expectClose(y.array, reference.array, atol: 1e-5, rtol: 1e-5, "depthwise forward")
        var dxNaive = [Double](repeating: 0, count: count), dwNaive = [Double](repeating: 0, count: w.count)
        var dbNaive = [Double](repeating: 0, count: channels)
        for p in 0..<(batch * height * width) {
            let (b, y, x0) = (p / (height * width), p / width % height, p % width)
            for c in 0..<channels {
                let g = Double(dy[p * channels + c])
                dbNaive[c] += g
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        let iy = y + ky - 1, ix = x0 + kx - 1
                        guard iy >= 0 && iy < height && ix >= 0 && ix < width else { continue }
                        let xi = ((b * height + iy) * width + ix) * channels + c
                        dxNaive[xi] += g * Double(w[c * 9 + ky * 3 + kx])
                        dwNaive[c * 9 + ky * 3 + kx] += g * Double(x[xi])
                    }
                }
            }
        }
        // dInput starts as NaN: `overwritingInput` must write every element without reading it.
        let dx = FloatBuffer([Float](repeating: .nan, count: count))
        let dw = FloatBuffer(count: w.count), db = FloatBuffer(count: channels)
        DepthwiseConv2d.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy, input: x, weight: w,
            batch: batch, height: height, width: width, channels: channels, overwritingInput: true)
        // dInput: float32 sums of 9 products; dWeight, dBias: float32 sums over ≤ 11 pixels of a row and
        // ≤ 9 rows of an image, added in double over the 2 images (|dW| ~ 15).
        expectClose(dx.array, dxNaive.map { Float($0) }, atol: 1e-5, rtol: 1e-5, "dInput")
        expectClose(dw.array, dwNaive.map { Float($0) }, atol: 1e-5, rtol: 1e-5, "dWeight")
        expectClose(db.array, dbNaive.map { Float($0) }, atol: 1e-5, rtol: 1e-5, "dBias")
    }
}
