// The AdamW optimizer of `torch.optim.AdamW` as one parallel loop over the store's flat parameter,
// gradient and moment arrays. No AMSGrad, no per-group learning rates, no learning-rate schedule.

import Foundation

/// `torch.optim.AdamW(params, lr, betas=(beta1, beta2), eps, weight_decay)`, single-tensor (CPU
/// default) semantics. At step t (1-based), for every parameter element p with gradient g:
///
///     p ← p·(1 − lr·wd)                 only for entries with `decay == true`
///     m ← m + (1 − β1)·(g − m)           (= β1·m + (1 − β1)·g, PyTorch's `lerp_`)
///     v ← β2·v + (1 − β2)·g·g
///     p ← p − (lr/(1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + eps)
///
/// Scalars (1 − lr·wd, lr/(1 − β1ᵗ), √(1 − β2ᵗ)) are computed in double and applied in float32,
/// in PyTorch's operation order. Defaults are PyTorch's. Entries with `decay == false` form the
/// no-decay group (biases and 1-D parameters in the official recipe).
///
/// Unlike PyTorch, which skips parameters whose `.grad` is None, every parameter is stepped:
/// an unused parameter has gradient 0, so its moments decay and it still moves by m̂ and decay.
/// The decay flags are read when the optimizer is made; set them on the store before.
///
/// `m` and `v` have the layout of `store.values`/`store.gradients`; a checkpoint saves and restores
/// them together with `stepCount` (steps taken so far).
public final class AdamW {
    public let beta1: Double
    public let beta2: Double
    public let eps: Double
    public let weightDecay: Double
    /// First moments, one per parameter element (store layout).
    public let m: FloatBuffer
    /// Second moments, one per parameter element (store layout).
    public let v: FloatBuffer
    /// Steps taken so far; the next `step` uses t = stepCount + 1 in the bias corrections.
    public var stepCount = 0 {
        willSet { precondition(newValue >= 0, "AdamW stepCount must be non-negative") }
    }

    /// Contiguous runs of parameter elements with the same decay flag, in offset order.
    private let runs: [(range: Range<Int>, decay: Bool)]

    public init(
        store: ParameterStore, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
        weightDecay: Double = 1e-2
    ) {
        precondition(store.isAllocated, "make the optimizer after ParameterStore.allocate()")
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "AdamW betas must be in [0, 1)")
        precondition(eps >= 0 && weightDecay >= 0, "AdamW eps and weight decay must be non-negative")
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        m = FloatBuffer(count: store.parameterCount)
        v = FloatBuffer(count: store.parameterCount)
        var runs: [(range: Range<Int>, decay: Bool)] = []
        for entry in store.entries where entry.kind == .parameter {
            let range = entry.offset..<(entry.offset + entry.count)
            if let last = runs.last, last.decay == entry.decay, last.range.upperBound == range.lowerBound {
                runs[runs.count - 1].range = last.range.lowerBound..<range.upperBound
            } else {
                runs.append((range, entry.decay))
            }
        }
        self.runs = runs
    }

    /// One AdamW step on `store.values` from `store.gradients` at learning rate `learningRate`.
    public func step(store: ParameterStore, learningRate: Float) {
        precondition(store.parameterCount == m.count, "AdamW used with a different parameter store")
        stepCount += 1
        let lr = Double(learningRate)
        let t = Double(stepCount)
        let decayFactor = Float(1 - lr * weightDecay)
        let applyDecay = weightDecay != 0
        let withDecay = AdamWCoefficients(
            decay: applyDecay ? decayFactor : 1, firstWeight: Float(1 - beta1), secondWeight: Float(1 - beta2),
            secondDecay: Float(beta2), negativeStepSize: Float(-(lr / (1 - pow(beta1, t)))),
            correction2Sqrt: Float((1 - pow(beta2, t)).squareRoot()), epsilon: Float(eps))
        var withoutDecay = withDecay
        withoutDecay.decay = 1
        let p = store.values.pointer, g = UnsafePointer(store.gradients.pointer)
        let m = m.pointer, v = v.pointer
        let kernel = Kernels.current.adamW
        Parallel.forEachRange(store.parameterCount, costPerItem: 8) { range in
            for run in runs where run.range.overlaps(range) {
                let piece = run.range.clamped(to: range)
                let at = piece.lowerBound
                kernel.update(
                    parameters: p + at, firstMoments: m + at, secondMoments: v + at, gradients: g + at,
                    count: piece.count, coefficients: run.decay ? withDecay : withoutDecay)
            }
        }
    }
}
