// Activations: forward against double-precision formulas, backward against central finite
// differences (away from the kinks of ReLU and Softshrink), and the parallel path on a large array.

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

@Suite(.enabled(if: testedLevelRuns)) struct ActivationTests {
    typealias Forward = (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void
    typealias Backward = (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Void

    static let lambda: Float = 0.5
    static let step: Float = 1e-2

    // Double-precision twins of the PyTorch definitions.
    static func relu(_ x: Double) -> Double { max(x, 0) }
    static func silu(_ x: Double) -> Double { x / (1 + exp(-x)) }
    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }
    static func softplus(_ x: Double) -> Double { x > 20 ? x : log1p(exp(x)) }
    static func softshrink(_ x: Double) -> Double {
        let l = Double(lambda)
        return x > l ? x - l : (x < -l ? x + l : 0)
    }

    /// Inputs N(0, 3²) plus saturating values, moved at least 3 FD steps away from `kinks`.
    static func inputs(count: Int, seed: UInt64, kinks: [Float] = []) -> [Float] {
        var x = randomArray(count, scale: 3, seed: seed) + [-30, -12, 12, 30]
        for i in x.indices {
            for kink in kinks where abs(x[i] - kink) < 3 * step {
                x[i] = kink + (x[i] >= kink ? 3 : -3) * step
            }
        }
        return x
    }

    func checkForward(_ x: [Float], _ forward: Forward, _ reference: (Double) -> Double, _ what: String) {
        let y = FloatBuffer(count: x.count)
        forward(y.pointer, x, x.count)
        // float32 libm (≤ 2 ulp) plus ≤ 3 roundings: ≤ 1e-6 relative; GELU's 1 + erf(x/√2) loses
        // up to ulp(1)·|x|/2 ≈ 2e-6 absolute for |x| ≤ 30 (PyTorch's formula has the same loss).
        expectClose(y.array, x.map { Float(reference(Double($0))) }, atol: 2e-6, rtol: 2e-6, what)
    }

    func checkBackward(_ values: [Float], _ forward: Forward, _ backward: Backward, _ what: String) {
        let x = FloatBuffer(values)
        let y = FloatBuffer(count: x.count)
        let dy = FloatBuffer(randomArray(x.count, seed: 99))
        let initial = randomArray(x.count, seed: 98)
        let dx = FloatBuffer(initial)
        func objective() -> Double {
            forward(y.pointer, x.pointer, x.count)
            return dot(y.pointer, dy.pointer, y.count)
        }
        backward(dx.pointer, dy.pointer, x.pointer, x.count)
        let numeric = numericGradient(of: x.pointer, count: x.count, step: Self.step, objective)
        // Truncation h²/6·|f'''| ≤ 2e-5; float32 rounding of y (|y| ≤ 30, ulp ≤ 2e-6) over 2h = 0.02
        // gives ≤ 2e-4·|dy|, and the rounded step x ± h is off by ≤ 1e-4 relative. The expected
        // value includes the initial dInput, so accumulation (+=) is checked too.
        let expected = zip(initial, numeric).map { $0 + $1 }
        expectClose(dx.array, expected, atol: 5e-4, rtol: 1e-3, what)
    }

    @Test func reluMatchesReferenceAndFiniteDifferences() {
        let x = Self.inputs(count: 24, seed: 1, kinks: [0])
        checkForward(x + [0], { ReLU.forward(output: $0, input: $1, count: $2) }, Self.relu, "ReLU forward")
        checkBackward(
            x, { ReLU.forward(output: $0, input: $1, count: $2) },
            { ReLU.backward(dInput: $0, dOutput: $1, input: $2, count: $3) }, "ReLU dInput")
        var dx: Float = 0
        var one: Float = 1, zero: Float = 0
        ReLU.backward(dInput: &dx, dOutput: &one, input: &zero, count: 1)
        #expect(dx == 0, "ReLU gradient at 0 is 0, as PyTorch's threshold_backward")
    }

    @Test func siluMatchesReferenceAndFiniteDifferences() {
        let x = Self.inputs(count: 24, seed: 2)
        checkForward(x + [-100, 100], { SiLU.forward(output: $0, input: $1, count: $2) }, Self.silu, "SiLU forward")
        checkBackward(
            x, { SiLU.forward(output: $0, input: $1, count: $2) },
            { SiLU.backward(dInput: $0, dOutput: $1, input: $2, count: $3) }, "SiLU dInput")
    }

    @Test func geluMatchesReferenceAndFiniteDifferences() {
        let x = Self.inputs(count: 24, seed: 3)
        checkForward(x, { GELU.forward(output: $0, input: $1, count: $2) }, Self.gelu, "GELU forward")
        checkBackward(
            x, { GELU.forward(output: $0, input: $1, count: $2) },
            { GELU.backward(dInput: $0, dOutput: $1, input: $2, count: $3) }, "GELU dInput")
    }

    @Test func softplusMatchesReferenceOnBothSidesOfTheThreshold() {
        let x = Self.inputs(count: 16, seed: 4) + [-25, 0, 19.5, 19.9, 20.1, 20.5, 25]
        checkForward(
            x + [20, 100], { Softplus.forward(output: $0, input: $1, count: $2) }, Self.softplus, "Softplus forward")
        checkBackward(
            x, { Softplus.forward(output: $0, input: $1, count: $2) },
            { Softplus.backward(dInput: $0, dOutput: $1, input: $2, count: $3) }, "Softplus dInput")
        // Above the threshold the function is exactly the identity with gradient exactly 1.
        #expect(Softplus.value(20.5) == 20.5 && Softplus.derivative(20.5) == 1)
    }

    @Test func softshrinkMatchesReferenceAndFiniteDifferences() {
        let lambda = Self.lambda
        let x = Self.inputs(count: 24, seed: 5, kinks: [-lambda, lambda]) + [0.1, -0.2]
        let forward: Forward = { Softshrink.forward(output: $0, input: $1, count: $2, lambda: lambda) }
        checkForward(x + [lambda, -lambda], forward, Self.softshrink, "Softshrink forward")
        checkBackward(
            x, forward, { Softshrink.backward(dInput: $0, dOutput: $1, input: $2, count: $3, lambda: lambda) },
            "Softshrink dInput")
        #expect(
            Softshrink.derivative(lambda, lambda: lambda) == 0 && Softshrink.derivative(-lambda, lambda: lambda) == 0)
    }

    /// The 16-lane kernels against their libm twins on 40 003 elements (above Parallel's inline
    /// threshold, not a multiple of 16, so split ranges and the padded tail are exercised).
    @Test func vectorKernelsAgreeWithTheirLibmTwins() {
        let count = 40_003
        let x = FloatBuffer(randomArray(count - 6, scale: 6, seed: 6) + [-100, -30, -0.0, 19.99, 20.01, 100])
        let dy = FloatBuffer(randomArray(count, seed: 7)), start = randomArray(count, seed: 8)
        func check<A: PointwiseActivation & PointwiseActivationKernel>(_: A.Type, _ what: String) {
            let y = FloatBuffer(count: count), yRef = FloatBuffer(count: count)
            let dx = FloatBuffer(start), dxRef = FloatBuffer(start)
            A.forward(output: y.pointer, input: x.pointer, count: count)
            for i in 0..<count { yRef[i] = A.value(x[i]) }
            A.backward(dInput: dx.pointer, dOutput: dy.pointer, input: x.pointer, count: count)
            for i in 0..<count { dxRef[i] += dy[i] * A.derivative(x[i]) }
            // VectorMath's exp/log1p/erfc are within a few ulp of libm's (VectorMathTests) and each
            // formula adds ≤ 4 roundings: ≤ 1e-6 relative, plus 1e-7 absolute where a result
            // cancels to near 0. The backward adds dy·f'(x) to a starting dInput of magnitude up
            // to ~4 (ulp 4.8e-7), so its sums can cancel: 1e-6 absolute there.
            expectClose(y.array, yRef.array, atol: 1e-7, rtol: 1e-6, what + " forward")
            expectClose(dx.array, dxRef.array, atol: 1e-6, rtol: 1e-6, what + " backward")
            // backwardOverwriting: exactly the product `backward` adds, whatever the buffer held.
            let written = FloatBuffer(start), added = FloatBuffer(count: count)
            A.backwardOverwriting(dInput: written.pointer, dOutput: dy.pointer, input: x.pointer, count: count)
            A.backward(dInput: added.pointer, dOutput: dy.pointer, input: x.pointer, count: count)
            #expect(written.array == added.array, "\(what) backwardOverwriting")
        }
        check(SiLU.self, "SiLU")
        check(GELU.self, "GELU")
        check(Softplus.self, "Softplus")
    }
}
