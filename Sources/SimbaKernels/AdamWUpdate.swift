// The element-wise update of AdamW on one contiguous piece of the flat parameter, gradient and
// moment arrays. No step counting, bias corrections or parameter groups: `AdamW` (SimbaCore) does those.

/// One AdamW update of `count` elements with coefficients already computed for the step
import SimbaRuntime

/// (`AdamWCoefficients`), 16 at a time with the same operations in the same order as the scalar
/// form (PyTorch's), so the result is the same at every CPU level (no fused multiply-adds):
///
///     p ← p·decay;  m ← m + (1 − β1)·(g − m);  v ← v·β2 + (1 − β2)·g·g
///     p ← p + (−lr/(1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + eps)
public enum AdamWUpdate {
    public static func update(
        parameters p: UnsafeMutablePointer<Float>,  // (count)
        firstMoments m: UnsafeMutablePointer<Float>,  // (count)
        secondMoments v: UnsafeMutablePointer<Float>,  // (count)
        gradients g: UnsafePointer<Float>,  // (count)
        count: Int, coefficients k: AdamWCoefficients
    ) {
        var i = 0
        while i < count {
            let n = min(VectorMath.Vector.scalarCount, count - i)
            let gi = VectorMath.load(g + i, n)
            var mi = VectorMath.load(m + i, n), vi = VectorMath.load(v + i, n)
            var pi = VectorMath.load(p + i, n)
            if k.decay != 1 { pi *= k.decay }
            mi += k.firstWeight * (gi - mi)
            vi = vi * k.secondDecay + k.secondWeight * gi * gi
            let denominator = VectorMath.squareRoot(vi) / k.correction2Sqrt + k.epsilon
            pi += k.negativeStepSize * mi / denominator
            VectorMath.store(mi, m + i, n)
            VectorMath.store(vi, v + i, n)
            VectorMath.store(pi, p + i, n)
            i += n
        }
    }
}
