// Dropout and DropPath: mask values and keep rate, the p = 0 and p = 1 edge cases, forward as a
// product with the mask, and backward against finite differences.

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

@Suite(.enabled(if: testedLevelRuns)) struct DropoutTests {
    @Test func dropoutMaskHasTheRightValuesAndKeepRate() {
        let count = 20_000
        let mask = FloatBuffer(count: count)
        var generator = RandomGenerator(seed: 1)
        Dropout.makeMask(mask: mask.pointer, count: count, probability: 0.3, generator: &generator)
        let scale = 1 / Float(0.7)
        #expect(mask.array.allSatisfy { $0 == 0 || $0 == scale })
        // Kept fraction: mean 0.7, standard deviation √(0.21/20000) ≈ 0.0032; 5σ ≈ 0.016.
        let kept = Float(mask.array.filter { $0 != 0 }.count) / Float(count)
        #expect(abs(kept - 0.7) < 0.016, "kept fraction \(kept)")
    }

    @Test func zeroAndOneProbabilitiesDrawNothing() {
        let mask = FloatBuffer(count: 5)
        var generator = RandomGenerator(seed: 2)
        let before = generator
        Dropout.makeMask(mask: mask.pointer, count: 5, probability: 0, generator: &generator)
        #expect(mask.array == [1, 1, 1, 1, 1] && generator == before)
        DropPath.makeMask(mask: mask.pointer, batch: 5, probability: 1, generator: &generator)
        #expect(mask.array == [0, 0, 0, 0, 0] && generator == before)
    }

    @Test func dropoutForwardAndBackward() {
        let count = 12
        let mask = FloatBuffer(count: count)
        var generator = RandomGenerator(seed: 3)
        Dropout.makeMask(mask: mask.pointer, count: count, probability: 0.5, generator: &generator)
        #expect(mask.array.contains(0) && mask.array.contains(2), "seed 3 should both keep and drop")
        let x = FloatBuffer(randomArray(count, seed: 4)), y = FloatBuffer(count: count)
        let dy = FloatBuffer(randomArray(count, seed: 5))
        func objective() -> Double {
            Dropout.forward(output: y.pointer, input: x.pointer, mask: mask.pointer, count: count)
            return dot(y.pointer, dy.pointer, count)
        }
        _ = objective()
        #expect(y.array == zip(x.array, mask.array).map { $0 * $1 })
        let initial = randomArray(count, seed: 6)
        let dx = FloatBuffer(initial)
        Dropout.backward(dInput: dx.pointer, dOutput: dy.pointer, mask: mask.pointer, count: count)
        // Linear in x: differences are exact up to float32 rounding of y (|y| ≲ 6), ≤ 1e-5 over 2h.
        let expected = zip(initial, numericGradient(of: x.pointer, count: count, objective)).map { $0 + $1 }
        expectClose(dx.array, expected, atol: 1e-4, rtol: 1e-4, "Dropout dInput")
    }

    @Test func dropPathScalesWholeSamples() {
        let batch = 3, rowSize = 5
        let mask = FloatBuffer([2, 0, 2])  // p = 0.5: sample 1 dropped
        let x = FloatBuffer(randomArray(batch * rowSize, seed: 7)), y = FloatBuffer(count: batch * rowSize)
        let dy = FloatBuffer(randomArray(batch * rowSize, seed: 8))
        func objective() -> Double {
            DropPath.forward(output: y.pointer, input: x.pointer, mask: mask.pointer, batch: batch, rowSize: rowSize)
            return dot(y.pointer, dy.pointer, y.count)
        }
        _ = objective()
        #expect(y.array == x.array.indices.map { x[$0] * mask[$0 / rowSize] })
        let initial = randomArray(batch * rowSize, seed: 9)
        let dx = FloatBuffer(initial)
        DropPath.backward(dInput: dx.pointer, dOutput: dy.pointer, mask: mask.pointer, batch: batch, rowSize: rowSize)
        // Linear in x, as for Dropout.
        let expected = zip(initial, numericGradient(of: x.pointer, count: x.count, objective)).map { $0 + $1 }
        expectClose(dx.array, expected, atol: 1e-4, rtol: 1e-4, "DropPath dInput")
    }

    /// 4 × 10 007 elements run in parallel chunks whose borders fall inside samples.
    @Test func dropPathParallelChunksRespectSampleBorders() {
        let batch = 4, rowSize = 10_007
        let mask = FloatBuffer([0, 1.25, 1.25, 0])
        let x = FloatBuffer(randomArray(batch * rowSize, seed: 10)), y = FloatBuffer(count: batch * rowSize)
        DropPath.forward(output: y.pointer, input: x.pointer, mask: mask.pointer, batch: batch, rowSize: rowSize)
        #expect(y.array == x.array.indices.map { x[$0] * mask[$0 / rowSize] })
        let dx = FloatBuffer(count: batch * rowSize)
        DropPath.backward(dInput: dx.pointer, dOutput: x.pointer, mask: mask.pointer, batch: batch, rowSize: rowSize)
        #expect(dx.array == y.array)
    }

    /// The mask keeps exactly where a uniform draw is below 1 − p, whether (1 − p)·2^24 is an
    /// integer (p = 0.5, 0.25) or not (p = 0.1, 0.3, 0.999).
    @Test func maskKeepsWhereTheUniformDrawIsBelowKeep() {
        for p: Float in [0.5, 0.25, 0.1, 0.3, 0.999] {
            let count = 50_000, mask = FloatBuffer(count: count)
            var generator = RandomGenerator(seed: 12), twin = generator
            Dropout.makeMask(mask: mask.pointer, count: count, probability: p, generator: &generator)
            let keep = Float(1 - Double(p))
            let expected = (0..<count).map { _ in twin.uniform() < keep ? 1 / keep : 0 }
            #expect(mask.array == expected, "p = \(p)")
            #expect(generator == twin, "p = \(p): one draw per element")
        }
    }
}
