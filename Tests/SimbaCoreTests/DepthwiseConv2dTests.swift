// DepthwiseConv2d: the channel-tiled forward against the plain-loop twin, backward against finite differences.

import SimbaCore
import Testing

@Suite struct DepthwiseConv2dTests {
    // 19 channels: one full 16-channel tile and a partial one; odd image sides.
    let batch = 2, height = 5, width = 3, channels = 19

    @Test func forwardMatchesReference() {
        let count = batch * height * width * channels
        let x = randomArray(count, seed: 1), w = randomArray(channels * 9, seed: 2), b = randomArray(channels, seed: 3)
        let y = FloatBuffer(count: count), reference = FloatBuffer(count: count)
        DepthwiseConv2d.forward(
            output: y.pointer, input: x, weight: w, bias: b, batch: batch, height: height, width: width, channels: channels)
        DepthwiseConv2d.referenceForward(
            output: reference.pointer, input: x, weight: w, bias: b, batch: batch, height: height, width: width, channels: channels)
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
        let priorX = randomArray(x.count, seed: 8), priorW = randomArray(w.count, seed: 9), priorB = randomArray(b.count, seed: 10)
        let dx = FloatBuffer(priorX), dw = FloatBuffer(priorW), db = FloatBuffer(priorB)
        DepthwiseConv2d.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy.pointer, input: x.pointer,
            weight: w.pointer, batch: batch, height: height, width: width, channels: channels)
        let addedX = zip(dx.array, priorX).map { $0 - $1 }, addedW = zip(dw.array, priorW).map { $0 - $1 }
        let addedB = zip(db.array, priorB).map { $0 - $1 }
        // The objective is linear in every input, so step 0.1 has no truncation error; float32 rounding
        // of Σ y·dy over 2·step is the only error: measured worst |error| 2.1e-5.
        let step: Float = 0.1
        expectClose(addedX, numericGradient(of: x.pointer, count: x.count, step: step, objective), atol: 2e-4, rtol: 2e-4, "dInput")
        expectClose(addedW, numericGradient(of: w.pointer, count: w.count, step: step, objective), atol: 2e-4, rtol: 2e-4, "dWeight")
        expectClose(addedB, numericGradient(of: b.pointer, count: b.count, step: step, objective), atol: 2e-4, rtol: 2e-4, "dBias")
    }
}
