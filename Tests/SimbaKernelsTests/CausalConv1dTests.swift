// CausalConv1d: forward against a naive loop over PyTorch's padded convolution, backward against
// finite differences.

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

@Suite(.enabled(if: testedLevelRuns)) struct CausalConv1dTests {
    // 70 channels: one full 64-channel block and a partial one; length 3 < kernel 4 checks the padding;
    // kernels 3 and 2 (Mamba's d_conv is 4) check the backward's ring of recent inputs at other sizes.
    let batch = 2, channels = 70
    static let sizes: [(length: Int, kernelSize: Int)] = [(9, 4), (3, 4), (9, 3), (5, 2)]

    /// Naive twin: PyTorch pads k−1 zeros on both sides and keeps the first L outputs.
    func naiveForward(_ x: [Float], _ w: [Float], _ bias: [Float], length: Int, kernelSize: Int) -> [Float] {
        var y = [Float](repeating: 0, count: batch * length * channels)
        for b in 0..<batch {
            for t in 0..<length {
                for c in 0..<channels {
                    var sum = Double(bias[c])
                    for j in 0..<kernelSize {
                        let s = t - (kernelSize - 1) + j
                        if s >= 0 { sum += Double(w[c * kernelSize + j]) * Double(x[(b * length + s) * channels + c]) }
                    }
                    y[(b * length + t) * channels + c] = Float(sum)
                }
            }
        }
        return y
    }

    @Test(arguments: sizes)
    func forwardMatchesNaive(length: Int, kernelSize: Int) {
        let x = randomArray(batch * length * channels, seed: 1), w = randomArray(channels * kernelSize, seed: 2)
        let bias = randomArray(channels, seed: 3)
        let y = FloatBuffer(count: x.count)
        CausalConv1d.forward(
            output: y.pointer, input: x, weight: w, bias: bias, batch: batch, length: length, channels: channels,
            kernelSize: kernelSize)
        // float32 sums of 5 O(1) terms: 1e-5 covers rounding.
        expectClose(
            y.array, naiveForward(x, w, bias, length: length, kernelSize: kernelSize), atol: 1e-5, rtol: 1e-5,
            "conv forward")
        // With `silu`, the same values as SiLU's own pass over the output, bit for bit.
        let fused = FloatBuffer(count: x.count), separate = FloatBuffer(count: x.count)
        CausalConv1d.forward(
            output: fused.pointer, input: x, weight: w, bias: bias, batch: batch, length: length, channels: channels,
            kernelSize: kernelSize, silu: true)
        SiLU.forward(output: separate.pointer, input: y.pointer, count: y.count)
        #expect(fused.array == separate.array, "conv forward with SiLU")
    }

    @Test(arguments: sizes)
    func backwardMatchesFiniteDifferences(length: Int, kernelSize: Int) {
        let x = FloatBuffer(randomArray(batch * length * channels, seed: 4))
        let w = FloatBuffer(randomArray(channels * kernelSize, seed: 5)),
            bias = FloatBuffer(randomArray(channels, seed: 6))
        let dy = FloatBuffer(randomArray(x.count, seed: 7)), y = FloatBuffer(count: x.count)
        func objective() -> Double {
            CausalConv1d.forward(
                output: y.pointer, input: x.pointer, weight: w.pointer, bias: bias.pointer, batch: batch,
                length: length, channels: channels, kernelSize: kernelSize)
            return dot(y.pointer, dy.pointer, y.count)
        }
        let dx = FloatBuffer(count: x.count), dw = FloatBuffer(count: w.count), db = FloatBuffer(count: bias.count)
        CausalConv1d.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy.pointer, input: x.pointer,
            weight: w.pointer, batch: batch, length: length, channels: channels, kernelSize: kernelSize)
        // Linear in each input: central differences are exact up to float32 rounding of y (~1e-6·|y|/step).
        expectClose(
            dx.array, numericGradient(of: x.pointer, count: x.count, objective), atol: 2e-3, rtol: 1e-3, "dInput")
        expectClose(
            dw.array, numericGradient(of: w.pointer, count: w.count, objective), atol: 2e-3, rtol: 1e-3, "dWeight")
        expectClose(
            db.array, numericGradient(of: bias.pointer, count: bias.count, objective), atol: 2e-3, rtol: 1e-3, "dBias")
    }

    /// dInput accumulates onto what it holds, and `overwritingInput` writes the same values without
    /// reading it (a NaN start): bit for bit the accumulation onto zeros.
    @Test func inputGradientAccumulatesOrOverwrites() {
        let length = 11, kernelSize = 4, count = batch * length * channels
        let x = randomArray(count, seed: 8), w = randomArray(channels * kernelSize, seed: 9)
        let dy = randomArray(count, seed: 10), prior = randomArray(count, seed: 11)
        func inputGradient(start: [Float], overwriting: Bool) -> [Float] {
            let dx = FloatBuffer(start), dw = FloatBuffer(count: w.count), db = FloatBuffer(count: channels)
            CausalConv1d.backward(
                dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy, input: x, weight: w,
                batch: batch, length: length, channels: channels, kernelSize: kernelSize, overwritingInput: overwriting)
            return dx.array
        }
        let fromZero = inputGradient(start: [Float](repeating: 0, count: count), overwriting: false)
        #expect(inputGradient(start: [Float](repeating: .nan, count: count), overwriting: true) == fromZero)
        // prior + gradient, rounded once more than the gradient alone.
        expectClose(
            inputGradient(start: prior, overwriting: false), zip(prior, fromZero).map { $0 + $1 },
            atol: 1e-5, rtol: 1e-5, "dInput accumulated")
    }
}
