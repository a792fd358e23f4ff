// VectorMath's exp, log1p and erfc against Foundation's double-precision functions over the
// ranges the activations feed them, with the error bounds its doc comment states; its square
// root against Float.squareRoot(), bit for bit, and scale (p·2^n) against exact powers of two.

import Foundation
import SimbaCore
import Testing

#if SIMBA_KERNELS_AVX512
    @testable import SimbaKernelsAVX512
#elseif SIMBA_KERNELS_AVX2
    @testable import SimbaKernelsAVX2
#else
    @testable import SimbaKernelsBaseline
#endif

@Suite(.enabled(if: testedLevelRuns)) struct VectorMathTests {
    /// Largest relative error of `vector` against `reference` over `inputs` (16 at a time).
    static func worstRelativeError(
        _ inputs: [Float], _ vector: (VectorMath.Vector) -> VectorMath.Vector, _ reference: (Double) -> Double
    ) -> (error: Double, at: Float) {
        var worst = (error: 0.0, at: Float(0))
        for start in stride(from: 0, to: inputs.count, by: 16) {
            let n = min(16, inputs.count - start)
            let out = inputs[start..<start + n].withUnsafeBufferPointer { vector(VectorMath.load($0.baseAddress!, n)) }
            for lane in 0..<n {
                let expected = reference(Double(inputs[start + lane]))
                let error = abs(Double(out[lane]) - expected) / max(abs(expected), Double(Float.leastNormalMagnitude))
                if error > worst.error { worst = (error, inputs[start + lane]) }
            }
        }
        return worst
    }

    /// `count` evenly spaced floats over [low, high].
    static func grid(_ low: Float, _ high: Float, count: Int) -> [Float] {
        (0..<count).map { low + (high - low) * Float($0) / Float(count - 1) }
    }

    @Test func expIsWithinTwoUlpOverTheNormalRange() {
        let worst = Self.worstRelativeError(Self.grid(-87, 88.5, count: 200_003), VectorMath.exp, Foundation.exp)
        // 2 ulp of a float is 2·2^−23 ≈ 2.4e-7 relative.
        #expect(worst.error <= 2.4e-7, "exp: relative error \(worst.error) at \(worst.at)")
    }

    @Test func expSaturatesAndPropagatesNaN() {
        let inputs: [Float] = [-1000, -88, 89, 1000, .nan, -.infinity, .infinity, 0] + Array(repeating: 0, count: 8)
        let out = inputs.withUnsafeBufferPointer { VectorMath.exp(VectorMath.load($0.baseAddress!, 16)) }
        #expect(out[0] == 0 && out[1] == 0 && out[5] == 0, "below the normal range exp is 0")
        #expect(out[2] == .infinity && out[3] == .infinity && out[6] == .infinity)
        #expect(out[4].isNaN)
        #expect(out[7] == 1)
    }

    @Test func log1pKeepsRelativePrecisionForTinyArguments() {
        let inputs = Self.grid(0, 1, count: 100_003) + (1...40).map { Float(pow(10, -Double($0))) }
        let worst = Self.worstRelativeError(inputs, VectorMath.log1p, Foundation.log1p)
        #expect(worst.error <= 3.6e-7, "log1p: relative error \(worst.error) at \(worst.at)")
    }

    @Test func erfcHasSmallRelativeErrorInBothTails() {
        let worst = Self.worstRelativeError(Self.grid(-9, 9, count: 100_003), VectorMath.erfc, Foundation.erfc)
        // Numerical Recipes' fit is good to 1.2e-7 relative; exp and the rounding of −x² + P(t)
        // (up to 81 in magnitude, ulp 7.6e-6 → 7.6e-6 relative at the far tail) add the rest.
        #expect(worst.error <= 1e-5, "erfc: relative error \(worst.error) at \(worst.at)")
    }

    /// AdamW's denominator relies on this being the IEEE square root, not an approximation.
    @Test func squareRootMatchesTheScalarOneBitForBit() {
        var inputs: [Float] = [
            0, -0.0, .leastNonzeroMagnitude, .leastNormalMagnitude, 1, 2, 3, .greatestFiniteMagnitude, .infinity
        ]
        var generator = RandomGenerator(seed: 5)  // every finite non-negative bit pattern is fair game
        for _ in 0..<4096 {
            inputs.append(Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()) % 0x7F80_0000))
        }
        for start in stride(from: 0, to: inputs.count, by: 16) {
            let n = min(16, inputs.count - start)
            let out = inputs[start..<start + n].withUnsafeBufferPointer {
                VectorMath.squareRoot(VectorMath.load($0.baseAddress!, n))
            }
            for lane in 0..<n {
                #expect(
                    out[lane].bitPattern == inputs[start + lane].squareRoot().bitPattern,
                    "sqrt(\(inputs[start + lane]))")
            }
        }
        #expect(VectorMath.squareRoot(VectorMath.Vector(repeating: -1))[0].isNaN)
    }

    /// p·2^⌊x⌋ is exact over the normal range in both builds (vscalefps or exponent bits), for
    /// integral x and between integers; below it the result is at most 2^−126·p (denormal or 0 with
    /// AVX-512, clamped otherwise).
    @Test func scaleIsExactOverTheNormalRange() {
        var generator = RandomGenerator(seed: 6)
        for n in -126...126 {
            let p = VectorMath.Vector((0..<16).map { _ in 1 + Float(generator.next() % (1 << 23)) / Float(1 << 23) })
            for x in [Float(n), Float(n) + 0.25, Float(n) + 0.999_9] {
                let out = VectorMath.scale(p, VectorMath.Vector(repeating: x))
                for lane in 0..<16 {
                    let expected = Float(sign: .plus, exponent: n, significand: p[lane])
                    #expect(out[lane].bitPattern == expected.bitPattern, "\(p[lane])·2^⌊\(x)⌋")
                }
            }
        }
        let below = VectorMath.scale(VectorMath.Vector(repeating: 1.5), VectorMath.Vector(repeating: -140))
        #expect(below[0] >= 0 && below[0] <= 1.5 * 0x1p-126)
    }

    /// x − ⌊x⌋ is exact and in [0, 1) over [−126, 127] in both builds, negative x included (an
    /// integral x may give −0: vreduceps subtracts rounding down).
    @Test func fractionIsExact() {
        var generator = RandomGenerator(seed: 7)
        for _ in 0..<2_000 {
            let x = VectorMath.Vector(
                (0..<16).map { _ in -126 + 253 * Float(generator.next() % (1 << 24)) / Float(1 << 24) })
            let f = VectorMath.fraction(x)
            for lane in 0..<16 {
                let expected = x[lane] - x[lane].rounded(.down)
                #expect(f[lane] == expected && f[lane] < 1, "fraction(\(x[lane])) = \(f[lane])")
            }
        }
        #expect(VectorMath.fraction(VectorMath.Vector(repeating: -3))[0] == 0)
        #expect(VectorMath.fraction(VectorMath.Vector(repeating: -0.25))[0] == 0.75)
    }
}
