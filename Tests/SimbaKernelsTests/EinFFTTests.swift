// EinFFT: the fast kernel against its Double reference twin
// (forward and backward), and the reference backward against central finite differences.

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

@Suite(.enabled(if: testedLevelRuns)) struct EinFFTTests {
    let batch = 2
    func weightCount(_ channels: Int) -> Int { 2 * channels * channels / 4 }
    func biasCount(_ channels: Int) -> Int { 2 * channels }

    /// Parameters at scale 0.3 (not the 0.02 init) so that pre-activations are O(0.1–1): both ReLU
    /// branches and both softshrink regions occur, and λ = 0.01 matters without dominating.
    struct Parameters {
        let w1, w2, b1, b2: FloatBuffer
    }

    func parameters(seed: UInt64, channels: Int = 16) -> Parameters {
        let weightCount = weightCount(channels), biasCount = biasCount(channels)
        return Parameters(
            w1: FloatBuffer(randomArray(weightCount, scale: 0.3, seed: seed)),
            w2: FloatBuffer(randomArray(weightCount, scale: 0.3, seed: seed + 1)),
            b1: FloatBuffer(randomArray(biasCount, scale: 0.3, seed: seed + 2)),
            b2: FloatBuffer(randomArray(biasCount, scale: 0.05, seed: seed + 3)))
    }

    /// Runs the fast kernel forward and backward; returns y and the five gradients.
    func fast(x: FloatBuffer, dy: FloatBuffer, _ p: Parameters, length: Int, channels: Int = 16, groupWidth: Int? = nil)
        -> [[Float]]
    {
        let weightCount = weightCount(channels), biasCount = biasCount(channels)
        let transform = EinFFT.makeTransform(length: length, channels: channels, groupWidth: groupWidth)
        let spectrumCount = EinFFT.spectrumCount(batch: batch, length: length, channels: channels)
        let spectrum = FloatBuffer(count: spectrumCount)
        let workspace = FloatBuffer(
            count: EinFFT.backwardWorkspaceCount(batch: batch, length: length, channels: channels))
        let y = FloatBuffer(count: x.count)
        EinFFT.forward(
            output: y.pointer, spectrum: spectrum.pointer,
            workspace: workspace.pointer, input: x.pointer, weight1: p.w1.pointer, weight2: p.w2.pointer,
            bias1: p.b1.pointer, bias2: p.b2.pointer, transform: transform, batch: batch, length: length,
            channels: channels)
        // Gradients start at 1 to check that backward accumulates rather than overwrites.
        let dx = FloatBuffer(Array(repeating: 1, count: x.count))
        let dw1 = FloatBuffer(Array(repeating: 1, count: weightCount)),
            dw2 = FloatBuffer(Array(repeating: 1, count: weightCount))
        let db1 = FloatBuffer(Array(repeating: 1, count: biasCount)),
            db2 = FloatBuffer(Array(repeating: 1, count: biasCount))
        workspace.buffer.update(repeating: .nan)
        EinFFT.backward(
            dInput: dx.pointer, dWeight1: dw1.pointer, dWeight2: dw2.pointer, dBias1: db1.pointer, dBias2: db2.pointer,
            workspace: workspace.pointer, dOutput: dy.pointer, spectrum: spectrum.pointer,
            weight1: p.w1.pointer, weight2: p.w2.pointer, bias1: p.b1.pointer, bias2: p.b2.pointer,
            transform: transform, batch: batch, length: length, channels: channels)
        return [y.array] + [dx, dw1, dw2, db1, db2].map { $0.array.map { $0 - 1 } }
    }

    func reference(x: FloatBuffer, dy: FloatBuffer, _ p: Parameters, length: Int, channels: Int = 16) -> [[Float]] {
        let weightCount = weightCount(channels), biasCount = biasCount(channels)
        let y = FloatBuffer(count: x.count)
        EinFFTReference.forward(
            output: y.pointer, input: x.pointer, weight1: p.w1.pointer, weight2: p.w2.pointer,
            bias1: p.b1.pointer, bias2: p.b2.pointer, batch: batch, length: length, channels: channels)
        let dx = FloatBuffer(count: x.count), dw1 = FloatBuffer(count: weightCount),
            dw2 = FloatBuffer(count: weightCount)
        let db1 = FloatBuffer(count: biasCount), db2 = FloatBuffer(count: biasCount)
        EinFFTReference.backward(
            dInput: dx.pointer, dWeight1: dw1.pointer, dWeight2: dw2.pointer, dBias1: db1.pointer, dBias2: db2.pointer,
            dOutput: dy.pointer, input: x.pointer, weight1: p.w1.pointer, weight2: p.w2.pointer,
            bias1: p.b1.pointer, bias2: p.b2.pointer, batch: batch, length: length, channels: channels)
        return [y, dx, dw1, dw2, db1, db2].map(\.array)
    }

    static let names = ["output", "dInput", "dWeight1", "dWeight2", "dBias1", "dBias2"]

    /// In place: C = 16 at N = 7 and 8 (the brief's sizes; bs = 4, one partial lane group of eight);
    /// C = 136 (bs = 34: four lane groups, the last partial) runs the FFT in four chunks of 17 complex
    /// columns of blocks 0 and 1, the second at a 136-byte offset: FFTW's unaligned fallback plan.
    /// Buffered (N ≥ 128): N = 130 spans five gather tiles, the last partial, and its token pairs (m, −m)
    /// three tiles with m = 65 its own mirror; N = 129 has no such middle token; group widths 1 (C = 16)
    /// and 5 (C = 40) split a sample into 4 and 2 items (channel groups at offsets inside the rows).
    @Test(
        arguments: [
            (7, 16, nil), (8, 16, nil), (5, 136, nil), (130, 16, nil), (129, 16, nil), (128, 16, 1), (128, 40, 5)
        ]
            as [(Int, Int, Int?)])
    func fastMatchesReference(length: Int, channels: Int, groupWidth: Int?) {
        let x = FloatBuffer(randomArray(batch * length * channels, seed: 21))
        let dy = FloatBuffer(randomArray(batch * length * channels, seed: 22))
        let p = parameters(seed: 23, channels: channels)
        let fast = fast(x: x, dy: dy, p, length: length, channels: channels, groupWidth: groupWidth)
        let reference = reference(x: x, dy: dy, p, length: length, channels: channels)
        // float32 FFTs of length ≤ 130 and 8-term block products against Double: relative rounding
        // ~1e-6 on O(0.1–1) values; gradients sum over up to 16 rows. A ReLU or softshrink decision
        // flipped by rounding would show as an O(0.1) error and fail.
        for (index, name) in Self.names.enumerated() {
            expectClose(fast[index], reference[index], atol: 2e-5, rtol: 1e-4, "N=\(length) C=\(channels) \(name)")
        }
        #expect(reference[3].contains { $0 != 0 } && reference[1].contains { $0 != 0 }, "gradients must not vanish")
    }

    @Test(arguments: [7, 8]) func referenceBackwardMatchesFiniteDifferences(length: Int) {
        let channels = 16
        let x = FloatBuffer(randomArray(batch * length * channels, seed: 31))
        let dy = FloatBuffer(randomArray(batch * length * channels, seed: 32))
        let p = parameters(seed: 33)
        var y = [Double](repeating: 0, count: x.count)
        func objective() -> Double {
            EinFFTReference.forward(
                output: &y, input: x.pointer, weight1: p.w1.pointer, weight2: p.w2.pointer,
                bias1: p.b1.pointer, bias2: p.b2.pointer, batch: batch, length: length, channels: channels)
            return y.indices.reduce(0.0) { $0 + y[$1] * Double(dy[$1]) }
        }
        let analytic = reference(x: x, dy: dy, p, length: length)
        let targets = [x, p.w1, p.w2, p.b1, p.b2]
        for (index, target) in targets.enumerated() {
            let numeric = piecewiseLinearGradient(of: target.pointer, count: target.count, objective)
            // Exact slopes in Double against gradients rounded to float32: only rounding remains.
            expectClose(analytic[index + 1], numeric, atol: 1e-5, rtol: 1e-5, "N=\(length) \(Self.names[index + 1])")
        }
    }
}

/// Finite differences for an objective that is piecewise linear in each input (EinFFT is: ReLU and
/// softshrink are its only nonlinearities, everything else is linear in any single input).
///
/// For each element, the one-sided slopes over +h and −h are compared; when they agree no kink lies
/// in [x−h, x+h] and their mean is the exact derivative. Otherwise h shrinks tenfold (up to 5 times).
/// The actual steps (after float32 rounding of x ± h) are used, so the slopes carry no step error.
func piecewiseLinearGradient(of x: UnsafeMutablePointer<Float>, count: Int, _ objective: () -> Double) -> [Float] {
    var gradient = [Float](repeating: 0, count: count)
    for i in 0..<count {
        let saved = x[i], center = objective()
        var step: Float = 1e-2
        for _ in 0..<5 {
            x[i] = saved + step
            let up = Double(x[i] - saved), plus = objective()
            x[i] = saved - step
            let down = Double(saved - x[i]), minus = objective()
            x[i] = saved
            let right = (plus - center) / up, left = (center - minus) / down
            gradient[i] = Float((right + left) / 2)
            if abs(right - left) <= 1e-7 + 1e-6 * abs(right) { break }
            step /= 10
        }
    }
    return gradient
}
