// Gradient clipping by the global L2 norm over all parameters (`torch.nn.utils.clip_grad_norm_`).
// No per-tensor or by-value clipping.

import Foundation

public enum GradientClipping {
    /// Elements per block of the norm's sum of squares: blocks are summed in double, then added
    /// in block order, so the norm does not depend on the thread count.
    static let blockSize = 65_536

    /// `clip_grad_norm_(parameters, maxNorm)` over one flat gradient array: computes the total
    /// norm ‖g‖₂, then scales g by c = maxNorm/(‖g‖₂ + 1e-6) when c < 1 (PyTorch multiplies by
    /// min(c, 1), which leaves g unchanged otherwise). Returns the norm before clipping.
    ///
    /// A NaN or infinite norm is returned and the gradients are left untouched (PyTorch with
    /// `error_if_nonfinite=False` would scale them by NaN or 0); the caller decides what to do.
    @discardableResult
    public static func clipGlobalNorm(
        gradients: UnsafeMutablePointer<Float>,  // (count)
        count: Int, maxNorm: Float
    ) -> Float {
        precondition(maxNorm > 0, "maxNorm must be positive, got \(maxNorm)")
        let blocks = (count + blockSize - 1) / blockSize
        let sumOfSquares = withUnsafeTemporaryAllocation(of: Double.self, capacity: max(blocks, 1)) { partial in
            Parallel.forEach(blocks, costPerItem: blockSize) { block in
                var sum = 0.0
                for i in (block * blockSize)..<min(count, (block + 1) * blockSize) {
                    let x = Double(gradients[i])
                    sum += x * x
                }
                partial[block] = sum
            }
            var total = 0.0
            for block in 0..<blocks { total += partial[block] }
            return total
        }
        let norm = sumOfSquares.squareRoot()
        let coefficient = Float(Double(maxNorm) / (norm + 1e-6))
        if norm.isFinite && coefficient < 1 {
            Parallel.forEachRange(count) { range in
                for i in range { gradients[i] *= coefficient }
            }
        }
        return Float(norm)
    }
}
