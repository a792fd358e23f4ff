// Training losses: soft-target cross-entropy over logits (with label smoothing as targets) and mean
// squared error, forward and backward; mean absolute error as a metric. No per-sample weights.

import Foundation
import SimbaRuntime

/// `F.cross_entropy(logits, targets)` with probability targets (reduction "mean"):
/// L = (1/batch)·Σ_b −Σ_k t[b, k]·log_softmax(z[b])_k.
///
/// Hard labels with `CrossEntropyLoss(label_smoothing: ε)` are the same loss with targets from
/// `smoothedOneHot`; mixup/cutmix targets are soft targets directly.
public enum CrossEntropy {
    /// Returns the mean loss and saves softmax(z) in `probabilities` for backward.
    ///
    /// Per row: m = max_k z_k, s = Σ_k e^(z_k − m), log_softmax_k = z_k − m − log s (stable for any
    /// logits); p_k = e^(z_k − m)/s. Row losses are summed in double in row order, so the result does
    /// not depend on the thread count. Scratch: none on the heap (a `batch`-float temporary that
    /// Swift places on the stack when it fits).
    public static func forward(
        probabilities: UnsafeMutablePointer<Float>,  // (batch, classes), softmax(logits), saved for backward
        logits: UnsafePointer<Float>,  // (batch, classes)
        targets: UnsafePointer<Float>,  // (batch, classes), rows of probabilities
        batch: Int, classes: Int
    ) -> Float {
        precondition(batch > 0 && classes > 0, "CrossEntropy needs batch > 0 and classes > 0")
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: batch) { rowLoss in
            Parallel.forEach(batch, costPerItem: 16 * classes) { b in
                let z = logits + b * classes, t = targets + b * classes, p = probabilities + b * classes
                var maximum = z[0]
                for k in 1..<classes { maximum = max(maximum, z[k]) }
                var sum: Float = 0
                for k in 0..<classes {
                    p[k] = expf(z[k] - maximum)
                    sum += p[k]
                }
                let logSum = logf(sum)
                var loss: Float = 0
                for k in 0..<classes { loss -= t[k] * (z[k] - maximum - logSum) }
                rowLoss[b] = loss
                let inverse = 1 / sum
                for k in 0..<classes { p[k] *= inverse }
            }
            var total = 0.0
            for b in 0..<batch { total += Double(rowLoss[b]) }
            return Float(total / Double(batch))
        }
    }

    /// dz[b, k] += dLoss·(p[b, k]·Σ_j t[b, j] − t[b, k]) / batch.
    ///
    /// This is the exact gradient for any non-negative targets; for target rows that sum to 1 (one-hot,
    /// smoothed, mixup) it is the familiar dLoss·(p − t)/batch.
    public static func backward(
        dLogits: UnsafeMutablePointer<Float>,  // (batch, classes), +=
        probabilities: UnsafePointer<Float>,  // (batch, classes), from forward
        targets: UnsafePointer<Float>,  // (batch, classes)
        batch: Int, classes: Int, dLoss: Float
    ) {
        let scale = dLoss / Float(batch)
        Parallel.forEach(batch, costPerItem: 2 * classes) { b in
            let t = targets + b * classes, p = probabilities + b * classes, dz = dLogits + b * classes
            var targetSum: Float = 0
            for k in 0..<classes { targetSum += t[k] }
            for k in 0..<classes { dz[k] += scale * (p[k] * targetSum - t[k]) }
        }
    }

    /// Writes label-smoothed one-hot rows: t[b, k] = (1 − ε)·[k = labels[b]] + ε/classes, the
    /// targets PyTorch's `CrossEntropyLoss(label_smoothing=ε)` uses for class indices (and timm's
    /// `mixup_target` with smoothing ε for a single label). The two values are computed in double
    /// and rounded once, as timm's Python floats are.
    public static func smoothedOneHot(
        targets: UnsafeMutablePointer<Float>,  // (batch, classes)
        labels: UnsafePointer<Int32>,  // (batch), each in 0..<classes
        batch: Int, classes: Int, smoothing: Float
    ) {
        precondition(smoothing >= 0 && smoothing <= 1, "label smoothing \(smoothing) not in [0, 1]")
        let off = Double(smoothing) / Double(classes)
        let off32 = Float(off), on32 = Float(1 - Double(smoothing) + off)
        for b in 0..<batch {
            let label = Int(labels[b])
            precondition(label >= 0 && label < classes, "label \(label) of sample \(b) not in 0..<\(classes)")
            let row = targets + b * classes
            row.update(repeating: off32, count: classes)
            row[label] = on32
        }
    }
}

/// `F.mse_loss(prediction, target)` (reduction "mean"): L = (1/count)·Σ (p − t)².
public enum MeanSquaredError {
    /// The mean, accumulated in double.
    public static func forward(
        prediction: UnsafePointer<Float>,  // (count)
        target: UnsafePointer<Float>,  // (count)
        count: Int
    ) -> Float {
        precondition(count > 0, "MeanSquaredError of no elements")
        var sum = 0.0
        for i in 0..<count {
            let difference = Double(prediction[i] - target[i])
            sum += difference * difference
        }
        return Float(sum / Double(count))
    }

    /// dp[i] += (2/count)·(p[i] − t[i])·dLoss, PyTorch's `mse_loss_backward` order.
    public static func backward(
        dPrediction: UnsafeMutablePointer<Float>,  // (count), +=
        prediction: UnsafePointer<Float>,  // (count)
        target: UnsafePointer<Float>,  // (count)
        count: Int, dLoss: Float
    ) {
        let norm = Float(2 / Double(count))
        Parallel.forEachRange(count) { range in
            for i in range { dPrediction[i] += norm * (prediction[i] - target[i]) * dLoss }
        }
    }
}

/// `F.l1_loss(prediction, target)` (reduction "mean") as a metric: (1/count)·Σ |p − t|. No backward.
public enum MeanAbsoluteError {
    /// The mean, accumulated in double.
    public static func forward(
        prediction: UnsafePointer<Float>,  // (count)
        target: UnsafePointer<Float>,  // (count)
        count: Int
    ) -> Float {
        precondition(count > 0, "MeanAbsoluteError of no elements")
        var sum = 0.0
        for i in 0..<count { sum += Double(abs(prediction[i] - target[i])) }
        return Float(sum / Double(count))
    }
}
