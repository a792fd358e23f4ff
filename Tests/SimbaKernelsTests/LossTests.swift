// Losses: cross-entropy against a double-precision log-softmax (including extreme logits and
// label smoothing), its backward against finite differences; MSE and MAE by hand and by differences.

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

@Suite(.enabled(if: testedLevelRuns)) struct LossTests {
    let batch = 3, classes = 5

    /// Double-precision twin: mean over rows of −Σ t·log_softmax(z), and softmax(z).
    func reference(_ z: [Float], _ t: [Float], rows: Int, classes: Int) -> (loss: Double, p: [Float]) {
        var loss = 0.0
        var p = [Float](repeating: 0, count: z.count)
        for b in 0..<rows {
            let row = (0..<classes).map { Double(z[b * classes + $0]) }
            let m = row.max()!
            let logSum = log(row.reduce(0) { $0 + exp($1 - m) }) + m
            for k in 0..<classes {
                loss -= Double(t[b * classes + k]) * (row[k] - logSum)
                p[b * classes + k] = Float(exp(row[k] - logSum))
            }
        }
        return (loss / Double(rows), p)
    }

    @Test func crossEntropyForwardIsStableAndMatchesDouble() {
        var z = randomArray(batch * classes, scale: 3, seed: 1)
        z[0] = 100; z[1] = -100; z[7] = 88  // e^100 overflows float32 without the max shift
        let t = randomArray(batch * classes, seed: 2).map { abs($0) }
        let p = FloatBuffer(count: z.count)
        let loss = CrossEntropy.forward(probabilities: p.pointer, logits: z, targets: t, batch: batch, classes: classes)
        let expected = reference(z, t, rows: batch, classes: classes)
        // float32 log-sum-exp of logits up to 100: absolute error ≲ ulp(100)·|t| ≈ 1e-5 per term.
        expectClose([loss], [Float(expected.loss)], atol: 1e-4, rtol: 1e-5, "loss")
        // exp of arguments ≤ 0 and one division: a few ulp relative; atol for underflowed entries.
        expectClose(p.array, expected.p, atol: 1e-7, rtol: 1e-5, "probabilities")
    }

    @Test func crossEntropyBackwardMatchesFiniteDifferences() {
        let z = FloatBuffer(randomArray(batch * classes, seed: 3))
        // Non-normalised soft targets exercise the p·Σt − t form; the last row is one-hot.
        var targets = randomArray(batch * classes, seed: 4).map { abs($0) }
        for k in 0..<classes { targets[(batch - 1) * classes + k] = k == 2 ? 1 : 0 }
        let p = FloatBuffer(count: z.count)
        let dLoss: Float = 0.7
        func objective() -> Double {
            Double(dLoss)
                * Double(
                    CrossEntropy.forward(
                        probabilities: p.pointer, logits: z.pointer, targets: targets, batch: batch, classes: classes))
        }
        _ = objective()
        let initial = randomArray(z.count, seed: 5)
        let dz = FloatBuffer(initial)
        CrossEntropy.backward(
            dLogits: dz.pointer, probabilities: p.pointer, targets: targets, batch: batch, classes: classes,
            dLoss: dLoss)
        // The loss (≈ 3) is a float32: rounding ≲ 3e-7·few, divided by 2h = 0.02 gives ≲ 5e-5;
        // truncation h²/6·|∂³L| ≲ 1e-5. Gradients are O(0.1), a wrong term is off by O(0.1).
        let expected = zip(initial, numericGradient(of: z.pointer, count: z.count, objective)).map { $0 + $1 }
        expectClose(dz.array, expected, atol: 2e-4, rtol: 1e-3, "dLogits")
    }

    @Test func smoothedOneHotMatchesPyTorchLabelSmoothing() {
        var targets = [Float](repeating: -1, count: 2 * 4)
        CrossEntropy.smoothedOneHot(targets: &targets, labels: [Int32(2), 0], batch: 2, classes: 4, smoothing: 0.1)
        #expect(targets == [0.025, 0.025, 0.925, 0.025, 0.925, 0.025, 0.025, 0.025])
        // PyTorch's formula for class indices: (1 − ε)·nll + ε·mean_k(−log p_k), per row, then mean.
        let z = randomArray(2 * 4, seed: 6)
        var p = [Float](repeating: 0, count: 8)
        let loss = CrossEntropy.forward(probabilities: &p, logits: z, targets: targets, batch: 2, classes: 4)
        var expected = 0.0
        for (b, label) in [2, 0].enumerated() {
            let row = (0..<4).map { Double(z[b * 4 + $0]) }
            let logSum = log(row.reduce(0) { $0 + exp($1) })
            let logP = row.map { $0 - logSum }
            expected += 0.9 * -logP[label] + 0.1 * logP.reduce(0) { $0 - $1 } / 4
        }
        // Same quantity summed in another order: float32 rounding only.
        expectClose([loss], [Float(expected / 2)], atol: 1e-6, rtol: 1e-6, "smoothed loss")
    }

    @Test func meanSquaredErrorAndMeanAbsoluteError() {
        let prediction: [Float] = [1, -2, 0.5, 3], target: [Float] = [0, -1, 1.5, 3]
        // Squares 1, 1, 1, 0 and absolute values 1, 1, 1, 0 over 4: exact in float32.
        #expect(MeanSquaredError.forward(prediction: prediction, target: target, count: 4) == 0.75)
        #expect(MeanAbsoluteError.forward(prediction: prediction, target: target, count: 4) == 0.75)

        let count = 7
        let x = FloatBuffer(randomArray(count, seed: 7)), y = randomArray(count, seed: 8)
        let dLoss: Float = 1.3
        func objective() -> Double {
            Double(dLoss) * Double(MeanSquaredError.forward(prediction: x.pointer, target: y, count: count))
        }
        let initial = randomArray(count, seed: 9)
        let dx = FloatBuffer(initial)
        MeanSquaredError.backward(dPrediction: dx.pointer, prediction: x.pointer, target: y, count: count, dLoss: dLoss)
        // Quadratic: central differences have no truncation error; the float32 loss (≈ 2) rounds by
        // ≲ 2.4e-7, i.e. ≲ 2.4e-5 over 2h. Gradients are O(0.5).
        let expected = zip(initial, numericGradient(of: x.pointer, count: count, objective)).map { $0 + $1 }
        expectClose(dx.array, expected, atol: 1e-4, rtol: 1e-4, "dPrediction")
    }
}
