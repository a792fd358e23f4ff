// Element-wise activations ReLU, SiLU, GELU (erf), Softplus and Softshrink, forward and backward,
// with the exact formulas of PyTorch's CPU kernels. No fused bias or gating.

import Foundation
import SimbaRuntime

/// An element-wise activation given by its value and derivative at x; `forward` and `backward`
/// come from the extension below (ReLU and Softshrink write their own: exact zero gradients at
/// their dead zones whatever dOutput holds, as PyTorch's kernels).
///
/// The scalar `value`/`derivative` use libm and are the plain twins the tests loop over;
/// `forward`/`backward` run the 16-lane forms built on `VectorMath`, which agree with them to a few
/// ulp (ActivationTests).
public protocol PointwiseActivation {
    static func value(_ x: Float) -> Float
    static func derivative(_ x: Float) -> Float
    static func value(_ x: VectorMath.Vector) -> VectorMath.Vector
    static func derivative(_ x: VectorMath.Vector) -> VectorMath.Vector
    /// Rough cost of one element in each pass, for splitting work across threads.
    static var forwardCost: Int { get }
    static var backwardCost: Int { get }
}

/// The loops behind each activation's `forward`, `backward` and `backwardOverwriting`. Each
/// activation calls them from its own methods, so they are compiled for it (a protocol extension
/// method that served as the kernel table's entry point directly would run unspecialised, calling
/// `value` and `derivative` through the protocol for every vector).
extension PointwiseActivation {
    /// output[i] = value(input[i]), 16 elements at a time. `output` may alias `input`.
    @inline(__always) static func forwardLoop(
        output: UnsafeMutablePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count)
        count: Int
    ) {
        Parallel.forEachVector(count, costPerItem: forwardCost) { i, n in
            VectorMath.store(value(VectorMath.load(input + i, n)), output + i, n)
        }
    }

    /// dInput[i] += dOutput[i]·derivative(input[i]), with `input` the forward input, 16 elements
    /// at a time. `dInput` must not alias `dOutput`.
    @inline(__always) static func backwardLoop(
        dInput: UnsafeMutablePointer<Float>,  // (count), +=
        dOutput: UnsafePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count), the forward input
        count: Int
    ) {
        Parallel.forEachVector(count, costPerItem: backwardCost) { i, n in
            let gradient =
                VectorMath.load(dInput + i, n) + VectorMath.load(dOutput + i, n)
                * derivative(VectorMath.load(input + i, n))
            VectorMath.store(gradient, dInput + i, n)
        }
    }

    /// dInput[i] = dOutput[i]·derivative(input[i]): `backward` into a buffer that holds nothing
    /// yet, without zeroing it first. `dInput` must not alias `dOutput`.
    @inline(__always) static func backwardOverwritingLoop(
        dInput: UnsafeMutablePointer<Float>,  // (count), overwritten
        dOutput: UnsafePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count), the forward input
        count: Int
    ) {
        Parallel.forEachVector(count, costPerItem: backwardCost) { i, n in
            VectorMath.store(VectorMath.load(dOutput + i, n) * derivative(VectorMath.load(input + i, n)), dInput + i, n)
        }
    }
}

/// `nn.ReLU`: y = max(x, 0). Backward passes dOutput where x > 0 and 0 where x ≤ 0 (x = 0 gives 0,
/// as PyTorch's `threshold_backward`). NaN propagates in both directions, as in PyTorch.
///
/// `output` may alias `input`; `dInput` must not alias `dOutput`.
public enum ReLU {
    public static func value(_ x: Float) -> Float { x <= 0 ? 0 : x }
    public static func derivative(_ x: Float) -> Float { x <= 0 ? 0 : 1 }

    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count)
        count: Int
    ) {
        Parallel.forEachRange(count) { range in
            for i in range { output[i] = value(input[i]) }
        }
    }

    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (count), +=
        dOutput: UnsafePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count), the forward input
        count: Int
    ) {
        Parallel.forEachRange(count) { range in
            for i in range where !(input[i] <= 0) { dInput[i] += dOutput[i] }
        }
    }
}

/// `nn.SiLU`: y = x·σ(x) = x / (1 + e^(−x)); dy/dx = σ(x)·(1 + x·(1 − σ(x))).
///
/// Written as PyTorch's CPU kernel writes it; saturates to 0 / x without NaN for large |x|.
/// `output` may alias `input`; `dInput` must not alias `dOutput`.
public enum SiLU: PointwiseActivation {
    public static func value(_ x: Float) -> Float { x / (1 + expf(-x)) }

    public static func derivative(_ x: Float) -> Float {
        let sigmoid = 1 / (1 + expf(-x))
        return sigmoid * (1 + x * (1 - sigmoid))
    }

    @inline(__always) public static func value(_ x: VectorMath.Vector) -> VectorMath.Vector {
        x / (1 + VectorMath.exp(-x))
    }

    @inline(__always) public static func derivative(_ x: VectorMath.Vector) -> VectorMath.Vector {
        let sigmoid = 1 / (1 + VectorMath.exp(-x))
        return sigmoid * (1 + x * (1 - sigmoid))
    }

    public static let forwardCost = 16
    public static let backwardCost = 16

    // MARK: The kernel's entry points (`PointwiseActivation`'s loops, compiled for this activation)

