// Mean and max pooling over tokens: forward against naive loops and hand cases (ties, NaN, a
// leading class token skipped by the sample stride), backward against finite differences.

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

@Suite(.enabled(if: testedLevelRuns)) struct TokenPoolingTests {
    let batch = 2, tokens = 4, channels = 3

    @Test func meanPoolForwardAndBackward() {
        let x = FloatBuffer(randomArray(batch * tokens * channels, seed: 1))
        let y = FloatBuffer(count: batch * channels), dy = FloatBuffer(randomArray(batch * channels, seed: 2))
        func objective() -> Double {
            MeanPool.forward(output: y.pointer, input: x.pointer, batch: batch, tokens: tokens, channels: channels)
            return dot(y.pointer, dy.pointer, y.count)
        }
        _ = objective()
        var naive = [Float](repeating: 0, count: batch * channels)
        for b in 0..<batch {
            for c in 0..<channels {
                var sum = 0.0
                for t in 0..<tokens { sum += Double(x[(b * tokens + t) * channels + c]) }
                naive[b * channels + c] = Float(sum / Double(tokens))
            }
        }
        // Four float32 additions of O(1) terms and a division: ≤ 1e-6.
        expectClose(y.array, naive, atol: 1e-6, rtol: 1e-6, "MeanPool forward")
        let initial = randomArray(x.count, seed: 3)
        let dx = FloatBuffer(initial)
        MeanPool.backward(dInput: dx.pointer, dOutput: dy.pointer, batch: batch, tokens: tokens, channels: channels)
        // Linear in x: exact up to float32 rounding of y (|y| ≲ 2), ≤ 1e-5 over 2h.
        let expected = zip(initial, numericGradient(of: x.pointer, count: x.count, objective)).map { $0 + $1 }
        expectClose(dx.array, expected, atol: 1e-4, rtol: 1e-4, "MeanPool dInput")
    }

    @Test func maxPoolForwardAndBackward() {
        // Distinct values 0.05 apart, so no FD step (h = 0.01) changes which token is maximal.
        var generator = RandomGenerator(seed: 4)
        let values = (0..<(batch * tokens * channels)).map { Float($0) * 0.05 }.shuffled(using: &generator)
        let x = FloatBuffer(values)
        let y = FloatBuffer(count: batch * channels), dy = FloatBuffer(randomArray(batch * channels, seed: 5))
        var indices = [Int32](repeating: -1, count: batch * channels)
        func objective() -> Double {
            MaxPool.forward(
                output: y.pointer, indices: &indices, input: x.pointer, batch: batch, tokens: tokens, channels: channels
            )
            return dot(y.pointer, dy.pointer, y.count)
        }
        _ = objective()
        for b in 0..<batch {
            for c in 0..<channels {
                let column = (0..<tokens).map { x[(b * tokens + $0) * channels + c] }
                let best = column.max()!
                #expect(y[b * channels + c] == best && indices[b * channels + c] == Int32(column.firstIndex(of: best)!))
            }
        }
        let initial = randomArray(x.count, seed: 6)
        let dx = FloatBuffer(initial)
        MaxPool.backward(
            dInput: dx.pointer, dOutput: dy.pointer, indices: indices, batch: batch, tokens: tokens, channels: channels)
        // Piecewise linear with no switch inside the step: exact up to float32 rounding of y.
        let expected = zip(initial, numericGradient(of: x.pointer, count: x.count, objective)).map { $0 + $1 }
        expectClose(dx.array, expected, atol: 1e-4, rtol: 1e-4, "MaxPool dInput")
    }

    @Test func maxPoolTiesGoToTheFirstTokenAndNaNPropagates() {
        // One sample, 4 tokens, 2 channels: channel 0 = [1, 3, 3, 2], channel 1 = [0, .nan, 5, .nan].
        let x: [Float] = [1, 0, 3, .nan, 3, 5, 2, .nan]
        var y: [Float] = [0, 0], indices: [Int32] = [-1, -1]
        MaxPool.forward(output: &y, indices: &indices, input: x, batch: 1, tokens: 4, channels: 2)
        #expect(y[0] == 3 && indices[0] == 1)
        #expect(y[1].isNaN && indices[1] == 1)
    }

    @Test func maxPoolSkipsALeadingClassTokenThroughTheStride() {
        // (batch, 1 + tokens, channels) with a class token of 100s that must not win.
        let rows = 1 + tokens
        var x = randomArray(batch * rows * channels, seed: 7)
        for b in 0..<batch { for c in 0..<channels { x[b * rows * channels + c] = 100 } }
        var y = [Float](repeating: 0, count: batch * channels),
            indices = [Int32](repeating: -1, count: batch * channels)
        x.withUnsafeBufferPointer { xp in
            MaxPool.forward(
                output: &y, indices: &indices, input: xp.baseAddress! + channels, batch: batch,
                tokens: tokens, channels: channels, sampleStride: rows * channels)
        }
        for b in 0..<batch {
            for c in 0..<channels {
                let column = (1..<rows).map { x[(b * rows + $0) * channels + c] }
                #expect(y[b * channels + c] == column.max()!)
            }
        }
        var dx = [Float](repeating: 0, count: batch * rows * channels)
        let dy = [Float](repeating: 1, count: batch * channels)
        dx.withUnsafeMutableBufferPointer { dxp in
            MaxPool.backward(
                dInput: dxp.baseAddress! + channels, dOutput: dy, indices: indices, batch: batch,
                tokens: tokens, channels: channels, sampleStride: rows * channels)
        }
        for b in 0..<batch {
            for c in 0..<channels {
                #expect(dx[b * rows * channels + c] == 0, "class token got a gradient")
                let t = 1 + Int(indices[b * channels + c])
                #expect(dx[(b * rows + t) * channels + c] == 1)
            }
        }
        #expect(dx.reduce(0, +) == Float(batch * channels))
    }
}
