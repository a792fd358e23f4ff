// InstanceNorm: statistics and normalised windows against plain double-precision formulas, in
// both layouts, the identity without RevIN, and denormalize as the inverse.

import Foundation
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

@Suite(.enabled(if: testedLevelRuns)) struct InstanceNormTests {
    let batch = 3, length = 11, variates = 5

    @Test(arguments: [false, true])
    func normalisesEachWindowAndVariate(transposed: Bool) {
        let count = batch * length * variates
        let window = randomArray(count, scale: 4, seed: 1).map { $0 + 2 }
        let normalized = FloatBuffer(count: count), mean = FloatBuffer(count: batch * variates),
            std = FloatBuffer(count: batch * variates)
        InstanceNorm.forward(
            normalized: normalized.pointer, mean: mean.pointer, std: std.pointer, window: window,
            batch: batch, length: length, variates: variates, revin: true, transposed: transposed)
        for b in 0..<batch {
            for v in 0..<variates {
                let values = (0..<length).map { Double(window[(b * length + $0) * variates + v]) }
                let mu = values.reduce(0, +) / Double(length)
                let sigma = (values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(length) + 1e-5).squareRoot()
                #expect(abs(Double(mean[b * variates + v]) - mu) <= 1e-6 * max(1, abs(mu)))
                #expect(abs(Double(std[b * variates + v]) - sigma) <= 1e-6 * sigma)
                for t in 0..<length {
                    let index = transposed ? (b * variates + v) * length + t : (b * length + t) * variates + v
                    #expect(abs(Double(normalized[index]) - (values[t] - mu) / sigma) <= 1e-6)
                }
            }
        }
        // denormalize takes a normalised (batch, H, M) series back to the window's scale.
        let series = FloatBuffer(count: count)
        for b in 0..<batch {
            for t in 0..<length {
                for v in 0..<variates {
                    let index = transposed ? (b * variates + v) * length + t : (b * length + t) * variates + v
                    series[(b * length + t) * variates + v] = normalized[index]
                }
            }
        }
        InstanceNorm.denormalize(
            series.pointer, mean: mean.pointer, std: std.pointer, batch: batch, horizon: length, variates: variates)
        expectClose(series.array, window, atol: 1e-5, rtol: 1e-5, "denormalize ∘ forward")
    }

    @Test func withoutRevINTheWindowPassesUnchanged() {
        let count = batch * length * variates
        let window = randomArray(count, scale: 4, seed: 2)
        let normalized = FloatBuffer(count: count), mean = FloatBuffer(count: batch * variates),
            std = FloatBuffer(count: batch * variates)
        InstanceNorm.forward(
            normalized: normalized.pointer, mean: mean.pointer, std: std.pointer, window: window,
            batch: batch, length: length, variates: variates, revin: false, transposed: false)
        #expect(normalized.array == window)
        #expect(mean.array.allSatisfy { $0 == 0 } && std.array.allSatisfy { $0 == 1 })
    }
}