    public static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int) {
        forwardLoop(output: output, input: input, count: count)
    }

    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int
    ) {
        backwardLoop(dInput: dInput, dOutput: dOutput, input: input, count: count)
    }

    public static func backwardOverwriting(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int
    ) {
        backwardOverwritingLoop(dInput: dInput, dOutput: dOutput, input: input, count: count)
    }
}

/// `nn.GELU()` (approximate = "none"): y = x·Φ(x) = 0.5·x·(1 + erf(x/√2));
/// dy/dx = Φ(x) + x·φ(x) with φ(x) = e^(−x²/2)/√(2π).
///
/// `output` may alias `input`; `dInput` must not alias `dOutput`.
public enum GELU: PointwiseActivation {
    static let sqrtHalf: Float = 0.70710678118654752440
    static let inverseSqrtTwoPi: Float = 0.39894228040143267794

    public static func value(_ x: Float) -> Float {
        x * 0.5 * (1 + erff(x * sqrtHalf))
    }

    public static func derivative(_ x: Float) -> Float {
        let cdf = 0.5 * (1 + erff(x * sqrtHalf))
        let pdf = inverseSqrtTwoPi * expf(x * x * -0.5)
        return cdf + x * pdf
    }

    /// Φ(x) = ½·erfc(−x/√2), which keeps its relative precision in the left tail.
    @inline(__always) public static func value(_ x: VectorMath.Vector) -> VectorMath.Vector {
        x * 0.5 * VectorMath.erfc(x * -sqrtHalf)
    }

    @inline(__always) public static func derivative(_ x: VectorMath.Vector) -> VectorMath.Vector {
        let cdf = 0.5 * VectorMath.erfc(x * -sqrtHalf)
        let pdf = inverseSqrtTwoPi * VectorMath.exp(x * x * -0.5)
        return cdf + x * pdf
    }

    public static let forwardCost = 16
    public static let backwardCost = 24

    // MARK: The kernel's entry points (`PointwiseActivation`'s loops, compiled for this activation)

    public static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int) {
        forwardLoop(output: output, input: input, count: count)
    }

    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int
    ) {
        backwardLoop(dInput: dInput, dOutput: dOutput, input: input, count: count)
    }

    public static func backwardOverwriting(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int
    ) {
        backwardOverwritingLoop(dInput: dInput, dOutput: dOutput, input: input, count: count)
    }
}

/// `nn.Softplus()` with PyTorch's defaults beta = 1, threshold = 20:
/// y = x if x > 20, else log(1 + eˣ); dy/dx = 1 if x > 20, else eˣ/(eˣ + 1).
///
/// Mamba's `delta = softplus(dt_proj(x))` uses it. `output` may alias `input`; `dInput` must not
/// alias `dOutput`.
public enum Softplus: PointwiseActivation {
    /// Above this input the function is the identity (PyTorch's `threshold`, beta = 1).
    public static let threshold: Float = 20

    public static func value(_ x: Float) -> Float {
        x > threshold ? x : log1pf(expf(x))
    }

    public static func derivative(_ x: Float) -> Float {
        if x > threshold { return 1 }
        let z = expf(x)
        return z / (z + 1)
    }

    /// log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), which never overflows.
    @inline(__always) public static func value(_ x: VectorMath.Vector) -> VectorMath.Vector {
        let smooth =
            x.replacing(with: 0, where: x .< 0) + VectorMath.log1p(VectorMath.exp(x.replacing(with: -x, where: x .> 0)))
        return smooth.replacing(with: x, where: x .> threshold)
    }

    @inline(__always) public static func derivative(_ x: VectorMath.Vector) -> VectorMath.Vector {
        let z = VectorMath.exp(x.replacing(with: 0, where: x .> threshold))
        return (z / (z + 1)).replacing(with: 1, where: x .> threshold)
    }

    public static let forwardCost = 24
    public static let backwardCost = 16

    // MARK: The kernel's entry points (`PointwiseActivation`'s loops, compiled for this activation)

    public static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int) {
        forwardLoop(output: output, input: input, count: count)
    }

    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int
    ) {
        backwardLoop(dInput: dInput, dOutput: dOutput, input: input, count: count)
    }

    public static func backwardOverwriting(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int
    ) {
        backwardOverwritingLoop(dInput: dInput, dOutput: dOutput, input: input, count: count)
    }
}

/// `nn.Softshrink(lambd)`: y = x − λ if x > λ, x + λ if x < −λ, else 0 (λ ≥ 0).
/// Backward passes dOutput where |x| > λ and 0 where −λ ≤ x ≤ λ (PyTorch's `softshrink_backward`).
///
/// EinFFT applies it to the real and imaginary parts separately. `output` may alias `input`;
/// `dInput` must not alias `dOutput`.
public enum Softshrink {
    public static func value(_ x: Float, lambda: Float) -> Float {
        x > lambda ? x - lambda : (x < -lambda ? x + lambda : 0)
    }

    public static func derivative(_ x: Float, lambda: Float) -> Float {
        x >= -lambda && x <= lambda ? 0 : 1
    }

    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count)
        count: Int, lambda: Float
    ) {
        precondition(lambda >= 0, "Softshrink lambda must be non-negative, got \(lambda)")
        Parallel.forEachRange(count) { range in
            for i in range { output[i] = value(input[i], lambda: lambda) }
        }
    }

    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (count), +=
        dOutput: UnsafePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count), the forward input
        count: Int, lambda: Float
    ) {
        Parallel.forEachRange(count) { range in
            for i in range where !(input[i] >= -lambda && input[i] <= lambda) { dInput[i] += dOutput[i] }
        }
    }
}
