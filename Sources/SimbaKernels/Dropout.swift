// Element-wise dropout (`nn.Dropout` in training mode) as a mask drawn once per step, then
// forward and backward multiply by it. Evaluation mode is the identity: the caller skips the kernel.

import SimbaRuntime

/// `F.dropout(x, p, training=True)`: y = x·mask with mask = 1/(1 − p) with probability 1 − p and
/// 0 otherwise, drawn independently per element.
///
/// The mask is made once per step by `makeMask` and kept for backward. The draws come from simba's
/// generator, so masks are not PyTorch's; the distribution and the scaling are.
public enum Dropout {
    /// Fills `mask` with 0 or 1/(1 − p), keeping each element with probability 1 − p (a uniform
    /// draw u ∈ [0, 1) keeps when u < 1 − p).
    ///
    /// As in PyTorch: p = 0 gives all ones and draws nothing; p = 1 gives all zeros and draws
    /// nothing. The scale is float32 1/(1 − p) with 1 − p rounded from double, as PyTorch's
    /// `div_(keep_prob)` computes it.
    public static func makeMask(
        mask: UnsafeMutablePointer<Float>,  // (count)
        count: Int, probability: Float, generator: inout RandomGenerator
    ) {
        precondition(probability >= 0 && probability <= 1, "dropout probability \(probability) not in [0, 1]")
        if probability == 0 { mask.update(repeating: 1, count: count); return }
        if probability == 1 { mask.update(repeating: 0, count: count); return }
        let keep = Float(1 - Double(probability))
        let scale = 1 / keep
        // u = r·2^−24 with r the draw's top 24 bits (`RandomGenerator.uniform`), exactly, so
        // u < keep ⟺ r < keep·2^24 ⟺ r < ⌈keep·2^24⌉: the same test on the integer, without the
        // conversion and the product.
        let threshold = UInt64((Double(keep) * 16_777_216).rounded(.up))
        for i in 0..<count { mask[i] = generator.next() >> 40 < threshold ? scale : 0 }
    }

    /// y[i] = x[i]·mask[i]. `output` may alias `input`.
    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count)
        mask: UnsafePointer<Float>,  // (count), from makeMask
        count: Int
    ) {
        Parallel.forEachRange(count) { range in
            for i in range { output[i] = input[i] * mask[i] }
        }
    }

    /// dInput[i] += dOutput[i]·mask[i]. `dInput` must not alias `dOutput`.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (count), +=
        dOutput: UnsafePointer<Float>,  // (count)
        mask: UnsafePointer<Float>,  // (count), the forward mask
        count: Int
    ) {
        Parallel.forEachRange(count) { range in
            for i in range { dInput[i] += dOutput[i] * mask[i] }
        }
    }
}
